"""message threads between the parties of a listing, need or deal

Revision ID: c8d2e3f4a5b6
Revises: b7c1d2e3f4a5
Create Date: 2026-11-27 05:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import marketplace.types  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = 'c8d2e3f4a5b6'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    pass  # being written


def downgrade():
    pass
