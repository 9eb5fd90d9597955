"""The demonstration listings of `flask seed-demo`: every state of SPEC.md §2, made through the
services at past moments, with an open bidding round, deals with their papers, and nothing
due when the demo starts."""
import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from marketplace import audit
from marketplace import clock as market_clock
from marketplace import market as market_jobs
from marketplace.accounts import models as account_models
from marketplace.accounts.models import User
from marketplace.brokers import engagements
from marketplace.contracts.models import Contract
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.listings import deals
from marketplace.listings.models import Bid, Deal, Intent, Listing
from marketplace.listings.states import OPEN, ListingStatus
from marketplace.search import check, search


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


def by_status(app):
    with app.app_context():
        rows = db.session.execute(select(Listing.status, Listing.id).order_by(Listing.id)).all()
    found = {}
    for status, listing_id in rows:
        found.setdefault(str(status), []).append(listing_id)
    return found


def test_every_state_is_there_nothing_is_due_and_the_open_ones_are_indexed(demo, runner):
    found = by_status(demo)
    assert set(found) == {s.value for s in ListingStatus}
    assert len(found["dealt"]) == 2 and len(found["failed"]) == 2
    with demo.app_context():
        now = market_clock.now()
        assert db.session.scalar(select(func.count()).select_from(Listing).where(
            Listing.next_move_at <= now)) == 0
        # Running periods end in the future: the timed ones have their next move ahead.
        for record in db.session.scalars(select(Listing).where(Listing.status.in_(
                ("announced", "listed", "negotiating", "bidding", "awarded")))):
            assert market_clock.as_utc(record.next_move_at) > now, record.status
        # One running listing per achievement at most (SPEC.md §2).
        live = db.session.execute(select(Listing.achievement_id, func.count()).where(
            Listing.status.in_(("draft", "pending_review", "returned", "announced", "listed",
                                "negotiating", "bidding", "awarded", "paused")))
            .group_by(Listing.achievement_id)).all()
        assert live and all(count == 1 for _, count in live)
        # Everything happened in the past, through the services (audited, in time order).
        listing_ids = [i for ids in found.values() for i in ids]
        for listing_id in listing_ids:
            entries = audit.history("listing", listing_id)
            assert entries[0].action == "create"
            times = [market_clock.as_utc(e.at) for e in entries]
            assert times == sorted(times) and times[-1] < now
        reasons = {str(r.status): r for r in db.session.scalars(select(Listing))}
        assert reasons["returned"].review_comment and reasons["rejected"].review_comment
        paused = db.session.get(Listing, found["paused"][0])
        assert paused.paused_from == "listed" and paused.next_move_at is None
        # One failed bidding closed without a bid; in the other the winner declined.
        failed = {listing_id: [e.action for e in audit.history("listing", listing_id)]
                  for listing_id in found["failed"]}
        assert sorted(actions[-1] for actions in failed.values()) == ["close_unsold",
                                                                      "decline"]
        declined = next(db.session.get(Listing, i) for i, a in failed.items()
                        if a[-1] == "decline")
        entry = audit.history("listing", declined.id)[-1]
        assert entry.data["side"] == "buyer" and declined.end_reason and entry.comment
        assert declined.agreed_price == declined.best_bid_amount
        # A broker acts for one seller: a verified broker, whose engagement it accepted.
        broker = db.session.scalar(select(User).where(User.username == "broker"))
        assert engagements.is_verified_broker(broker)
        assert db.session.scalar(select(func.count()).select_from(Listing).where(
            Listing.seller_broker_id == broker.id)) >= 1
        assert all(engagements.is_engaged(broker, "listing", listing_id)
                   for listing_id in db.session.scalars(select(Listing.id).where(
                       Listing.seller_broker_id == broker.id)))
    # The market's tick has nothing to do right after seeding.
    with demo.app_context():
        assert market_jobs.tick()["listing periods"] == 0
    assert by_status(demo) == found
    # `make run` rebuilds the index after seeding: the open listings are found.
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    with demo.test_request_context():
        assert check() == {"missing": [], "stale": [], "extra": []}
        hits = search("", {"type": "listing"}, per_page=100, highlight=False)
        open_ids = sorted(i for status in OPEN for i in found.get(status.value, []))
        assert len(open_ids) == 5
        assert sorted(hit.id for hit in hits.hits) == open_ids
        assert any(hit.id in found["bidding"] for hit in search("煤层气 压裂").hits)


def test_the_bidding_round_is_open_and_the_deals_have_their_papers(demo, api):
    [listing_id] = by_status(demo)["bidding"]
    with demo.app_context():
        now = market_clock.now()
        record = db.session.get(Listing, listing_id)
        assert market_clock.as_utc(record.bidding_starts_at) < now
        assert market_clock.as_utc(record.bidding_ends_at) - now > timedelta(days=3)
        bids = db.session.scalars(select(Bid).where(Bid.listing_id == listing_id)
                                  .order_by(Bid.sequence)).all()
        assert len(bids) >= 3 and len({b.org_id for b in bids}) >= 2
        amounts = [b.amount for b in bids]
        assert amounts == sorted(amounts) and amounts[0] >= record.reserve_price
        assert all(b - a >= record.bid_increment for a, b in itertools.pairwise(amounts))
        assert (record.bid_count, record.best_bid_amount) == (len(bids), amounts[-1])
        qualified = db.session.scalars(select(Intent.org_id).where(
            Intent.listing_id == listing_id, Intent.status == "active")).all()
        assert {b.org_id for b in bids} <= set(qualified)
    public = api.get(f"/listings/{listing_id}", token=None)
    assert public.status_code == 200
    body = public.get_json()
    assert body["status"] == "bidding" and body["bidding_seconds_left"] > 3 * 86400
    assert body["best_bid"] == f"{amounts[-1]:.2f}"
    assert body["min_next_bid"] == f"{amounts[-1] + record.bid_increment:.2f}"
    listed = api.get("/listings?status=bidding", token=None).get_json()
    assert [item["id"] for item in listed["items"]] == [listing_id]
    bids_page = api.get(f"/listings/{listing_id}/bids", token=None).get_json()
    assert bids_page["total"] == len(amounts)
    # Still open: a qualified demo enterprise can outbid the best bid now.
    with demo.app_context():
        org_of_best = record.best_bid_org_id
        other = db.session.scalar(select(User).where(
            User.organization_id.in_(qualified), User.organization_id != org_of_best))
    api.login(other, password=DEMO_PASSWORD)
    outbid = api.post(f"/listings/{listing_id}/bids", json={"amount": body["min_next_bid"]})
    assert outbid.status_code == 201, outbid.get_json()

    # The two deals: their numbers and contracts; the older contract is certified.
    dealt = by_status(demo)["dealt"]
    with demo.app_context():
        today = market_clock.today()
        records = [db.session.scalar(select(Deal).where(Deal.listing_id == i)) for i in dealt]
        assert all(records)
        for deal in records:
            listing = deal.listing
            year = market_clock.as_utc(deal.dealt_at).astimezone(market_clock.LOCAL_TZ).year
            assert re.fullmatch(rf"{year}\d{{6}}", deal.confirmation_number)
            assert re.fullmatch(rf"{year}141100\d{{4}}", deal.certificate_number)
            assert len(deal.verification_code) == 8
            assert deal.price == listing.agreed_price and deal.buyer_org_id == listing.buyer_org_id
            assert deal.contract is not None and deal.contract.total_amount == deal.price
            assert deals.by_certificate_number(deal.certificate_number,
                                               deal.verification_code) == deal
        certified = [d for d in records if d.contract.status == "certified"]
        drafts = [d for d in records if d.contract.status == "draft"]
        assert len(certified) == 1 and len(drafts) == 1
        old, recent = certified[0], drafts[0]
        contract = old.contract
        assert re.fullmatch(r"\d{4}14110001\d{4}", contract.registration_number)
        assert contract.deal_id == old.id and contract.achievement_id == old.achievement_id
        assert contract.submitted_at and contract.certified_at and contract.signed_on
        assert old.achievement.transferred
        assert [e.action for e in audit.history("contract", contract.id)] == [
            "create", "edit", "upload_contract", "submit", "certify"]
        # The recent deal is still announced publicly, and names the seller's broker.
        assert deals.is_announced(recent, today) and not deals.is_announced(old, today)
        assert recent.seller_broker_id is not None
        assert recent.contract.broker_id == recent.seller_broker_id
        assert recent.contract.broker_name == engagements.display_name(recent.seller_broker)
        recent_id, old_id = recent.id, old.id
        assert db.session.scalar(select(func.count()).select_from(Contract).where(
            Contract.deal_id.in_(select(Deal.id).where(Deal.listing_id.is_not(None))))) == 2
    announced = api.get("/deals?announced=1", token=None).get_json()
    assert [item["id"] for item in announced["items"] if item["listing_id"]] == [recent_id]
    with demo.app_context():
        bureau = db.session.scalar(select(User).where(User.username == "bureau"))
    api.login(bureau, password=DEMO_PASSWORD)
    seen = api.get("/deals").get_json()
    assert {item["id"] for item in seen["items"] if item["listing_id"]} == {recent_id, old_id}
    assert all(item["contract_id"] for item in seen["items"])
