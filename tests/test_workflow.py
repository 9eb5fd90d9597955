"""The state-machine helper: table-driven tests of a throwaway workflow and of the
organisation workflow, and two decisions racing for one record."""
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace import audit
from marketplace.accounts import services
from marketplace.accounts.models import Organization, User
from marketplace.accounts.services import ORGANIZATION_WORKFLOW
from marketplace.errors import Conflict, PermissionDenied
from marketplace.extensions import db
from marketplace.search.outbox import SearchOutbox
from marketplace.workflow import Workflow, role_in, transition

from .factories import make_org, make_user

# A throwaway workflow: an owner submits, the bureau approves or sends back.
THING = Workflow(
    entity="thing",
    transitions={
        "draft": {"submit": "submitted"},
        "submitted": {"approve": "approved", "return": "draft"},
        "approved": {},
    },
    guards={
        "submit": lambda actor, record: actor.id == record.owner_id,
        "approve": role_in("bureau"),
        "return": role_in("bureau"),
    },
    searchable=True,
)
STATES = ("draft", "submitted", "approved")
ACTIONS = ("submit", "approve", "return")
EDGES = {("draft", "submit"): "submitted", ("submitted", "approve"): "approved",
         ("submitted", "return"): "draft"}
OWNER = SimpleNamespace(id=1, role="institute")
OFFICER = SimpleNamespace(id=2, role="bureau")
STRANGER = SimpleNamespace(id=3, role="institute")
ALLOWED_ACTOR = {"submit": OWNER, "approve": OFFICER, "return": OFFICER}


def thing(status):
    return SimpleNamespace(id=7, status=status, owner_id=OWNER.id, version=1)


def added(model):
    return [o for o in db.session.new if isinstance(o, model)]


@pytest.mark.parametrize(("state", "action"), list(EDGES))
def test_every_edge_moves_the_record_and_is_audited(app, state, action):
    record = thing(state)
    with app.app_context():
        assert transition(THING, record, action, ALLOWED_ACTOR[action], "ok") == EDGES[
            state, action]
        assert record.status == EDGES[state, action]
        [entry] = added(audit.AuditEntry)
        assert (entry.entity, entry.entity_id, entry.action) == ("thing", 7, action)
        assert (entry.from_state, entry.to_state) == (state, EDGES[state, action])
        assert entry.actor_id == ALLOWED_ACTOR[action].id and entry.comment == "ok"
        [row] = added(SearchOutbox)
        assert (row.entity, row.entity_id, row.op) == ("thing", 7, "upsert")
        db.session.rollback()


@pytest.mark.parametrize(("state", "action"), [
    (s, a) for s in STATES for a in ACTIONS if (s, a) not in EDGES])
def test_every_other_pair_is_a_conflict(app, state, action):
    record = thing(state)
    with app.app_context():
        with pytest.raises(Conflict):
            transition(THING, record, action, ALLOWED_ACTOR[action])
        assert record.status == state
        assert added(audit.AuditEntry) == []


@pytest.mark.parametrize(("state", "action", "actor"), [
    ("draft", "submit", OFFICER),
    ("draft", "submit", STRANGER),
    ("draft", "submit", None),
    ("submitted", "approve", OWNER),
    ("submitted", "return", STRANGER),
])
def test_a_guard_refusal_is_permission_denied(app, state, action, actor):
    record = thing(state)
    with app.app_context():
        with pytest.raises(PermissionDenied):
            transition(THING, record, action, actor)
        assert record.status == state
        assert added(audit.AuditEntry) == []


def test_a_stale_version_is_a_conflict(app):
    record = thing("submitted")
    record.version = 3
    with app.app_context():
        with pytest.raises(Conflict):
            transition(THING, record, "approve", OFFICER, expected_version=2)
        assert record.status == "submitted"
        assert transition(THING, record, "approve", OFFICER, expected_version="3") == "approved"


def test_available_lists_what_the_actor_may_do(app):
    assert THING.available(thing("submitted"), OFFICER) == ["approve", "return"]
    assert THING.available(thing("submitted"), OWNER) == []
    assert THING.available(thing("draft"), OWNER) == ["submit"]
    assert THING.available(thing("approved"), OFFICER) == []


# --- the organisation workflow, every (state, action, actor) ------------------------------

# Who tries: a member of the organisation in each self-registered role, a user of another
# organisation, an officer of the bureau, and the site administrator.
ACTORS = ("enterprise member", "institute member", "broker member", "stranger", "bureau",
          "admin")
MEMBERS = ACTORS[:3]
D = PermissionDenied
C = Conflict
# (state, action) -> the outcome for each actor in ACTORS order: the new state, or the error.
ORG_TABLE = {
    ("unverified", "verify"):   (D, D, D, D, "verified", D),
    ("unverified", "reject"):   (D, D, D, D, "rejected", D),
    ("unverified", "resubmit"): (C, C, C, D, D, D),
    ("verified", "verify"):     (D, D, D, D, C, D),
    ("verified", "reject"):     (D, D, D, D, C, D),
    ("verified", "resubmit"):   (C, C, C, D, D, D),
    ("rejected", "verify"):     (D, D, D, D, C, D),
    ("rejected", "reject"):     (D, D, D, D, C, D),
    ("rejected", "resubmit"):   ("unverified", "unverified", "unverified", D, D, D),
}


def make_actor(kind, org):
    if kind in MEMBERS:
        return make_user(kind.split()[0], org=org)
    if kind == "stranger":
        return make_user("enterprise", org=make_org())
    return make_user(kind)


@pytest.mark.parametrize(("state", "action", "actor_kind", "outcome"), [
    (state, action, actor, outcome)
    for (state, action), outcomes in ORG_TABLE.items()
    for actor, outcome in zip(ACTORS, outcomes, strict=True)])
def test_organization_workflow_table(app, state, action, actor_kind, outcome):
    with app.app_context():
        org = make_org(status=state)
        actor = make_actor(actor_kind, org)
        record = db.session.get(Organization, org.id)
        if isinstance(outcome, str):
            transition(ORGANIZATION_WORKFLOW, record, action, actor)
            db.session.commit()
            assert db.session.get(Organization, org.id).status == outcome
            [entry] = audit.history("organization", org.id)
            assert (entry.action, entry.from_state, entry.to_state, entry.actor_id) == (
                action, state, outcome, actor.id)
        else:
            with pytest.raises(outcome):
                transition(ORGANIZATION_WORKFLOW, record, action, actor)
            db.session.rollback()
            assert db.session.get(Organization, org.id).status == state
            assert audit.history("organization", org.id) == []


def test_the_table_covers_every_state_and_action():
    states = {s for s, _ in ORG_TABLE}
    actions = {a for _, a in ORG_TABLE}
    assert states == set(ORGANIZATION_WORKFLOW.transitions) | {"verified"}
    assert actions == {a for edges in ORGANIZATION_WORKFLOW.transitions.values() for a in edges}
    assert len(ORG_TABLE) == len(states) * len(actions)


# --- two officers deciding at once ----------------------------------------------------------

def test_a_decision_on_a_stale_version_is_a_conflict(app):
    with app.app_context():
        org = make_org(status="unverified")
        member = make_user("enterprise", org=org)
        officer = make_user("bureau")
        seen_version = org.version
        data = services.OrganizationData(
            name="改名后的机构", kind="enterprise", entity_type="private_enterprise",
            credit_code=org.credit_code, county="141102", address="吕梁市离石区 2 号",
            contact_name="王工", contact_phone="0358-8220001")
        services.update_organization(org.id, data, member)  # the member edits meanwhile
        with pytest.raises(Conflict):
            services.review_organization(org.id, "verify", officer,
                                         expected_version=seen_version)
        db.session.rollback()
        assert db.session.get(Organization, org.id).status == "unverified"
        services.review_organization(org.id, "verify", officer,
                                     expected_version=seen_version + 1)
        assert db.session.get(Organization, org.id).status == "verified"


def test_two_officers_verifying_at_once_one_wins(app):
    with app.app_context():
        org = make_org(status="unverified")
        make_user("enterprise", org=org)
        officers = [make_user("bureau"), make_user("bureau")]
    both_loaded = threading.Barrier(2)
    outcomes = {}

    def decide(officer_id):
        with app.app_context():
            officer = db.session.get(User, officer_id)
            record = db.session.get(Organization, org.id)
            assert record.status == "unverified"
            both_loaded.wait()
            try:
                services.review_organization(record.id, "verify", officer, "同意")
                outcomes[officer_id] = "verified"
            except Conflict:
                outcomes[officer_id] = "conflict"
            except Exception as exc:  # anything else is a failure, reported below
                outcomes[officer_id] = repr(exc)

    workers = [threading.Thread(target=decide, args=(o.id,)) for o in officers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes.values()) == ["conflict", "verified"]
    winner = next(i for i, outcome in outcomes.items() if outcome == "verified")
    with app.app_context():
        record = db.session.get(Organization, org.id)
        assert record.status == "verified" and record.verified_by_id == winner
        entries = db.session.scalars(select(audit.AuditEntry).where(
            audit.AuditEntry.entity == "organization", audit.AuditEntry.action == "verify")).all()
        assert [e.actor_id for e in entries] == [winner]
