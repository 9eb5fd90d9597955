"""Keeping the index true to the database: the outbox sync, the rebuild and the check.

The cursor is the last outbox id the index has applied, stored beside the index and written
only after the index commit. On PostgreSQL ids are taken when a row is inserted but become
visible when its transaction commits, so a smaller id can appear after a larger one: ids
skipped over are kept as "gaps" and looked for again on each sync, until GAP_SECONDS have
passed (a rolled-back transaction leaves a gap that never fills).
"""
import logging
import os
import time
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..extensions import db
from .documents import TYPES, key, split_key, stamp, types_in_order
from .outbox import SearchOutbox
from .store import IndexUnavailable, get_store

log = logging.getLogger(__name__)

BATCH = 500  # outbox rows applied per index commit
GAP_SECONDS = 600
MAX_GAP_RUN = 10_000  # a longer run of missing ids is a rolled-back bulk load, not gaps
REBUILD_WAIT = 120  # seconds a rebuild waits for a running sync to finish


# --- writing documents -----------------------------------------------------------------

def write(index, documents: Iterable[dict] = (), removals: Iterable[str] = ()):
    """Add or replace `documents` and delete the keys `removals`, in one commit."""
    writer = index.writer()
    try:
        for doc_key in removals:
            writer.delete_by_term("key", doc_key)
        for doc in documents:
            writer.update_document(**doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def index_documents(documents, wait=10.0):
    """Add or replace documents in the live index (the sync's own way in)."""
    _write_live(documents, (), wait)


def remove_documents(keys, wait=10.0):
    """Delete documents, by key ("achievement:12"), from the live index."""
    _write_live((), keys, wait)


def _write_live(documents, removals, wait):
    store = get_store()
    with store.writing(wait) as holding:
        if not holding:
            raise TimeoutError("the search index is locked by another process")
        write(store.open()[1], documents, removals)


# --- the outbox ----------------------------------------------------------------------------

def _new_session():
    # A session of its own: the request's session may hold anything, and each query here
    # must see what other transactions committed since.
    return Session(db.engine)


def _rows_query(state, limit):
    return rows_after(state, SearchOutbox.id, (SearchOutbox.id, SearchOutbox.entity,
                                               SearchOutbox.entity_id, SearchOutbox.op), limit)


def rows_after(state, id_column, columns, limit):
    """A select of `columns` of the rows past the cursor `state` (and in its gaps), by id."""
    gaps = [int(i) for i in state["gaps"]]
    condition = id_column > state["cursor"]
    if gaps:
        condition = or_(condition, id_column.in_(gaps))
    return select(*columns).where(condition).order_by(id_column).limit(limit)


def advance(state, seen_ids, now=None, gap_seconds=GAP_SECONDS):
    """The state after applying the rows `seen_ids`; gaps are let go after `gap_seconds`.
    (The page cache follows the audit log the same way: marketplace/page_cache.py.)"""
    now = time.time() if now is None else now
    cursor = state["cursor"]
    seen = set(seen_ids)
    gaps = {i: t for i, t in state["gaps"].items() if int(i) not in seen
            and now - t < gap_seconds}
    top = max([cursor, *seen])
    missing = [i for i in range(cursor + 1, top) if i not in seen]
    if len(missing) <= MAX_GAP_RUN:
        gaps.update({str(i): now for i in missing})
    return {"cursor": top, "gaps": gaps}


def _apply_batch(store):
    """Apply the next batch of outbox rows; returns how many there were."""
    name, index = _open_or_rebuild(store)
    state = store.read_state(name)
    with _new_session() as session:
        rows = session.execute(_rows_query(state, BATCH)).all()
        if not rows:
            if state["gaps"]:  # let expired gaps go
                store.write_state(name, advance(state, []))
            return 0
        last_op = {}
        for row in rows:
            last_op[(row.entity, row.entity_id)] = row.op
        documents, removals = _changes(session, last_op)
    arriving = []  # records entering the index for the first time, for saved searches
    if documents:
        with index.searcher() as searcher:
            arriving = [doc["key"] for doc in documents
                        if searcher.document_number(key=doc["key"]) is None]
    write(index, documents, removals)
    store.write_state(name, advance(state, [row.id for row in rows]))
    if arriving:
        from .saved import alert_new_records  # it never raises

        alert_new_records(index, arriving)
    return len(rows)


def _changes(session, last_op):
    """Documents to write and keys to delete for {(entity, id): op}."""
    wanted = {}
    removals = []
    for (entity, record_id), op in last_op.items():
        if entity not in TYPES:
            continue  # a type without a builder yet: nothing of it is indexed
        if op == "delete":
            removals.append(key(entity, record_id))
        else:
            wanted.setdefault(entity, []).append(record_id)
    documents = []
    for entity, ids in wanted.items():
        built = {doc["key"]: doc for doc in TYPES[entity].build(session, ids)}
        documents += built.values()
        removals += [key(entity, i) for i in ids if key(entity, i) not in built]
    return documents, removals


def pending(store=None):
    """Whether the outbox has rows the index has not applied (False without an index)."""
    store = store or get_store()
    name = store.current_name()
    if name is None:
        return True
    with _new_session() as session:
        return session.execute(_rows_query(store.read_state(name), 1)).first() is not None


def sync(wait=0.0):
    """Apply the outbox rows past the index's cursor; returns how many were applied, or None
    when another process is syncing (it re-checks for new rows before it stops)."""
    store = get_store()
    applied = None
    while True:
        with store.writing(wait) as holding:
            if not holding:
                return applied
            applied = applied or 0
            while count := _apply_batch(store):
                applied += count
        # Rows committed while we held the lock, by a process that found it taken and left
        # them to us: look once more now that it is free.
        if not pending(store):
            return applied
        wait = 0.0


def _open_or_rebuild(store):
    try:
        return store.open()
    except IndexUnavailable as exc:
        log.warning("Search index unavailable (%s): rebuilding it from the database.", exc)
        rebuild()
        return store.open()


# --- rebuild and check -------------------------------------------------------------------

def public_count():
    with _new_session() as session:
        return sum(session.scalar(select(func.count()).select_from(
            t.public_stamps(session).subquery())) for t in TYPES.values())


def rebuild(progress=None, batch=1000, procs=None, limitmb=512):
    """Build a new index from the database and switch to it; `progress(n)` is called after
    each batch of n records. Searches use the old index until the switch. `procs` writer
    processes (default: one per core) each hold up to `limitmb` of postings in memory before
    spilling to disk."""
    procs = procs or os.cpu_count() or 1
    store = get_store()
    with store.writing(REBUILD_WAIT) as holding:
        if not holding:
            raise TimeoutError("the search index is locked by another process")
        with _new_session() as session:
            state = _outbox_head(session)
        name, index = store.new_generation()
        try:
            writer = index.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1)
            try:
                for search_type in types_in_order():
                    for ids in _id_batches(search_type, batch):
                        with _new_session() as session:
                            for doc in search_type.build(session, ids):
                                writer.add_document(**doc)
                        if progress:
                            progress(len(ids))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            store.write_state(name, state)
        except BaseException:
            store.discard(name)
            raise
        store.publish(name)
    return name


def _id_batches(search_type, size):
    """The public ids of a type, streamed in lists of `size`."""
    with _new_session() as session:
        rows = session.execute(search_type.public_stamps(session)
                               .execution_options(yield_per=size))
        ids = []
        for record_id, _updated in rows:
            ids.append(record_id)
            if len(ids) == size:
                yield ids
                ids = []
        if ids:
            yield ids


def _outbox_head(session):
    """The cursor of an index built from the database now."""
    return head_state(session, SearchOutbox.id)


def head_state(session, id_column, **options):
    """A cursor at the newest id of `id_column` now, with the missing ids just below it as
    gaps (transactions that may still commit); `options` go to advance()."""
    top = session.scalar(select(func.max(id_column))) or 0
    recent = session.scalars(select(id_column).where(id_column > top - 1000)).all()
    state = advance({"cursor": max(top - 1000, 0), "gaps": {}}, recent, **options)
    state["cursor"] = top
    return state


def check():
    """Compare the index with the database: {"missing": keys of public records not in the
    index, "stale": keys indexed with an older version, "extra": keys indexed but no longer
    public}."""
    store = get_store()
    indexed = {}
    with store.open()[1].searcher() as searcher:
        reader = searcher.reader()
        updated = reader.column_reader("updated")
        for docnum, fields in reader.iter_docs():
            indexed[fields["key"]] = updated[docnum]
    missing, stale = [], []
    with _new_session() as session:
        for search_type in TYPES.values():
            for record_id, updated in session.execute(search_type.public_stamps(session)):
                doc_key = key(search_type.entity, record_id)
                if doc_key not in indexed:
                    missing.append(doc_key)
                elif indexed.pop(doc_key) != stamp(updated):
                    stale.append(doc_key)
    extra = sorted(indexed, key=split_key)
    return {"missing": sorted(missing, key=split_key), "stale": sorted(stale, key=split_key),
            "extra": extra}
