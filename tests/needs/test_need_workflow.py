"""The need workflow through the API: every action a user takes on a need, from every state,
by every role of ROLES, and every decision on a response, from every state of the response
and of its need; each success audited (and, for the need's own moves, queued for the search
index), each refusal leaving everything as it was. Then the rules around the tables: who may
submit, what a response may offer, one open response each, one accepted at a time, who
confirms, the deal and its draft contract, the timed moves and who is told of what."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from need_helpers import (
    DEADLINE,
    ROLES,
    NeedApi,
    deal_of_need,
    need_outbox,
    need_people,
)

from marketplace.needs import services
from marketplace.needs.states import WORKFLOW
from marketplace.workflow import by_market

D, N, C, U = 403, 404, 409, 401
ERROR_CODES = {U: "unauthorized", D: "forbidden", N: "not_found", C: "conflict"}
MESSAGE = "我所有成熟的低浓度瓦斯提纯与发电技术，可按需开发成套装置。"

# The states the helper makes: "withdrawn" is withdrawn as a draft (never public),
# "closed_withdrawn" is withdrawn once published.
STATES = ("draft", "pending_review", "returned", "published", "withdrawn",
          "closed_withdrawn", "resolved", "expired")
STATUS_OF = {"withdrawn": "closed:withdrawn", "closed_withdrawn": "closed:withdrawn",
             "resolved": "closed:resolved", "expired": "closed:expired"}
# Never published: only the enterprise's organisation and the officers see these.
HIDDEN = ("draft", "pending_review", "returned", "withdrawn")
ACTIONS = ("submit", "withdraw", "publish", "return", "resolve", "renew", "edit", "respond")
OWNER_ACTIONS = ("submit", "withdraw", "resolve", "renew", "edit")
BUREAU_ACTIONS = ("publish", "return")
COMMENTS = {"withdraw": "已通过其他渠道解决，撤回需求。", "publish": "准予发布。",
            "return": "请补充技术指标。", "resolve": "已与合作方签约。"}

# Every (state, action) -> state that a user's request takes: the workflow table less the
# market's expiry and the deal (a response's confirmation takes that one).
EDGE_TABLE = {
    ("draft", "submit"): "pending_review",
    ("returned", "submit"): "pending_review",
    ("draft", "withdraw"): "closed:withdrawn",
    ("returned", "withdraw"): "closed:withdrawn",
    ("pending_review", "withdraw"): "closed:withdrawn",
    ("published", "withdraw"): "closed:withdrawn",
    ("pending_review", "publish"): "published",
    ("pending_review", "return"): "returned",
    ("published", "resolve"): "closed:resolved",
    ("published", "renew"): "published",
}


def status_of(state):
    return STATUS_OF.get(state, state)


def outcome(state, action, role):
    """The API's answer to `role` taking `action` on a need in `state`: the need's status
    afterwards, or the refusal's status code. The workflow checks who may act before the
    state (403, then 409 for the one who may); a response checks the kind of user first."""
    if role == "visitor":
        return U
    if state in HIDDEN and role not in ("owner", "bureau", "admin"):
        return N
    if action == "respond":
        if role not in ("institute", "broker"):
            return D
        return "published" if state == "published" else C
    if role != ("owner" if action in OWNER_ACTIONS else "bureau"):
        return D
    if action == "edit":
        return state if state in ("draft", "returned") else C
    return EDGE_TABLE.get((state, action), C)


TABLE = {(state, action): {role: outcome(state, action, role) for role in ROLES}
         for state in STATES for action in ACTIONS}


def test_the_table_is_the_workflow():
    by_users = {(str(state), action): str(target)
                for state, edges in WORKFLOW.transitions.items()
                for action, target in edges.items()
                if WORKFLOW.guards.get(action) is not by_market and action != "deal"}
    assert by_users == {k: v.split(":")[0] for k, v in EDGE_TABLE.items()}
    assert ("published", "expire") in {(str(s), a) for s, e in WORKFLOW.transitions.items()
                                       for a in e}
    # Spot checks of the generated table.
    assert list(TABLE["draft", "submit"].values()) == ["pending_review", N, N, N, D, D, U]
    assert list(TABLE["pending_review", "publish"].values()) == [D, N, N, N, "published", D,
                                                                 U]
    assert list(TABLE["published", "respond"].values()) == [D, D, "published", "published",
                                                            D, D, U]
    assert list(TABLE["published", "submit"].values()) == [C, D, D, D, D, D, U]
    assert list(TABLE["withdrawn", "respond"].values()) == [D, N, N, N, D, D, U]
    assert list(TABLE["expired", "renew"].values()) == [C, D, D, D, D, D, U]


def need_action(api, need_id, action, user, offered):
    url = f"/needs/{need_id}"
    if action in ("publish", "return"):
        return api.post(f"{url}/review", user,
                        {"decision": action, "comment": COMMENTS[action]})
    if action == "edit":
        return api.patch(url, user, {"title": "低浓度瓦斯安全输送与发电利用成套技术"})
    if action == "respond":
        return api.post(f"{url}/responses", user,
                        {"message": MESSAGE, "achievement_id": offered})
    return api.post(f"{url}/{action}", user,
                    {"comment": COMMENTS[action]} if action in COMMENTS else {})


def expected_entries(state, action, after, actor):
    """The audit entries a success appends: (action, from, to, actor id, comment)."""
    if action in ("edit", "respond"):
        return [(action, None, None, actor.id, None)]
    return [(action, status_of(state).split(":")[0], after.split(":")[0], actor.id,
             COMMENTS.get(action))]


def check(market, api, people, need_id, state, action, role, offered):
    """Take `action` as `role`; the outcome as the table writes it."""
    history = market.need_history(need_id)
    outbox = need_outbox(market, need_id)
    responses = market.responses(need_id)
    response = need_action(api, need_id, action, people[role], offered)
    body = response.get_json()
    if response.status_code in (200, 201):
        after = market.need_status(need_id)
        if action == "respond":
            assert response.status_code == 201
            assert (body["status"], body["need_id"], body["achievement_id"]) == (
                "submitted", need_id, offered)
            assert [r.id for r in market.responses(need_id)] == [body["id"]]
        else:
            assert [body["status"], body["closure"]] == (after.split(":") + [None])[:2]
        new = market.need_history(need_id)[len(history):]
        assert new == expected_entries(state, action, after, people[role]), (action, role)
        moves = [entry for entry in new if entry[1] is not None]
        assert need_outbox(market, need_id)[len(outbox):] == ["upsert"] * len(moves)
        return after
    assert body["error"]["code"] == ERROR_CODES.get(response.status_code), body
    assert market.need_status(need_id) == status_of(state), (action, role)
    assert market.need_history(need_id) == history, (action, role)
    assert need_outbox(market, need_id) == outbox, (action, role)
    assert len(market.responses(need_id)) == len(responses)
    return response.status_code


@pytest.mark.parametrize("state", STATES)
def test_api_workflow_table(market, state):
    """Every refusal on one need in `state`; every success on a need of its own."""
    people = need_people(market)
    offered = market.registered(people["institute"])
    api = NeedApi(market)
    got, expected = {}, {}
    shared = market.need(people["owner"], state)
    assert market.need_status(shared) == status_of(state)
    for action in ACTIONS:
        for role, answer in TABLE[state, action].items():
            expected[action, role] = answer
            if isinstance(answer, int):
                got[action, role] = check(market, api, people, shared, state, action, role,
                                          offered)
    for action in ACTIONS:
        for role, answer in TABLE[state, action].items():
            if isinstance(answer, str):
                need_id = market.need(people["owner"], state)
                got[action, role] = check(market, api, people, need_id, state, action, role,
                                          offered)
    assert got == expected


# --- the decisions on a response --------------------------------------------------------------

RESPONSE_ACTIONS = ("withdraw", "shortlist", "decline", "accept", "confirm", "refuse")
DECIDER = {"withdraw": "institute", "shortlist": "owner", "decline": "owner",
           "accept": "owner", "confirm": "institute", "refuse": "institute"}
FROM = {"withdraw": ("submitted", "shortlisted"), "shortlist": ("submitted",),
        "decline": ("submitted", "shortlisted"), "accept": ("submitted", "shortlisted"),
        "confirm": ("accepted",), "refuse": ("accepted",)}
DONE = {"withdraw": "withdrawn", "shortlist": "shortlisted", "decline": "declined",
        "accept": "accepted", "confirm": "dealt", "refuse": "shortlisted"}
AUDITED_AS = {"withdraw": "withdraw_response", "shortlist": "shortlist",
              "decline": "decline_response", "accept": "accept_response",
              "confirm": "confirm_response", "refuse": "refuse_terms"}
RESPONSE_COMMENTS = {"decline": "报价高于我方预算。", "refuse": "该价格低于研发成本。"}
BODIES = {"decline": {"reason": "price", "comment": RESPONSE_COMMENTS["decline"]},
          "accept": {"price": "1200000.00", "mode": "commissioned_development"},
          "refuse": {"comment": RESPONSE_COMMENTS["refuse"]}}
# (the need's state, the response's status): a response on a published need in each status,
# then responses left on closed needs.
RESPONSE_CASES = [*[("published", s) for s in ("submitted", "shortlisted", "accepted",
                                                "declined", "withdrawn")],
                  ("resolved", "dealt"), ("resolved", "shortlisted"),
                  ("closed_withdrawn", "submitted"), ("expired", "accepted")]


def response_outcome(need_state, status, action, role):
    """The institute's response is seen by it, the enterprise and the officers (others: 404);
    each decision has one decider (others: 403); decisions are taken while the need is
    published, from the statuses FROM names (409 otherwise)."""
    if role == "visitor":
        return U
    if role in ("enterprise", "broker"):
        return N
    if role != DECIDER[action]:
        return D
    if need_state != "published" or status not in FROM[action]:
        return C
    return DONE[action]


RESPONSE_TABLE = {(case, action): {role: response_outcome(*case, action, role)
                                   for role in ROLES}
                  for case in RESPONSE_CASES for action in RESPONSE_ACTIONS}


def response_in(market, people, offered, need_state, status):
    """A need in `need_state` with the institute's response (offering `offered`) in
    `status`; returns (need id, response id)."""
    owner, institute = people["owner"], people["institute"]
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, institute, achievement_id=offered)
    if status == "shortlisted":
        market.run(services.shortlist, response_id, owner)
    elif status == "declined":
        market.run(services.decline_response, response_id, owner, "price", "报价过高。")
    elif status == "withdrawn":
        market.run(services.withdraw_response, response_id, institute)
    elif status in ("accepted", "dealt"):
        market.run(services.accept_response, response_id, owner, "1100000",
                   "commissioned_development")
    if status == "dealt":
        market.run(services.confirm_response, response_id, institute)
    elif need_state == "resolved":
        market.run(services.resolve, need_id, owner)
    elif need_state == "closed_withdrawn":
        market.run(services.withdraw, need_id, owner)
    elif need_state == "expired":
        market.clock.set(datetime(2026, 10, 2, 2, 0, tzinfo=UTC))
        market.tick()
    assert market.need_status(need_id) == status_of(need_state)
    assert market.get_response(response_id).status == status
    return need_id, response_id


def check_response(market, api, people, need_id, response_id, case, action, role):
    history = market.need_history(need_id)
    outbox = need_outbox(market, need_id)
    before = market.get_response(response_id)
    url = f"/needs/{need_id}/responses/{response_id}/{action}"
    response = api.post(url, people[role], BODIES.get(action, {}))
    body = response.get_json()
    after = market.get_response(response_id)
    if response.status_code in (200, 201):
        actor = people[role].id
        entry = (AUDITED_AS[action], None, None, actor, RESPONSE_COMMENTS.get(action))
        new = market.need_history(need_id)[len(history):]
        if action == "confirm":
            assert response.status_code == 201
            deal, contract = deal_of_need(market, need_id)
            assert (body["id"], body["certificate_number"], body["contract_id"]) == (
                deal.id, deal.certificate_number, contract.id)
            assert new == [("deal", "published", "closed", actor, None), entry]
            assert need_outbox(market, need_id)[len(outbox):] == ["upsert"]
            assert market.need_status(need_id) == "closed:resolved"
        else:
            assert response.status_code == 200
            assert (body["id"], body["status"]) == (response_id, DONE[action])
            assert new == [entry]
            assert need_outbox(market, need_id) == outbox
            assert market.need_status(need_id) == status_of(case[0])
            assert deal_of_need(market, need_id) == (None, None)
        if action == "accept":
            assert (after.agreed_price, after.agreed_mode, after.accepted_by_id) == (
                Decimal("1200000.00"), "commissioned_development", actor)
        if action == "decline":
            assert (after.reason, after.decision_comment) == ("price",
                                                              RESPONSE_COMMENTS["decline"])
        if action == "refuse":
            assert (after.agreed_price, after.agreed_mode) == (None, None)
        return after.status
    assert body["error"]["code"] == ERROR_CODES.get(response.status_code), body
    assert (after.status, after.agreed_price) == (before.status, before.agreed_price)
    assert market.need_status(need_id) == status_of(case[0])
    assert market.need_history(need_id) == history
    assert need_outbox(market, need_id) == outbox
    return response.status_code


@pytest.mark.parametrize("case", RESPONSE_CASES, ids=["-".join(c) for c in RESPONSE_CASES])
def test_api_response_decision_table(market, case):
    people = need_people(market)
    offered = market.registered(people["institute"])
    api = NeedApi(market)
    got, expected = {}, {}
    shared = response_in(market, people, offered, *case)
    for action in RESPONSE_ACTIONS:
        for role, answer in RESPONSE_TABLE[case, action].items():
            expected[action, role] = answer
            if isinstance(answer, int):
                got[action, role] = check_response(market, api, people, *shared, case,
                                                   action, role)
    for action in RESPONSE_ACTIONS:
        for role, answer in RESPONSE_TABLE[case, action].items():
            if isinstance(answer, str):
                ids = response_in(market, people, offered, *case)
                got[action, role] = check_response(market, api, people, *ids, case, action,
                                                   role)
    assert got == expected


# --- who may submit, and what a response may offer -------------------------------------------

def test_an_unverified_enterprise_cannot_submit(market):
    owner = market.user("enterprise", status="unverified")
    need_id = market.need(owner, "draft")
    history, outbox = market.need_history(need_id), need_outbox(market, need_id)

    response = NeedApi(market).post(f"/needs/{need_id}/submit", owner)

    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["organization"]
    assert market.need_status(need_id) == "draft"
    assert market.need_history(need_id) == history
    assert need_outbox(market, need_id) == outbox


@pytest.fixture
def offers(market):
    """The people and the things a response may (or may not) offer."""
    institute, other, broker = (market.user("institute"), market.user("institute"),
                                market.user("broker"))
    owner = market.user("enterprise")
    brokered = market.listing(other, "announced", seller_broker_id=broker.id)
    return {
        "institute": institute, "broker": broker, "owner": owner, "other": other,
        "need": market.need(owner, "published"),
        "own listing": market.listing(institute, "announced"),
        "own draft listing": market.listing(institute, "draft"),
        "other's listing": market.listing(other, "announced"),
        "brokered listing": brokered,
        "brokered draft listing": market.listing(other, "draft", seller_broker_id=broker.id),
        "own achievement": market.registered(institute),
        "own draft achievement": market.achievement(institute, "draft"),
        "other's achievement": market.registered(other),
        "other's draft achievement": market.achievement(other, "draft"),
        "brokered listing's achievement": market.get_listing(brokered).achievement_id,
    }


# (who, listing offered, achievement offered, the answer: the selling side or the field)
OFFER_CASES = [
    ("institute", None, None, "institute"),
    ("institute", "own listing", None, "institute"),
    ("institute", None, "own achievement", "institute"),
    ("institute", "own listing", "own achievement", "institute"),
    ("institute", "other's listing", None, "listing_id"),
    ("institute", "own draft listing", None, "listing_id"),
    ("institute", "brokered listing", None, "listing_id"),
    ("institute", 999999, None, "listing_id"),
    ("institute", None, "other's achievement", "achievement_id"),
    ("institute", None, "own draft achievement", "achievement_id"),
    ("institute", None, 999999, "achievement_id"),
    ("broker", "brokered listing", None, "other"),
    ("broker", None, "other's achievement", "other"),
    ("broker", "brokered listing", "brokered listing's achievement", "other"),
    ("broker", None, None, "listing_id"),
    ("broker", "other's listing", None, "listing_id"),
    ("broker", "brokered draft listing", None, "listing_id"),
    ("broker", None, "other's draft achievement", "achievement_id"),
    ("broker", "brokered listing", "own achievement", "achievement_id"),
]


@pytest.mark.parametrize(("who", "listing", "achievement", "answer"), OFFER_CASES,
                         ids=[f"{c[0]}: {c[1]} + {c[2]}" for c in OFFER_CASES])
def test_what_a_response_may_offer(market, offers, who, listing, achievement, answer):
    """An institute offers its own open listing or its own registered achievement (or
    nothing: its organisation sells); a broker a listing it brokers or a registered
    achievement, and must offer one of them."""
    def ref(value):
        return offers[value] if isinstance(value, str) else value

    need_id = offers["need"]
    response = NeedApi(market).post(f"/needs/{need_id}/responses", offers[who], {
        "message": MESSAGE, "listing_id": ref(listing), "achievement_id": ref(achievement)})

    body = response.get_json()
    if answer in ("listing_id", "achievement_id"):
        assert response.status_code == 422, body
        assert list(body["error"]["fields"]) == [answer]
        assert market.responses(need_id) == []
        assert market.need_history(need_id)[-1][0] == "publish"
    else:
        assert response.status_code == 201, body
        stored = market.responses(need_id)[0]
        assert (stored.user_id, stored.listing_id, stored.achievement_id,
                stored.seller_org_id, stored.org_id) == (
            offers[who].id, ref(listing), ref(achievement),
            offers[answer].organization_id, offers[who].organization_id)
        assert body["seller_org_id"] == offers[answer].organization_id


def test_one_open_response_per_responder(market):
    people = need_people(market)
    institute, broker = people["institute"], people["broker"]
    colleague = market.member_of(institute.organization_id)
    offered = market.registered(market.user("institute"))
    need_id = market.need(people["owner"], "published")
    api = NeedApi(market)

    def respond(user, **offer):
        return api.post(f"/needs/{need_id}/responses", user, {"message": MESSAGE, **offer})

    first = respond(institute)
    assert first.status_code == 201
    again, by_colleague = respond(institute), respond(colleague)
    assert (again.status_code, by_colleague.status_code) == (409, 409)
    assert again.get_json()["error"]["message"] == "You have already responded to this need."
    assert respond(broker, achievement_id=offered).status_code == 201
    assert respond(broker, achievement_id=offered).status_code == 409
    assert len(market.responses(need_id)) == 2
    # A shortlisted response is still open; once withdrawn, the institute may respond anew.
    market.run(services.shortlist, first.get_json()["id"], people["owner"])
    assert respond(colleague).status_code == 409
    assert api.post(f"/needs/{need_id}/responses/{first.get_json()['id']}/withdraw",
                    institute).status_code == 200
    anew = respond(colleague)
    assert anew.status_code == 201
    assert [r.status for r in market.responses(need_id)] == ["withdrawn", "submitted",
                                                             "submitted"]
    # A declined response is closed too.
    market.run(services.decline_response, anew.get_json()["id"], people["owner"], "fit",
               "方案与需求不符。")
    assert respond(institute).status_code == 201


# --- acceptance, confirmation and refusal ------------------------------------------------------

def two_responses(market):
    people = need_people(market)
    second = market.user("institute")
    need_id = market.need(people["owner"], "published")
    first_id = market.respond(need_id, people["institute"])
    second_id = market.respond(need_id, second)
    return people, second, need_id, first_id, second_id


def test_accepting_needs_a_price_and_a_way_of_cooperating(market):
    people, _second, need_id, response_id, _ = two_responses(market)
    api = NeedApi(market)
    url = f"/needs/{need_id}/responses/{response_id}/accept"
    for body, field in (({"mode": "consulting"}, "price"), ({"price": "800000"}, "mode"),
                        ({"price": "0", "mode": "consulting"}, "price"),
                        ({"price": "800000", "mode": "sale"}, "mode")):
        response = api.post(url, people["owner"], body)
        assert response.status_code == 422, body
        assert list(response.get_json()["error"]["fields"]) == [field], body
    assert market.get_response(response_id).status == "submitted"


def test_one_accepted_response_at_a_time(market):
    people, second, need_id, first_id, second_id = two_responses(market)
    owner = people["owner"]
    api = NeedApi(market)

    def accept(response_id, price):
        return api.post(f"/needs/{need_id}/responses/{response_id}/accept", owner,
                        {"price": price, "mode": "commissioned_development"})

    assert accept(first_id, "1000000").status_code == 200
    refused = accept(second_id, "900000")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == (
        "Another response is accepted and awaits its confirmation.")
    assert [(r.status, r.agreed_price) for r in market.responses(need_id)] == [
        ("accepted", Decimal("1000000.00")), ("submitted", None)]
    # Once the first institute refuses the terms, the enterprise may accept the other.
    assert api.post(f"/needs/{need_id}/responses/{first_id}/refuse", people["institute"],
                    {"comment": "价格过低。"}).status_code == 200
    assert accept(second_id, "900000").status_code == 200
    deal = api.post(f"/needs/{need_id}/responses/{second_id}/confirm", second)
    assert deal.status_code == 201, deal.get_json()
    assert deal.get_json()["seller"]["id"] == second.organization_id


def test_refusing_the_terms_returns_the_response_to_the_shortlist(market):
    people, _second, need_id, response_id, _ = two_responses(market)
    owner, institute = people["owner"], people["institute"]
    colleague = market.member_of(owner.organization_id, "enterprise")
    api = NeedApi(market)
    url = f"/needs/{need_id}/responses/{response_id}"
    assert api.post(f"{url}/accept", owner, {"price": "600000",
                                             "mode": "consulting"}).status_code == 200
    notes_before = len(market.notifications())

    refused = api.post(f"{url}/refuse", institute, {"comment": "咨询费低于成本。"})

    assert refused.status_code == 200, refused.get_json()
    assert (refused.get_json()["status"], refused.get_json()["agreed_price"]) == (
        "shortlisted", None)
    record = market.get_response(response_id)
    assert (record.status, record.agreed_price, record.agreed_mode, record.accepted_at) == (
        "shortlisted", None, None, None)
    notes = market.notifications()[notes_before:]
    assert sorted(n[0] for n in notes) == sorted([owner.id, colleague.id])
    assert all(n[2]["comment"] == "咨询费低于成本。" and n[3] == f"/needs/{need_id}"
               for n in notes)
    assert market.need_status(need_id) == "published"
    # Accepted again at better terms, it becomes the deal.
    assert api.post(f"{url}/accept", owner, {"price": "750000",
                                             "mode": "consulting"}).status_code == 200
    assert api.post(f"{url}/confirm", institute).status_code == 201
    deal, _contract = deal_of_need(market, need_id)
    assert (deal.price, deal.transfer_mode) == (Decimal("750000.00"), "consulting")


def test_only_the_seller_organisation_confirms(market):
    """A broker responds with a listing it brokers; the institute selling confirms, not the
    broker, the enterprise or another institute."""
    owner, seller, broker = (market.user("enterprise"), market.user("institute"),
                             market.user("broker"))
    seller_colleague = market.member_of(seller.organization_id)
    stranger = market.user("institute")
    listing_id = market.listing(seller, "announced", seller_broker_id=broker.id)
    need_id = market.need(owner, "published")
    response_id = market.respond(need_id, broker, listing_id=listing_id)
    market.run(services.accept_response, response_id, owner, "1300000", "licence_exclusive")
    api = NeedApi(market)
    url = f"/needs/{need_id}/responses/{response_id}"

    answers = {who: api.post(f"{url}/confirm", user).status_code
               for who, user in (("broker", broker), ("owner", owner),
                                 ("stranger", stranger), ("bureau", market.bureau()))}
    refuse = {who: api.post(f"{url}/refuse", user, {"comment": "不同意。"}).status_code
              for who, user in (("broker", broker), ("owner", owner))}

    assert answers == {"broker": 403, "owner": 403, "stranger": 404, "bureau": 403}
    assert refuse == {"broker": 403, "owner": 403}
    assert market.get_response(response_id).status == "accepted"
    assert deal_of_need(market, need_id) == (None, None)
    confirmed = api.post(f"{url}/confirm", seller_colleague)
    assert confirmed.status_code == 201, confirmed.get_json()
    body = confirmed.get_json()
    assert (body["seller"]["id"], body["buyer"]["id"], body["seller_broker_id"]) == (
        seller.organization_id, owner.organization_id, broker.id)
    assert market.need_history(need_id)[-1][:4] == ("confirm_response", None, None,
                                                    seller_colleague.id)


# --- the deal from a response ---------------------------------------------------------------

# (the responder, what it offers, the mode accepted, contract type, subtype)
DEAL_CASES = [
    ("institute", "achievement", "commissioned_development", "development", "commissioned"),
    ("institute", "achievement", "consulting", "consulting", "consulting"),
    ("institute", "achievement", "licence_ordinary", "licence", "patent"),
    ("institute", "nothing", "licence_sole", "licence", "technical_secret"),
    ("institute", "nothing", "service", "service", "service"),
    ("institute", "listing", "joint_development", "development", "cooperative"),
    ("broker", "listing", "licence_exclusive", "licence", "patent"),
    ("broker", "achievement", "assignment", "transfer", "patent_right"),
]


@pytest.mark.parametrize(("who", "offer", "mode", "contract_type", "subtype"), DEAL_CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in DEAL_CASES])
def test_the_deal_made_from_a_response(market, who, offer, mode, contract_type, subtype):
    owner, seller, broker = (market.user("enterprise"), market.user("institute"),
                             market.user("broker"))
    responder = seller if who == "institute" else broker
    need_id = market.need(owner, "published")
    listing_id = achievement_id = None
    if offer == "listing":
        listing_id = market.listing(seller, "announced",
                                    seller_broker_id=broker.id if who == "broker" else None)
        achievement = market.get_listing(listing_id).achievement_id
    elif offer == "achievement":
        achievement_id = achievement = market.registered(seller)
    else:
        achievement = None
    response_id = market.respond(need_id, responder, listing_id=listing_id,
                                 achievement_id=achievement_id)
    api = NeedApi(market)
    url = f"/needs/{need_id}/responses/{response_id}"
    assert api.post(f"{url}/shortlist", owner).status_code == 200
    accepted = api.post(f"{url}/accept", owner, {"price": "1250000.50", "mode": mode})
    assert accepted.status_code == 200, accepted.get_json()
    accepted_at = market.get_response(response_id).accepted_at
    market.later(days=2)

    confirmed = api.post(f"{url}/confirm", seller)

    assert confirmed.status_code == 201, confirmed.get_json()
    deal, contract = deal_of_need(market, need_id)
    body = confirmed.get_json()
    assert (body["id"], body["price"], body["transfer_mode"], body["listing_id"]) == (
        deal.id, "1250000.50", mode, None)
    assert (deal.need_id, deal.response_id, deal.listing_id) == (need_id, response_id, None)
    assert (deal.seller_org_id, deal.buyer_org_id) == (seller.organization_id,
                                                       owner.organization_id)
    assert (deal.price, deal.transfer_mode, deal.achievement_id) == (
        Decimal("1250000.50"), mode, achievement)
    assert deal.seller_broker_id == (broker.id if who == "broker" else None)
    assert deal.buyer_broker_id is None
    assert (deal.buyer_confirmed_at, deal.seller_confirmed_at) == (accepted_at,
                                                                   market.clock.now())
    assert len(deal.certificate_number) == 14 and deal.certificate_number.startswith("2026")
    assert len(deal.confirmation_number) == 10
    assert deal.confirmation_number.startswith("2026")
    assert body["certificate_number"] == deal.certificate_number
    # The draft contract, for the seller to complete.
    assert body["contract_id"] == contract.id
    assert (str(contract.status), contract.deal_id, contract.filer_org_id) == (
        "draft", deal.id, seller.organization_id)
    assert (contract.contract_type, contract.subtype) == (contract_type, subtype)
    assert (contract.total_amount, contract.technology_amount) == (Decimal("1250000.50"),
                                                                   Decimal("1250000.50"))
    assert contract.achievement_id == achievement
    with market.app.app_context():
        from marketplace.accounts.models import Organization
        from marketplace.extensions import db

        seller_org = db.session.get(Organization, seller.organization_id)
        buyer_org = db.session.get(Organization, owner.organization_id)
        assert (contract.seller_name, contract.seller_credit_code) == (
            seller_org.name, seller_org.credit_code)
        assert (contract.buyer_name, contract.buyer_credit_code) == (
            buyer_org.name, buyer_org.credit_code)
    # The contract names the market's broker, by its real name.
    assert (contract.broker_id, contract.broker_name) == (
        (broker.id, market.broker_name(broker)) if who == "broker" else (None, None))
    if achievement is None:
        assert contract.title.startswith(market.get_need(need_id).title)
        assert (contract.ip_kind, contract.ip_numbers) == ("none", None)
    else:
        assert contract.title.startswith(market.get(achievement).title)
        assert contract.ip_kind == "invention_patent"
        assert contract.ip_numbers == market.get(achievement).ip_items[0].number
    # The need is resolved; the response dealt.
    record = market.get_need(need_id)
    assert (str(record.status), record.closure, record.closed_at) == (
        "closed", "resolved", market.clock.now())
    assert market.get_response(response_id).status == "dealt"
    with market.app.app_context():
        from marketplace import audit

        created = audit.history("deal", deal.id)
        assert [(e.action, e.actor_id, e.data["need_id"]) for e in created] == [
            ("create", seller.id, need_id)]


# --- timed moves -------------------------------------------------------------------------------

def end_of(day):
    """The first moment after `day` in Lüliang (UTC+8)."""
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)


def tick(runner):
    result = runner.invoke(args=["market", "tick"])
    assert result.exit_code == 0, result.output
    return dict(line.rsplit(": ", 1) for line in result.output.splitlines() if ": " in line)


def test_a_published_need_expires_at_the_end_of_its_deadline_day(market, runner, clock):
    owner = market.user("enterprise")
    colleague = market.member_of(owner.organization_id, "enterprise")
    need_id = market.need(owner, "published")
    clock.set(end_of(DEADLINE) - timedelta(seconds=1))

    assert tick(runner)["need deadlines"] == "0"
    assert market.need_status(need_id) == "published"
    assert NeedApi(market).get(f"/needs/{need_id}").get_json()["status"] == "published"
    notes_before = len(market.notifications())
    clock.set(end_of(DEADLINE))
    assert market.need_status(need_id) == "published"  # until the tick or a read

    assert tick(runner)["need deadlines"] == "1"

    record = market.get_need(need_id)
    assert (str(record.status), record.closure, record.closed_at) == (
        "closed", "expired", end_of(DEADLINE))
    assert market.need_history(need_id)[-1] == ("expire", "published", "closed", None, None)
    assert need_outbox(market, need_id)[-1] == "upsert"
    notes = market.notifications()[notes_before:]
    assert sorted(n[0] for n in notes) == sorted([owner.id, colleague.id])
    assert {n[3] for n in notes} == {f"/needs/{need_id}"}
    assert tick(runner)["need deadlines"] == "0"
    assert [e[0] for e in market.need_history(need_id)].count("expire") == 1


def test_a_read_expires_the_need_lazily(market, clock):
    institute = market.user("institute")
    need_id = market.need(market.user("enterprise"), "published")
    late_id = market.need(market.user("enterprise"), "published")
    api = NeedApi(market)
    clock.set(end_of(DEADLINE) - timedelta(seconds=1))
    assert api.get(f"/needs/{need_id}").get_json()["status"] == "published"
    assert market.need_status(need_id) == "published"
    clock.set(end_of(DEADLINE))

    body = api.get(f"/needs/{need_id}").get_json()

    assert (body["status"], body["closure"]) == ("closed", "expired")
    assert market.need_status(need_id) == "closed:expired"
    assert market.need_history(need_id)[-1] == ("expire", "published", "closed", None, None)
    # A response a second too late finds the need closed.
    late = api.post(f"/needs/{late_id}/responses", institute, {"message": MESSAGE})
    assert late.status_code == 409
    assert market.need_status(late_id) == "closed:expired"
    assert market.responses(late_id) == []


def test_a_need_is_renewed_once_by_thirty_days(market, runner, clock):
    owner = market.user("enterprise")
    need_id = market.need(owner, "published")
    api = NeedApi(market)
    clock.set(datetime(2026, 9, 25, 2, 0, tzinfo=UTC))

    first = api.post(f"/needs/{need_id}/renew", owner)
    second = api.post(f"/needs/{need_id}/renew", owner)

    assert first.status_code == 200, first.get_json()
    new_deadline = DEADLINE + timedelta(days=30)
    assert (first.get_json()["deadline"], first.get_json()["renewed"]) == (
        new_deadline.isoformat(), True)
    assert second.status_code == 409
    assert second.get_json()["error"]["message"] == "The need has already been renewed once."
    assert market.get_need(need_id).deadline == new_deadline == date(2026, 10, 30)
    assert [e[0] for e in market.need_history(need_id)].count("renew") == 1
    with market.app.app_context():
        from marketplace import audit

        entry = audit.history("need", need_id)[-1]
        assert (entry.action, entry.data) == ("renew", {"old_deadline": "2026-09-30"})
    # The old deadline passes; the new one closes it.
    clock.set(end_of(DEADLINE) + timedelta(days=1))
    tick(runner)
    assert market.need_status(need_id) == "published"
    clock.set(end_of(new_deadline) - timedelta(seconds=1))
    tick(runner)
    assert market.need_status(need_id) == "published"
    clock.set(end_of(new_deadline))
    tick(runner)
    assert market.need_status(need_id) == "closed:expired"


REMINDER = "Responses to your need %(title)s close on %(end)s; you may renew it once."
LAST_REMINDER = "Responses to your need %(title)s close on %(end)s."


def test_the_enterprise_is_reminded_a_week_before_the_deadline_once(market, runner, clock):
    owner = market.user("enterprise")
    colleague = market.member_of(owner.organization_id, "enterprise")
    need_id = market.need(owner, "published")
    api = NeedApi(market)

    def reminders():
        return [(n[0], n[1], n[2]["end"]) for n in market.notifications()
                if n[1] in (REMINDER, LAST_REMINDER) and n[3] == f"/needs/{need_id}"]

    clock.set(end_of(DEADLINE - timedelta(days=8)) - timedelta(seconds=1))  # 22 Sep 23:59:59
    assert tick(runner)["need expiry reminders"] == "0"
    assert reminders() == []
    clock.set(end_of(DEADLINE - timedelta(days=8)))  # 23 September, a week before

    assert tick(runner)["need expiry reminders"] == "1"

    told = sorted([(owner.id, REMINDER, "2026-09-30"), (colleague.id, REMINDER, "2026-09-30")])
    assert sorted(reminders()) == told
    clock.advance(days=1)
    assert tick(runner)["need expiry reminders"] == "0"
    assert sorted(reminders()) == told
    # Renewed, it is reminded once more before the new deadline, without the offer to renew.
    assert api.post(f"/needs/{need_id}/renew", owner).status_code == 200
    assert tick(runner)["need expiry reminders"] == "0"
    clock.set(end_of(date(2026, 10, 22)))
    assert tick(runner)["need expiry reminders"] == "1"
    tick(runner)
    assert sorted(reminders()) == sorted(told + [(owner.id, LAST_REMINDER, "2026-10-30"),
                                                 (colleague.id, LAST_REMINDER, "2026-10-30")])


# --- who is told of what -----------------------------------------------------------------------

def test_who_is_told_of_what(market):
    owner = market.user("enterprise")
    owner_colleague = market.member_of(owner.organization_id, "enterprise")
    officers = [market.bureau(), market.user("bureau")]
    market.user("admin")
    institute, other = market.user("institute"), market.user("institute")
    institute_colleague = market.member_of(institute.organization_id)
    need_id = market.need(owner, "draft")
    api = NeedApi(market)

    def told(call, status=200):
        before = len(market.notifications())
        response = call()
        assert response.status_code == status, response.get_json()
        return [(n[0], n[3]) for n in market.notifications()[before:]], response.get_json()

    # Officers on submission.
    notes, _ = told(lambda: api.post(f"/needs/{need_id}/submit", owner))
    assert sorted(notes) == sorted((o.id, f"/bureau/needs/{need_id}") for o in officers)
    # The enterprise on publication and on each response.
    notes, _ = told(lambda: api.post(f"/needs/{need_id}/review", officers[1],
                                     {"decision": "publish", "comment": ""}))
    enterprise = sorted([(owner.id, f"/needs/{need_id}"), (owner_colleague.id,
                                                           f"/needs/{need_id}")])
    assert sorted(notes) == enterprise
    notes, first = told(lambda: api.post(f"/needs/{need_id}/responses", institute,
                                         {"message": MESSAGE}), 201)
    assert sorted(notes) == enterprise
    notes, second = told(lambda: api.post(f"/needs/{need_id}/responses", other,
                                          {"message": MESSAGE}), 201)
    assert sorted(notes) == enterprise
    # The responder on shortlisting, declining and accepting.
    url = f"/needs/{need_id}/responses"
    notes, _ = told(lambda: api.post(f"{url}/{first['id']}/shortlist", owner))
    assert notes == [(institute.id, f"/needs/{need_id}")]
    notes, _ = told(lambda: api.post(f"{url}/{second['id']}/decline", owner,
                                     {"reason": "maturity", "comment": "技术成熟度不足。"}))
    assert notes == [(other.id, f"/needs/{need_id}")]
    assert market.notifications()[-1][2]["comment"] == "技术成熟度不足。"
    notes, _ = told(lambda: api.post(f"{url}/{first['id']}/accept", owner_colleague,
                                     {"price": "980000", "mode": "commissioned_development"}))
    assert sorted(notes) == sorted([(institute.id, f"/needs/{need_id}"),
                                    (institute_colleague.id, f"/needs/{need_id}")])
    assert market.notifications()[-1][2]["amount"] == "980,000.00"
    # Both sides on the deal.
    notes, deal = told(lambda: api.post(f"{url}/{first['id']}/confirm", institute_colleague),
                       201)
    assert sorted(notes) == sorted((u.id, f"/deals/{deal['id']}") for u in (
        owner, owner_colleague, institute, institute_colleague))
    assert {n[2]["number"] for n in market.notifications()[-4:]} == {
        deal["certificate_number"]}
