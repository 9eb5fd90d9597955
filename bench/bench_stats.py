"""Statistics benchmark: the /stats page, a CSV table and GET /api/v1/stats/contracts with
10,000 and 100,000 certified contracts in the database.

    python -m bench.bench_stats                                 # SQLite, 10k and 100k
    python -m bench.bench_stats --sizes 10000 --rounds 3
    python -m bench.bench_stats postgresql+psycopg://market:market@127.0.0.1:5432/market_bench
    BENCH_DATABASE_URL=… python -m bench.bench_stats            # PostgreSQL too

The contracts (bench/stats_corpus.py, seeded) are bulk-inserted: four in five certified in
2026, the rest in 2025, so the 2026 page holds 80% of them and compares with 2025. The market's
clock is set to 15 January 2027. Each request runs in-process through Flask's test client, the
template rendering included; printed: the first (cold) time, the median of the next rounds
(from the cache of marketplace/stats/cache.py), and the median with the cache emptied before
each request (every query run again).

SQLite runs on a fresh database (from the migrations) in a temporary folder. PostgreSQL runs on
the URL given, whose `public` schema is DROPPED and rebuilt from the migrations: give it a
database of its own. It prints numbers; it asserts nothing.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_bidding import _member, _org, fresh_schema, make_app
from bench.scale import analyze

CLOCK = "2027-01-15T10:00:00+08:00"
YEARS = (2025, 2026, 2026, 2026, 2026)
REQUESTS = [
    ("page, year (zh)", "/stats?year=2026&lang=zh"),
    ("page, year (en)", "/stats?year=2026&lang=en"),
    ("page, quarter", "/stats?year=2026&quarter=2&lang=zh"),
    ("page, drill-down", "/stats?year=2026&county=141102&lang=zh"),
    ("CSV, by month", "/stats/month.csv?year=2026"),
    ("API, year by county", "/api/v1/stats/contracts?year=2026&group_by=county"),
    ("API, month by type", "/api/v1/stats/contracts?year=2026&month=6&group_by=type"),
]


def fill(app, count, first_serial=1):
    """`count` certified contracts (bulk insert, 10,000 a statement); returns seconds."""
    from datetime import UTC, datetime

    from bench.stats_corpus import contract_rows
    from marketplace.contracts.models import Contract
    from marketplace.extensions import db

    started = time.perf_counter()
    with app.app_context():
        now = datetime.now(UTC)
        org = _org("institute", now)
        db.session.add(org)
        db.session.flush()
        user = _member(org, "institute", now)
        db.session.add(user)
        db.session.flush()
        rows = contract_rows(count, org.id, user.id, years=YEARS, seed=first_serial,
                             first_serial=first_serial)
        for start in range(0, count, 10_000):
            db.session.execute(Contract.__table__.insert(), rows[start:start + 10_000])
        db.session.commit()
    analyze(app)
    return time.perf_counter() - started


def measure(app, client, path, rounds):
    """(first, median of `rounds` more, median of `rounds` with the cache emptied before
    each) in milliseconds."""
    def timed():
        started = time.perf_counter()
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return (time.perf_counter() - started) * 1000

    first = timed()
    cached = statistics.median(timed() for _ in range(rounds))
    uncached = []
    for _ in range(rounds):
        app.extensions.pop("stats_cache", None)  # marketplace/stats/cache.py
        uncached.append(timed())
    return first, cached, statistics.median(uncached)


def run(label, url, folder, sizes, rounds):
    print(f"\n{label}")
    print(f"  {'contracts':>9}  {'request':<22} {'first ms':>9} {'cached ms':>10} "
          f"{'uncached ms':>12}")
    done = 0
    app = make_app(folder, url)
    clock_file = folder / "clock.txt"
    clock_file.write_text(CLOCK, encoding="utf-8")
    app.config["MARKET_CLOCK_FILE"] = str(clock_file)
    fresh_schema(app, url)
    for size in sorted(sizes):
        seconds = fill(app, size - done, first_serial=done + 1)
        done = size
        print(f"  {size:>9,}  (inserted in {seconds:.1f} s)")
        client = app.test_client()
        for name, path in REQUESTS:
            first, cached, uncached = measure(app, client, path, rounds)
            print(f"  {size:>9,}  {name:<22} {first:>9.1f} {cached:>10.1f} {uncached:>12.1f}")
    with app.app_context():
        from marketplace.extensions import db

        db.engine.dispose()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", help="also run on this PostgreSQL database "
                        "(its public schema is dropped); default BENCH_DATABASE_URL "
                        "(never TEST_DATABASE_URL: a benchmark must not wipe the tests' database)")
    parser.add_argument("--sizes", default="10000,100000", help="contracts, e.g. 10000,100000")
    parser.add_argument("--rounds", type=int, default=5, help="timed requests after the first")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("MARKET_CONFIG", "testing")
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"Statistics benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    folder = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    try:
        if not args.no_sqlite:
            run("SQLite (temporary file, WAL)", f"sqlite:///{folder / 'bench.db'}", folder,
                sizes, args.rounds)
        url = args.database_url or os.environ.get("BENCH_DATABASE_URL")
        if url:
            masked = url.split("://", 1)[0] + "://***@" + url.rsplit("@", 1)[-1] \
                if "@" in url else url
            run(f"PostgreSQL ({masked})", url, folder, sizes, args.rounds)
        else:
            print("\n(no PostgreSQL URL given: no PostgreSQL run)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
