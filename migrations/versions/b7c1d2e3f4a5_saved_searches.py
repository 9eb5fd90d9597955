"""saved searches and their alerts

Revision ID: b7c1d2e3f4a5
Revises: a94529c069b9
Create Date: 2026-11-27 05:30:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.types  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = 'a94529c069b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(), nullable=False),
    sa.Column('last_digest_at', marketplace.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches')),
    sa.UniqueConstraint('token', name=op.f('uq_saved_searches_token'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)

    op.create_table('saved_search_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('saved_search_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('matched_at', marketplace.types.UTCDateTime(), nullable=False),
    sa.Column('notified_at', marketplace.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['saved_search_id'], ['saved_searches.id'], name=op.f('fk_saved_search_matches_saved_search_id_saved_searches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search_matches')),
    sa.UniqueConstraint('saved_search_id', 'entity', 'entity_id', name=op.f('uq_saved_search_matches_saved_search_id'))
    )
    with op.batch_alter_table('saved_search_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_search_matches_notified_at'), ['notified_at'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_search_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_search_matches_notified_at'))

    op.drop_table('saved_search_matches')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))

    op.drop_table('saved_searches')
