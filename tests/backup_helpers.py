"""Fingerprints of a database and a folder, to prove a backup restored without loss."""
import hashlib
from pathlib import Path

import sqlalchemy as sa


def table_fingerprints(url):
    """{table: (row count, SHA-256 of its rows in a stable order)} of every table."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            result = {}
            for table in sorted(sa.inspect(connection).get_table_names()):
                rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                lines = sorted(repr(tuple(row)) for row in rows)
                result[table] = (len(rows), hashlib.sha256("\n".join(lines).encode()).hexdigest())
            return result
    finally:
        engine.dispose()


def folder_fingerprint(folder):
    """{relative path: SHA-256} of every file under `folder`."""
    folder = Path(folder)
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}
