"""The test databases are built by the Alembic migrations, up to the newest revision."""
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from marketplace.extensions import db


def test_database_is_at_the_newest_revision(app):
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = set(ScriptDirectory.from_config(config).get_heads())
        current = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    assert len(heads) == 1, "the migrations have more than one head; merge them"
    assert current == heads


def test_the_migrations_create_every_table_of_the_models(app):
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
