"""Ratings after a deal: who may rate whom, once per deal, rating organisation and target,
changed within RATING_EDIT_DAYS and refused afterwards, audited and notified."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from rating_helpers import Market, words
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace import audit, clock
from marketplace.brokers import ratings
from marketplace.brokers.models import Rating
from marketplace.brokers.states import RATING_EDIT_DAYS
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.listings.models import Deal


@pytest.fixture
def market(app, client, clock):
    return Market(app, client, clock)


@pytest.fixture
def deal(market):
    """A deal with a broker on each side; its people."""
    people = {"seller": market.user("institute"), "buyer": market.user("enterprise"),
              "seller_broker": market.broker(), "buyer_broker": market.broker()}
    people["deal_id"] = market.new_deal(people["seller"], people["buyer"],
                                        people["seller_broker"], people["buyer_broker"])
    return people


def refusal(market, exc_type, deal_id, user, target, score=4, comment=""):
    with pytest.raises(exc_type) as caught:
        market.rate(deal_id, user, target, score, comment)
    return caught.value


def test_a_party_rates_the_other_party_and_each_broker(market, deal):
    buyer, seller = deal["buyer"], deal["seller"]
    with market.app.app_context():
        targets = [t.key for t in ratings.targets(db.session.get(Deal, deal["deal_id"]),
                                                  buyer.organization_id)]
    assert targets == [f"org:{seller.organization_id}", f"broker:{deal['seller_broker'].id}",
                       f"broker:{deal['buyer_broker'].id}"]
    rating_id, created = market.rate(deal["deal_id"], buyer, targets[0], 5, " 交付及时。 ")
    assert created
    market.rate(deal["deal_id"], buyer, targets[1], 4)
    market.rate(deal["deal_id"], buyer, targets[2], 2, "响应慢。")
    row = market.rating(rating_id)
    assert (row.rater_org_id, row.rater_user_id, row.target_kind, row.target_org_id,
            row.target_broker_id, row.target_key, row.score, row.comment) == (
        buyer.organization_id, buyer.id, "org", seller.organization_id, None, targets[0], 5,
        "交付及时。")
    assert row.created_at == row.updated_at == market.clock.now()
    with market.app.app_context():
        entry = audit.history("rating", rating_id)[0]
        assert (entry.action, entry.actor_id, entry.data) == (
            "create", buyer.id, {"deal_id": deal["deal_id"], "target": targets[0],
                                 "score": 5})


def test_the_target_is_told(market, deal):
    seller, buyer, broker = deal["seller"], deal["buyer"], deal["seller_broker"]
    colleague = market.member_of(seller.organization_id)
    market.rate(deal["deal_id"], buyer, f"org:{seller.organization_id}", 5)
    market.rate(deal["deal_id"], buyer, f"broker:{broker.id}", 3)
    expected = ("%(rater)s rated you %(score)s of 5 for the deal %(title)s.",
                f"/deals/{deal['deal_id']}#ratings")
    for user in (seller, colleague, broker):
        message, params, link = market.notifications_of(user)[-1]
        assert (message, link) == expected
        assert params["score"] == (5 if user is not broker else 3)
    assert market.notifications_of(buyer) == []


def test_a_second_rating_of_the_same_target_changes_the_first(market, deal):
    seller, buyer = deal["seller"], deal["buyer"]
    colleague = market.member_of(buyer.organization_id, "enterprise")
    target = f"org:{seller.organization_id}"
    rating_id, _ = market.rate(deal["deal_id"], buyer, target, 5, "很好。")
    moment = market.days_later(3)
    assert market.rate(deal["deal_id"], colleague, target, 2, "后续服务跟不上。") == (
        rating_id, False)
    row = market.rating(rating_id)
    assert (row.score, row.comment, row.rater_user_id, row.updated_at) == (
        2, "后续服务跟不上。", colleague.id, moment)
    with market.app.app_context():
        assert db.session.query(Rating).count() == 1
        entry = audit.history("rating", rating_id)[-1]
        assert (entry.action, entry.actor_id, entry.data["old_score"],
                entry.data["new_score"], entry.data["old_comment"]) == (
            "edit", colleague.id, 5, 2, "很好。")
    message = market.notifications_of(seller)[-1][0]
    assert message == "%(rater)s changed its rating of you for the deal %(title)s to " \
                      "%(score)s of 5."


def test_each_party_rates_a_broker_once(market, deal):
    broker = f"broker:{deal['seller_broker'].id}"
    market.rate(deal["deal_id"], deal["buyer"], broker, 4)
    market.rate(deal["deal_id"], deal["seller"], broker, 5)
    with market.app.app_context():
        scores = db.session.scalars(select(Rating.score).order_by(Rating.id)).all()
    assert scores == [4, 5]


def test_a_rating_can_be_changed_for_seven_days_then_409(market, deal):
    seller, buyer = deal["seller"], deal["buyer"]
    target = f"org:{seller.organization_id}"
    market.rate(deal["deal_id"], buyer, target, 4)
    assert RATING_EDIT_DAYS == 7
    market.days_later(7)  # the last moment it may change
    market.rate(deal["deal_id"], buyer, target, 5)
    market.clock.advance(seconds=1)
    exc = refusal(market, Conflict, deal["deal_id"], buyer, target, 1)
    assert exc.status == 409
    with market.app.test_request_context(), force_locale("en"):
        assert str(exc.message) == ("A rating can be changed for 7 days after it is given; "
                                    "this one was given on 2026-07-01 and can no longer be "
                                    "changed.")
    assert market.points(org_id=seller.organization_id) == 70 + 3 + 1  # still the good one


def test_the_database_holds_one_rating_per_deal_rater_and_target(market, deal):
    rating_id, _ = market.rate(deal["deal_id"], deal["buyer"],
                               f"org:{deal['seller'].organization_id}", 4)
    first = market.rating(rating_id)
    with market.app.app_context():
        moment = clock.now()
        db.session.add(Rating(deal_id=first.deal_id, rater_org_id=first.rater_org_id,
                              rater_user_id=first.rater_user_id, target_kind="org",
                              target_org_id=first.target_org_id, target_key=first.target_key,
                              score=1, comment="", created_at=moment, updated_at=moment))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("score", [0, 6])
def test_the_database_holds_scores_from_1_to_5(market, deal, score):
    with market.app.app_context():
        moment = clock.now()
        buyer = deal["buyer"]
        db.session.add(Rating(deal_id=deal["deal_id"], rater_org_id=buyer.organization_id,
                              rater_user_id=buyer.id, target_kind="org",
                              target_org_id=deal["seller"].organization_id,
                              target_key=f"org:{deal['seller'].organization_id}", score=score,
                              comment="", created_at=moment, updated_at=moment))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_self_rating_is_refused(app, market, deal, lang):
    buyer = deal["buyer"]
    exc = refusal(market, ValidationFailed, deal["deal_id"], buyer,
                  f"org:{buyer.organization_id}")
    assert exc.status == 422
    with app.test_request_context(), force_locale(lang):
        assert [str(m) for m in exc.fields["target"]] == [words(
            app, lang, "You cannot rate your own organisation or its staff.")]


def test_a_broker_employed_by_the_rater_is_not_rated_by_it(market):
    seller, buyer = market.user("institute"), market.user("enterprise")
    in_house = market.member_of(buyer.organization_id, "broker")
    deal_id = market.new_deal(seller, buyer, buyer_broker=in_house)
    with market.app.app_context():
        deal = db.session.get(Deal, deal_id)
        assert [t.key for t in ratings.targets(deal, buyer.organization_id)] == [
            f"org:{seller.organization_id}"]
        assert [t.key for t in ratings.targets(deal, seller.organization_id)] == [
            f"org:{buyer.organization_id}", f"broker:{in_house.id}"]
    exc = refusal(market, ValidationFailed, deal_id, buyer, f"broker:{in_house.id}")
    assert "own" in str(exc.fields["target"][0])


@pytest.mark.parametrize("target", ["org", "broker", "garbage", "broker:abc", ""])
def test_someone_not_on_the_deal_cannot_be_rated(market, deal, target):
    key = {"org": f"org:{market.user('enterprise').organization_id}",
           "broker": f"broker:{market.broker().id}"}.get(target, target)
    exc = refusal(market, ValidationFailed, deal["deal_id"], deal["buyer"], key)
    with market.app.test_request_context(), force_locale("en"):
        assert str(exc.fields["target"][0]) == ("Only the other party and the brokers of this "
                                                "deal can be rated.")


@pytest.mark.parametrize(("who", "exc_type"), [
    ("seller_broker", PermissionDenied), ("bureau", PermissionDenied),
    ("admin", PermissionDenied), ("stranger", NotFound), ("employed_broker", PermissionDenied)])
def test_only_the_parties_members_rate(market, deal, who, exc_type):
    """Who sees the deal (its brokers, officers, a broker the seller employs) is refused with
    403; anyone else does not see it (404)."""
    user = {"seller_broker": deal["seller_broker"], "bureau": market.bureau(),
            "admin": market.user("admin"), "stranger": market.user("enterprise"),
            "employed_broker": market.member_of(deal["seller"].organization_id, "broker")
            }[who]
    refusal(market, exc_type, deal["deal_id"], user, f"org:{deal['buyer'].organization_id}")


def test_another_organisation_s_deal_is_404(market, deal):
    other_deal = market.new_deal(market.user("institute"), market.user("enterprise"))
    refusal(market, NotFound, other_deal, deal["buyer"],
            f"org:{deal['seller'].organization_id}")


@pytest.mark.parametrize(("score", "comment", "fields"), [
    (None, "", {"score"}), (0, "", {"score"}), (6, "", {"score"}), ("abc", "", {"score"}),
    (4, "长" * 1001, {"comment"}), (None, "长" * 1001, {"score", "comment"})])
def test_the_score_and_the_comment_are_checked(market, deal, score, comment, fields):
    exc = refusal(market, ValidationFailed, deal["deal_id"], deal["buyer"],
                  f"org:{deal['seller'].organization_id}", score, comment)
    assert set(exc.fields) == fields
    with market.app.app_context():
        assert db.session.query(Rating).count() == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_messages_in_both_languages(app, market, deal, lang):
    exc = refusal(market, ValidationFailed, deal["deal_id"], deal["buyer"],
                  f"org:{deal['seller'].organization_id}", None, "长" * 1001)
    with app.test_request_context(), force_locale(lang):
        assert str(exc.fields["score"][0]) == words(app, lang, "Choose a score from 1 to 5.")
        assert str(exc.fields["comment"][0]) == words(app, lang, "At most %(n)d characters.",
                                                      n=1000)


def test_the_window_is_counted_from_the_first_rating_not_the_last_change(market, deal):
    target = f"org:{deal['seller'].organization_id}"
    market.rate(deal["deal_id"], deal["buyer"], target, 4)
    market.days_later(6)
    market.rate(deal["deal_id"], deal["buyer"], target, 5)
    market.days_later(1, seconds=1)
    refusal(market, Conflict, deal["deal_id"], deal["buyer"], target, 3)
    with market.app.app_context():
        row = db.session.scalar(select(Rating))
        assert ratings.editable_until(row) == row.created_at + timedelta(days=7)
        assert not ratings.is_editable(row)
