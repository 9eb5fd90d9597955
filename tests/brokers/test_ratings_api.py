"""The ratings of a deal through the API: GET and PUT /api/v1/deals/<id>/ratings."""
import pytest
from rating_helpers import Api, Market, error, words


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def api(market):
    return Api(market)


@pytest.fixture
def deal(market):
    people = {"seller": market.user("institute"), "buyer": market.user("enterprise"),
              "broker": market.broker()}
    people["deal_id"] = market.new_deal(people["seller"], people["buyer"],
                                        buyer_broker=people["broker"])
    return people


def path(deal):
    return f"/deals/{deal['deal_id']}/ratings"


def test_a_party_rates_with_put_then_changes_it_then_409(market, api, deal):
    seller, buyer = deal["seller"], deal["buyer"]
    body = {"target": f"org:{buyer.organization_id}", "score": 4, "comment": "付款及时。"}
    created = api.put(path(deal), seller, body)
    assert created.status_code == 201, created.get_json()
    rating = created.get_json()
    assert {k: rating[k] for k in ("deal_id", "rater", "target", "target_name", "score",
                                   "comment")} == {
        "deal_id": deal["deal_id"],
        "rater": {"id": seller.organization_id, "name": market.contracts.org_of(seller).name},
        "target": f"org:{buyer.organization_id}",
        "target_name": market.contracts.org_of(buyer).name, "score": 4, "comment": "付款及时。"}
    market.days_later(1)
    changed = api.put(path(deal), seller, {**body, "score": 5})
    assert changed.status_code == 200
    assert (changed.get_json()["id"], changed.get_json()["score"]) == (rating["id"], 5)
    assert changed.get_json()["editable_until"] == rating["editable_until"]
    market.days_later(7)
    late = api.put(path(deal), seller, {**body, "score": 1})
    assert late.status_code == 409
    assert error(late)[1].startswith("A rating can be changed for 7 days after it is given")


def test_a_broker_is_rated_by_its_public_id(market, api, deal):
    profile_id = market.profile_id(deal["broker"])
    response = api.put(path(deal), deal["buyer"], {"target": f"broker:{profile_id}",
                                                   "score": 2, "comment": ""})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["target"] == f"broker:{profile_id}"
    assert market.points(broker=deal["broker"]) == 70 + 3 - 3


@pytest.mark.parametrize(("body", "fields"), [
    ({"target": "org:x", "score": 4}, {"target"}), ({"score": 4}, {"target"}),
    ({"target": "user:1", "score": 4}, {"target"}), ({"target": "org:1"}, {"score"}),
    ({"target": "org:1", "score": "many"}, {"score"}), ({"target": "broker:999", "score": 4},
                                                        {"target"})])
def test_malformed_bodies_are_422(api, deal, body, fields):
    response = api.put(path(deal), deal["buyer"], body)
    assert response.status_code == 422
    assert set(error(response)[2]) == fields


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_score_out_of_range_is_422_in_both_languages(app, api, deal, lang):
    response = api.put(path(deal), deal["buyer"], {
        "target": f"org:{deal['seller'].organization_id}", "score": 9}, lang=lang)
    assert response.status_code == 422
    assert error(response)[2] == {"score": [words(app, lang, "Choose a score from 1 to 5.")]}


def test_a_body_that_is_not_json_is_400(market, deal):
    response = market.client.put(f"/api/v1{path(deal)}", data="score=4", headers={
        "Authorization": f"Bearer {market.token(deal['buyer'])}"})
    assert response.status_code == 400


@pytest.mark.parametrize(("who", "status"), [("visitor", 401), ("stranger", 404),
                                             ("broker", 403), ("bureau", 403)])
def test_who_may_not_rate(market, api, deal, who, status):
    user = {"visitor": None, "stranger": market.user("institute"), "broker": deal["broker"],
            "bureau": market.bureau()}[who]
    response = api.put(path(deal), user, {"target": f"org:{deal['seller'].organization_id}",
                                          "score": 5})
    assert response.status_code == status


def test_reading_a_deal_s_ratings(market, api, deal):
    seller, buyer = deal["seller"], deal["buyer"]
    market.rate(deal["deal_id"], buyer, f"org:{seller.organization_id}", 3, "尚可。")
    market.rate(deal["deal_id"], seller, f"broker:{deal['broker'].id}", 5)
    profile_key = f"broker:{market.profile_id(deal['broker'])}"
    body = api.get(path(deal), buyer).get_json()
    assert [(r["target"], r["score"]) for r in body["items"]] == [
        (f"org:{seller.organization_id}", 3), (profile_key, 5)]
    assert [(t["target"], t["rating_id"] is not None, t["editable"]) for t in
            body["targets"]] == [(f"org:{seller.organization_id}", True, True),
                                 (profile_key, False, True)]
    seller_view = api.get(path(deal), seller).get_json()["targets"]
    assert [(t["target"], t["role"]) for t in seller_view] == [
        (f"org:{buyer.organization_id}", "Buyer"), (profile_key, "Buyer’s broker")]
    for user in (deal["broker"], market.bureau()):
        response = api.get(path(deal), user)
        assert response.status_code == 200
        assert (len(response.get_json()["items"]), response.get_json()["targets"]) == (2, [])


@pytest.mark.parametrize(("who", "status"), [("visitor", 401), ("stranger", 404)])
def test_others_do_not_read_a_deal_s_ratings(market, api, deal, who, status):
    user = None if who == "visitor" else market.user("enterprise")
    assert api.get(path(deal), user).status_code == status
