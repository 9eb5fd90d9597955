"""The certification workflow, every (state, action) of contracts.states.WORKFLOW for every
actor, through the API and through the pages; every transition is audited and notified."""
import pytest
from contract_helpers import COMMENTS, ROLES, STATES, api_body, flashes, party

from marketplace.contracts.states import WORKFLOW

D, N, C, U = 403, 404, 409, 401
ACTIONS = ("submit", "certify", "return", "reject", "revoke", "cancel")
# (state, action) -> the API's answer for each role of ROLES (filer, buyer, stranger, broker,
# bureau, admin, visitor): the contract's new state, or the refusal's status code. A contract
# is never public: a stranger (or a broker) gets 404 whatever the state; the buyer side and
# the admin may read it, so their refusals are 403.
FILER_ONLY = {"filer": "?", "buyer": D, "stranger": N, "broker": N, "bureau": D, "admin": D,
              "visitor": U}
BUREAU_ONLY = {"filer": D, "buyer": D, "stranger": N, "broker": N, "bureau": "?", "admin": D,
               "visitor": U}
GUARD = {"submit": FILER_ONLY, "cancel": FILER_ONLY, "certify": BUREAU_ONLY,
         "return": BUREAU_ONLY, "reject": BUREAU_ONLY, "revoke": BUREAU_ONLY}
EDGE_TABLE = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "certify"): "certified",
    ("submitted", "return"): "returned",
    ("submitted", "reject"): "rejected",
    ("certified", "revoke"): "revoked",
    ("certified", "cancel"): "cancelled",
}


def row(state, action):
    allowed = EDGE_TABLE.get((state, action), C)
    return tuple(allowed if outcome == "?" else outcome
                 for outcome in (GUARD[action][role] for role in ROLES))


TABLE = {(state, action): row(state, action) for state in STATES for action in ACTIONS}
ERROR_CODES = {U: "unauthorized", D: "forbidden", N: "not_found", C: "conflict"}
EDGES = [(state, action, to_state) for (state, action), to_state in EDGE_TABLE.items()]


def test_the_table_is_the_workflow():
    assert set(STATES) == {str(s) for s in WORKFLOW.transitions} | {
        "rejected", "revoked", "cancelled"}
    assert set(ACTIONS) == {a for edges in WORKFLOW.transitions.values() for a in edges}
    assert EDGE_TABLE == {(str(s), a): str(t) for s, edges in WORKFLOW.transitions.items()
                          for a, t in edges.items()}
    # Spot checks of the generated table against the wording.
    assert TABLE["draft", "submit"] == ("submitted", D, N, N, D, D, U)
    assert TABLE["submitted", "certify"] == (D, D, N, N, "certified", D, U)
    assert TABLE["certified", "submit"] == (C, D, N, N, D, D, U)
    assert TABLE["draft", "revoke"] == (D, D, N, N, C, D, U)


def api_action(client, record_id, action, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"/api/v1/contracts/{record_id}"
    if action == "submit":
        return client.post(f"{url}/submit", headers=headers)
    if action == "cancel":
        return client.post(f"{url}/cancel", headers=headers, json={"comment": COMMENTS[action]})
    if action == "revoke":
        return client.post(f"{url}/revoke", headers=headers,
                           json={"ground": "false", "comment": COMMENTS[action]})
    body = {"decision": action, "comment": COMMENTS[action] or ""}
    if action == "reject":
        body["ground"] = "unclear"
    return client.post(f"{url}/review", headers=headers, json=body)


def refusals_first(outcomes):
    """Roles in an order that tries every refusal before the one allowed edge."""
    return sorted(outcomes, key=lambda role: outcomes[role] in STATES)


def setup_state(market, state):
    """The actors, and one contract in `state` per action (each action is tried on its own
    contract, so that one allowed edge does not change what the next action meets)."""
    filer = market.filer()
    buyer_org = market.buyer_org()
    actors = market.actors(filer, buyer_org)
    records = {action: market.contract(filer, state, buyer=buyer_org) for action in ACTIONS}
    return actors, records


@pytest.mark.parametrize("state", STATES)
def test_api_workflow_table(market, client, state):
    actors, records = setup_state(market, state)
    tokens = {role: market.token(user) for role, user in actors.items() if user}
    expected, got = {}, {}
    for action, record_id in records.items():
        history = market.history(record_id)
        outcomes = dict(zip(ROLES, TABLE[state, action], strict=True))
        for role in refusals_first(outcomes):
            expected[action, role] = outcomes[role]
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
    """What the pages answer: ("flash", category) after a redirect back, the new state, an
    error status, or "login" (a redirect to the login page)."""
    api = dict(zip(ROLES, TABLE[state, action], strict=True))[role]
    if role == "visitor":
        return "login"
    if action in ("submit", "cancel"):  # the parties' pages: the service's 403 and 404
        return ("flash", "danger") if api == C else api
    if role != "bureau":  # the bureau's pages are for officers; only an officer decides
        return D
    return ("flash", "danger" if action == "revoke" else "warning") if api == C else api


def page_action(client, record_id, action):
    if action == "submit":
        return client.post(f"/contracts/{record_id}/submit")
    if action == "cancel":
        return client.post(f"/contracts/{record_id}/cancel", data={"comment": COMMENTS[action]})
    if action == "revoke":
        return client.post(f"/bureau/contracts/{record_id}/revoke",
                           data={"ground": "false", "comment": COMMENTS[action]})
    return client.post(f"/bureau/contracts/{record_id}", data={
        "decision": action, "comment": COMMENTS[action] or "",
        "ground": "unclear" if action == "reject" else ""})


@pytest.mark.parametrize("state", STATES)
def test_page_workflow_table(market, state):
    actors, records = setup_state(market, state)
    clients = {role: market.page_client(user) for role, user in actors.items()}
    expected, got = {}, {}
    for action, record_id in records.items():
        history = market.history(record_id)
        outcomes = {role: page_outcome(role, state, action) for role in ROLES}
        for role in refusals_first(outcomes):
            expected[action, role] = outcomes[role]
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
def test_every_transition_is_audited_and_notified(market, client, state, action, to_state):
    filer = market.filer()
    colleague = market.member_of(filer.organization_id, role="institute")
    buyer_org = market.buyer_org()
    buyers = [market.member_of(buyer_org), market.member_of(buyer_org)]
    officers = [market.bureau(), market.user("bureau")]
    market.user("admin")
    market.user("enterprise")  # someone who must hear nothing
    record_id = market.contract(filer, state, buyer=buyer_org)
    actor = filer if action in ("submit", "cancel") else officers[1]
    notes_before = len(market.notifications())

    response = api_action(client, record_id, action, market.token(actor))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == to_state
    assert market.history(record_id)[-1] == (action, state, to_state, actor.id,
                                             COMMENTS[action])
    data = market.audit_data(record_id)[-1]
    if action == "reject":
        assert data == {"ground": "unclear"}
    elif action == "revoke":
        assert data == {"ground": "false"}
    notes = market.notifications()[notes_before:]
    title = market.get(record_id).title
    assert all(n[2]["title"] == title for n in notes)
    if action in ("submit", "cancel"):
        assert sorted(n[0] for n in notes) == sorted(o.id for o in officers)
        assert {n[3] for n in notes} == {f"/bureau/contracts/{record_id}"}
    else:
        parties = [filer, colleague, *buyers]
        assert sorted(n[0] for n in notes) == sorted(u.id for u in parties)
        assert {n[3] for n in notes} == {f"/contracts/{record_id}"}
        if action == "certify":
            number = market.get(record_id).registration_number
            assert all(n[2]["number"] == number for n in notes)
        else:
            assert all(n[2]["comment"] == COMMENTS[action] for n in notes)


def test_an_outside_buyer_is_not_notified_and_the_filer_is(market, client):
    """The buyer side hears of decisions only when it is a registered organisation."""
    filer = market.filer()
    record_id = market.contract(filer, "submitted")
    before = len(market.notifications())
    response = api_action(client, record_id, "certify", market.token(market.bureau()))
    assert response.status_code == 200
    assert [n[0] for n in market.notifications()[before:]] == [filer.id]


def test_an_import_notifies_the_registered_foreign_seller_and_the_domestic_filer(market,
                                                                                 client):
    """For a technology import the domestic buyer files; the seller is the other party."""
    buyer = market.user("enterprise")
    seller_org = market.org(kind="enterprise", county="110000")
    seller_member = market.member_of(seller_org)
    own = market.org_of(buyer)
    body = api_body(
        {"name": "Fraunhofer-Institut", "credit_code": seller_org.credit_code,
         "entity_type": "foreign_enterprise", "region": "990000"},
        party(own), is_import=True)
    record_id = market.contract(buyer, "submitted", body=body)
    before = len(market.notifications())
    response = api_action(client, record_id, "certify", market.token(market.bureau()))
    assert response.status_code == 200
    assert sorted(n[0] for n in market.notifications()[before:]) == sorted(
        [buyer.id, seller_member.id])
    # The registered seller reads it; it may not submit, edit or cancel it.
    token = market.token(seller_member)
    assert client.get(f"/api/v1/contracts/{record_id}",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert api_action(client, record_id, "cancel", token).status_code == 403
