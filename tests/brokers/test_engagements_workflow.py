"""Engagement transitions by role (through the API): the broker accepts or declines an
invitation; the principal withdraws it, or ends an accepted engagement; everyone else is
refused — 404 for whoever may not see the engagement, 403 for who sees it but may not act,
409 where the state does not allow the action. Every change is audited and notified."""
import pytest
from engagement_helpers import Api, Market, notifications_of

# Who may not act on an invitation (or an accepted engagement for "end"), and the answer.
REFUSED = {
    "accept": {"principal": 403, "colleague": 403, "other_org": 404, "other_broker": 404,
               "bureau": 403, "visitor": 401},
    "decline": {"principal": 403, "colleague": 403, "other_org": 404, "other_broker": 404,
                "bureau": 403, "visitor": 401},
    "withdraw": {"broker": 403, "other_org": 404, "other_broker": 404, "bureau": 403,
                 "visitor": 401},
    "end": {"broker": 403, "other_org": 404, "other_broker": 404, "bureau": 403,
            "visitor": 401},
}
RESULT = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn", "end": "ended"}


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def api(market):
    return Api(market)


def _people(market):
    seller = market.user("institute")
    return {"principal": seller, "colleague": market.member_of(seller.organization_id),
            "other_org": market.user("institute"), "broker": market.broker(),
            "other_broker": market.broker(), "bureau": market.bureau(), "visitor": None}


@pytest.mark.parametrize("action", ["accept", "decline", "withdraw", "end"])
def test_each_transition_by_role(market, api, action):
    people = _people(market)
    listing_id = market.listing(people["principal"], "announced")
    engagement_id = market.invite("listing", listing_id, people["principal"],
                                  people["broker"])
    if action == "end":
        market.answer("accept", engagement_id, people["broker"])
    url = f"/engagements/{engagement_id}/{action}"
    for role, status in REFUSED[action].items():
        response = api.post(url, people[role], {"comment": "试试"})
        assert response.status_code == status, (role, response.get_json())
    actor = "principal" if action in ("withdraw", "end") else "broker"
    response = api.post(url, people[actor], {"comment": "好的"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == RESULT[action]
    row = market.engagement(engagement_id)
    assert row.status == RESULT[action]
    if action in ("accept", "decline"):
        assert row.responded_at is not None and row.response_comment == "好的"
    if action in ("withdraw", "end"):
        assert row.ended_at is not None
    history = market.engagement_history(engagement_id)
    assert history[-1][:4] == (action, "accepted" if action == "end" else "invited",
                               RESULT[action], people[actor].id)


def test_states_refuse_what_they_do_not_allow(market, api):
    people = _people(market)
    listing_id = market.listing(people["principal"], "announced")
    engagement_id = market.invite("listing", listing_id, people["principal"],
                                  people["broker"])
    url = f"/engagements/{engagement_id}"
    assert api.post(f"{url}/end", people["principal"]).status_code == 409  # not accepted yet
    market.answer("accept", engagement_id, people["broker"])
    for action, actor in (("accept", "broker"), ("decline", "broker"),
                          ("withdraw", "principal")):
        assert api.post(f"{url}/{action}", people[actor]).status_code == 409, action
    market.answer("end", engagement_id, people["principal"])
    for action, actor in (("accept", "broker"), ("end", "principal")):
        assert api.post(f"{url}/{action}", people[actor]).status_code == 409, action


def test_a_comment_is_optional_and_limited(market, api):
    people = _people(market)
    listing_id = market.listing(people["principal"], "announced")
    engagement_id = market.invite("listing", listing_id, people["principal"],
                                  people["broker"])
    response = api.post(f"/engagements/{engagement_id}/decline", people["broker"],
                        {"comment": "长" * 2001})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["comment"] == ["At most 2000 characters."]
    response = api.post(f"/engagements/{engagement_id}/decline", people["broker"])
    assert response.status_code == 200 and response.get_json()["response_comment"] is None


def test_the_parties_are_told(market):
    people = _people(market)
    seller = people["principal"]
    listing_id = market.listing(seller, "announced")
    first = market.invite("listing", listing_id, seller, people["broker"])
    invitation = notifications_of(market, people["broker"])[-1]
    assert invitation[0] == "%(principal)s invites you to be the seller’s broker on %(title)s."
    assert invitation[2] == "/engagements"
    market.answer("decline", first, people["broker"], "档期已满")
    for member in (seller, people["colleague"]):
        message, params, link = notifications_of(market, member)[-1]
        assert message == "%(broker)s declined your invitation to broker %(title)s."
        assert params["broker"] == market.broker_name(people["broker"])
        assert link == f"/listings/{listing_id}"
    second = market.invite("listing", listing_id, seller, people["other_broker"])
    market.answer("accept", second, people["other_broker"])
    assert notifications_of(market, people["colleague"])[-1][0] == \
        "%(broker)s accepted your invitation to broker %(title)s."
    market.answer("end", second, seller)
    assert notifications_of(market, people["other_broker"])[-1][0] == \
        "%(principal)s ended your engagement on %(title)s."
