"""`flask backup` and `flask restore`: the whole market in one tar.gz.

The archive holds:
  manifest.json   when, the schema revision, the database kind, the SHA-256 of every file
  database.sqlite3 (SQLite: a consistent copy by sqlite3's online backup API)
  or database.pgdump (PostgreSQL: `pg_dump --format=custom`, the password through PGPASSWORD)
  uploads/…       the stored files, byte for byte
  settings.json   the admin's settings (they live in the database; here for reading) and the
                  non-secret configuration the backup was made under

Restore goes into an empty database (a non-empty one only with force), checks the manifest
and every checksum first, restores the database (pg_restore, or the SQLite copy) and the
uploads, and rebuilds the search index from the restored database. The commands speak English
(operators' tools, like the other `flask` commands); nothing here is shown to market users.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db

FORMAT = 1
SECRET_WORDS = ("SECRET", "PASSWORD", "KEY", "TOKEN", "DATABASE_URI")
CONFIG_KEYS = ("SEARCH_INDEX_DIR", "UPLOAD_DIR", "MAX_UPLOAD_BYTES", "BABEL_DEFAULT_LOCALE",
               "BABEL_DEFAULT_TIMEZONE", "API_TOKEN_HOURS", "SEARCH_FOLLOW_SECONDS",
               "ENV_NAME")


class BackupError(Exception):
    pass


# --- helpers -----------------------------------------------------------------------------

def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _url():
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _kind(url):
    return "postgresql" if url.get_backend_name() == "postgresql" else url.get_backend_name()


def _pg_args(url):
    """Connection options for pg_dump/pg_restore and the environment carrying the password
    (never on the command line, where `ps` would show it)."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


def _schema_revision():
    try:
        return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None


def _settings_snapshot():
    from . import settings

    values = {key: str(value) for key, value in settings.all_values().items()}
    config = {key: current_app.config.get(key) for key in CONFIG_KEYS}
    config = {key: value for key, value in config.items()
              if not any(word in key for word in SECRET_WORDS)}
    return {"settings": values, "config": config}


# --- backup ------------------------------------------------------------------------------

def backup(output=None):
    """Write the archive; returns its path."""
    url = _url()
    kind = _kind(url)
    moment = datetime.now(UTC)
    if output is None:
        folder = Path(current_app.instance_path) / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        output = folder / f"market-{moment:%Y%m%dT%H%M%SZ}.tar.gz"
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="market-backup-") as tmp:
        work = Path(tmp)
        if kind == "sqlite":
            database = "database.sqlite3"
            _sqlite_copy(url.database, work / database)
        elif kind == "postgresql":
            database = "database.pgdump"
            args, env = _pg_args(url)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
                  "--file", str(work / database)], env)
        else:
            raise BackupError(f"cannot back up a {kind} database")
        uploads = Path(current_app.config["UPLOAD_DIR"])
        if uploads.is_dir():
            shutil.copytree(uploads, work / "uploads")
        else:
            (work / "uploads").mkdir()
        (work / "settings.json").write_text(
            json.dumps(_settings_snapshot(), ensure_ascii=False, indent=1, default=str),
            encoding="utf-8")
        files = {str(path.relative_to(work)): _sha256(path)
                 for path in sorted(work.rglob("*")) if path.is_file()}
        manifest = {"format": FORMAT, "created_at": moment.isoformat(),
                    "schema_revision": _schema_revision(), "database": kind,
                    "database_file": database, "files": files}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", "manifest.json")
            for name in files:
                archive.add(work / name, name)
        partial.replace(output)  # never a half-written archive under the final name
    return output


def _sqlite_copy(source, target):
    """A consistent copy of a live SQLite database (the online backup API: writers may keep
    writing meanwhile)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


# --- restore -----------------------------------------------------------------------------

def read_archive(archive, into):
    """Extract `archive` into the folder `into` and check it; returns the manifest."""
    into = Path(into)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(into, filter="data")  # refuses absolute paths, .., links out
    try:
        manifest = json.loads((into / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable manifest.json in {archive}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    present = {str(p.relative_to(into)) for p in into.rglob("*")
               if p.is_file() and p.name != "manifest.json"}
    listed = set(manifest["files"])
    if present != listed:
        raise BackupError(f"the archive's files differ from its manifest: "
                          f"missing {sorted(listed - present)}, extra {sorted(present - listed)}")
    for name, digest in manifest["files"].items():
        if _sha256(into / name) != digest:
            raise BackupError(f"checksum mismatch: {name}")
    return manifest


def database_is_empty():
    """No table of the app holds a row (a database made by `createdb`, or just migrated)."""
    inspector = sa.inspect(db.engine)
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        if db.session.scalar(sa.text(f'SELECT 1 FROM "{table}" LIMIT 1')) is not None:
            db.session.rollback()
            return False
    db.session.rollback()
    return True


def restore(archive, force=False, reindex=True, echo=print):
    """Restore `archive` into this app's database and upload folder."""
    url = _url()
    kind = _kind(url)
    uploads = Path(current_app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory(prefix="market-restore-") as tmp:
        work = Path(tmp)
        manifest = read_archive(archive, work)
        echo(f"Archive of {manifest['created_at']}: {manifest['database']} database, schema "
             f"{manifest['schema_revision']}, {len(manifest['files'])} files; checksums good.")
        if manifest["database"] != kind:
            raise BackupError(f"the archive holds a {manifest['database']} database; this "
                              f"app uses {kind}")
        has_uploads = uploads.is_dir() and any(uploads.iterdir())
        if not force and (not database_is_empty() or has_uploads):
            raise BackupError("the database or the upload folder is not empty: restore goes "
                              "into an empty one (or pass --force to replace it)")
        db.session.remove()
        db.engine.dispose()
        source = work / manifest["database_file"]
        if kind == "sqlite":
            _sqlite_restore(source, url.database)
        else:
            _pg_restore(url, source)
        if uploads.exists():
            shutil.rmtree(uploads)
        shutil.copytree(work / "uploads", uploads)
        echo(f"Database and {sum(1 for p in uploads.rglob('*') if p.is_file())} uploaded "
             f"files restored.")
    if reindex:
        from .search.indexer import rebuild

        rebuild()
        echo("Search index rebuilt from the restored database.")
    else:
        echo("Now rebuild the search index: flask search rebuild")
    return manifest


def _sqlite_restore(source, target):
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # replaces every page of the target, tables it had included
    finally:
        dst.close()
        src.close()


def _pg_restore(url, source):
    args, env = _pg_args(url)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:  # empty (or, with force, emptied) public schema
            connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", *args, str(source)], env)


# --- commands ----------------------------------------------------------------------------

@click.command("backup")
@with_appcontext
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="The archive to write (default: instance/backups/market-<time>.tar.gz).")
def backup_command(output):
    """Back up the database, the uploaded files and the settings into one tar.gz."""
    try:
        path = backup(output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written: {path}")


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace a database and upload folder that are not empty.")
@click.option("--no-reindex", is_flag=True, help="Do not rebuild the search index now.")
def restore_command(archive, force, no_reindex):
    """Restore a `flask backup` archive into an empty database and upload folder."""
    try:
        restore(archive, force=force, reindex=not no_reindex, echo=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
