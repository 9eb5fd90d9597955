"""The demo market (`flask seed-demo`), seeded once per test process and copied for each test
that needs one: seeding takes half a minute, a copy (CREATE DATABASE … TEMPLATE, or a file
copy on SQLite) a moment."""
import atexit
import shutil
import tempfile
from pathlib import Path

from .servers import AppServer, drop_database, fresh_database

_seeded = {}


def demo_database(tmp_path, label):
    """The URL of a new copy of the demo market's database."""
    if not _seeded:
        root = Path(tempfile.mkdtemp(prefix="demo-market-"))
        url = fresh_database(root, "demo")
        atexit.register(drop_database, url)
        server = AppServer(root / "instance", url)
        server.flask("db", "upgrade")
        server.flask("seed-demo")
        _seeded.update(url=url, uploads=server.instance / "uploads")
    return fresh_database(tmp_path, label, template=_seeded["url"])


def copy_uploads(upload_dir):
    """The demo's uploaded files (the contracts' signed copies) into `upload_dir`."""
    shutil.copytree(_seeded["uploads"], upload_dir, dirs_exist_ok=True)
