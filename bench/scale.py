"""The scaled data set of issue 12: the demo data plus synthetic records up to 100,000
listings, 100,000 contracts and 10,000 users, then the search index built by
`flask search rebuild` (timed).

    python -m bench.scale /tmp/scaled                          # SQLite: /tmp/scaled/market.db
    python -m bench.scale /tmp/scaled-pg --database-url postgresql+psycopg://…/market_bench
    BENCH_DATABASE_URL=… python -m bench.scale /tmp/scaled-pg  # the same
    python -m bench.scale /tmp/scaled --listings 10000 --contracts 10000 --users 2000

The instance folder gets the SQLite database (market.db, unless a URL is given), the search
index (search-index/) and `env.sh`, the variables that point `flask`, gunicorn or a test at
this data set (MARKET_INSTANCE_DIR, DATABASE_URL). A PostgreSQL database's `public` schema is
DROPPED and rebuilt from the migrations: give it a database of its own.

The demo data goes through the real services (`load_demo`, as `flask seed-demo`); the rest is
bulk-inserted, 5,000 rows a statement, straight into the tables: the services would take
hours for this many records, and none of what they also write (audit entries, notices,
outbox rows) is read by the pages measured. The records are in the states a market that has
run for three years would have:

- organisations: 2,500 verified (institutes and universities sell, enterprises buy), in every
  Lüliang county and a few outside;
- users: members of those organisations, all with the password BENCH_PASSWORD (one hash);
- achievements: one per listing, registered, texts from bench/corpus.py (all public);
- listings: most listed, announced or dealt (with their deals), some negotiating, bidding or
  awarded (all five open to the public and searchable), the rest expired, withdrawn, failed,
  draft or awaiting review; every running period ends in the future (by the real clock, as
  the production config has no test clock), so the market's lazy tick has nothing to move;
- contracts: bench/stats_corpus.py rows over the last three years, nine in ten certified.
"""
import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.bench_bidding import fresh_schema, make_app

BENCH_PASSWORD = "bench-password-2026"
ORGANIZATIONS = 2500
CHUNK = 5000
SEED = 20261127
# Listing states and their shares (the rest of the 100%: draft).
STATES = [("listed", 0.34), ("announced", 0.14), ("dealt", 0.20), ("negotiating", 0.03),
          ("bidding", 0.03), ("awarded", 0.02), ("expired", 0.10), ("withdrawn", 0.04),
          ("failed", 0.03), ("pending_review", 0.03)]
ROOT = Path(__file__).resolve().parent.parent


def _insert(table, rows):
    """Rows in bulk; every row gets every key (None where a state leaves a column empty)."""
    from marketplace.extensions import db

    keys = {key for row in rows for key in row}
    rows = [{key: row.get(key) for key in keys} for row in rows]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(table.insert(), rows[start:start + CHUNK])


def _max_id(model):
    from marketplace.extensions import db

    return db.session.scalar(db.select(db.func.max(model.id))) or 0


def organizations(rng, now, count):
    """Verified organisations; returns (seller ids, buyer ids)."""
    from marketplace.accounts.models import Organization
    from marketplace.codes import COUNTIES
    from marketplace.credit_code import check_character

    counties = list(COUNTIES) * 3 + ["140000", "110000"]
    first = _max_id(Organization) + 1
    rows = []
    for i in range(count):
        kind = ("research_institute", "university", "enterprise", "enterprise")[i % 4]
        stem = f"91141100MD{i:07d}"
        created = now - timedelta(days=rng.randrange(30, 1100))
        suffix = {"research_institute": "研究院", "university": "学院"}.get(kind, "有限公司")
        rows.append(dict(
            name=f"{'山西' if kind == 'enterprise' else '吕梁'}规模测试{i}号{suffix}",
            kind=kind, entity_type={"research_institute": "research_institute",
                                    "university": "university"}.get(kind, "private_enterprise"),
            credit_code=stem + check_character(stem), county=rng.choice(counties),
            address="吕梁市离石区", contact_name="王工", contact_phone="0358-8220001",
            status="verified", version=1, verified_at=created + timedelta(days=3),
            created_at=created, updated_at=created + timedelta(days=3)))
    _insert(Organization.__table__, rows)
    ids = list(range(first, first + count))
    return ([i for n, i in enumerate(ids) if n % 4 < 2],
            [i for n, i in enumerate(ids) if n % 4 >= 2])


def users(rng, now, count, org_ids, kinds):
    """`count` members, spread over the organisations; returns {org id: [user ids]}."""
    from marketplace.accounts.models import User

    probe = User()
    probe.set_password(BENCH_PASSWORD)
    first = _max_id(User) + 1
    rows, members = [], {}
    for i in range(count):
        org = org_ids[i % len(org_ids)]
        created = now - timedelta(days=rng.randrange(1, 1000))
        rows.append(dict(username=f"user{i:05d}", email=f"user{i:05d}@example.cn",
                         password_hash=probe.password_hash, role=kinds[org],
                         organization_id=org, active=True, locale="zh",
                         created_at=created, updated_at=created))
        members.setdefault(org, []).append(first + i)
    _insert(User.__table__, rows)
    return members


def achievements(rng, now, count, sellers, members):
    """`count` registered achievements (bench/corpus.py texts); returns their ids and owners."""
    from bench.corpus import generate
    from marketplace.achievements.models import Achievement

    first = _max_id(Achievement) + 1
    rows = []
    for i, record in enumerate(generate(count, SEED)):
        owner = sellers[i % len(sellers)]
        registered = now - timedelta(days=rng.randrange(20, 1095), minutes=rng.randrange(1440))
        rows.append(dict(
            owner_org_id=owner, created_by_id=members[owner][0], title=record["title"],
            title_en=record["title_en"] or None, category="applied", field=record["field"],
            keywords=record["keywords"], summary=record["summary"], details="",
            maturity=record["maturity"], secrecy="none", ownership_disputed=False,
            transferred=False, status="registered", version=1,
            registration_number=f"8{i:011d}", verification_code="SCALE234",
            submitted_at=registered - timedelta(days=5), registered_at=registered,
            created_at=registered - timedelta(days=6), updated_at=registered))
    _insert(Achievement.__table__, rows)
    return [(first + i, rows[i]["owner_org_id"], rows[i]["created_by_id"])
            for i in range(count)]


def _state(rng):
    roll, total = rng.random(), 0.0
    for name, share in STATES:
        total += share
        if roll < total:
            return name
    return "draft"


def listing_and_deal(rng, now, serial, achievement, buyers):
    """One listing row in a random state, and its deal row when it is dealt (else None)."""
    achievement_id, seller, user = achievement
    status = _state(rng)
    reserve = Decimal(rng.randrange(50_000, 20_000_000)).quantize(Decimal("1"))
    row = dict(achievement_id=achievement_id, seller_org_id=seller, created_by_id=user,
               transfer_mode=rng.choice(("assignment", "licence_exclusive", "licence_sole",
                                         "licence_ordinary")),
               asking_price=reserve * 2 if rng.random() < 0.8 else None, reserve_price=reserve,
               bid_increment=max(Decimal(1000), (reserve / 100).quantize(Decimal("1"))),
               announcement_days=15, listing_days=30, bidding_days=5, buyer_conditions="",
               status=status, version=1, renewed=False, intents_count=0, bid_count=0)
    day = timedelta(days=1)
    if status in ("draft", "pending_review"):
        created = now - day * rng.randrange(1, 30)
        row.update(created_at=created, updated_at=created,
                   submitted_at=created if status == "pending_review" else None)
        return row, None
    if status == "announced":
        announced = now - day * rng.uniform(0, 14)
    elif status in ("listed", "negotiating", "bidding", "awarded"):
        announced = now - day * rng.uniform(16, 44)
    else:  # over: dealt, expired, withdrawn, failed — any time in three years
        announced = now - day * rng.uniform(60, 1095)
    ends = announced + day * 15
    row.update(submitted_at=announced - day * 3, first_announced_at=announced,
               announced_at=announced, announcement_ends_at=ends,
               created_at=announced - day * 4, updated_at=announced)
    if status == "announced":
        row.update(next_move_at=ends)
    elif status == "listed":
        row.update(listing_ends_at=ends + day * 30, next_move_at=ends + day * 30,
                   updated_at=ends, intents_count=rng.choice((0, 0, 0, 1)))
    elif status == "bidding":
        started = now - day * rng.uniform(0, 4)
        row.update(listing_ends_at=started, bidding_starts_at=started,
                   bidding_ends_at=started + day * 5, next_move_at=started + day * 5,
                   intents_count=rng.randint(2, 5), updated_at=started)
    elif status in ("negotiating", "awarded"):
        buyer = rng.choice(buyers)
        moment = now - day * rng.uniform(0, 5)
        row.update(buyer_org_id=buyer, agreed_price=reserve, confirm_by=moment + day * 10,
                   next_move_at=moment + day * 10, intents_count=1, updated_at=moment)
    elif status == "dealt":
        buyer = rng.choice(buyers)
        dealt = ends + day * rng.uniform(5, 40)
        price = reserve + row["bid_increment"] * rng.randint(0, 8)
        row.update(buyer_org_id=buyer, agreed_price=price, seller_confirmed_at=dealt,
                   buyer_confirmed_at=dealt, intents_count=1, updated_at=dealt)
        deal = dict(listing_id=None, achievement_id=achievement_id, seller_org_id=seller,
                    buyer_org_id=buyer, transfer_mode=row["transfer_mode"], price=price,
                    dealt_at=dealt, dealt_on=dealt.date(), seller_confirmed_at=dealt,
                    buyer_confirmed_at=dealt, confirmation_number=f"C{serial:09d}",
                    certificate_number=f"SCALE{serial:09d}", verification_code="SCALE234",
                    announcement_until=dealt.date() + timedelta(days=10), created_at=dealt)
        return row, deal
    else:  # expired, withdrawn, failed
        over = ends + day * rng.uniform(1, 30)
        row.update(end_reason=None, updated_at=over)
    return row, None


def listings(rng, now, all_achievements, buyers):
    """A listing per achievement (and the deals of the dealt ones); returns the counts."""
    from marketplace.listings.models import Deal, Listing

    first = _max_id(Listing) + 1
    rows, deals = [], []
    for serial, achievement in enumerate(all_achievements):
        row, deal = listing_and_deal(rng, now, serial, achievement, buyers)
        rows.append(row)
        if deal:
            deal["listing_id"] = first + serial
            deals.append(deal)
    _insert(Listing.__table__, rows)
    _insert(Deal.__table__, deals)
    counts = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def contracts(now, count, sellers, members):
    """bench/stats_corpus.py rows over the last three years (none in the future)."""
    from bench.stats_corpus import contract_rows
    from marketplace.contracts.models import Contract

    years = (now.year - 2, now.year - 1, now.year)
    rows = contract_rows(count, sellers[0], members[sellers[0]][0], years=years, seed=SEED,
                         other_states=0.1, first_serial=10_000_001)
    rng = random.Random(SEED)
    for row in rows:
        filer = rng.choice(sellers)
        row.update(filer_org_id=filer, created_by_id=members[filer][0])
        if row["updated_at"] > now:  # a moment still to come this year: a year earlier
            for key, value in row.items():
                if isinstance(value, date):
                    row[key] = value - timedelta(days=365)
    _insert(Contract.__table__, rows)


def analyze(app):
    """Planner statistics after a bulk load (also used by bench_stats)."""
    from marketplace.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def environment(folder, url):
    """The variables that point the app at the data set."""
    return {"MARKET_INSTANCE_DIR": str(folder), "DATABASE_URL": url,
            "SEARCH_INDEX_DIR": str(folder / "search-index"),
            "UPLOAD_DIR": str(folder / "uploads")}


def build(folder, url, listing_count, contract_count, user_count, procs=None):
    from marketplace.demo import load_demo
    from marketplace.extensions import db

    folder.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    shutil.rmtree(folder / "search-index", ignore_errors=True)
    app = make_app(folder, url)
    fresh_schema(app, url)
    rng = random.Random(SEED)
    started = time.perf_counter()
    with app.app_context():
        load_demo()
        print(f"demo data (flask seed-demo): {time.perf_counter() - started:.1f} s")
        step = time.perf_counter()
        now = datetime.now(UTC)
        sellers, buyers = organizations(rng, now, ORGANIZATIONS)
        kinds = {o: "institute" for o in sellers} | {o: "enterprise" for o in buyers}
        from marketplace.accounts.models import User

        members = users(rng, now, max(0, user_count - db.session.scalar(
            db.select(db.func.count()).select_from(User))), sellers + buyers, kinds)
        from marketplace.listings.models import Listing

        have = db.session.scalar(db.select(db.func.count()).select_from(Listing))
        made = achievements(rng, now, max(0, listing_count - have), sellers, members)
        counts = listings(rng, now, made, buyers)
        from marketplace.contracts.models import Contract

        have = db.session.scalar(db.select(db.func.count()).select_from(Contract))
        contracts(now, max(0, contract_count - have), sellers, members)
        db.session.commit()
        totals = {model.__tablename__: db.session.scalar(
            db.select(db.func.count()).select_from(model)) for model in (User, Listing,
                                                                         Contract)}
        db.engine.dispose()
    analyze(app)
    print(f"bulk records: {time.perf_counter() - step:.1f} s; totals {totals}; synthetic "
          f"listings by state {dict(sorted(counts.items(), key=lambda kv: -kv[1]))}")
    env = dict(os.environ, **environment(folder, url), MARKET_CONFIG="development",
               FLASK_APP="wsgi")
    command = [sys.executable, "-m", "flask", "search", "rebuild"]
    if procs:
        command += ["--procs", str(procs)]
    step, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    seconds, cpu = time.perf_counter() - step, _children_cpu() - cpu
    last = (done.stdout.strip().splitlines() or ["?"])[-1]
    if done.returncode:
        raise SystemExit(f"flask search rebuild failed:\n{done.stdout}\n{done.stderr}")
    print(f"flask search rebuild: {seconds:.1f} s wall, {cpu:.0f} CPU-seconds in all its "
          f"processes ({last.strip()}); load average now {os.getloadavg()[0]:.1f}")
    lines = [f"export {k}={v}" for k, v in environment(folder, url).items()]
    (folder / "env.sh").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"data set ready: source {folder / 'env.sh'} (users' password: {BENCH_PASSWORD}; "
          f"demo users': demo-password-2026)")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="instance folder (created; emptied of the "
                        "database and index)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL URL (its public schema is dropped); default "
                        "BENCH_DATABASE_URL, else SQLite in the folder")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--procs", type=int, default=None, help="rebuild processes")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    url = args.database_url or f"sqlite:///{folder / 'market.db'}"
    print(f"Scaled data set in {folder}: python {sys.version.split()[0]}, {os.cpu_count()} "
          f"cores, load average {os.getloadavg()[0]:.1f}")
    build(folder, url, args.listings, args.contracts, args.users, args.procs)


if __name__ == "__main__":
    main()
