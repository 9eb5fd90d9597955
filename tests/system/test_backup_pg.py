"""`flask backup` and `flask restore` through the real commands, on PostgreSQL in CI (pg_dump
and pg_restore; SQLite when TEST_DATABASE_URL is unset): the demo market backed up and restored
into another fresh database, without loss."""
import json
import tarfile

from ..backup_helpers import folder_fingerprint, table_fingerprints
from .demo_market import copy_uploads, demo_database
from .servers import AppServer, drop_database, fresh_database


def test_demo_market_round_trip(tmp_path):
    source_url = demo_database(tmp_path, "bsrc")  # the demo market, seeded
    target_url = fresh_database(tmp_path, "bdst")
    try:
        source = AppServer(tmp_path / "source", source_url)
        uploads = source.instance / "uploads"
        copy_uploads(uploads)
        (uploads / "extra-evidence.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
        archive = tmp_path / "market.tar.gz"
        result = source.flask("backup", "--output", str(archive))
        assert "Backup written" in result.stdout
        if source_url.startswith("postgresql"):
            with tarfile.open(archive) as tar:
                assert "database.pgdump" in tar.getnames()
                manifest = json.load(tar.extractfile("manifest.json"))
            assert manifest["database"] == "postgresql"
            assert "market:" not in archive.read_bytes().decode("latin-1")  # no password

        target = AppServer(tmp_path / "target", target_url)
        result = target.flask("restore", str(archive))
        assert "checksums good" in result.stdout and "Search index rebuilt" in result.stdout

        before, after = table_fingerprints(source_url), table_fingerprints(target_url)
        assert after == before
        assert before["contracts"][0] > 0 and before["settings"] is not None
        assert folder_fingerprint(target.instance / "uploads") == folder_fingerprint(uploads)
        # The restored market searches: the index was rebuilt from the restored rows.
        check = target.flask("search", "check")  # exits 1 on any difference
        assert "Missing from the index: 0" in check.stdout

        again = target.flask("restore", str(archive), check=False)
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        drop_database(source_url)
        drop_database(target_url)
