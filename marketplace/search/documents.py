"""The registry of searchable record types: how each is turned into index documents, and
how search results are loaded back from SQL.

A capability registers one SearchType, named like its outbox rows' `entity`. Only public
records become documents: `build` returns documents for those of the given ids that the
public may see, and the sync removes the others from the index.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .schema import NO_PRICE, price_band


@dataclass(frozen=True)
class SearchType:
    entity: str  # the outbox entity and the index's `type`
    model: type  # the model class, for more_like(record)
    label: object  # the tab's name (lazily translated)
    # (session, ids) -> the documents of those ids that are public (see `document`)
    build: Callable[..., Iterable[dict]]
    # session -> a SELECT of (id, updated_at) of every public record, for rebuild and check
    public_stamps: Callable
    # (session, ids) -> {id: record} of the ids still public, checked again in SQL
    load: Callable[..., dict]
    url: Callable[[object], str]  # the record's page
    text: Callable[[object], str]  # what "more like this" compares
    order: int = 0  # place of the tab


TYPES: dict[str, SearchType] = {}


def register(search_type):
    TYPES[search_type.entity] = search_type
    return search_type


def types_in_order():
    return sorted(TYPES.values(), key=lambda t: t.order)


def key(entity, record_id):
    return f"{entity}:{record_id}"


def split_key(value):
    entity, _, record_id = value.partition(":")
    return entity, int(record_id)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stamp(moment):
    """A UTC datetime as whole microseconds since 1970 (the index's `updated`)."""
    if moment is None:
        return 0
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def document(entity, record_id, *, title, summary="", keywords=(), field=None, county=None,
             maturity=None, transfer_mode=None, price=None, status, updated):
    """An index document in the schema's terms; builders call this so that every type fills
    the fields the same way."""
    keywords = "\n".join(k for k in keywords if k)
    doc = {
        "key": key(entity, record_id), "type": entity, "title": title, "summary": summary,
        "keywords": keywords, "chars": "\n".join((title, keywords, summary)),
        "spelling": "\n".join((title, keywords)), "status": str(status),
        "updated": stamp(updated),
        "price": NO_PRICE if price is None else int(price),
    }
    for name, value in (("field", field), ("county", county), ("transfer_mode", transfer_mode),
                        ("price_band", price_band(price))):
        if value:
            doc[name] = str(value)
    if maturity is not None:
        doc["maturity"] = str(int(maturity))
    return doc
