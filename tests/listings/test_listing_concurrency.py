"""Bids and timed moves under concurrency: many transactions at once on one listing (the row
is held from the check to the commit, marketplace.workflow.lock), on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL. Each thread works in its own app context (its own session
and connection), as concurrent requests do; a refused call is rolled back, as the request's
teardown would."""
import threading
from collections import Counter
from datetime import timedelta
from itertools import pairwise

from listing_helpers import audit_entries, bidding_listing, notifications_of
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.listings import trading
from marketplace.listings.models import Bid, Listing

THREADS = 20
ROUNDS = 6
BIDDERS = 8
WAIT = 60  # seconds a barrier waits before the test fails instead of hanging


def run_threads(app, count, work):
    """Run `work(n, barrier)` in `count` threads at once, each in its own app context; the
    first unexpected exception of any thread is raised here."""
    barrier = threading.Barrier(count, timeout=WAIT)
    errors = []

    def target(n):
        try:
            with app.app_context():
                work(n, barrier)
        except Exception as exc:  # reported below, with the thread's traceback
            errors.append(exc)
            barrier.abort()  # the others stop waiting for this thread

    workers = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(WAIT * 2)
    assert not any(worker.is_alive() for worker in workers), "a thread hangs"
    if errors:
        raise errors[0]


def test_concurrent_bids_keep_the_sequence_and_the_best_bid(app, market, clock):
    seller = market.user("institute")
    bidders = [market.user("enterprise") for _ in range(BIDDERS)]
    listing_id = bidding_listing(market, seller, bidders)
    record = market.get_listing(listing_id)
    increment = record.bid_increment
    # In the last minutes of the window: every accepted bid also moves its end.
    now = clock.set(record.bidding_ends_at - timedelta(minutes=2))
    accepted, refused = [], Counter()
    lock = threading.Lock()

    def bid(n, barrier):
        user = db.session.get(User, bidders[n % BIDDERS].id)
        for _ in range(ROUNDS):
            listing = db.session.scalars(select(Listing).where(Listing.id == listing_id)
                                         .execution_options(populate_existing=True)).one()
            # Many threads read the same minimum and bid it (or one or two increments
            # more): most of them collide with a bid committed in the meantime.
            amount = listing.min_next_bid + (n % 3) * increment
            db.session.rollback()  # the read's transaction ends before the race
            barrier.wait()
            try:
                placed = trading.place_bid(listing_id, str(amount), user)
            except (ValidationFailed, Conflict) as refusal:
                db.session.rollback()
                with lock:
                    refused[type(refusal).__name__] += 1
            else:
                with lock:
                    accepted.append((placed.id, placed.sequence, placed.amount,
                                     user.organization_id))

    run_threads(app, THREADS, bid)

    with app.app_context():
        rows = db.session.scalars(select(Bid).where(Bid.listing_id == listing_id)
                                  .order_by(Bid.sequence)).all()
        bids = [(b.id, b.sequence, b.amount, b.org_id) for b in rows]
        record = db.session.get(Listing, listing_id)
    assert len(accepted) + sum(refused.values()) == THREADS * ROUNDS
    assert set(refused) <= {"ValidationFailed"}  # the window is open: only amounts fail
    assert sorted(accepted, key=lambda b: b[1]) == bids  # every success is a row, and back
    assert len(bids) >= ROUNDS  # at least one bid wins each round
    assert [b[1] for b in bids] == list(range(1, len(bids) + 1))  # no gap, no duplicate
    amounts = [b[2] for b in bids]
    assert amounts[0] >= record.reserve_price
    assert all(later >= earlier + increment for earlier, later in pairwise(amounts))
    _, last_sequence, last_amount, last_org = bids[-1]
    assert (record.bid_count, record.best_bid_amount, record.best_bid_org_id) == (
        last_sequence, last_amount, last_org)
    assert record.status == "bidding"
    assert record.bidding_ends_at == record.next_move_at == now + timedelta(minutes=5)
    entries = audit_entries(market, listing_id, "bid")
    assert sorted((e.data["bid_id"], e.data["sequence"], e.data["amount"]) for e in entries) \
        == sorted((b[0], b[1], f"{b[2]:.2f}") for b in bids)  # one entry per bid


def test_concurrent_reads_at_the_end_of_the_announcement_move_once(app, market, clock):
    seller = market.user("institute")
    buyer, rival = market.user("enterprise"), market.user("enterprise")
    listing_id = market.listing(seller, "announced")
    market.intent(listing_id, buyer)
    market.intent(listing_id, rival)
    clock.set(market.get_listing(listing_id).announcement_ends_at)
    outbox = market.listing_outbox(listing_id)
    moves = []
    lock = threading.Lock()

    def read(n, barrier):
        barrier.wait()
        # Lazy reads of the listing, and two ticks among them.
        moved = trading.advance_due() if n in (3, 7) else trading.advance_if_due(listing_id)
        with lock:
            moves.append(moved)

    run_threads(app, 10, read)

    assert sorted(moves) == [0] * 9 + [1]
    assert market.listing_status(listing_id) == "bidding"
    opened = [e for e in audit_entries(market, listing_id) if e.action.startswith("open_")]
    assert [(e.action, e.actor_id) for e in opened] == [("open_bidding", None)]
    assert market.listing_outbox(listing_id) == outbox + ["upsert"]
    for user in (seller, buyer, rival):
        assert sum(m.startswith("Bidding on %(title)s is open") for m, _, _ in
                   notifications_of(market, user)) == 1


def test_bids_racing_the_end_of_the_window(app, market, clock):
    """At the window's end, bids and reads at once: the award happens once, and every bid
    placed is the one it was awarded on or refused as too late."""
    bidders = [market.user("enterprise") for _ in range(4)]
    listing_id = bidding_listing(market, market.user("institute"), bidders)
    market.run(trading.place_bid, listing_id, "1000000.00", bidders[0])
    clock.set(market.get_listing(listing_id).bidding_ends_at)
    outcomes = Counter()
    lock = threading.Lock()

    def act(n, barrier):
        user = db.session.get(User, bidders[n % 4].id)
        barrier.wait()
        try:
            if n % 2:
                trading.advance_if_due(listing_id)
                outcome = "read"
            else:
                trading.place_bid(listing_id, str(2000000 + n * 100000), user)
                outcome = "bid"
        except Conflict:
            db.session.rollback()
            outcome = "too late"
        with lock:
            outcomes[outcome] += 1

    run_threads(app, 10, act)

    assert outcomes == {"read": 5, "too late": 5}
    record = market.get_listing(listing_id)
    assert (record.status, record.buyer_org_id, record.agreed_price) == (
        "awarded", bidders[0].organization_id, 1000000)
    assert [e.action for e in audit_entries(market, listing_id)].count("award") == 1
    assert len(market.bids(listing_id)) == 1
