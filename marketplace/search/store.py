"""Where the index lives on disk, who may write it, and how far it has read the outbox.

    SEARCH_INDEX_DIR/v<SCHEMA_VERSION>/
        write.lock     held (flock) by the one process that writes: a sync or a rebuild
        current        the name of the live generation folder
        <generation>/  a whoosh index, and state.json: how far it has applied the outbox

A rebuild fills a new generation while searches go on using the old one, then switches
`current` with an atomic rename. A missing or unreadable generation raises IndexUnavailable;
the sync answers it with a rebuild.
"""
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from whoosh import index as whoosh_index

from .schema import SCHEMA_VERSION, make_schema


class IndexUnavailable(Exception):
    """The index is missing or cannot be read."""


class IndexStore:
    def __init__(self, base_dir):
        self.root = Path(base_dir) / f"v{SCHEMA_VERSION}"
        self.schema = make_schema()
        self._local = threading.local()  # per thread: the lock depth and a searcher

    # --- generations ------------------------------------------------------------------
    def current_name(self):
        try:
            return (self.root / "current").read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    def open(self):
        """(generation name, whoosh index) of the live index; IndexUnavailable if there is
        none or it cannot be read."""
        name = self.current_name()
        if name is None:
            raise IndexUnavailable("no index yet")
        try:
            index = whoosh_index.open_dir(str(self.root / name), schema=self.schema)
            with index.reader() as reader:
                reader.doc_count()
        except Exception as exc:  # whoosh raises many kinds on a damaged folder
            raise IndexUnavailable(f"index {name} cannot be read: {exc!r}") from exc
        return name, index

    def new_generation(self):
        """A new, empty index beside the live one: (name, index)."""
        name = f"g{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        path = self.root / name
        path.mkdir(parents=True)
        return name, whoosh_index.create_in(str(path), self.schema)

    def publish(self, name):
        """Make generation `name` the live index and delete the others."""
        tmp = self.root / f"current.{os.getpid()}.tmp"
        tmp.write_text(name, encoding="ascii")
        os.replace(tmp, self.root / "current")
        for path in self.root.iterdir():
            if path.is_dir() and path.name != name:
                shutil.rmtree(path, ignore_errors=True)

    def discard(self, name):
        shutil.rmtree(self.root / name, ignore_errors=True)

    # --- the outbox cursor --------------------------------------------------------------
    def read_state(self, name):
        """{"cursor": last outbox id applied, "gaps": {id: first seen}}: see sync.py."""
        try:
            state = json.loads((self.root / name / "state.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            state = {}
        return {"cursor": int(state.get("cursor", 0)), "gaps": dict(state.get("gaps", {}))}

    def write_state(self, name, state):
        """Written after the index commit, atomically: a crash in between only means some
        rows are applied twice, and applying a row is idempotent."""
        tmp = self.root / name / f"state.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / name / "state.json")

    # --- the writer lock ----------------------------------------------------------------
    @contextmanager
    def writing(self, wait=0.0):
        """Hold the inter-process writer lock; yields False at once (wait=0) or after `wait`
        seconds when another process or thread holds it. Re-entrant within a thread."""
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield True
            finally:
                self._local.depth -= 1
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "write.lock", "a+b") as lock_file:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.05)
            self._local.depth = 1
            try:
                yield True
            finally:
                self._local.depth = 0
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    # --- searchers ----------------------------------------------------------------------
    def searcher(self):
        """This thread's searcher, kept open and refreshed only when the index changed."""
        name = self.current_name()
        cached = getattr(self._local, "searcher", None)
        if cached is not None and cached[0] == name:
            searcher = cached[1]
            if not searcher.up_to_date():
                searcher = searcher.refresh()
                self._local.searcher = (name, searcher)
            return searcher
        self.forget_searcher()
        name, index = self.open()
        searcher = index.searcher()
        self._local.searcher = (name, searcher)
        return searcher

    def forget_searcher(self):
        cached = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if cached is not None:
            try:
                cached[1].close()
            except Exception:  # closing a searcher of a deleted generation
                pass


def get_store(app=None):
    """The IndexStore of `app` (default: the current app), made on first use."""
    app = app or current_app._get_current_object()
    store = app.extensions.get("search_store")
    if store is None:
        store = app.extensions["search_store"] = IndexStore(app.config["SEARCH_INDEX_DIR"])
    return store
