"""The whole path of a need through the services (the workflow tests take it apart)."""
from decimal import Decimal

from marketplace.extensions import db
from marketplace.listings.models import Deal
from marketplace.needs import services


def test_from_need_to_deal(market, app):
    owner = market.user("enterprise")
    institute = market.user("institute")
    need_id = market.need(owner, "published")
    achievement_id = market.registered(institute)
    response_id = market.respond(need_id, institute, achievement_id=achievement_id)
    market.run(services.shortlist, response_id, owner)
    market.run(services.accept_response, response_id, owner, "1200000", "commissioned_development")
    deal_id = market.run(lambda u: services.confirm_response(response_id, u).id, institute)
    assert market.need_status(need_id) == "closed:resolved"
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        assert deal.price == Decimal("1200000.00")
        assert deal.contract.contract_type == "development"
        assert deal.contract.subtype == "commissioned"
        assert deal.need_id == need_id
