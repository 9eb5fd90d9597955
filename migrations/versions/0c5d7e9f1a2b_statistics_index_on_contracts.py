"""statistics: one covering index on contracts for the statistics queries

Revision ID: 0c5d7e9f1a2b
Revises: ffe3748f9b78
Create Date: 2026-11-27 12:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0c5d7e9f1a2b'
down_revision = 'ffe3748f9b78'
branch_labels = None
depends_on = None

# marketplace/stats/models.py: the range (status, certified_at), then every column the
# statistics group by or sum, so that they are answered from the index alone.
COLUMNS = ['status', 'certified_at', 'contract_type', 'field', 'tech_domain',
           'seller_entity_type', 'buyer_entity_type', 'seller_region', 'buyer_region',
           'is_import', 'total_amount', 'technology_amount', 'submitted_at',
           'achievement_id', 'broker_id']


def upgrade():
    op.create_index('ix_contracts_stats', 'contracts', COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_contracts_stats', table_name='contracts')
