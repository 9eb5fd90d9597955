"""message threads between the parties of a listing, need or deal

Revision ID: c8d2e3f4a5b6
Revises: b7c1d2e3f4a5
Create Date: 2026-11-27 05:30:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.types  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = 'c8d2e3f4a5b6'
down_revision = 'b7c1d2e3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=10), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('counterpart_org_id', sa.Integer(), nullable=True),
    sa.Column('counterpart_user_id', sa.Integer(), nullable=True),
    sa.Column('counterpart_key', sa.String(length=30), nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(), nullable=False),
    sa.Column('last_message_at', marketplace.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("entity IN ('listing', 'need', 'deal')", name=op.f('ck_message_threads_entity')),
    sa.ForeignKeyConstraint(['counterpart_org_id'], ['organizations.id'], name=op.f('fk_message_threads_counterpart_org_id_organizations')),
    sa.ForeignKeyConstraint(['counterpart_user_id'], ['users.id'], name=op.f('fk_message_threads_counterpart_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_threads')),
    sa.UniqueConstraint('entity', 'entity_id', 'counterpart_key', name='uq_message_threads_entity_counterpart')
    )
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_threads_counterpart_org_id'), ['counterpart_org_id'], unique=False)
        batch_op.create_index('ix_message_threads_last_message_at', ['last_message_at'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_messages_sender_id_users')),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_messages_thread_id_message_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_thread_id_id', ['thread_id', 'id'], unique=False)

    op.create_table('message_thread_reads',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['last_read_message_id'], ['messages.id'], name=op.f('fk_message_thread_reads_last_read_message_id_messages')),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_message_thread_reads_thread_id_message_threads')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_thread_reads_user_id_users')),
    sa.PrimaryKeyConstraint('thread_id', 'user_id', name=op.f('pk_message_thread_reads'))
    )
    with op.batch_alter_table('message_thread_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_thread_reads_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('message_thread_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_thread_reads_user_id'))

    op.drop_table('message_thread_reads')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_thread_id_id')

    op.drop_table('messages')
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.drop_index('ix_message_threads_last_message_at')
        batch_op.drop_index(batch_op.f('ix_message_threads_counterpart_org_id'))

    op.drop_table('message_threads')
