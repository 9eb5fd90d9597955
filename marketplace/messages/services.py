"""Message threads: who takes part in the conversations of a listing, a need or a deal,
starting one, posting, reading, and the unread counts.

A thread joins the record's owner side (the seller organisation of a listing or a deal with
its broker, the enterprise of a need) with ONE counterpart (a buyer organisation with an
intent, a responder), so competing buyers or responders never read each other. Participants
are computed from the records every time, never stored: a new member of an organisation takes
part at once, a departed one no longer does. Officers are never participants (the audit is
theirs); a user who is not one of a thread's participants gets NotFound, as if it did not
exist."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..accounts.models import Organization, Role, User
from ..brokers import engagements
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..inbox.services import N_, notify
from ..listings.models import Deal, Intent, Listing
from ..needs.models import Need, Response
from ..workflow import commit
from .models import Message, Thread, ThreadRead

MAX_BODY = 5000
OFFICERS = (Role.BUREAU, Role.ADMIN)


@dataclass(frozen=True)
class Counterpart:
    """The other side of a thread: an organisation, or a user without one."""

    org_id: int | None = None
    user_id: int | None = None

    @property
    def key(self):
        return f"org:{self.org_id}" if self.org_id else f"user:{self.user_id}"


@dataclass
class Side:
    """The people of one side: the members of `org_ids` and the users `user_ids` (brokers)."""

    org_ids: set = field(default_factory=set)
    user_ids: set = field(default_factory=set)

    def __post_init__(self):
        self.org_ids = {i for i in self.org_ids if i}
        self.user_ids = {i for i in self.user_ids if i}

    def includes(self, user):
        if user is None or not getattr(user, "is_authenticated", False) or not user.active \
                or user.role in OFFICERS:
            return False
        return user.id in self.user_ids or (
            user.organization_id is not None and user.organization_id in self.org_ids)

    def users(self):
        conditions = []
        if self.org_ids:
            conditions.append(User.organization_id.in_(self.org_ids))
        if self.user_ids:
            conditions.append(User.id.in_(self.user_ids))
        if not conditions:
            return []
        return db.session.scalars(select(User).where(
            or_(*conditions), User.active.is_(True), User.role.notin_(OFFICERS))
            .order_by(User.id)).all()


@dataclass
class Sides:
    owner: Side  # the seller of a listing or a deal, the enterprise of a need
    other: Side  # the counterpart: a buyer, a responder

    def side_of(self, user):
        """"owner", "other" or None (not a participant)."""
        if self.owner.includes(user):
            return "owner"
        return "other" if self.other.includes(user) else None


# --- participants, one function per entity: {Counterpart: Sides} of every conversation -------

def listing_conversations(listing):
    """The seller organisation's members and the seller's broker, with each buyer organisation
    that registered an intent (whatever became of it) and that buyer's broker (the brokers
    whose engagement is accepted)."""
    owner = Side({listing.seller_org_id},
                 engagements.accepted_brokers("listing", listing.id, "seller"))
    intents = db.session.scalars(select(Intent).where(Intent.listing_id == listing.id)
                                 .order_by(Intent.id)).all()
    buyers_brokers = {}  # principal org id -> its accepted brokers, read in one query
    Engagement = engagements.Engagement
    for e in db.session.scalars(select(Engagement).where(
            Engagement.subject == "listing", Engagement.subject_id == listing.id,
            Engagement.side == "buyer", Engagement.status == "accepted")):
        buyers_brokers.setdefault(e.principal_org_id, set()).add(e.broker_id)
    return {Counterpart(org_id=i.org_id): Sides(owner, Side(
        {i.org_id}, buyers_brokers.get(i.org_id, set()))) for i in intents}


def response_counterpart(response):
    return (Counterpart(org_id=response.org_id) if response.org_id
            else Counterpart(user_id=response.user_id))


def need_conversations(need):
    """The need's enterprise members and its broker, with each responder: the response's user
    and the members of its organisation and of the organisation that would sell (every
    response of one responder, withdrawn ones too, make one conversation)."""
    owner = Side({need.org_id}, engagements.accepted_brokers("need", need.id))
    conversations = {}
    for response in db.session.scalars(select(Response).where(Response.need_id == need.id)
                                       .order_by(Response.id)):
        sides = conversations.setdefault(response_counterpart(response), Sides(owner, Side()))
        sides.other.org_ids |= {i for i in (response.org_id, response.seller_org_id) if i}
        sides.other.user_ids.add(response.user_id)
    return conversations


def deal_conversations(deal):
    """One conversation: the seller's members and broker with the buyer's members and broker."""
    return {Counterpart(org_id=deal.buyer_org_id): Sides(
        Side({deal.seller_org_id}, {deal.seller_broker_id}),
        Side({deal.buyer_org_id}, {deal.buyer_broker_id}))}


ENTITIES = {"listing": (Listing, listing_conversations),
            "need": (Need, need_conversations),
            "deal": (Deal, deal_conversations)}
ENTITY_LABELS = {"listing": _l("Listing"), "need": _l("Need"), "deal": _l("Deal")}


def record_of(entity, entity_id):
    if entity not in ENTITIES or entity_id is None:
        raise NotFound()
    record = db.session.get(ENTITIES[entity][0], entity_id)
    if record is None:
        raise NotFound()
    return record


def conversations(entity, record):
    return ENTITIES[entity][1](record)


def sides_of(thread, record=None):
    record = record or record_of(thread.entity, thread.entity_id)
    counterpart = Counterpart(thread.counterpart_org_id, thread.counterpart_user_id)
    sides = conversations(thread.entity, record).get(counterpart)
    if sides is None:
        raise NotFound()
    return sides


def _visible(user):
    """SQL: the threads `user` takes part in, by the rules of the *_conversations functions."""
    if not user.active or user.role in OFFICERS:
        return false()
    org_id, user_id = user.organization_id, user.id
    t = Thread

    def member(column):
        return column == org_id if org_id is not None else false()

    # Each EXISTS at the top of the condition: a nested one would not correlate to the thread.
    listing = or_(
        exists().where(Listing.id == t.entity_id, member(Listing.seller_org_id)),
        engagements.engaged_clause("listing", t.entity_id, user_id, "seller"),
        member(t.counterpart_org_id),
        engagements.engaged_clause("listing", t.entity_id, user_id, "buyer",
                                   t.counterpart_org_id))
    responder = exists().where(
        Response.need_id == t.entity_id,
        or_(and_(t.counterpart_org_id.isnot(None), Response.org_id == t.counterpart_org_id),
            and_(t.counterpart_org_id.is_(None), Response.org_id.is_(None),
                 Response.user_id == t.counterpart_user_id)),
        or_(Response.user_id == user_id, member(Response.org_id),
            member(Response.seller_org_id)))
    need = or_(exists().where(Need.id == t.entity_id, member(Need.org_id)),
               engagements.engaged_clause("need", t.entity_id, user_id), responder)
    deal = exists().where(Deal.id == t.entity_id, or_(
        member(Deal.seller_org_id), member(Deal.buyer_org_id),
        Deal.seller_broker_id == user_id, Deal.buyer_broker_id == user_id))
    return or_(and_(t.entity == "listing", listing), and_(t.entity == "need", need),
               and_(t.entity == "deal", deal))


# --- starting, reading, posting ------------------------------------------------------------

def thread_for(entity, record, counterpart, actor):
    """The conversation of `record` with `counterpart`, started if need be. `counterpart` may
    be None when the actor takes part in only one of the record's conversations (a buyer's,
    a responder's, a deal's); the owner side of several names the one it means. NotFound for
    non-participants, PermissionDenied for officers."""
    if getattr(actor, "role", None) in OFFICERS:
        raise PermissionDenied(_l("The science bureau does not take part in the parties' "
                                  "conversations."))
    if entity not in ENTITIES:
        raise NotFound()
    options = conversations(entity, record)
    if counterpart is None:
        mine = [c for c, sides in options.items() if sides.side_of(actor)]
        if len(mine) != 1:
            raise NotFound()
        counterpart = mine[0]
    sides = options.get(counterpart)
    if sides is None or sides.side_of(actor) is None:
        raise NotFound()
    existing = select(Thread).where(Thread.entity == entity, Thread.entity_id == record.id,
                                    Thread.counterpart_key == counterpart.key)
    thread = db.session.scalar(existing)
    if thread is None:
        thread = Thread(entity=entity, entity_id=record.id, counterpart_org_id=counterpart.org_id,
                        counterpart_user_id=counterpart.user_id,
                        counterpart_key=counterpart.key, created_at=clock.now())
        try:
            with db.session.begin_nested():
                db.session.add(thread)
        except IntegrityError:  # started by someone else of the two sides meanwhile
            thread = db.session.scalar(existing)
        commit()
    return thread


def _thread(thread_id, actor):
    """The thread, its record and sides, and the actor's side; NotFound for non-participants."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound()
    record = record_of(thread.entity, thread.entity_id)
    sides = sides_of(thread, record)
    side = sides.side_of(actor)
    if side is None:
        raise NotFound()
    return thread, record, sides, side


def post(thread_id, actor, body):
    """`actor` writes in the thread; the other side's people are notified."""
    thread, record, sides, side = _thread(thread_id, actor)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(fields={"body": [_l("Write a message.")]})
    if len(body) > MAX_BODY:
        raise ValidationFailed(fields={"body": [_l("At most %(n)d characters.", n=MAX_BODY)]})
    moment = clock.now()
    message = Message(thread_id=thread.id, sender_id=actor.id, body=body, created_at=moment)
    db.session.add(message)
    thread.last_message_at = moment
    db.session.flush()
    readers = sides.other if side == "owner" else sides.owner
    notify([u for u in readers.users() if u.id != actor.id],
           N_("New message from %(sender)s about %(title)s."), link=f"/messages/{thread.id}",
           sender=display_name(actor), title=title_of(thread.entity, record))
    commit()
    return message


def _mark_read(thread_id, user_id, message_id):
    mark = db.session.get(ThreadRead, (thread_id, user_id))
    if mark is None:
        try:
            with db.session.begin_nested():
                db.session.add(ThreadRead(thread_id=thread_id, user_id=user_id,
                                          last_read_message_id=message_id))
            return
        except IntegrityError:  # the same user's other tab marked it meanwhile
            mark = db.session.get(ThreadRead, (thread_id, user_id))
    mark.last_read_message_id = max(mark.last_read_message_id, message_id)


def read(thread_id, actor):
    """Mark everything in the thread as read by `actor`."""
    thread, *_ignored = _thread(thread_id, actor)
    newest = db.session.scalar(select(func.max(Message.id)).where(Message.thread_id == thread.id))
    if newest is not None:
        _mark_read(thread.id, actor.id, newest)
        commit()
    return thread


# --- what the pages show -----------------------------------------------------------------------

def display_name(user):
    org = user.organization
    return f"{user.username} ({org.name})" if org is not None else user.username


def title_of(entity, record):
    if entity == "deal":
        return record.achievement.title if record.achievement else \
            _("Deal No. %(number)s", number=record.confirmation_number)
    return record.title


def link_of(entity, record):
    return f"/{entity}s/{record.id}"


def _owner_name(entity, record):
    org = {"listing": "seller", "need": "organization", "deal": "seller"}[entity]
    return getattr(record, org).name


def _counterpart_name(counterpart):
    if counterpart.org_id:
        return db.session.get(Organization, counterpart.org_id).name
    return db.session.get(User, counterpart.user_id).username


def _unread_filter(user):
    last_read = select(ThreadRead.last_read_message_id).where(
        ThreadRead.thread_id == Message.thread_id, ThreadRead.user_id == user.id
    ).scalar_subquery()
    return and_(Message.sender_id != user.id, Message.id > func.coalesce(last_read, 0))


def _unread_counts(user, thread_ids):
    if not thread_ids:
        return {}
    return dict(db.session.execute(
        select(Message.thread_id, func.count()).where(Message.thread_id.in_(thread_ids),
                                                      _unread_filter(user))
        .group_by(Message.thread_id)).all())


def unread_total(user):
    """Messages of the other sides not yet read by `user`, in all the user's threads."""
    return db.session.scalar(select(func.count(Message.id)).join(
        Thread, Thread.id == Message.thread_id).where(_visible(user), _unread_filter(user)))


@dataclass
class Summary:
    """A thread as a participant sees it."""

    thread: Thread
    entity_label: str
    title: str
    link: str
    other_side: str  # the name of the other side from the viewer's seat
    side: str
    unread: int = 0
    last: Message | None = None


def summary(thread, user, record=None, sides=None, unread=None, last=None):
    record = record or record_of(thread.entity, thread.entity_id)
    side = (sides or sides_of(thread, record)).side_of(user)
    counterpart = Counterpart(thread.counterpart_org_id, thread.counterpart_user_id)
    other = _counterpart_name(counterpart) if side == "owner" else \
        _owner_name(thread.entity, record)
    if unread is None:
        unread = _unread_counts(user, [thread.id]).get(thread.id, 0)
    return Summary(thread, str(ENTITY_LABELS[thread.entity]), title_of(thread.entity, record),
                   link_of(thread.entity, record), other, side, unread, last)


def threads_of(user, page=1, per_page=20):
    """The threads of `user` that have messages, the newest activity first: a pagination
    whose items are Summaries with the unread count and the last message."""
    pagination = db.paginate(
        select(Thread).where(_visible(user), Thread.last_message_at.isnot(None))
        .order_by(Thread.last_message_at.desc(), Thread.id.desc()),
        page=page, per_page=per_page, error_out=False)
    ids = [t.id for t in pagination.items]
    unread = _unread_counts(user, ids)
    newest = select(func.max(Message.id)).where(Message.thread_id.in_(ids)).group_by(
        Message.thread_id)
    last = {m.thread_id: m for m in db.session.scalars(
        select(Message).where(Message.id.in_(newest)))} if ids else {}
    pagination.items = [summary(t, user, unread=unread.get(t.id, 0), last=last.get(t.id))
                        for t in pagination.items]
    return pagination


def conversation(thread_id, user):
    """A thread's Summary and its messages (oldest first) for a participant."""
    thread, record, sides, _side = _thread(thread_id, user)
    messages = db.session.scalars(select(Message).where(Message.thread_id == thread.id)
                                  .order_by(Message.id)).all()
    return summary(thread, user, record, sides), messages


@dataclass
class Option:
    """A conversation the viewer of a record may have: started (thread_id) or not yet."""

    counterpart: Counterpart
    label: str
    thread_id: int | None = None
    unread: int = 0


def _label(entity, side, started, name):
    """The button (not started) or link (started) of a conversation on the record's page."""
    if side == "owner":
        if entity == "need":
            return (_("Conversation with the responder %(name)s", name=name) if started
                    else _("Message the responder %(name)s", name=name))
        return (_("Conversation with the buyer %(name)s", name=name) if started
                else _("Message the buyer %(name)s", name=name))
    if entity == "need":
        return _("Conversation with the enterprise") if started else _("Message the enterprise")
    return _("Conversation with the seller") if started else _("Message the seller")


def options_for(entity, record, user):
    """The conversations `user` may have about `record` (none for others): the owner side has
    one per counterpart, a counterpart's people the one with the owner side."""
    if user is None or not getattr(user, "is_authenticated", False) or entity not in ENTITIES:
        return []
    found = []
    for counterpart, sides in conversations(entity, record).items():
        side = sides.side_of(user)
        if side is not None:
            found.append((counterpart, side))
    if not found:
        return []
    threads = {t.counterpart_key: t for t in db.session.scalars(select(Thread).where(
        Thread.entity == entity, Thread.entity_id == record.id,
        Thread.counterpart_key.in_([c.key for c, _side in found])))}
    unread = _unread_counts(user, [t.id for t in threads.values()])
    options = []
    for counterpart, side in found:
        thread = threads.get(counterpart.key)
        name = _counterpart_name(counterpart) if side == "owner" else ""
        options.append(Option(counterpart, _label(entity, side, thread is not None, name),
                              thread.id if thread else None,
                              unread.get(thread.id, 0) if thread else 0))
    return options
