"""`flask backup` / `flask restore` on SQLite: a round trip without loss, and the refusals.
(PostgreSQL, with pg_dump/pg_restore: tests/system/test_backup_pg.py.)"""
import json
import tarfile

import pytest

from marketplace import settings
from marketplace.backup import BackupError, read_archive
from marketplace.extensions import db

from .backup_helpers import folder_fingerprint, table_fingerprints
from .conftest import POSTGRES_URL
from .factories import make_file, make_member, make_user

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite round trip; PostgreSQL's "
                                "is tests/system/test_backup_pg.py")


@pytest.fixture
def market(app):
    """Some of everything: organisations, users, an uploaded file, a changed setting."""
    with app.app_context():
        member = make_member("institute")
        make_file(member)
        settings.update({"contract_review_days": "12"}, make_user("admin"))
        db.session.commit()
    return app


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def test_round_trip_without_loss(market, make_app, tmp_path):
    archive = tmp_path / "market.tar.gz"
    result = run(market, "backup", "--output", str(archive))
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "database.sqlite3", "settings.json"} <= names
    assert any(name.startswith("uploads/") for name in names)

    target = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'restored.db'}",
                      UPLOAD_DIR=str(tmp_path / "restored-uploads"),
                      SEARCH_INDEX_DIR=str(tmp_path / "restored-index"))
    result = run(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt" in result.output

    source_url = market.config["SQLALCHEMY_DATABASE_URI"]
    target_url = target.config["SQLALCHEMY_DATABASE_URI"]
    assert table_fingerprints(target_url) == table_fingerprints(source_url)
    assert folder_fingerprint(tmp_path / "restored-uploads") == \
        folder_fingerprint(market.config["UPLOAD_DIR"])
    assert folder_fingerprint(tmp_path / "restored-uploads")  # the file made it
    with target.app_context():
        assert settings.get("contract_review_days") == 12
    with market.app_context():
        manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
        assert manifest["database"] == "sqlite"
        assert manifest["schema_revision"] == db.session.scalar(
            db.text("SELECT version_num FROM alembic_version"))
    snapshot = json.loads(tarfile.open(archive).extractfile("settings.json").read())
    assert snapshot["settings"]["contract_review_days"] == "12"
    assert "SECRET_KEY" not in snapshot["config"]


def test_restore_refuses_a_database_that_is_not_empty(market, tmp_path):
    archive = tmp_path / "market.tar.gz"
    run(market, "backup", "--output", str(archive))
    result = market.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "not empty" in result.output
    forced = market.test_cli_runner().invoke(args=["restore", "--force", "--no-reindex",
                                                   str(archive)])
    assert forced.exit_code == 0, forced.output
    assert "flask search rebuild" in forced.output


def test_a_tampered_archive_is_refused(market, tmp_path):
    archive = tmp_path / "market.tar.gz"
    run(market, "backup", "--output", str(archive))
    work = tmp_path / "x"
    read_archive(archive, work)  # intact: fine
    (work / "settings.json").write_text("{}")
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as tar:
        for path in sorted(work.rglob("*")):
            if path.is_file():
                tar.add(path, str(path.relative_to(work)))
    with pytest.raises(BackupError, match="checksum mismatch: settings.json"):
        read_archive(tampered, tmp_path / "y")
