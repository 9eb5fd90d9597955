"""The bureau's verification of broker profiles (SPEC.md §5: pending → verified | rejected;
verified ⇄ suspended; cancelled), table-driven: every allowed edge succeeds for the bureau (and
cancel for the broker itself), every other (state, decision, role) is refused, and the state
does not move."""
import pytest
from broker_helpers import (
    COMMENT,
    get_profile,
    history,
    make_broker,
    notifications,
    officer,
    profile_data,
    run,
    save,
)

from marketplace.brokers import services
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import make_member, make_user

STATES = ("pending", "verified", "rejected", "suspended", "cancelled")
EDGES = {
    "pending": {"verify": "verified", "reject": "rejected", "cancel": "cancelled"},
    "verified": {"suspend": "suspended", "cancel": "cancelled"},
    "rejected": {"cancel": "cancelled"},
    "suspended": {"reinstate": "verified", "cancel": "cancelled"},
    "cancelled": {},
}
ROLES = ("owner", "broker", "enterprise", "institute", "admin", "bureau", "visitor")
MESSAGES = {
    "verify": "Your broker profile is verified; it is listed in the public directory.",
    "reject": "Your broker profile was rejected: %(comment)s",
    "suspend": "Your broker profile is suspended: %(comment)s",
    "reinstate": "Your broker profile is reinstated and listed in the directory again.",
    "cancel": "Your broker profile was cancelled by the science bureau: %(comment)s",
}


def people(app, owner):
    with app.app_context():
        found = {"owner": owner, "broker": make_user("broker"),
                 "enterprise": make_member("enterprise"), "institute": make_member("institute"),
                 "admin": make_user("admin"), "visitor": None}
    found["bureau"] = officer(app)
    return found


def expected(state, decision, role):
    """The refusal (an exception class) or the state reached."""
    public = state == "verified"
    if role in ("broker", "enterprise", "institute", "visitor") and not public:
        return NotFound  # they may not see it at all
    if role == "admin":
        return PermissionDenied  # officers see it; deciding is the bureau's
    if role == "owner" and decision != "cancel":
        return PermissionDenied
    if role in ("broker", "enterprise", "institute", "visitor"):
        return PermissionDenied
    return EDGES[state].get(decision, Conflict)


@pytest.mark.parametrize("state", STATES)
def test_refusals_leave_the_state_alone(app, state):
    broker = make_broker(app, status=state)
    who = people(app, broker.user)
    before = history(app, broker.profile_id)
    wrong = {}
    for role in ROLES:
        for decision in services.DECISIONS:
            outcome = expected(state, decision, role)
            if isinstance(outcome, str):
                continue  # an allowed edge: test_allowed_edges
            try:
                run(app, services.decide, broker.profile_id, decision, who[role], COMMENT)
            except (NotFound, PermissionDenied, Conflict) as exc:
                if type(exc) is not outcome:
                    wrong[(role, decision)] = type(exc).__name__
            else:
                wrong[(role, decision)] = "allowed"
    assert wrong == {}
    assert str(get_profile(app, broker.profile_id).status) == state
    assert history(app, broker.profile_id) == before


ALLOWED = [(state, decision) for state in STATES for decision in EDGES[state]]


@pytest.mark.parametrize("state, decision", ALLOWED)
def test_allowed_edges(app, clock, state, decision):
    broker = make_broker(app, status=state)
    bureau = officer(app)
    moment = clock.advance(days=2)
    comment = "" if decision in ("verify", "reinstate") else "经查证，予以处理。"
    run(app, services.decide, broker.profile_id, decision, bureau, comment)
    stored = get_profile(app, broker.profile_id)
    assert str(stored.status) == EDGES[state][decision]
    assert stored.updated_at == moment
    assert stored.review_comment == (comment or None)
    if decision in ("verify", "reinstate"):
        assert (stored.verified_at, stored.verified_by_id) == (moment, bureau.id)
    assert history(app, broker.profile_id)[-1] == (decision, state, EDGES[state][decision],
                                                   bureau.id, comment or None)
    assert notifications(app, broker.user)[-1] == (MESSAGES[decision], {"comment": comment},
                                                   "/brokers/me")


@pytest.mark.parametrize("state", ["pending", "verified", "rejected", "suspended"])
def test_the_broker_cancels_its_own_profile_without_having_to_say_why(app, state):
    broker = make_broker(app, status=state)
    told = notifications(app, broker.user)
    run(app, services.decide, broker.profile_id, "cancel", broker.user, "")
    assert str(get_profile(app, broker.profile_id).status) == "cancelled"
    assert history(app, broker.profile_id)[-1] == ("cancel", state, "cancelled",
                                                   broker.user_id, None)
    assert notifications(app, broker.user) == told  # nobody to tell: it did it itself


@pytest.mark.parametrize("state, decision", [("pending", "reject"), ("verified", "suspend"),
                                             ("pending", "cancel"), ("suspended", "cancel")])
@pytest.mark.parametrize("comment", ["", "  \n "])
def test_the_bureau_says_why_it_rejects_suspends_or_cancels(app, state, decision, comment):
    broker = make_broker(app, status=state)
    with pytest.raises(ValidationFailed) as caught:
        run(app, services.decide, broker.profile_id, decision, officer(app), comment)
    assert {k: [str(m) for m in v] for k, v in caught.value.fields.items()} == {
        "comment": ["Say why; the broker will see it."]}
    assert str(get_profile(app, broker.profile_id).status) == state


def test_an_unknown_decision_names_the_field(app):
    broker = make_broker(app, status="pending")
    with pytest.raises(ValidationFailed) as caught:
        run(app, services.decide, broker.profile_id, "approve", officer(app), "")
    assert list(caught.value.fields) == ["decision"]


def test_no_such_profile(app):
    with pytest.raises(NotFound):
        run(app, services.decide, 999, "verify", officer(app), "")


def test_two_officers_deciding_at_once_cannot_both_win(app):
    broker = make_broker(app, status="pending")
    version = get_profile(app, broker.profile_id).version
    run(app, services.decide, broker.profile_id, "verify", officer(app), "",
        expected_version=version)
    with pytest.raises(Conflict):
        run(app, services.decide, broker.profile_id, "reject", officer(app), COMMENT,
            expected_version=version)
    assert str(get_profile(app, broker.profile_id).status) == "verified"


def test_a_verified_broker_edited_and_verified_again(app, clock):
    """The whole loop: verified, the broker changes its level (back to pending, out of the
    directory), the bureau verifies again."""
    broker = make_broker(app, level="intermediate")
    number = get_profile(app, broker.profile_id).filing_number
    save(app, broker.user, profile_data(level="senior", filing_number=number))
    assert str(get_profile(app, broker.profile_id).status) == "pending"
    moment = clock.advance(hours=5)
    run(app, services.decide, broker.profile_id, "verify", officer(app), "")
    stored = get_profile(app, broker.profile_id)
    assert (str(stored.status), stored.level, stored.verified_at) == ("verified", "senior",
                                                                      moment)
    assert [entry[0] for entry in history(app, broker.profile_id)] == [
        "create", "verify", "resubmit", "verify"]
