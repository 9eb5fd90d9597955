"""The listing workflow through the API: every action a user takes, from every state, by every
role of ROLES; each success audited and queued for the search index, each refusal leaving the
listing as it was. Then the rules around the table: intents and their decisions, changes and
their re-announcement, renewal, pause and resume, the deal, and who is told of what."""
from datetime import timedelta
from decimal import Decimal

import pytest
from listing_helpers import ROLES, bearer, buyers_for, listing_in, org_name

from marketplace.achievements import services as achievements
from marketplace.listings.states import WORKFLOW, ListingStatus
from marketplace.workflow import by_market

D, N, C, U = 403, 404, 409, 401
STATES = tuple(s.value for s in ListingStatus)
# Never announced (or withdrawn): only the seller's organisation and the officers see these.
HIDDEN = ("draft", "pending_review", "returned", "rejected", "withdrawn")
ACTIONS = ("submit", "withdraw", "approve", "return", "reject", "change", "renew", "pause",
           "resume", "terminate", "intent", "bid", "confirm", "decline")
COMMENTS = {"withdraw": "成果转化计划调整，撤回挂牌。", "approve": "准予挂牌。",
            "return": "请补充受让方条件。", "reject": "成果权属不清。",
            "pause": "权属存在争议，待核查。", "resume": "争议已排除，恢复挂牌。",
            "terminate": "经核查权属争议成立，终结挂牌。", "decline": "价格未达成一致。"}

# Every (state, workflow action) -> state that a user's request takes: the workflow table
# less the market's timed moves. `engage` is the intent on a listed listing, `deal` the
# second confirmation; the helper pauses listings while they are announced.
EDGE_TABLE = {
    ("draft", "submit"): "pending_review",
    ("returned", "submit"): "pending_review",
    ("draft", "withdraw"): "withdrawn",
    ("returned", "withdraw"): "withdrawn",
    ("pending_review", "withdraw"): "withdrawn",
    ("announced", "withdraw"): "withdrawn",
    ("listed", "withdraw"): "withdrawn",
    ("pending_review", "approve"): "announced",
    ("pending_review", "return"): "returned",
    ("pending_review", "reject"): "rejected",
    ("announced", "change"): "pending_review",
    ("listed", "change"): "pending_review",
    ("listed", "renew"): "listed",
    ("listed", "engage"): "negotiating",
    ("negotiating", "deal"): "dealt",
    ("awarded", "deal"): "dealt",
    ("negotiating", "decline"): "failed",
    ("awarded", "decline"): "failed",
    **{(state, "pause"): "paused"
       for state in ("announced", "listed", "negotiating", "bidding", "awarded")},
    ("paused", "resume"): "announced",
    **{(state, "terminate"): "terminated"
       for state in ("announced", "listed", "negotiating", "bidding", "awarded", "paused")},
}
SELLER_ACTIONS = ("submit", "withdraw", "change", "renew")
BUREAU_ACTIONS = ("approve", "return", "reject", "pause", "resume", "terminate")
# A PATCH of a draft or returned listing is an edit: it stays where it is.
EDITS = {("draft", "change"): "draft", ("returned", "change"): "returned"}


def outcome(state, action, role):
    """The API's answer to `role` taking `action` on a listing in `state`: the listing's state
    afterwards, or the refusal's status code. The workflow's actions check who may act before
    the state (403, then 409 for the one who may); intents check the role first too. Bids and
    the confirmation check the kind of user first (only enterprises bid; only the seller and
    an enterprise can be the sides of a deal), then the state, then the particular party: an
    enterprise learns that bidding is closed (409) before whether it would qualify."""
    if role == "visitor":
        return U
    if state in HIDDEN and role not in ("seller", "bureau", "admin"):
        return N
    if action in SELLER_ACTIONS + BUREAU_ACTIONS:
        if role != ("seller" if action in SELLER_ACTIONS else "bureau"):
            return D
        return EDITS.get((state, action)) or EDGE_TABLE.get((state, action), C)
    if action == "intent":
        if role not in ("buyer", "rival"):
            return D
        return {"announced": "announced", "listed": "negotiating"}.get(state, C)
    if action == "bid":
        if role not in ("buyer", "rival"):
            return D
        return "bidding" if state == "bidding" else C  # both registered intents
    if role not in ("seller", "buyer", "rival"):  # confirm and decline
        return D
    if state not in ("negotiating", "awarded"):
        return C
    if role != "seller" and role != "buyer":  # the buyer negotiates, or won the bidding
        return D
    return state if action == "confirm" else "failed"  # one confirmation is not the deal


TABLE = {(state, action): {role: outcome(state, action, role) for role in ROLES}
         for state in STATES for action in ACTIONS}
ERROR_CODES = {U: "unauthorized", D: "forbidden", N: "not_found", C: "conflict"}


def test_the_table_is_the_workflow():
    by_users = {(str(state), action): target for state, edges in WORKFLOW.transitions.items()
                for action, target in edges.items()
                if WORKFLOW.guards.get(action) is not by_market}
    resume = by_users.pop(("paused", "resume"))
    assert callable(resume)
    assert {k: str(v) for k, v in by_users.items()} == {
        k: v for k, v in EDGE_TABLE.items() if k != ("paused", "resume")}
    # Spot checks of the generated table against the wording.
    assert list(TABLE["draft", "submit"].values()) == ["pending_review", N, N, N, N, D, D, U]
    assert list(TABLE["draft", "approve"].values()) == [D, N, N, N, N, C, D, U]
    assert list(TABLE["announced", "submit"].values()) == [C, D, D, D, D, D, D, U]
    assert list(TABLE["listed", "intent"].values()) == [D, "negotiating", "negotiating", D, D,
                                                        D, D, U]
    assert list(TABLE["listed", "bid"].values()) == [D, C, C, D, D, D, D, U]
    assert list(TABLE["bidding", "confirm"].values()) == [C, C, C, D, D, D, D, U]
    assert list(TABLE["awarded", "confirm"].values()) == ["awarded", "awarded", D, D, D, D, D,
                                                          U]
    assert list(TABLE["paused", "resume"].values()) == [D, D, D, D, D, "announced", D, U]


def api_action(client, listing_id, action, token):
    headers = bearer(token)
    url = f"/api/v1/listings/{listing_id}"
    if action in ("approve", "return", "reject"):
        return client.post(f"{url}/review", headers=headers,
                           json={"decision": action, "comment": COMMENTS[action]})
    if action == "change":
        return client.patch(url, headers=headers, json={"asking_price": "1400000.00"})
    if action == "intent":
        return client.post(f"{url}/intents", headers=headers,
                           json={"statement": "我公司具备煤层气开发资质。"})
    if action == "bid":
        return client.post(f"{url}/bids", headers=headers, json={"amount": "1000000.00"})
    if action == "decline":
        return client.post(f"{url}/decline", headers=headers,
                           json={"reason": "price", "comment": COMMENTS[action]})
    if action in ("submit", "renew"):
        return client.post(f"{url}/{action}", headers=headers)
    return client.post(f"{url}/{action}", headers=headers,
                       json={"comment": COMMENTS[action]} if action in COMMENTS else {})


def expected_entries(state, action, to_state, actor):
    """The audit entries a success appends: (action, from, to, actor id, comment)."""
    if (state, action) in EDITS:
        return [("edit", None, None, actor.id, None)]
    if action == "intent":
        engage = [("engage", state, to_state, actor.id, None)] if state == "listed" else []
        return [("intent", None, None, actor.id, None), *engage]
    if action in ("bid", "confirm"):
        return [(action, None, None, actor.id, None)]
    return [(action, state, to_state, actor.id, COMMENTS.get(action))]


def tokens_for(market, people):
    """Fresh tokens: making a listing in a timed state moves the clock past older ones."""
    return {role: market.token(user) for role, user in people.items() if user}


def check(market, client, people, tokens, record_id, state, action, role):
    """Take `action` as `role`; the outcome as the table writes it."""
    history = market.listing_history(record_id)
    outbox = market.listing_outbox(record_id)
    response = api_action(client, record_id, action, tokens.get(role))
    body = response.get_json()
    if response.status_code in (200, 201):
        after = market.listing_status(record_id)
        if action not in ("intent", "bid"):
            assert body["status"] == after, (action, role)
        new = market.listing_history(record_id)[len(history):]
        assert new == expected_entries(state, action, after, people[role]), (action, role)
        transitions = [entry for entry in new if entry[1] is not None]
        assert market.listing_outbox(record_id)[len(outbox):] == ["upsert"] * len(
            transitions), (action, role)
        return after
    assert body["error"]["code"] == ERROR_CODES.get(response.status_code), body
    assert market.listing_status(record_id) == state, (action, role)
    assert market.listing_history(record_id) == history, (action, role)
    assert market.listing_outbox(record_id) == outbox, (action, role)
    return response.status_code


@pytest.mark.parametrize("state", STATES)
def test_api_workflow_table(market, client, state):
    """Every refusal on one listing in `state`; every success on a listing of its own, acted
    on as soon as it is made (making the next one moves the market clock on)."""
    people = market.people()
    got, expected = {}, {}
    shared = listing_in(market, people, state)
    tokens = tokens_for(market, people)
    for action in ACTIONS:
        for role, answer in TABLE[state, action].items():
            expected[action, role] = answer
            if isinstance(answer, int):
                got[action, role] = check(market, client, people, tokens, shared, state,
                                          action, role)
    for action in ACTIONS:
        for role, answer in TABLE[state, action].items():
            if isinstance(answer, str):
                record_id = listing_in(market, people, state)
                got[action, role] = check(market, client, people, tokens_for(market, people),
                                          record_id, state, action, role)
    assert got == expected


# --- the decisions on an intent ----------------------------------------------------------------

INTENT_ACTIONS = ("withdraw", "disqualify", "decline")
INTENT_STATES = ("announced", "negotiating", "bidding")
INTENT_DONE = {"withdraw": "withdrawn", "disqualify": "disqualified", "decline": "declined"}
INTENT_COMMENTS = {"withdraw": None, "disqualify": "不具备煤层气开发资质。",
                   "decline": "注册资本不满足受让方条件。"}


def intent_outcome(state, action, role):
    """The answer to `role` deciding the buyer's intent: its new status or the refusal. Only
    the seller, the bureau and the intent's own organisation see it (others: 404); each
    decision has one decider (others: 403); intents are decided while the listing is
    announced (409 after)."""
    if role == "visitor":
        return U
    if role not in ("seller", "buyer", "bureau", "admin"):
        return N
    decider = {"withdraw": "buyer", "disqualify": "bureau", "decline": "seller"}[action]
    if role != decider:
        return D
    return INTENT_DONE[action] if state == "announced" else C


INTENT_TABLE = {(state, action): {role: intent_outcome(state, action, role) for role in ROLES}
                for state in INTENT_STATES for action in INTENT_ACTIONS}


def intent_action(client, listing_id, intent_id, action, token):
    url = f"/api/v1/listings/{listing_id}/intents/{intent_id}/{action}"
    if action == "withdraw":
        return client.post(url, headers=bearer(token))
    body = {"comment": INTENT_COMMENTS[action]}
    if action == "decline":
        body["reason"] = "fit"
    return client.post(url, headers=bearer(token), json=body)


def listing_with_intents(market, people, state):
    """A listing in `state` with the buyer's intent (and, when announced, the rival's)."""
    if state != "announced":
        return listing_in(market, people, state)
    listing_id = listing_in(market, people, "announced")
    market.intent(listing_id, people["buyer"])
    market.intent(listing_id, people["rival"])
    return listing_id


def check_intent(market, client, people, tokens, listing_id, state, action, role):
    intent = next(i for i in market.intents(listing_id)
                  if i.org_id == people["buyer"].organization_id)
    before = market.get_listing(listing_id)
    statuses = [i.status for i in market.intents(listing_id)]
    history = market.listing_history(listing_id)
    response = intent_action(client, listing_id, intent.id, action, tokens.get(role))
    body = response.get_json()
    after = market.get_listing(listing_id)
    if response.status_code == 200:
        assert body["status"] == INTENT_DONE[action]
        assert after.intents_count == before.intents_count - 1
        assert market.listing_history(listing_id)[len(history):] == [
            (f"{action}_intent", None, None, people[role].id, INTENT_COMMENTS[action])]
        decided = next(i for i in market.intents(listing_id) if i.id == intent.id)
        assert (decided.status, decided.decided_by_id) == (INTENT_DONE[action],
                                                          people[role].id)
        return body["status"]
    assert body["error"]["code"] == ERROR_CODES[response.status_code], body
    assert after.intents_count == before.intents_count
    assert market.listing_history(listing_id) == history
    assert [i.status for i in market.intents(listing_id)] == statuses
    return response.status_code


@pytest.mark.parametrize("state", INTENT_STATES)
def test_api_intent_decision_table(market, client, state):
    people = market.people()
    got, expected = {}, {}
    shared = listing_with_intents(market, people, state)
    tokens = tokens_for(market, people)
    for action in INTENT_ACTIONS:
        for role, answer in INTENT_TABLE[state, action].items():
            expected[action, role] = answer
            if isinstance(answer, int):
                got[action, role] = check_intent(market, client, people, tokens, shared,
                                                 state, action, role)
    assert all(i.status == "active" for i in market.intents(shared))
    for action in INTENT_ACTIONS:
        for role, answer in INTENT_TABLE[state, action].items():
            if isinstance(answer, str):
                listing_id = listing_with_intents(market, people, state)
                got[action, role] = check_intent(market, client, people,
                                                 tokens_for(market, people), listing_id,
                                                 state, action, role)
    assert got == expected


# --- intents -----------------------------------------------------------------------------------

def post(client, market, user, path, json=None):
    return client.post(f"/api/v1/listings{path}", json={} if json is None else json,
                       headers=bearer(market.token(user) if user else None, "en"))


def get(client, market, user, path):
    return client.get(f"/api/v1/listings{path}",
                      headers=bearer(market.token(user) if user else None, "en"))


STATEMENT = {"statement": "我公司具备煤层气开发资质，注册资本 5000 万元。"}


def test_an_intent_on_a_listed_listing_opens_the_negotiation_at_once(market, client):
    people = market.people()
    listing_id = listing_in(market, people, "listed")
    before = market.get_listing(listing_id)

    response = post(client, market, people["buyer"], f"/{listing_id}/intents",
                    {**STATEMENT, "offered_price": "1200000"})

    assert response.status_code == 201, response.get_json()
    intent = response.get_json()
    assert (intent["status"], intent["offered_price"], intent["organization"]["id"]) == (
        "active", "1200000.00", people["buyer"].organization_id)
    record = market.get_listing(listing_id)
    assert (str(record.status), record.buyer_org_id, record.agreed_price) == (
        "negotiating", people["buyer"].organization_id, Decimal("1200000.00"))
    assert record.confirm_by is not None and record.next_move_at == record.confirm_by
    assert record.listing_ends_at == before.listing_ends_at
    assert [e[:3] for e in market.listing_history(listing_id)[-2:]] == [
        ("intent", None, None), ("engage", "listed", "negotiating")]
    # The negotiation is with that buyer alone: a second enterprise comes too late.
    late = post(client, market, people["rival"], f"/{listing_id}/intents", STATEMENT)
    assert late.status_code == 409
    assert [i.org_id for i in market.intents(listing_id)] == [people["buyer"].organization_id]


def test_an_intent_while_announced_waits_for_the_end_of_the_announcement(market, client):
    people = market.people()
    listing_id = listing_in(market, people, "announced")
    response = post(client, market, people["buyer"], f"/{listing_id}/intents", STATEMENT)
    assert response.status_code == 201
    body = get(client, market, None, f"/{listing_id}").get_json()
    assert (body["status"], body["intents_count"]) == ("announced", 1)


def test_no_withdrawal_and_no_change_once_an_intent_exists(market, client):
    people = market.people()
    seller = people["seller"]
    listing_id = listing_in(market, people, "announced")
    intent_id = market.intent(listing_id, people["buyer"])
    history = market.listing_history(listing_id)

    withdraw = post(client, market, seller, f"/{listing_id}/withdraw", {"comment": "撤回。"})
    change = client.patch(f"/api/v1/listings/{listing_id}", json={"asking_price": "900000.00"},
                          headers=bearer(market.token(seller), "en"))

    assert (withdraw.status_code, change.status_code) == (409, 409)
    assert "intent" in withdraw.get_json()["error"]["message"]
    assert "intent" in change.get_json()["error"]["message"]
    record = market.get_listing(listing_id)
    assert (str(record.status), record.asking_price) == ("announced", Decimal("1500000.00"))
    assert market.listing_history(listing_id) == history
    # Once the buyer withdraws its intent, nobody is waiting on the terms any more.
    assert post(client, market, people["buyer"],
                f"/{listing_id}/intents/{intent_id}/withdraw").status_code == 200
    again = post(client, market, seller, f"/{listing_id}/withdraw", {"comment": "撤回。"})
    assert again.status_code == 200
    assert again.get_json()["status"] == "withdrawn"


def test_an_unverified_enterprise_cannot_register_an_intent(market, client):
    people = market.people()
    listing_id = listing_in(market, people, "announced")
    unverified = market.user("enterprise", status="unverified")

    response = post(client, market, unverified, f"/{listing_id}/intents", STATEMENT)

    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["organization"]
    assert market.intents(listing_id) == []
    assert market.get_listing(listing_id).intents_count == 0


def test_the_seller_organisation_cannot_buy_its_own_listing(market, client):
    people = market.people()
    listing_id = listing_in(market, people, "announced")
    own_enterprise_member = market.member_of(people["seller"].organization_id, "enterprise")

    response = post(client, market, own_enterprise_member, f"/{listing_id}/intents", STATEMENT)

    assert response.status_code == 403
    assert market.intents(listing_id) == []


def test_one_intent_per_organisation(market, client):
    people = market.people()
    listing_id = listing_in(market, people, "announced")
    colleague = market.member_of(people["buyer"].organization_id, "enterprise")
    assert post(client, market, people["buyer"], f"/{listing_id}/intents",
                STATEMENT).status_code == 201

    response = post(client, market, colleague, f"/{listing_id}/intents", STATEMENT)

    assert response.status_code == 409
    assert len(market.intents(listing_id)) == 1
    assert market.get_listing(listing_id).intents_count == 1


@pytest.mark.parametrize(("kept", "state"), [(1, "negotiating"), (2, "bidding")])
def test_disqualified_and_declined_intents_no_longer_count(market, client, kept, state):
    """Of four intents the bureau disqualifies one and the seller declines one: the others
    decide what the end of the announcement opens, and only they may bid."""
    people = market.people()
    seller, officer = people["seller"], people["bureau"]
    listing_id = listing_in(market, people, "announced")
    bidders = [people["buyer"], people["rival"]][:kept]
    disqualified, declined = market.user("enterprise"), market.user("enterprise")
    if kept == 1:
        market.intent(listing_id, people["rival"])
    for user in (*bidders, disqualified, declined):
        market.intent(listing_id, user)
    if kept == 1:  # the rival withdraws its own intent
        own = next(i.id for i in market.intents(listing_id)
                   if i.org_id == people["rival"].organization_id)
        assert post(client, market, people["rival"],
                    f"/{listing_id}/intents/{own}/withdraw").status_code == 200
    by_org = {i.org_id: i.id for i in market.intents(listing_id)}

    assert post(client, market, officer,
                f"/{listing_id}/intents/{by_org[disqualified.organization_id]}/disqualify",
                {"comment": "不具备资质。"}).status_code == 200
    assert post(client, market, seller,
                f"/{listing_id}/intents/{by_org[declined.organization_id]}/decline",
                {"reason": "fit", "comment": "不符合受让方条件。"}).status_code == 200
    assert get(client, market, None, f"/{listing_id}").get_json()["intents_count"] == kept
    mine = get(client, market, disqualified, f"/{listing_id}/intents").get_json()["items"]
    assert [(i["status"], i["decision_comment"]) for i in mine] == [("disqualified",
                                                                     "不具备资质。")]
    notes_before = len(market.notifications())

    market.end_announcement(listing_id)

    record = market.get_listing(listing_id)
    assert str(record.status) == state
    notes = market.notifications()[notes_before:]
    if state == "negotiating":
        assert record.buyer_org_id == people["buyer"].organization_id
        assert sorted(n[0] for n in notes) == sorted([seller.id, people["buyer"].id])
    else:  # bidders on bidding open: the seller and the qualified buyers, no one else
        assert sorted(n[0] for n in notes) == sorted(u.id for u in (seller, *bidders))
        assert all("Bidding on %(title)s is open" in n[1] for n in notes)
        for user in (disqualified, declined):
            refused = post(client, market, user, f"/{listing_id}/bids", {"amount": "1000000"})
            assert refused.status_code == 403, user
        assert post(client, market, bidders[0], f"/{listing_id}/bids",
                    {"amount": "1000000"}).status_code == 201
        assert [b[2] for b in market.bids(listing_id)] == [bidders[0].organization_id]


@pytest.mark.parametrize("state", ["announced", "listed", "negotiating", "bidding", "awarded",
                                   "paused"])
def test_revoking_the_achievement_terminates_its_running_listing(market, client, state):
    people = market.people()
    listing_id = listing_in(market, people, state)
    achievement_id = market.get_listing(listing_id).achievement_id
    officer = people["bureau"]

    response = client.post(f"/api/v1/achievements/{achievement_id}/revoke",
                           json={"comment": "成果权属存在争议。"},
                           headers=bearer(market.token(officer)))

    assert response.status_code == 200, response.get_json()
    record = market.get_listing(listing_id)
    assert (str(record.status), record.next_move_at) == ("terminated", None)
    assert market.listing_history(listing_id)[-1] == (
        "terminate", state, "terminated", officer.id, "成果权属存在争议。")
    assert market.listing_outbox(listing_id)[-1] == "upsert"
    terminated = [n for n in market.notifications()
                  if n[3] == f"/listings/{listing_id}" and "terminated" in n[1]]
    expected = {people["seller"].id} | {u.id for u in buyers_for(people, state)}
    assert {n[0] for n in terminated} == expected


def test_a_draft_of_a_revoked_achievement_stays_a_draft_that_cannot_be_submitted(market,
                                                                                   client):
    people = market.people()
    listing_id = listing_in(market, people, "draft")
    achievement_id = market.get_listing(listing_id).achievement_id
    market.run(achievements.revoke, achievement_id, people["bureau"], "成果权属存在争议。")
    assert market.listing_status(listing_id) == "draft"

    response = post(client, market, people["seller"], f"/{listing_id}/submit")

    assert response.status_code == 422
    assert "achievement_id" in response.get_json()["error"]["fields"]
    assert market.listing_status(listing_id) == "draft"


# --- changes, renewal, pause and resume ----------------------------------------------------

@pytest.mark.parametrize("state", ["announced", "listed"])
def test_a_change_is_reviewed_again_and_announced_anew(market, client, clock, state):
    people = market.people()
    seller, officer = people["seller"], people["bureau"]
    listing_id = listing_in(market, people, state)
    before = market.get_listing(listing_id)
    clock.advance(days=3)

    response = client.patch(f"/api/v1/listings/{listing_id}",
                            json={"asking_price": "1400000.00", "announcement_days": 20},
                            headers=bearer(market.token(seller)))

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "pending_review"
    changed = market.get_listing(listing_id)
    assert (changed.asking_price, changed.announcement_days, changed.next_move_at) == (
        Decimal("1400000.00"), 20, None)
    entry = market.listing_history(listing_id)[-1]
    assert entry == ("change", state, "pending_review", seller.id, None)
    assert market.listing_outbox(listing_id)[-1] == "upsert"
    # Still public while it is reviewed again, and the clock does not move it meanwhile.
    clock.set(max(filter(None, (before.announcement_ends_at, before.listing_ends_at)))
              + timedelta(days=1))
    assert get(client, market, None, f"/{listing_id}").get_json()["status"] == "pending_review"

    approved = post(client, market, officer, f"/{listing_id}/review",
                    {"decision": "approve", "comment": ""})

    assert approved.status_code == 200, approved.get_json()
    record = market.get_listing(listing_id)
    moment = clock.now()
    assert str(record.status) == "announced"
    assert record.announced_at == moment
    assert record.announcement_ends_at == moment + timedelta(days=20)
    assert record.announcement_ends_at > before.announcement_ends_at
    assert record.first_announced_at == before.first_announced_at
    assert record.listing_ends_at is None and record.next_move_at == record.announcement_ends_at
    assert approved.get_json()["announcement_ends_at"] == (
        record.announcement_ends_at.isoformat())


def test_a_listing_is_renewed_once(market, client):
    people = market.people()
    seller = people["seller"]
    listing_id = listing_in(market, people, "listed")
    before = market.get_listing(listing_id)

    first = post(client, market, seller, f"/{listing_id}/renew")
    second = post(client, market, seller, f"/{listing_id}/renew")

    assert first.status_code == 200, first.get_json()
    assert (first.get_json()["status"], first.get_json()["renewed"]) == ("listed", True)
    record = market.get_listing(listing_id)
    assert record.listing_ends_at == before.listing_ends_at + timedelta(days=30)
    assert record.next_move_at == record.listing_ends_at
    assert second.status_code == 409
    assert second.get_json()["error"]["message"] == "The listing has already been renewed once."
    assert market.get_listing(listing_id).listing_ends_at == record.listing_ends_at
    assert [e[0] for e in market.listing_history(listing_id)].count("renew") == 1


# The period each pausable state is running.
RUNNING = {"announced": "announcement_ends_at", "listed": "listing_ends_at",
           "negotiating": "confirm_by", "bidding": "bidding_ends_at", "awarded": "confirm_by"}


@pytest.mark.parametrize("state", RUNNING)
def test_a_pause_stops_the_clock_and_resuming_extends_the_period(market, client, clock,
                                                                  state):
    people = market.people()
    officer = people["bureau"]
    listing_id = listing_in(market, people, state)
    timer = RUNNING[state]
    end = getattr(market.get_listing(listing_id), timer)
    paused_at = clock.now()

    paused = post(client, market, officer, f"/{listing_id}/pause", {"comment": "待核查。"})

    assert paused.status_code == 200, paused.get_json()
    record = market.get_listing(listing_id)
    assert (str(record.status), record.paused_from, record.next_move_at) == (
        "paused", state, None)
    # Past the period's end the market leaves a paused listing alone.
    clock.set(end + timedelta(days=2))
    market.tick()
    assert market.listing_status(listing_id) == "paused"
    pause_length = clock.now() - paused_at

    resumed = post(client, market, officer, f"/{listing_id}/resume", {"comment": "恢复。"})

    assert resumed.status_code == 200, resumed.get_json()
    assert resumed.get_json()["status"] == state
    record = market.get_listing(listing_id)
    assert getattr(record, timer) == end + pause_length
    assert record.next_move_at == end + pause_length
    assert (record.paused_from, record.paused_at) == (None, None)
    assert market.listing_history(listing_id)[-2:] == [
        ("pause", state, "paused", officer.id, "待核查。"),
        ("resume", "paused", state, officer.id, "恢复。")]
    # The extended period ends as any other: a read after it moves the listing on.
    clock.set(end + pause_length + timedelta(seconds=1))
    assert get(client, market, None, f"/{listing_id}").get_json()["status"] != state


# --- the deal --------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["negotiating", "awarded"])
def test_the_seller_then_the_buyer_confirm_and_the_deal_is_made(market, client, state):
    people = market.people()
    seller, buyer = people["seller"], people["buyer"]
    seller_colleague = market.member_of(seller.organization_id)
    buyer_colleague = market.member_of(buyer.organization_id, "enterprise")
    listing_id = listing_in(market, people, state)
    price = market.get_listing(listing_id).agreed_price

    first = post(client, market, seller, f"/{listing_id}/confirm")

    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert (body["status"], body["seller_confirmed"], body["buyer_confirmed"], body["deal"]) == (
        state, True, False, None)
    assert post(client, market, seller, f"/{listing_id}/confirm").status_code == 409
    notes_before = len(market.notifications())

    second = post(client, market, buyer, f"/{listing_id}/confirm")

    assert second.status_code == 200, second.get_json()
    body = second.get_json()
    deal = market.deal(listing_id)
    assert body["status"] == "dealt"
    assert body["deal"] == {"id": deal.id, "certificate_number": deal.certificate_number,
                            "confirmation_number": deal.confirmation_number,
                            "contract_id": deal.contract_id}
    assert deal.contract_id is not None
    assert (deal.price, deal.seller_org_id, deal.buyer_org_id) == (
        price, seller.organization_id, buyer.organization_id)
    assert len(deal.certificate_number) == 14 and deal.certificate_number.startswith("2026")
    assert market.listing_history(listing_id)[-2:] == [
        ("confirm", None, None, buyer.id, None), ("deal", state, "dealt", buyer.id, None)]
    assert market.get_listing(listing_id).next_move_at is None
    notes = [n for n in market.notifications()[notes_before:] if n[3] == f"/deals/{deal.id}"]
    assert sorted(n[0] for n in notes) == sorted(
        u.id for u in (seller, seller_colleague, buyer, buyer_colleague))
    assert all(n[2]["number"] == deal.certificate_number for n in notes)
    assert post(client, market, buyer, f"/{listing_id}/confirm").status_code == 409


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_either_side_declines_and_the_listing_fails(market, client, side):
    people = market.people()
    listing_id = listing_in(market, people, "negotiating")
    other = people["buyer" if side == "seller" else "seller"]
    notes_before = len(market.notifications())

    response = post(client, market, people[side], f"/{listing_id}/decline",
                    {"reason": "price", "comment": "价格未达成一致。"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "failed"
    record = market.get_listing(listing_id)
    assert (record.end_reason, record.end_comment, record.next_move_at) == (
        "price", "价格未达成一致。", None)
    assert market.deal(listing_id) is None
    assert [n[0] for n in market.notifications()[notes_before:]] == [other.id]


# --- who is told ---------------------------------------------------------------------------

def test_the_officers_are_told_of_a_submission(market, client):
    people = market.people()
    officers = [people["bureau"], market.user("bureau")]
    listing_id = listing_in(market, people, "draft")
    notes_before = len(market.notifications())

    assert post(client, market, people["seller"], f"/{listing_id}/submit").status_code == 200

    notes = market.notifications()[notes_before:]
    assert sorted(n[0] for n in notes) == sorted(o.id for o in officers)
    assert {n[3] for n in notes} == {f"/bureau/listings/{listing_id}"}


def test_the_seller_organisation_is_told_of_an_intent(market, client):
    people = market.people()
    colleague = market.member_of(people["seller"].organization_id)
    listing_id = listing_in(market, people, "announced")
    notes_before = len(market.notifications())

    assert post(client, market, people["buyer"], f"/{listing_id}/intents",
                STATEMENT).status_code == 201

    notes = market.notifications()[notes_before:]
    assert sorted(n[0] for n in notes) == sorted([people["seller"].id, colleague.id])
    assert all(n[3] == f"/listings/{listing_id}" for n in notes)
    assert all(n[2]["buyer"] == org_name(market, people["buyer"]) for n in notes)


def test_the_outbid_bidder_is_told(market, client):
    people = market.people()
    buyer, rival = people["buyer"], people["rival"]
    listing_id = listing_in(market, people, "bidding")

    def bid(user, amount):
        before = len(market.notifications())
        response = post(client, market, user, f"/{listing_id}/bids", {"amount": amount})
        assert response.status_code == 201, response.get_json()
        return [(n[0], n[2]["amount"]) for n in market.notifications()[before:]]

    assert bid(buyer, "1000000.00") == []  # nobody to outbid
    assert bid(rival, "1050000.00") == [(buyer.id, "1,050,000.00")]
    assert bid(rival, "1100000.00") == []  # outbidding oneself tells nobody
    assert bid(buyer, "1200000.00") == [(rival.id, "1,200,000.00")]
