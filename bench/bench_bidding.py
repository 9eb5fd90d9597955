"""Bidding benchmark: concurrent bids on one listing through `trading.place_bid`, and the cost
of the lazy tick that `GET /api/v1/listings` runs before answering.

    python -m bench.bench_bidding                          # make bench
    python -m bench.bench_bidding --bidders 1,8,32 --bids 20 --listings 1000 --due 100
    BENCH_DATABASE_URL=postgresql+psycopg://market:market@127.0.0.1:5432/market_bench \\
        python -m bench.bench_bidding                      # also on that PostgreSQL database

Bidding: N enterprises with qualified intents, one thread each, each places M bids in a row;
every bid is one request's worth of work (its own app context and session, the bidder read
from the database), bidding the minimum next bid it has just read, so concurrent bidders race
for each step and the losers are refused (422: below the best bid plus the increment; 409:
the record changed). Printed: accepted bids per second of wall time, the refusals, and the
latency of an accepted bid (the `place_bid` call, its lock wait included).

Lazy tick: 1,000 public listings, none due, then 100 of them made due (their announcement
ended an hour ago, no intent: each moves to `listed`, with its audit entry, outbox row and
notice); the time of one `GET /api/v1/listings` (first page, anonymous) in each case.

SQLite runs on a fresh database (from the migrations) in a temporary folder. PostgreSQL runs
on BENCH_DATABASE_URL, whose `public` schema is DROPPED and rebuilt from the migrations: give
it a database of its own. It prints numbers; it asserts nothing.
"""
import argparse
import itertools
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.search_bench import percentile

RESERVE = Decimal("1000000.00")
INCREMENT = Decimal("10000.00")


def make_app(folder, url):
    from config import TestingConfig
    from marketplace import create_app

    attrs = {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(folder),
             "UPLOAD_DIR": str(folder / "uploads"),
             "SEARCH_INDEX_DIR": str(folder / "search-index"), "MARKET_CLOCK_FILE": None,
             "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 40,
                                           "max_overflow": 20}
             if url.startswith("postgresql") else {}}
    return create_app(type("BenchConfig", (TestingConfig,), attrs))


def fresh_schema(app, url):
    from flask_migrate import upgrade

    if url.startswith("postgresql"):
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    with app.app_context():
        upgrade()


SERIAL = itertools.count(1)  # organisations' codes and achievements' numbers are unique


def _org(kind, now):
    from marketplace.accounts.models import Organization
    from marketplace.credit_code import check_character

    serial = next(SERIAL)
    stem = f"91141100MA{serial:07d}"
    institute = kind == "institute"
    return Organization(name=f"{'研究院' if institute else '企业'}{serial}",
                        kind="research_institute" if institute else "enterprise",
                        entity_type="research_institute" if institute
                        else "private_enterprise",
                        credit_code=stem + check_character(stem), county="141102",
                        address="吕梁市离石区", contact_name="王工", contact_phone="0358-8220001",
                        status="verified", created_at=now, updated_at=now)


def _member(org, role, now):
    from marketplace.accounts.models import User

    return User(username=f"{role}{org.id}", email=f"{role}{org.id}@example.cn", role=role,
                organization_id=org.id, password_hash="-", created_at=now, updated_at=now)


def seller_and_achievements(count, now):
    """A verified institute, its member, and `count` registered achievements (bulk)."""
    from marketplace.achievements.models import Achievement
    from marketplace.extensions import db

    org = _org("institute", now)
    db.session.add(org)
    db.session.flush()
    user = _member(org, "institute", now)
    db.session.add(user)
    db.session.flush()
    first = (db.session.scalar(db.select(db.func.max(Achievement.id))) or 0) + 1
    db.session.execute(Achievement.__table__.insert(), [dict(
        owner_org_id=org.id, created_by_id=user.id, title=f"煤层气抽采技术 {i}",
        category="applied", field="coal", keywords=["煤层气"], summary="煤层气抽采。",
        details="", maturity=7, secrecy="none", ownership_disputed=False, transferred=False,
        status="registered", version=1, registration_number=f"9{next(SERIAL):011d}",
        registered_at=now, created_at=now, updated_at=now) for i in range(count)])
    return org, user, list(range(first, first + count))


def listing_row(achievement_id, org, user, now, **values):
    row = dict(achievement_id=achievement_id, seller_org_id=org.id, created_by_id=user.id,
               transfer_mode="assignment", asking_price=RESERVE * 2, reserve_price=RESERVE,
               bid_increment=INCREMENT, announcement_days=15, listing_days=30, bidding_days=5,
               buyer_conditions="", status="listed", version=1,
               submitted_at=now - timedelta(days=20), first_announced_at=now - timedelta(days=18),
               announced_at=now - timedelta(days=18),
               announcement_ends_at=now - timedelta(days=3),
               created_at=now - timedelta(days=21), updated_at=now, renewed=False,
               intents_count=0, bid_count=0)
    row.update(values)
    return row


# --- bidding ---------------------------------------------------------------------------------

def bidding_listing(app, bidders):
    """A listing whose bidding window is open for a day, and `bidders` enterprise users with
    qualified intents; returns (listing id, user ids)."""
    from marketplace.extensions import db
    from marketplace.listings.models import Intent, Listing

    with app.app_context():
        now = datetime.now(UTC)
        org, user, [achievement_id] = seller_and_achievements(1, now)
        listing_id = db.session.execute(Listing.__table__.insert().returning(
            Listing.__table__.c.id), [listing_row(
                achievement_id, org, user, now, status="bidding", intents_count=bidders,
                listing_ends_at=None, bidding_starts_at=now - timedelta(hours=1),
                bidding_ends_at=now + timedelta(days=1),
                next_move_at=now + timedelta(days=1))]).scalar_one()
        users = []
        for _ in range(bidders):
            buyer = _org("enterprise", now)
            db.session.add(buyer)
            db.session.flush()
            member = _member(buyer, "enterprise", now)
            db.session.add(member)
            db.session.flush()
            db.session.add(Intent(listing_id=listing_id, org_id=buyer.id, user_id=member.id,
                                  statement="具备实施条件。", status="active", created_at=now))
            users.append(member.id)
        db.session.commit()
        return listing_id, users


def run_bidders(app, listing_id, user_ids, bids_each):
    from marketplace.accounts.models import User
    from marketplace.errors import Conflict, ValidationFailed
    from marketplace.extensions import db
    from marketplace.listings import trading
    from marketplace.listings.models import Listing

    accepted, refused, errors = [], {"422": 0, "409": 0, "other": 0}, []
    lock = threading.Lock()
    start = threading.Barrier(len(user_ids))

    def bidder(user_id):
        start.wait()
        for _ in range(bids_each):
            with app.app_context():  # one request's worth of work
                try:
                    current = db.session.scalar(db.select(Listing.best_bid_amount).where(
                        Listing.id == listing_id))
                    amount = RESERVE if current is None else current + INCREMENT
                    db.session.rollback()  # the read is one request, the bid the next
                    user = db.session.get(User, user_id)
                    started = time.perf_counter()
                    trading.place_bid(listing_id, str(amount), user)
                    seconds = time.perf_counter() - started
                    with lock:
                        accepted.append(seconds)
                except Exception as exc:  # noqa: BLE001  (counted, and the first one shown)
                    db.session.rollback()
                    key = ("422" if isinstance(exc, ValidationFailed) else
                           "409" if isinstance(exc, Conflict) else "other")
                    with lock:
                        refused[key] += 1
                        if key == "other" and not errors:
                            errors.append(repr(exc))
                finally:
                    db.session.remove()

    threads = [threading.Thread(target=bidder, args=(u,)) for u in user_ids]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    with app.app_context():
        record = db.session.get(Listing, listing_id)
        stored = (record.bid_count, record.best_bid_amount)
    return wall, accepted, refused, stored, errors


def bench_bidding(app, bidders_list, bids_each):
    for bidders in bidders_list:
        listing_id, users = bidding_listing(app, bidders)
        wall, accepted, refused, (count, best), errors = run_bidders(app, listing_id, users,
                                                                     bids_each)
        ms = [s * 1000 for s in accepted]
        consistent = count == len(accepted) and best == RESERVE + INCREMENT * (count - 1)
        attempts = bidders * bids_each
        print(f"{bidders:>3} bidders × {bids_each} bids: {len(accepted)} accepted in "
              f"{wall:.2f} s = {len(accepted) / wall:,.0f} accepted bids/s "
              f"({attempts / wall:,.0f} attempts/s); refused "
              f"422: {refused['422']}, 409: {refused['409']}"
              + (f", other: {refused['other']} ({errors[0]})" if refused["other"] else "")
              + (f"; accepted bid p50 {percentile(ms, 50):.1f} ms, p95 "
                 f"{percentile(ms, 95):.1f} ms, max {max(ms):.1f} ms" if ms else "")
              + ("" if consistent else f"  (!) listing says {count} bids, best {best}"))


# --- the lazy tick -------------------------------------------------------------------------

def public_listings(app, count):
    from marketplace.extensions import db
    from marketplace.listings.models import Listing

    with app.app_context():
        now = datetime.now(UTC)
        org, user, achievements = seller_and_achievements(count, now)
        ends = now + timedelta(days=27)
        db.session.execute(Listing.__table__.insert(), [listing_row(
            a, org, user, now - timedelta(seconds=i), listing_ends_at=ends, next_move_at=ends)
            for i, a in enumerate(achievements)])
        db.session.commit()
        return db.session.scalars(db.select(Listing.id).where(
            Listing.achievement_id.in_(achievements)).order_by(Listing.id)).all()


def make_due(app, ids):
    """Their announcement ended an hour ago, without an intent: the tick lists them."""
    from marketplace.extensions import db
    from marketplace.listings.models import Listing

    with app.app_context():
        ended = datetime.now(UTC) - timedelta(hours=1)
        db.session.execute(db.update(Listing).where(Listing.id.in_(ids)).values(
            status="announced", announcement_ends_at=ended, next_move_at=ended,
            listing_ends_at=None).execution_options(synchronize_session=False))
        db.session.commit()


def timed_get(client):
    started = time.perf_counter()
    response = client.get("/api/v1/listings")
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.status_code  # a broken bench, not a result
    return seconds * 1000


def bench_tick(app, count, due, rounds):
    from marketplace.extensions import db
    from marketplace.listings.models import Listing

    ids = public_listings(app, count)
    client = app.test_client()
    timed_get(client)  # warm: the first request compiles the queries and templates
    idle = [timed_get(client) for _ in range(rounds * 4)]
    with app.app_context():
        from marketplace.listings import trading

        tick_alone = []
        for _ in range(rounds * 4):
            started = time.perf_counter()
            trading.advance_due()
            tick_alone.append((time.perf_counter() - started) * 1000)
    print(f"GET /api/v1/listings, {count:,} public listings, none due: p50 "
          f"{percentile(idle, 50):.1f} ms, p95 {percentile(idle, 95):.1f} ms (of which the "
          f"tick's query for due listings, alone: p50 {percentile(tick_alone, 50):.2f} ms)")
    busy, after = [], []
    for round_number in range(rounds):
        chosen = ids[round_number * due % len(ids):][:due]
        make_due(app, chosen)
        busy.append(timed_get(client))
        after.append(timed_get(client))
    with app.app_context():
        moved = db.session.scalar(db.select(db.func.count()).select_from(Listing).where(
            Listing.id.in_(chosen), Listing.status == "listed"))
    print(f"GET /api/v1/listings, {count:,} public listings, {due} due: p50 "
          f"{percentile(busy, 50):.1f} ms, p95 {percentile(busy, 95):.1f} ms "
          f"({percentile(busy, 50) / due:.2f} ms per listing moved; {moved}/{len(chosen)} "
          f"listed by the last one); the next GET: p50 {percentile(after, 50):.1f} ms")


def run(label, url, folder, args):
    print(f"\n== {label}")
    app = make_app(folder, url)
    started = time.perf_counter()
    fresh_schema(app, url)
    print(f"(schema from the migrations in {time.perf_counter() - started:.1f} s)")
    bench_bidding(app, [int(b) for b in args.bidders.split(",")], args.bids)
    bench_tick(app, args.listings, args.due, args.rounds)
    with app.app_context():
        from marketplace.extensions import db

        db.engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", default="1,4,16", help="concurrent bidders, e.g. 1,8,32")
    parser.add_argument("--bids", type=int, default=25, help="bids each bidder places")
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5, help="timed GETs with listings due")
    args = parser.parse_args(argv)
    os.environ.setdefault("MARKET_CONFIG", "testing")
    print(f"Bidding benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    folder = Path(tempfile.mkdtemp(prefix="bidding-bench-"))
    try:
        run("SQLite (temporary file, WAL)", f"sqlite:///{folder / 'bench.db'}", folder, args)
        url = os.environ.get("BENCH_DATABASE_URL")
        if url:
            masked = url.split("://", 1)[0] + "://***@" + url.rsplit("@", 1)[-1] \
                if "@" in url else url
            run(f"PostgreSQL ({masked})", url, folder, args)
        else:
            print("\n(BENCH_DATABASE_URL is not set: no PostgreSQL run)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
