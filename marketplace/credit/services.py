"""Recording credit events; the scoring that weighs them belongs with the credit pages."""
from flask_babel import lazy_gettext as _l

from .. import audit, clock
from ..extensions import db
from .models import CreditEvent

KINDS = {
    "winner_declined": _l("A winning bidder declined the deal"),
    "winner_lapsed": _l("A winning bidder did not confirm the deal in time"),
}


def record_event(kind, *, org_id=None, broker_id=None, entity, entity_id, actor=None,
                 comment=None):
    """Append a credit event (and its audit entry) in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(kind)
    event = CreditEvent(kind=kind, org_id=org_id, broker_id=broker_id, entity=entity,
                        entity_id=entity_id, comment=comment,
                        actor_id=getattr(actor, "id", None), occurred_at=clock.now())
    db.session.add(event)
    db.session.flush()
    audit.record("credit_event", event.id, kind, actor, org_id=org_id, broker_id=broker_id,
                 source=f"{entity}:{entity_id}")
    return event
