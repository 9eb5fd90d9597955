"""The registration workflow, every (state, action) for every role, through the API and
through the pages; every transition is audited, notified and queued for the search index."""
import pytest
from achievement_helpers import ROLES, flashes

from marketplace.achievements.states import WORKFLOW

D, N, C, U = 403, 404, 409, 401
STATES = ("draft", "submitted", "returned", "registered", "rejected", "revoked")
ACTIONS = ("submit", "withdraw", "register", "return", "reject", "revoke")
# (state, action) -> the API's answer for each role of ROLES (owner, institute, enterprise,
# broker, bureau, admin, visitor): the record's new state, or the refusal's status code.
# Another organisation's record is hidden (404) unless it is registered, hence public.
TABLE = {
    ("draft", "submit"):          ("submitted", N, N, N, D, D, U),
    ("draft", "withdraw"):        (C, N, N, N, D, D, U),
    ("draft", "register"):        (D, N, N, N, C, D, U),
    ("draft", "return"):          (D, N, N, N, C, D, U),
    ("draft", "reject"):          (D, N, N, N, C, D, U),
    ("draft", "revoke"):          (D, N, N, N, C, D, U),
    ("submitted", "submit"):      (C, N, N, N, D, D, U),
    ("submitted", "withdraw"):    ("draft", N, N, N, D, D, U),
    ("submitted", "register"):    (D, N, N, N, "registered", D, U),
    ("submitted", "return"):      (D, N, N, N, "returned", D, U),
    ("submitted", "reject"):      (D, N, N, N, "rejected", D, U),
    ("submitted", "revoke"):      (D, N, N, N, C, D, U),
    ("returned", "submit"):       ("submitted", N, N, N, D, D, U),
    ("returned", "withdraw"):     (C, N, N, N, D, D, U),
    ("returned", "register"):     (D, N, N, N, C, D, U),
    ("returned", "return"):       (D, N, N, N, C, D, U),
    ("returned", "reject"):       (D, N, N, N, C, D, U),
    ("returned", "revoke"):       (D, N, N, N, C, D, U),
    ("registered", "submit"):     (C, D, D, D, D, D, U),
    ("registered", "withdraw"):   (C, D, D, D, D, D, U),
    ("registered", "register"):   (D, D, D, D, C, D, U),
    ("registered", "return"):     (D, D, D, D, C, D, U),
    ("registered", "reject"):     (D, D, D, D, C, D, U),
    ("registered", "revoke"):     (D, D, D, D, "revoked", D, U),
    ("rejected", "submit"):       (C, N, N, N, D, D, U),
    ("rejected", "withdraw"):     (C, N, N, N, D, D, U),
    ("rejected", "register"):     (D, N, N, N, C, D, U),
    ("rejected", "return"):       (D, N, N, N, C, D, U),
    ("rejected", "reject"):       (D, N, N, N, C, D, U),
    ("rejected", "revoke"):       (D, N, N, N, C, D, U),
    ("revoked", "submit"):        (C, N, N, N, D, D, U),
    ("revoked", "withdraw"):      (C, N, N, N, D, D, U),
    ("revoked", "register"):      (D, N, N, N, C, D, U),
    ("revoked", "return"):        (D, N, N, N, C, D, U),
    ("revoked", "reject"):        (D, N, N, N, C, D, U),
    ("revoked", "revoke"):        (D, N, N, N, C, D, U),
}
ERROR_CODES = {U: "unauthorized", D: "forbidden", N: "not_found", C: "conflict"}
EDGES = [(state, action, outcome) for (state, action), row in TABLE.items()
         for outcome in row if isinstance(outcome, str)]


def test_the_table_is_the_workflow():
    assert set(TABLE) == {(s, a) for s in STATES for a in ACTIONS}
    assert set(STATES) == {str(s) for s in WORKFLOW.transitions} | {"rejected", "revoked"}
    assert {(s, a): t for s, a, t in EDGES} == {
        (str(s), a): str(t) for s, edges in WORKFLOW.transitions.items()
        for a, t in edges.items()}


def api_action(client, record_id, action, token):
    """The API request for `action`: submit and withdraw, review, or revoke."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if action in ("submit", "withdraw"):
        return client.post(f"/api/v1/achievements/{record_id}/{action}", headers=headers)
    if action == "revoke":
        return client.post(f"/api/v1/achievements/{record_id}/revoke", headers=headers,
                           json={"comment": "成果权属存在争议。"})
    return client.post(f"/api/v1/achievements/{record_id}/review", headers=headers,
                       json={"decision": action, "comment": "审查意见。"})


def refusals_first(outcomes):
    """Roles in an order that tries every refusal before the one allowed edge."""
    return sorted(outcomes, key=lambda role: outcomes[role] in STATES)


@pytest.mark.parametrize("state", STATES)
def test_api_workflow_table(market, client, state):
    """Every action from `state`, each on a fresh record, tried by every role."""
    owner = market.institute()
    actors = market.actors(owner)
    tokens = {role: market.token(user) for role, user in actors.items() if user}
    got, expected = {}, {}
    for action in ACTIONS:
        record_id = market.achievement(owner, state)
        history = market.history(record_id)
        outcomes = dict(zip(ROLES, TABLE[state, action], strict=True))
        expected |= {(action, role): outcome for role, outcome in outcomes.items()}
        for role in refusals_first(outcomes):
            response = api_action(client, record_id, action, tokens.get(role))
            body = response.get_json()
            if response.status_code == 200:
                got[action, role] = body["status"]
                assert market.status(record_id) == body["status"]
                continue
            got[action, role] = response.status_code
            assert body["error"]["code"] == ERROR_CODES.get(response.status_code), body
            assert market.status(record_id) == state, (action, role)
            assert market.history(record_id) == history, (action, role)
    assert got == expected


def page_outcome(role, state, action):
    """What the pages answer: ("flash", category) after a redirect back to the record, the
    new state, an error status, or "login" (a redirect to the login page)."""
    api = dict(zip(ROLES, TABLE[state, action], strict=True))[role]
    if role == "visitor":
        return "login"
    if action in ("submit", "withdraw"):
        return ("flash", "warning") if api == C else api
    if role != "bureau":  # the bureau's pages are for officers; only the bureau decides
        return D
    return ("flash", "danger" if action == "revoke" else "warning") if api == C else api


def page_action(client, record_id, action):
    if action in ("submit", "withdraw"):
        return client.post(f"/achievements/{record_id}/{action}")
    if action == "revoke":
        return client.post(f"/bureau/achievements/{record_id}/revoke",
                           data={"comment": "成果权属存在争议。"})
    return client.post(f"/bureau/achievements/{record_id}",
                       data={"decision": action, "comment": "审查意见。"})


@pytest.mark.parametrize("state", STATES)
def test_page_workflow_table(market, state):
    owner = market.institute()
    actors = market.actors(owner)
    clients = {role: market.page_client(user) for role, user in actors.items()}
    got, expected = {}, {}
    for action in ACTIONS:
        record_id = market.achievement(owner, state)
        history = market.history(record_id)
        outcomes = {role: page_outcome(role, state, action) for role in ROLES}
        expected |= {(action, role): outcome for role, outcome in outcomes.items()}
        for role in refusals_first(outcomes):
            client = clients[role]
            response = page_action(client, record_id, action)
            if response.status_code != 302:
                got[action, role] = response.status_code
            elif "/login" in response.headers["Location"]:
                got[action, role] = "login"
            else:
                [(category, message)] = flashes(client)
                if category == "success":
                    got[action, role] = market.status(record_id)
                    continue
                got[action, role] = ("flash", category)
                assert message.strip(), (action, role)
            assert market.status(record_id) == state, (action, role)
            assert market.history(record_id) == history, (action, role)
    assert got == expected


@pytest.mark.parametrize(("state", "action", "to_state"), EDGES)
def test_every_transition_is_audited_notified_and_indexed(market, client, state, action,
                                                          to_state):
    owner = market.institute()
    colleague = market.member_of(owner.organization_id)
    officers = [market.bureau(), market.user("bureau")]
    market.user("admin")
    market.user("institute")  # someone who must hear nothing
    record_id = market.achievement(owner, state)
    actor = owner if action in ("submit", "withdraw") else officers[1]
    token = market.token(actor)
    notes_before = len(market.notifications())
    outbox_before = len(market.outbox(record_id))

    response = api_action(client, record_id, action, token)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == to_state
    comment = {"submit": None, "withdraw": None, "revoke": "成果权属存在争议。"}.get(
        action, "审查意见。")
    assert market.history(record_id)[-1] == (action, state, to_state, actor.id, comment)
    assert market.outbox(record_id)[outbox_before:] == ["upsert"]
    notes = market.notifications()[notes_before:]
    if action == "submit":
        assert sorted(n[0] for n in notes) == sorted(o.id for o in officers)
        assert all("awaits registration" in n[1] for n in notes)
        assert {n[3] for n in notes} == {f"/bureau/achievements/{record_id}"}
    elif action == "withdraw":
        assert notes == []
    else:
        assert sorted(n[0] for n in notes) == sorted([owner.id, colleague.id])
        title = market.get(record_id).title
        assert all(n[2]["title"] == title for n in notes)
        assert {n[3] for n in notes} == {f"/achievements/{record_id}"}
        if action == "register":
            number = market.get(record_id).registration_number
            assert all(n[2]["number"] == number for n in notes)
        else:
            assert all(n[2]["comment"] == comment for n in notes)
