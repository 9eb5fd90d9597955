"""saved searches and their alerts

Revision ID: b7c1d2e3f4a5
Revises: a94529c069b9
Create Date: 2026-11-27 05:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import marketplace.types  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = 'a94529c069b9'
branch_labels = None
depends_on = None


def upgrade():
    pass  # being written


def downgrade():
    pass
