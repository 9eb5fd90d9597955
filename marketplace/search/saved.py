"""Saved searches and their alerts.

A logged-in user saves what the search page was showing: the words and the filters (in the
engine's terms: type, field, county, transfer_mode, price_band, maturity_min, maturity_max).
When the search outbox is applied, the records that enter the index for the first time are
run against every active saved search, with the engine's own parsing and filters, so a saved
search matches exactly what the search page would find. Only public records are in the
index, so a record the public may not see can never match.

Each (saved search, record) pair is recorded once in `saved_search_matches`, whose UNIQUE
constraint is the once-only guarantee: an `instant` saved search notifies its owner in the
same transaction as the match row; a `daily` one leaves the match un-notified for the digest
that the market tick sends once a local day.
"""
import logging
import secrets
from collections import defaultdict
from contextlib import nullcontext
from datetime import UTC, datetime
from datetime import time as day_time

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    String,
    UniqueConstraint,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock, market
from ..codes import FIELDS, REGIONS
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..listings.states import TRANSFER_MODES
from ..types import UTCDateTime
from .docsets import matching
from .documents import TYPES, split_key
from .engine import _filter_query
from .query import parse

log = logging.getLogger(__name__)

FREQUENCIES = {"instant": _l("At once"), "daily": _l("Daily digest")}
FILTER_KEYS = ("type", "field", "county", "transfer_mode", "price_band", "maturity_min",
               "maturity_max")
MAX_NAME = 100
MAX_QUERY = 200  # as the search page
MAX_PER_USER = 50
INSTANT_LIMIT = 5  # more new matches than this in one batch: one message for them all
DIGEST_HOUR = 8  # the daily digest leaves at the first tick from 08:00 local time
DIGEST_TITLES = 10  # titles named in one message; the rest are counted


class SavedSearch(db.Model):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    query: Mapped[str] = mapped_column(String(MAX_QUERY), default="")
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    frequency: Mapped[str] = mapped_column(String(10), default="instant")
    token: Mapped[str] = mapped_column(String(64), unique=True)  # for the unsubscribe link
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user = relationship("User")
    matches = relationship("SavedSearchMatch", back_populates="saved_search",
                           cascade="all, delete-orphan", passive_deletes=True)


class SavedSearchMatch(db.Model):
    """A public record that matched a saved search when it entered the index."""

    __tablename__ = "saved_search_matches"
    __table_args__ = (UniqueConstraint("saved_search_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id"))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                         index=True)

    saved_search = relationship("SavedSearch", back_populates="matches")


# --- the search page's arguments and the engine's filters ----------------------------------

def _stages():
    from .views import STAGES

    return STAGES


def _price_labels():
    from .views import PRICE_LABELS

    return PRICE_LABELS


def filters_from_args(args):
    """The engine's filters from the search page's URL arguments (type, field, county,
    stage, mode, price), unknown values left out as the page leaves them out."""
    def choice(name, allowed):
        value = args.get(name, "")
        return value if value in allowed else None

    stage = choice("stage", _stages())
    filters = {"type": choice("type", TYPES), "field": choice("field", FIELDS),
               "county": choice("county", REGIONS), "transfer_mode": choice("mode",
                                                                            TRANSFER_MODES),
               "price_band": choice("price", _price_labels())}
    if stage:
        filters["maturity_min"], filters["maturity_max"] = _stages()[stage][:2]
    return {k: v for k, v in filters.items() if v not in (None, "")}


def search_args(saved):
    """The search page's URL arguments that show what `saved` finds."""
    filters = saved.filters or {}
    args = {"q": saved.query or None}
    for arg, name in (("type", "type"), ("field", "field"), ("county", "county"),
                      ("mode", "transfer_mode"), ("price", "price_band")):
        args[arg] = filters.get(name)
    low, high = filters.get("maturity_min"), filters.get("maturity_max")
    if low or high:
        args["stage"] = next((code for code, (lo, hi, _) in _stages().items()
                              if (lo, hi) == (low, high)), None)
    return {k: v for k, v in args.items() if v}


def describe(filters):
    """[(heading, label)] of the filters, in words."""
    filters = filters or {}
    words = []
    if filters.get("type") in TYPES:
        words.append((_l("Type"), TYPES[filters["type"]].label))
    for name, heading, labels in (("field", _l("Field"), FIELDS),
                                  ("county", _l("Region"), REGIONS),
                                  ("transfer_mode", _l("Transfer mode"), TRANSFER_MODES),
                                  ("price_band", _l("Price"), _price_labels())):
        if filters.get(name):
            words.append((heading, labels.get(filters[name], filters[name])))
    low, high = filters.get("maturity_min"), filters.get("maturity_max")
    if low or high:
        stage = next((label for lo, hi, label in _stages().values() if (lo, hi) == (low, high)),
                     None)
        words.append((_l("Maturity"), stage or f"TRL {low or 1}–{high or 9}"))
    return words


def _clean_filters(filters, errors):
    """Filters with only known keys and values; a message in `errors` for anything else."""
    clean = {}
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        allowed = {"type": TYPES, "field": FIELDS, "county": REGIONS,
                   "transfer_mode": TRANSFER_MODES, "price_band": _price_labels()}.get(name)
        if allowed is not None and value in allowed:
            clean[name] = value
        elif name in ("maturity_min", "maturity_max") and str(value).isdigit() \
                and 1 <= int(value) <= 9:
            clean[name] = int(value)
        else:
            errors.append(_l("This filter cannot be saved: %(name)s.", name=name))
    return clean


# --- saving and managing -----------------------------------------------------------------

def create(user, query="", filters=None, name="", frequency="instant"):
    """Save a search of `user`; ValidationFailed when there is nothing to save or a value is
    wrong (the messages are for a flash: the form is a button on the search page)."""
    query = " ".join((query or "").split())
    name = " ".join((name or "").split())
    errors = []
    filters = _clean_filters(filters, errors)
    if not query and not filters:
        errors.append(_l("Enter words or choose a filter before saving a search."))
    if len(query) > MAX_QUERY:
        errors.append(_l("The search words are at most %(n)d characters.", n=MAX_QUERY))
    if len(name) > MAX_NAME:
        errors.append(_l("The name is at most %(n)d characters.", n=MAX_NAME))
    if frequency not in FREQUENCIES:
        errors.append(_l("Choose how often to be told."))
    if not errors:
        mine = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id))
        mine = list(mine)
        if any(s.query == query and (s.filters or {}) == filters for s in mine):
            errors.append(_l("You have already saved this search."))
        elif len(mine) >= MAX_PER_USER:
            errors.append(_l("You have %(n)d saved searches, the most there may be; delete one "
                             "first.", n=MAX_PER_USER))
    if errors:
        raise ValidationFailed(errors[0], {"saved_search": errors})
    if not name:
        name = query or " · ".join(str(label) for _heading, label in describe(filters))
    saved = SavedSearch(user_id=user.id, name=name[:MAX_NAME], query=query, filters=filters,
                        frequency=frequency, token=secrets.token_urlsafe(32), active=True,
                        created_at=clock.now())
    db.session.add(saved)
    db.session.commit()
    return saved


def saved_searches_of(user):
    """[(saved search, matches count, last match)] of `user`, newest first."""
    counts = (select(SavedSearchMatch.saved_search_id, func.count().label("n"),
                     func.max(SavedSearchMatch.matched_at).label("last"))
              .group_by(SavedSearchMatch.saved_search_id).subquery())
    rows = db.session.execute(
        select(SavedSearch, counts.c.n, counts.c.last)
        .outerjoin(counts, counts.c.saved_search_id == SavedSearch.id)
        .where(SavedSearch.user_id == user.id).order_by(SavedSearch.id.desc())).all()
    return [(saved, n or 0, clock.as_utc(last)) for saved, n, last in rows]


def get_own(saved_id, user):
    """`user`'s saved search; NotFound for anyone else's (its existence is not told)."""
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or user is None or saved.user_id != user.id:
        raise NotFound()
    return saved


def change_frequency(saved_id, user, frequency):
    """Set how often `user` is told of new matches; this resumes an unsubscribed search."""
    saved = get_own(saved_id, user)
    if frequency not in FREQUENCIES:
        raise ValidationFailed(_l("Choose how often to be told."),
                               {"frequency": [_l("Choose how often to be told.")]})
    saved.frequency, saved.active = frequency, True
    db.session.commit()
    return saved


def delete(saved_id, user):
    saved = get_own(saved_id, user)
    db.session.execute(SavedSearchMatch.__table__.delete().where(
        SavedSearchMatch.saved_search_id == saved.id))
    db.session.delete(saved)
    db.session.commit()


def by_token(token):
    saved = db.session.scalar(select(SavedSearch).where(SavedSearch.token == token)) \
        if token else None
    if saved is None:
        raise NotFound()
    return saved


def unsubscribe(token):
    """Stop the alerts of the saved search of the unsubscribe link (no login needed)."""
    saved = by_token(token)
    saved.active = False
    db.session.commit()
    return saved


# --- alerts as the outbox is applied -------------------------------------------------------

def _url_context():
    """url_for() works in a request; the sync and the tick run outside one."""
    return nullcontext() if has_request_context() else current_app.test_request_context()


def _unsubscribe_url(saved):
    return url_for("saved_searches.unsubscribe", token=saved.token,
                   _external=bool(current_app.config.get("SERVER_NAME")))


def alert_new_records(index, keys):
    """Record and announce the saved searches matched by `keys`, documents that have just
    entered the index `index` (called by the sync after its index write). Returns how many
    matches were recorded; it never raises: a failure is logged and the sync goes on.

    It works in an app context of its own, so its session and transaction are its own (not
    those of whatever request or command runs the sync), and its matches and notifications
    commit together. If the process dies between the index write and this commit, the
    alerts of that batch are lost: those records are in the index now, so they are never
    new again. Nothing is ever sent twice (the UNIQUE match row), and a record that leaves
    the index and comes back later is not announced again to a search it matched. Records
    that reach the index through a rebuild (`flask search rebuild`, or the sync rebuilding a
    missing index) are not announced either: only the outbox's are.
    """
    app = current_app._get_current_object()
    try:
        with app.app_context(), _url_context():
            try:
                count = _alert(index, keys)
                db.session.commit()
                return count
            except BaseException:
                db.session.rollback()
                raise
    except Exception:
        log.exception("Saved search alerts failed for %d new records; the index is synced.",
                      len(keys))
        return 0


def _alert(index, keys):
    searches = db.session.scalars(
        select(SavedSearch).where(SavedSearch.active.is_(True), SavedSearch.user.has(active=True))
        .order_by(SavedSearch.id)).all()
    if not searches:
        return 0
    with index.searcher() as searcher:
        candidates = {}
        for doc_key in keys:
            docnum = searcher.document_number(key=doc_key)
            if docnum is not None:
                candidates[docnum] = doc_key
        parsed = {}  # many saved searches share their words
        found = {saved.id: _matches(searcher, saved, candidates, parsed) for saved in searches}
    wanted = {doc_key for doc_keys in found.values() for doc_key in doc_keys}
    if not wanted:
        return 0
    records = _public_records(wanted)  # checked again in SQL, as search results are
    now = clock.now()
    existing = set(db.session.execute(
        select(SavedSearchMatch.saved_search_id, SavedSearchMatch.entity,
               SavedSearchMatch.entity_id)
        .where(SavedSearchMatch.saved_search_id.in_(list(found)))
        .where(or_(*(((SavedSearchMatch.entity == e) & SavedSearchMatch.entity_id.in_(ids))
                     for e, ids in _ids_by_entity(wanted).items())))).all())
    count = 0
    for saved in searches:
        new = []
        for doc_key in found[saved.id]:
            entity, record_id = split_key(doc_key)
            if doc_key not in records or (saved.id, entity, record_id) in existing:
                continue
            # Syncs hold the index's writer lock, so no other one records this batch; were
            # one to, the UNIQUE constraint would refuse the row and roll the alerts back.
            # (No savepoint: pysqlite's RELEASE would commit the transaction half-way.)
            match = SavedSearchMatch(saved_search_id=saved.id, entity=entity,
                                     entity_id=record_id, matched_at=now)
            db.session.add(match)
            new.append((match, records[doc_key]))
        count += len(new)
        if new and saved.frequency == "instant":
            _announce(saved, new, now)
    return count


def _matches(searcher, saved, candidates, parsed):
    """The keys among `candidates` ({docnum: key}) that the search page would find for
    `saved`: its words (parsed as the page parses them) and its filters. `parsed` caches the
    parsed words by text."""
    found = set(candidates)
    text = saved.query or ""
    if text not in parsed:
        parsed[text] = parse(text).query
    filters = {k: v for k, v in (saved.filters or {}).items() if v not in (None, "")}
    for part in (parsed[text], _filter_query(filters)):
        if part is not None and found:
            found &= matching(searcher, part)
    return sorted((candidates[d] for d in found), key=split_key)


def _ids_by_entity(doc_keys):
    by_entity = defaultdict(list)
    for doc_key in doc_keys:
        entity, record_id = split_key(doc_key)
        by_entity[entity].append(record_id)
    return by_entity


def _public_records(doc_keys):
    """{key: record} of those of `doc_keys` still public."""
    records = {}
    for entity, ids in _ids_by_entity(doc_keys).items():
        if entity in TYPES:
            for record_id, record in TYPES[entity].load(db.session, ids).items():
                records[f"{entity}:{record_id}"] = record
    return records


def _link(match, record):
    return TYPES[match.entity].url(record)


def _announce(saved, new, now):
    """Tell the owner of `saved` of the records of `new` [(match, record)] and mark them
    notified: one message per record, or one for all when there are many."""
    unsubscribe_url = _unsubscribe_url(saved)
    if len(new) <= INSTANT_LIMIT:
        for match, record in new:
            notify(saved.user, N_("New for your saved search “%(name)s”: %(title)s. To stop "
                                  "these alerts: %(unsubscribe)s"),
                   link=_link(match, record), name=saved.name, title=record.title,
                   unsubscribe=unsubscribe_url)
    else:
        _summary(saved, [record for _match, record in new], unsubscribe_url)
    for match, _record in new:
        match.notified_at = now


def _summary(saved, records, unsubscribe_url):
    titles = "; ".join(r.title for r in records[:DIGEST_TITLES])
    if len(records) > DIGEST_TITLES:
        titles += f"; … (+{len(records) - DIGEST_TITLES})"
    notify(saved.user, N_("%(count)s new records for your saved search “%(name)s”: "
                          "%(titles)s. To stop these alerts: %(unsubscribe)s"),
           link=url_for("saved_searches.run", saved_id=saved.id), count=len(records),
           name=saved.name, titles=titles, unsubscribe=unsubscribe_url)


# --- the daily digest ----------------------------------------------------------------------

def _start_of_local_day(moment):
    local = moment.astimezone(clock.LOCAL_TZ)
    return datetime.combine(local.date(), day_time(0), clock.LOCAL_TZ).astimezone(UTC)


def send_digests():
    """Once a local day (from DIGEST_HOUR), send each active saved search its matches not yet
    notified, in one message, and mark them notified; returns how many messages left.
    Matches whose record is no longer public are marked and left out of the message."""
    now = clock.now()
    if now.astimezone(clock.LOCAL_TZ).hour < DIGEST_HOUR:
        return 0
    pending = select(SavedSearchMatch.saved_search_id).where(
        SavedSearchMatch.notified_at.is_(None))
    due = db.session.scalars(
        select(SavedSearch).where(
            SavedSearch.active.is_(True), SavedSearch.user.has(active=True),
            SavedSearch.id.in_(pending),
            or_(SavedSearch.last_digest_at.is_(None),
                SavedSearch.last_digest_at < _start_of_local_day(now)))
        .order_by(SavedSearch.id)).all()
    sent = 0
    with _url_context():
        for saved in due:
            matches = db.session.scalars(select(SavedSearchMatch).where(
                SavedSearchMatch.saved_search_id == saved.id,
                SavedSearchMatch.notified_at.is_(None)).order_by(SavedSearchMatch.id)).all()
            records = _public_records([f"{m.entity}:{m.entity_id}" for m in matches])
            shown = [(m, records[f"{m.entity}:{m.entity_id}"]) for m in matches
                     if f"{m.entity}:{m.entity_id}" in records]
            db.session.execute(update(SavedSearchMatch).where(
                SavedSearchMatch.id.in_([m.id for m in matches])).values(notified_at=now))
            if not shown:
                continue
            if len(shown) == 1:
                match, record = shown[0]
                notify(saved.user, N_("New for your saved search “%(name)s”: %(title)s. To "
                                      "stop these alerts: %(unsubscribe)s"),
                       link=_link(match, record), name=saved.name, title=record.title,
                       unsubscribe=_unsubscribe_url(saved))
            else:
                _summary(saved, [record for _match, record in shown], _unsubscribe_url(saved))
            saved.last_digest_at = now
            sent += 1
    db.session.commit()
    return sent


market.register_job("saved search digests", send_digests)
