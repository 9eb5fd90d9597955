"""The demonstration needs of `flask seed-demo`: every state of SPEC.md §3 and every state of
a response, made through the services at past moments, one need resolved by a deal with its
draft contract, nothing due when the demo starts, and the published needs in the index."""
import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from marketplace import audit
from marketplace import clock as market_clock
from marketplace import market as market_jobs
from marketplace.accounts import models as account_models
from marketplace.accounts.models import Organization, Role, User
from marketplace.brokers import engagements
from marketplace.contracts import services as contracts
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.listings.models import Deal, Listing
from marketplace.listings.states import DECLINE_REASONS, OPEN
from marketplace.needs import matching
from marketplace.needs.models import Need, Response
from marketplace.needs.states import RESPONSE_STATUSES, NeedStatus
from marketplace.search import check, search

NEED_STATES = {"draft", "pending_review", "returned", "published", "closed:resolved",
               "closed:expired", "closed:withdrawn"}


@pytest.fixture
def demo(app, runner, monkeypatch):
    """The seeded demo; the users' passwords get one PBKDF2 round instead of scrypt."""
    monkeypatch.setattr(account_models, "generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))
    with app.app_context():  # as `flask` does: seed-demo is not an AppGroup command
        result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def state_of(record):
    return f"closed:{record.closure}" if record.status == NeedStatus.CLOSED else str(
        record.status)


def needs_by_state(app):
    with app.app_context():
        found = {}
        for record in db.session.scalars(select(Need).order_by(Need.id)):
            found.setdefault(state_of(record), []).append(record.id)
        return found


def test_every_need_and_response_state_is_there_and_nothing_is_due(demo, runner):
    found = needs_by_state(demo)
    assert set(found) == NEED_STATES
    assert len(found["published"]) >= 3 and len(found["closed:resolved"]) == 2
    with demo.app_context():
        now, today = market_clock.now(), market_clock.today()
        orgs = {o.id: o for o in db.session.scalars(select(Organization))}
        users = {u.id: u for u in db.session.scalars(select(User))}
        needs = db.session.scalars(select(Need)).all()
        # Posted by the two demo enterprises only.
        assert {users[n.created_by_id].username for n in needs} == {"fenjiu", "xiaoyicoal"}
        assert {orgs[n.org_id].kind for n in needs} == {"enterprise"}
        # Published ones take responses for weeks yet: no expiry, no reminder is due.
        for record in needs:
            if record.status == NeedStatus.PUBLISHED:
                assert (record.deadline - today).days > 14, record.title
                assert record.expiry_reminded_at is None
        # Every step happened in the past, through the services, in time order.
        for record in needs:
            entries = audit.history("need", record.id)
            assert entries[0].action == "create"
            times = [market_clock.as_utc(e.at) for e in entries]
            assert times == sorted(times) and times[-1] < now
        returned = db.session.get(Need, found["returned"][0])
        assert returned.review_comment
        expired = db.session.get(Need, found["closed:expired"][0])
        assert expired.deadline < today and expired.expiry_reminded_at is not None
        assert [e.action for e in audit.history("need", expired.id)][-1] == "expire"
        withdrawn = db.session.get(Need, found["closed:withdrawn"][0])
        assert audit.history("need", withdrawn.id)[-1].comment

        # Responses in every state, from the institutes and both brokers.
        responses = db.session.scalars(select(Response)).all()
        assert {r.status for r in responses} == set(RESPONSE_STATUSES)
        assert {users[r.user_id].username for r in responses} == {
            "coalinst", "luliangu", "broker", "broker2"}
        for response in responses:
            responder = users[response.user_id]
            if responder.role == Role.BROKER:  # a broker offers what it brokers, or an
                # achievement: the seller is the institute behind it
                assert response.listing_id or response.achievement_id
                assert orgs[response.seller_org_id].kind == "research_institute"
                if response.listing_id:
                    listing = db.session.get(Listing, response.listing_id)
                    assert listing.seller_broker_id == responder.id
                    assert engagements.is_engaged(responder, "listing", listing.id, "seller")
            else:
                assert response.seller_org_id == responder.organization_id
            if response.status == "declined":
                assert response.reason in DECLINE_REASONS and response.decision_comment
            if response.status in ("accepted", "dealt"):
                assert response.agreed_price and response.accepted_at
        declined_reasons = {r.reason for r in responses if r.status == "declined"}
        assert len(declined_reasons) >= 2
        [accepted] = [r for r in responses if r.status == "accepted"]
        assert db.session.get(Need, accepted.need_id).status == NeedStatus.PUBLISHED
        # The listings a response offers were open when offered (one is open still).
        offered = [db.session.get(Listing, r.listing_id) for r in responses if r.listing_id]
        assert offered and any(listing.status in OPEN for listing in offered)

    # The market's tick has nothing to do right after seeding.
    with demo.app_context():
        done = market_jobs.tick()
        assert done["need deadlines"] == 0 and done["need expiry reminders"] == 0
    assert needs_by_state(demo) == found

    # `make run` rebuilds the index after seeding: the published needs are found.
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    with demo.test_request_context():
        assert check() == {"missing": [], "stale": [], "extra": []}
        hits = search("", {"type": "need"}, per_page=100, highlight=False)
        assert sorted(hit.id for hit in hits.hits) == sorted(found["published"])
        gas = db.session.scalar(select(Need).where(Need.title.contains("瓦斯"),
                                                   Need.status == NeedStatus.PUBLISHED))
        assert gas.id in [hit.id for hit in search("煤层气", {"type": "need"}).hits]
        # Matching: the gas need finds offers (瓦斯 is 煤层气), the coal ones first.
        offers = matching.offers_for(gas)
        assert offers and all(m.hit.type in ("listing", "achievement") for m in offers)
        titles = [m.hit.record.title for m in offers]
        assert any("瓦斯" in t or "煤层气" in t for t in titles[:3]), titles
        assert any(m.shared for m in offers)


def test_the_need_resolved_by_a_deal_has_its_deal_and_draft_contract(demo, api):
    with demo.app_context():
        [response] = db.session.scalars(select(Response).where(Response.status == "dealt"))
        need = db.session.get(Need, response.need_id)
        assert state_of(need) == "closed:resolved"
        actions = [e.action for e in audit.history("need", need.id)]
        assert actions[-2:] == ["deal", "confirm_response"] and "accept_response" in actions
        deal = db.session.scalar(select(Deal).where(Deal.need_id == need.id))
        assert deal is not None and deal.response_id == response.id and deal.listing_id is None
        assert (deal.price, deal.transfer_mode) == (response.agreed_price,
                                                     response.agreed_mode)
        assert (deal.buyer_org_id, deal.seller_org_id) == (need.org_id, response.seller_org_id)
        year = market_clock.as_utc(deal.dealt_at).astimezone(market_clock.LOCAL_TZ).year
        assert re.fullmatch(rf"{year}141100\d{{4}}", deal.certificate_number)
        contract = deal.contract
        assert contract.status == "draft" and contract.total_amount == deal.price
        assert contract.contract_type == "development" and need.title in contract.title
        assert contracts.signed_copy(contract) is not None
        # Deal numbers follow time: this deal is the newest.
        newest = db.session.scalar(select(Deal).order_by(Deal.dealt_at.desc()).limit(1))
        assert newest.id == deal.id and deal.confirmation_number == max(
            db.session.scalars(select(Deal.confirmation_number)))
        # The other resolved need was closed by its owner (solved through a listing).
        other = db.session.scalar(select(Need).where(Need.closure == "resolved",
                                                     Need.id != need.id))
        assert audit.history("need", other.id)[-1].action == "resolve"
        assert db.session.scalar(select(func.count()).select_from(Deal).where(
            Deal.need_id == other.id)) == 0
        need_id, deal_id = need.id, deal.id
        fenjiu = db.session.scalar(select(User).where(User.username == "fenjiu"))
        seller = db.session.scalar(select(User).where(
            User.organization_id == deal.seller_org_id))
        [accepted] = db.session.scalars(select(Response).where(Response.status == "accepted"))
        accepted_ids = (accepted.need_id, accepted.id)
        accepted_seller = db.session.scalar(select(User).where(
            User.organization_id == accepted.seller_org_id))

    # Through the API: the public sees the closed need; the parties see the deal.
    public = api.get(f"/needs/{need_id}", token=None).get_json()
    assert public["status"] == "closed" and public["closure"] == "resolved"
    listed = api.get("/needs?status=published", token=None).get_json()
    assert listed["total"] == len(needs_by_state(demo)["published"])
    api.login(seller, password=DEMO_PASSWORD)
    assert api.get(f"/deals/{deal_id}").status_code == 200
    # The accepted response is live: its seller confirms it now into a second need deal.
    confirmed = api.post(f"/needs/{accepted_ids[0]}/responses/{accepted_ids[1]}/confirm",
                         token=api.login(accepted_seller, password=DEMO_PASSWORD))
    assert confirmed.status_code == 201, confirmed.get_json()
    api.login(fenjiu, password=DEMO_PASSWORD)
    assert api.get(f"/deals/{deal_id}").status_code == 200
    with demo.app_context():
        assert db.session.get(Need, accepted_ids[0]).closure == "resolved"
