"""Search benchmark: indexing rate, index size and query latency of marketplace.search on the
synthetic corpus, with SQLite FTS5 on the same records and queries as a reference.

    python -m bench.search_bench                 # 10k and 100k records (make bench)
    python -m bench.search_bench --sizes 10000 --procs 1,2
    python -m bench.search_bench --dataset /tmp/scaled   # the data set of bench/scale.py

Each size gets a fresh SQLite database (from the migrations) in a temporary folder, filled
with registered achievements; the index is built by the real `rebuild()` (streamed from SQL,
as `flask search rebuild` does) and queried by the real `search()`, which also loads the
page's records from SQL. With --dataset, the queries run on a bench/scale.py data set instead
(achievements and public listings, its index as built); FTS5 there holds its achievements (a
scratch copy; on SQLite only). It prints numbers; it asserts nothing.
"""
import argparse
import json
import os
import re
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.corpus import SEED, generate

# Technical terms, synonyms across languages, substrings jieba does not cut out, phrases,
# two-part queries, a filter, and words that find nothing.
QUERIES = [
    "储能", "储能电池", "煤层气", "瓦斯抽采", "无人机", "石墨烯", "镁合金", "红枣", "核桃油",
    "光伏组件", "燃料电池", "煤矸石", "热管理", "工业机器人", "数字孪生", "污水处理",
    "UAV", "drone", "coal-bed methane", "energy storage", "graphene", "fuel cell",
    "lithium battery", "digital twin", "墨烯", "枣", "积储", "抽采", "智能监测平台",
    "煤层气 压裂", "无人机 巡检", "储能 热管理", "基于深度学习的故障诊断", "高效 光伏",
    "PLC", "5G", "综合利用技术", "量子计算", "石磨烯", "blockchain",
]
FILTERED = [("储能", {"field": "power"}), ("技术", {"county": "141181"}),
            ("", {"field": "coal", "maturity_min": 7})]


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def make_app(folder, url=None):
    from config import TestingConfig
    from marketplace import create_app

    attrs = {"SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder / 'bench.db'}",
             "INSTANCE_DIR": str(folder), "UPLOAD_DIR": str(folder / "uploads"),
             "SEARCH_INDEX_DIR": str(folder / "search-index"), "MARKET_CLOCK_FILE": None,
             # the engine's own cost: a repeated search would come from the result cache
             "SEARCH_RESULT_CACHE": 0}
    return create_app(type("BenchConfig", (TestingConfig,), attrs))


def fill(app, count):
    """Organisations in every county and `count` registered achievements, inserted in bulk."""
    from flask_migrate import upgrade

    from marketplace.accounts.models import Organization, User
    from marketplace.achievements.models import Achievement
    from marketplace.codes import COUNTIES
    from marketplace.extensions import db

    with app.app_context():
        upgrade()
        now = datetime(2026, 1, 1, tzinfo=UTC)
        counties = list(COUNTIES) + ["140000", "110000"]
        orgs = {}
        for i, county in enumerate(counties):
            org = Organization(name=f"研究院{i}", kind="research_institute",
                               entity_type="research_institute",
                               credit_code=f"12141100MB{i:07d}X", county=county, address="吕梁",
                               contact_name="王工", contact_phone="0358-8220001",
                               status="verified", created_at=now, updated_at=now)
            db.session.add(org)
            orgs[county] = org
        db.session.flush()
        user = User(username="bench", email="bench@example.cn", role="institute",
                    organization_id=orgs[counties[0]].id, password_hash="-",
                    created_at=now, updated_at=now)
        db.session.add(user)
        db.session.commit()
        rows = []
        table = Achievement.__table__
        for i, record in enumerate(generate(count, SEED)):
            moment = now + timedelta(minutes=i)
            rows.append(dict(
                owner_org_id=orgs[record["county"]].id, created_by_id=user.id,
                title=record["title"], title_en=record["title_en"], category="applied",
                field=record["field"], keywords=record["keywords"], summary=record["summary"],
                details="", maturity=record["maturity"], secrecy="none",
                ownership_disputed=False, transferred=False, status="registered", version=1,
                registration_number=f"{i:012d}", registered_at=moment, created_at=moment,
                updated_at=moment))
            if len(rows) == 5000:
                db.session.execute(table.insert(), rows)
                rows = []
        if rows:
            db.session.execute(table.insert(), rows)
        db.session.commit()


def folder_size(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def timed_rebuild(app, procs):
    from marketplace.search import rebuild
    from marketplace.search.store import get_store

    with app.app_context():
        cpu = _cpu_seconds()
        started = time.perf_counter()
        rebuild(procs=procs, limitmb=512)
        seconds = time.perf_counter() - started
        store = get_store()
        return seconds, _cpu_seconds() - cpu, folder_size(store.root / store.current_name())


def _cpu_seconds():
    """CPU time of this process and its finished children (the writer processes)."""
    me, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def query_latencies(app, rounds, highlight):
    """Milliseconds of search() (whoosh + SQL load of the page + highlighting) per query."""
    from marketplace.search import search

    times, cpu_times, totals, first = [], [], {}, []
    with app.test_request_context():
        cases = [(q, {}) for q in QUERIES] + FILTERED
        for query, filters in cases:  # the first pass reads postings and columns: cold
            started = time.perf_counter()
            totals[(query, json.dumps(filters))] = search(query, filters).total
            first.append((time.perf_counter() - started) * 1000)
        for _ in range(rounds):
            for query, filters in cases:
                started, cpu = time.perf_counter(), time.process_time()
                search(query, filters, highlight=highlight)
                times.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu) * 1000)
    return times, cpu_times, totals, first


def fts5_latencies(app, rounds):
    """The same queries on SQLite FTS5, trigram and jieba-segmented: count + top 20."""
    from marketplace.search.analysis import cut, normalize

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    # The FTS5 tables go to a database of their own: the source is only read.
    scratch = Path(tempfile.mkdtemp(prefix="search-bench-fts-"))
    connection = sqlite3.connect(scratch / "fts.db")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.executescript("""
        DROP TABLE IF EXISTS fts_trigram; DROP TABLE IF EXISTS fts_words;
        CREATE VIRTUAL TABLE fts_trigram USING fts5(title, keywords, summary,
            tokenize='trigram');
        CREATE VIRTUAL TABLE fts_words USING fts5(title, keywords, summary);
    """)
    rows = source.execute("SELECT id, title || ' ' || coalesce(title_en, ''), keywords, "
                          "summary FROM achievements").fetchall()
    source.close()

    def segmented(text):
        return " ".join(w for part in re.findall(r"[\u4e00-\u9fff]+|[a-z0-9]+", normalize(text))
                        for w in (cut(part) if part[0] >= "\u4e00" else [part]))

    connection.executemany("INSERT INTO fts_trigram(rowid, title, keywords, summary) "
                           "VALUES (?, ?, ?, ?)", rows)
    connection.executemany("INSERT INTO fts_words(rowid, title, keywords, summary) "
                           "VALUES (?, ?, ?, ?)",
                           [(r[0], segmented(r[1]), segmented(r[2]), segmented(r[3]))
                            for r in rows])
    connection.commit()

    def trigram_sql(query):
        parts = normalize(query).split()
        if not parts:
            return "SELECT count(*) FROM fts_trigram", []
        # Trigrams need three characters: shorter parts are matched with LIKE (a scan).
        where, params = [], []
        for part in parts:
            if len(part) >= 3:
                where.append("fts_trigram MATCH ?")
                params.append(f'"{part}"')
            else:
                where.append("(title LIKE ? OR keywords LIKE ? OR summary LIKE ?)")
                params += [f"%{part}%"] * 3
        return "FROM fts_trigram WHERE " + " AND ".join(where), params

    def words_sql(query):
        words = segmented(query).split()
        if not words:
            return "FROM fts_words", []
        return "FROM fts_words WHERE fts_words MATCH ?", [" AND ".join(f'"{w}"' for w in words)]

    results = {}
    for name, build in (("trigram", trigram_sql), ("jieba words", words_sql)):
        times = []
        for round_number in range(rounds + 1):
            for query in QUERIES:
                sql, params = build(query)
                if not sql.startswith("FROM"):
                    sql = "FROM fts_trigram"
                started = time.perf_counter()
                connection.execute(f"SELECT count(*) {sql}", params).fetchone()
                order = "ORDER BY rank" if "MATCH" in sql else ""
                connection.execute(f"SELECT rowid {sql} {order} LIMIT 20", params).fetchall()
                if round_number:  # the first round warms the page cache
                    times.append((time.perf_counter() - started) * 1000)
        results[name] = times
    connection.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return results


def segmentation_speed(app, count=10000):
    """Seconds to cut the first `count` records with rjieba (ours) and the Python jieba."""
    import logging

    from marketplace.search.analysis import CJK_RUN, cut, initialize, normalize

    runs = [run for record in generate(count, SEED)
            for run in CJK_RUN.findall(normalize(record["title"] + record["summary"]))]
    initialize()
    started = time.perf_counter()
    ours = [cut(run) for run in runs]
    rjieba_seconds = time.perf_counter() - started
    try:
        import jieba
    except ImportError:
        return rjieba_seconds, None, None
    from marketplace.search.analysis import synonym_groups, technical_terms

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in [t for terms in technical_terms().values() for t in terms] + [
            n for g in synonym_groups() for n in g if CJK_RUN.fullmatch(n)]:
        tokenizer.add_word(word)
    started = time.perf_counter()
    theirs = [tokenizer.lcut(run) for run in runs]
    jieba_seconds = time.perf_counter() - started
    same = sum(a == b for a, b in zip(ours, theirs, strict=True)) / len(runs)
    return rjieba_seconds, jieba_seconds, same


def recall(app, count):
    """For each technical term: the records containing it as a substring that jieba words
    alone find, and that the search finds (jieba words + character pairs)."""
    from whoosh import query as q

    from marketplace.search import search
    from marketplace.search.analysis import cut, normalize, technical_terms
    from marketplace.search.query import _terms
    from marketplace.search.store import get_store

    texts = {}
    for i, record in enumerate(generate(count, SEED), start=1):
        texts[i] = normalize(" ".join([record["title"], " ".join(record["keywords"]),
                                       record["summary"]]))
    terms = sorted({t for ts in technical_terms().values() for t in ts})
    missed_jieba = missed_ours = occurrences = terms_missed = 0
    with app.test_request_context():
        searcher = get_store().searcher()
        for term in terms:
            wanted = {i for i, text in texts.items() if term in text}
            if not wanted:
                continue
            words = cut(term)
            jieba_query = q.And([_terms(w) for w in words]) if len(words) > 1 else _terms(
                words[0])
            by_jieba = {int(hit["key"].split(":")[1]) for hit in
                        searcher.search(jieba_query, limit=None)}
            ours = search(term, per_page=1, highlight=False).total
            occurrences += len(wanted)
            missed_jieba += len(wanted - by_jieba)
            missed_ours += max(0, len(wanted) - ours)
            terms_missed += bool(wanted - by_jieba)
    return len(terms), terms_missed, occurrences, missed_jieba, missed_ours


def report_queries(app, rounds):
    """Latencies of search() with and without highlighting, and of FTS5 on the same
    queries; returns the hits per query."""
    plain, plain_cpu, totals, cold = query_latencies(app, rounds, highlight=False)
    marked, marked_cpu, _, _ = query_latencies(app, rounds, highlight=True)
    print(f"first search of each query after opening the index (cold caches): p50 "
          f"{percentile(cold, 50):.1f} ms, p95 {percentile(cold, 95):.1f} ms")
    for label, wall, cpu in (("without", plain, plain_cpu), ("with", marked, marked_cpu)):
        print(f"search() {label} highlighting: p50 {percentile(wall, 50):.1f} ms, "
              f"p95 {percentile(wall, 95):.1f} ms, max {max(wall):.1f} ms "
              f"(CPU time: p50 {percentile(cpu, 50):.1f} ms, p95 {percentile(cpu, 95):.1f} "
              f"ms)")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        fts = fts5_latencies(app, rounds)
        for name, times in fts.items():
            print(f"FTS5 {name + ':':<13} p50 {percentile(times, 50):.1f} ms, "
                  f"p95 {percentile(times, 95):.1f} ms; ours with highlighting / FTS5 at p95: "
                  f"{percentile(marked, 95) / percentile(times, 95):.1f}x")
    print("hits per query: " + ", ".join(f"{json.loads(f) and q + str(json.loads(f)) or q}"
                                         f"={n}" for (q, f), n in list(totals.items())))


def run_dataset(folder, rounds):
    """The queries on a data set of bench/scale.py (its database and index as they are)."""
    from bench.http import dataset_env

    url = dataset_env(folder)["DATABASE_URL"]
    app = make_app(folder, url)
    with app.app_context():
        from marketplace.extensions import db
        from marketplace.search import search

        achievements = db.session.scalar(db.text("SELECT count(*) FROM achievements"))
        documents = search("", per_page=1).total
    print(f"\n== data set {folder}: {achievements:,} achievements, {documents:,} public "
          f"records in the index")
    report_queries(app, rounds)


def run(size, rounds, procs_list, keep):
    folder = Path(tempfile.mkdtemp(prefix=f"search-bench-{size}-"))
    try:
        app = make_app(folder)
        started = time.perf_counter()
        fill(app, size)
        print(f"\n== {size:,} records (database filled in {time.perf_counter() - started:.0f} s)")
        for procs in procs_list:
            seconds, cpu, size_bytes = timed_rebuild(app, procs)
            print(f"rebuild, {procs} process{'es' if procs > 1 else ''}: {seconds:.1f} s, "
                  f"{size / seconds:,.0f} docs/s ({cpu:.0f} CPU-seconds in all), "
                  f"index {size_bytes / 2**20:.1f} MB")
        report_queries(app, rounds)
        if size <= 20000:
            terms, missed_terms, occurrences, missed_jieba, missed_ours = recall(app, size)
            print(f"recall over {terms} technical terms ({occurrences:,} records containing "
                  f"one): jieba words alone miss {missed_jieba} records for {missed_terms} "
                  f"terms; with the character pairs, {missed_ours} missed")
    finally:
        if keep:
            print(f"(kept {folder})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--procs", default="2", help="writer processes to try, e.g. 1,2")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--dataset", type=Path, help="instead of fresh corpora: query the "
                        "data set of bench/scale.py in this folder (its index as it is)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MARKET_CONFIG", "testing")
    print(f"Search benchmark: {len(QUERIES) + len(FILTERED)} queries × {args.rounds} rounds, "
          f"corpus seed {SEED}, python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    if args.dataset:
        run_dataset(args.dataset.resolve(), args.rounds)
        return
    rj, pj, same = segmentation_speed(None)
    if pj is not None:
        print(f"segmentation of 10k records: rjieba {rj:.2f} s, jieba {pj:.2f} s "
              f"({pj / rj:.0f}x), same words in {same:.4%} of the runs")
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.rounds, [int(p) for p in args.procs.split(",")], args.keep)


if __name__ == "__main__":
    main()
