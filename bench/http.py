"""HTTP benchmark of issue 12: the market under gunicorn against a bare Flask "hello" and a
naive Whoosh search page on the same server settings, in one run, with wrk.

    python -m bench.scale /tmp/scaled                 # once: the 100k data set (SQLite)
    python -m bench.http /tmp/scaled                  # make bench-http
    python -m bench.http /tmp/scaled --workers 2 --duration 5 --pages home,search

The data set's folder is the one bench/scale.py made (its env.sh says where the database and
the index are). For each worker count (2, then 4 sync workers) three servers are started in
turn on a free port, each loaded by wrk (2 threads x 16 connections, --duration seconds per
page, after a few seconds of warm-up that reach every worker):

- bare: a Flask app answering "Hello, World!" — the ceiling of the web tier;
- naive: a plain Flask view that opens the index, runs one whoosh query (whoosh's own query
  parser over title, keywords and summary), reads the 20 hits' texts from SQL and highlights
  them with whoosh's highlighter, per request, nothing cached — the issue's reference;
- market: the market itself (wsgi.py's create_app) under the production config (a secret key
  set, no test clock), on the scaled database and index.

The market's pages: home, listing list, a listing detail (the ids rotate over 500 public
listings), a search (the queries rotate; the naive page gets the same ones), the statistics
page, and a login. Latencies come from wrk's own histogram (p50, p95: its Lua `done` hook, as
`--latency` prints no p95); a response other than the expected status counts as an error and
is reported.

The market runs as deployed, with its caches: visitors' public pages are kept per worker
(page_cache.py: 2 s, and a listing's page until the listing changes, at most 60 s), and the
search keeps the ranked pages of recent searches until the index changes (engine.py). The
detail's warm-up (--detail-warmup, 20 s) lets every worker render every id once, so its row
is the steady state. Then the same pages run on a market with both caches off ("uncached"
rows): what a request costs when it renders, e.g. a listing nobody viewed in the last
minute or a search nobody made since the index last changed.

The login: wrk's Lua cannot keep state per connection, so the script first GETs the login
form N times with Python (each a session cookie and its CSRF token), and wrk then alternates
GET /login (the form) and POST /login with one of those pairs and the right password of a
scaled user (the users rotate): a 302 is a login, a 422/429 is a refusal and counts as an
error (a failed login is not a login). Failures would also trip the login throttle
(LOGIN_MAX_FAILURES_PER_ACCOUNT/_PER_IP); with the right password none are counted.
The production config marks the session cookie Secure (https only). That is a rule for
browsers: wrk is not one, and the Lua script sends the cookie back itself, over plain http,
where the app reads it like any other. So the login is measured under the production config
as deployed (behind TLS), not a development config with other overheads: no config change
is needed for it.

Worker memory: VmRSS of each gunicorn worker of the market (from /proc) after its pages ran,
i.e. warm, with the 100k index's searcher open. It prints numbers; it asserts nothing.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("home", "listings", "detail", "search", "stats", "login")
SEARCHES = ["储能", "煤层气", "无人机 巡检", "graphene", "光伏组件", "数字孪生", "燃料电池",
            "污水处理"]
LOGIN_PAIRS = 64
SECRET = "bench-http-secret-key-not-for-production-use"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

# --- the two reference apps (gunicorn imports them: bench.http:hello_app()) ---------------


def hello_app():
    from flask import Flask

    app = Flask("hello")

    @app.get("/")
    def hello():
        return "Hello, World!"

    return app


NAIVE_PAGE = """<!doctype html><title>{{ q }}</title><ol>{% for title, text in items %}
<li><h3>{{ title|safe }}</h3><p>{{ text|safe }}</p></li>{% endfor %}</ol>"""


def naive_app():
    """One whoosh query per request on a freshly opened index, with highlighting."""
    from flask import Flask, render_template_string, request
    from sqlalchemy import create_engine, text
    from whoosh import index
    from whoosh.qparser import MultifieldParser, OrGroup

    from marketplace.search.schema import SCHEMA_VERSION

    root = Path(os.environ["SEARCH_INDEX_DIR"]) / f"v{SCHEMA_VERSION}"
    engine = create_engine(os.environ["DATABASE_URL"])
    app = Flask("naive")
    sql = {"achievement": "SELECT id, title, summary FROM achievements WHERE id IN ({})",
           "listing": "SELECT l.id, a.title, a.summary FROM listings l JOIN achievements a "
                      "ON a.id = l.achievement_id WHERE l.id IN ({})"}

    @app.get("/search")
    def search():
        name = (root / "current").read_text(encoding="ascii").strip()
        ix = index.open_dir(str(root / name))
        parser = MultifieldParser(["title", "keywords", "summary"], ix.schema, group=OrGroup)
        with ix.searcher() as searcher:
            hits = searcher.search(parser.parse(request.args.get("q", "")), limit=20,
                                   terms=True)
            wanted = {}
            for hit in hits:
                kind, number = hit["key"].split(":")
                wanted.setdefault(kind, []).append(int(number))
            texts = {}
            with engine.connect() as connection:
                for kind, ids in wanted.items():
                    if kind in sql:
                        for row in connection.execute(text(sql[kind].format(
                                ",".join(map(str, ids))))):
                            texts[f"{kind}:{row[0]}"] = (row[1], row[2])
            items = []
            for hit in hits:
                title, summary = texts.get(hit["key"], ("", ""))
                items.append((hit.highlights("title", text=title) or title,
                              hit.highlights("summary", text=summary)))
        ix.close()
        return render_template_string(NAIVE_PAGE, q=request.args.get("q", ""), items=items)

    return app


def market_app():
    """wsgi:app under the production config, with a secret key of the benchmark's own.

    Not through the SECRET_KEY variable: config.py's check compares the key with
    Config.SECRET_KEY, which is read from that same variable, so `MARKET_CONFIG=production
    SECRET_KEY=… gunicorn wsgi:app` refuses to start (reported to the lead)."""
    from config import ProductionConfig
    from marketplace import create_app

    return create_app(type("BenchProduction", (ProductionConfig,), {"SECRET_KEY": SECRET}))


# --- servers ---------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with `workers` sync workers on a free port, its log in `folder`."""

    def __init__(self, spec, workers, env, folder):
        self.spec, self.workers, self.env = spec, workers, env
        self.port = free_port()
        self.log = open(folder / f"{spec.split(':')[-1].strip('()')}-{workers}.log", "w")
        self.process = None

    def __enter__(self):
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "--workers", str(self.workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "600", "--chdir", str(ROOT),
             self.spec], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn {self.spec} exited: see {self.log.name}")
            try:
                urllib.request.urlopen(self.url("/"), timeout=60).read()
                return self
            except urllib.error.HTTPError:
                return self  # it answers
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn {self.spec} did not answer in 180 s: see {self.log.name}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_rss(self):
        """{worker pid: VmRSS in MB}."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        sizes = {}
        for child in children:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[int(child)] = int(line.split()[1]) / 1024
        return sizes


# --- wrk ---------------------------------------------------------------------------------------

LUA = r"""
local paths = {PATHS}
local posts = {POSTS}
local expect = {EXPECT}
counter, good, bad, logins = 0, 0, 0, 0  -- globals: done() reads them with thread:get
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counter = math.random(0, 1000)
end

function request()
  counter = counter + 1
  if #posts > 0 and counter % 2 == 0 then
    local post = posts[(counter / 2) % #posts + 1]
    return wrk.format("POST", "/login", {["Content-Type"] = "application/x-www-form-urlencoded",
                                          ["Cookie"] = post[1]}, post[2])
  end
  return wrk.format("GET", paths[counter % #paths + 1])
end

function response(status, headers, body)
  if expect[status] then good = good + 1 else bad = bad + 1 end
  if status == 302 then logins = logins + 1 end
end

function done(summary, latency, requests)
  local ok, failed, logged = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("good")
    failed = failed + thread:get("bad")
    logged = logged + thread:get("logins")
  end
  io.write(string.format("RESULT {\"requests\": %d, \"seconds\": %.3f, \"good\": %d, " ..
    "\"bad\": %d, \"logins\": %d, \"socket_errors\": %d, \"p50\": %.3f, \"p95\": %.3f, " ..
    "\"p99\": %.3f}\n", summary.requests, summary.duration / 1e6, ok, failed, logged,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _lua_string(value):
    return json.dumps(value)  # a JSON string is a valid Lua string literal for our texts


def lua_script(folder, name, paths, posts=(), expect=(200,)):
    script = (LUA.replace("{PATHS}", "{" + ", ".join(map(_lua_string, paths)) + "}")
              .replace("{POSTS}", "{" + ", ".join(
                  "{" + _lua_string(c) + ", " + _lua_string(b) + "}" for c, b in posts) + "}")
              .replace("{EXPECT}", "{" + ", ".join(f"[{s}] = true" for s in expect) + "}"))
    path = folder / f"{name}.lua"
    path.write_text(script, encoding="utf-8")
    return path


def wrk(server, script, seconds, threads=2, connections=16):
    """The RESULT dict of one wrk run (plus req_s)."""
    done = subprocess.run(
        ["wrk", "--threads", str(threads), "--connections", str(connections),
         "--duration", f"{seconds}s", "--timeout", "10s", "--latency", "--script",
         str(script), server.url("/")], capture_output=True, text=True, timeout=seconds + 60,
        check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("RESULT "))
    result["req_s"] = result["requests"] / result["seconds"]
    return result


# --- the data set --------------------------------------------------------------------------

def dataset_env(folder):
    """The variables of the data set's env.sh."""
    env_file = folder / "env.sh"
    if not env_file.exists():
        raise SystemExit(f"{env_file} is missing: build the data set first "
                         f"(python -m bench.scale {folder})")
    values = {}
    for line in env_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            values[key] = value
    return values


def detail_paths(url, count=500):
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        ids = connection.execute(text(
            "SELECT id FROM listings WHERE status IN ('announced', 'listed', 'bidding') "
            "ORDER BY id")).scalars().all()
        users = connection.execute(text(
            "SELECT username FROM users WHERE username LIKE 'user%' ORDER BY id LIMIT 2000"
        )).scalars().all()
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    if revision != head:
        print(f"WARNING: the data set's schema is at {revision}, the code's at {head}: the "
              f"newer migrations' indexes are missing (`flask db upgrade` it, with env.sh)")
    step = max(1, len(ids) // count)
    return [f"/listings/{i}" for i in ids[::step][:count]], users


def login_posts(server, users, count, password):
    """`count` (cookie, form body) pairs: a session with its CSRF token, each with a user."""
    posts = []
    for i in range(count):
        with urllib.request.urlopen(server.url("/login"), timeout=180) as response:
            body = response.read().decode()
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        token = TOKEN.search(body).group(1)
        posts.append((cookie, urllib.parse.urlencode({
            "csrf_token": token, "username": users[i % len(users)], "password": password,
            "next": ""})))
    return posts


def search_paths():
    return [f"/search?q={urllib.parse.quote(q)}" for q in SEARCHES]


# --- the run ----------------------------------------------------------------------------------

def warm(server, paths):
    """A few requests per worker, all at once, before wrk: a worker's first request of a page
    fills its caches (templates, the index's searcher, the statistics) and may take seconds,
    which wrk would count against the page."""
    from concurrent.futures import ThreadPoolExecutor

    def get(path):
        try:
            urllib.request.urlopen(server.url(path), timeout=300).read()
        except urllib.error.HTTPError:
            pass
        except OSError as exc:  # a timeout: wrk will show how slow the page is
            print(f"  (warming {path}: {exc!r})")

    with ThreadPoolExecutor(2 * server.workers) as pool:
        list(pool.map(get, (paths * (4 * server.workers))[:4 * server.workers]))


def measure(server, folder, name, paths, seconds, warmup, posts=(), expect=(200,)):
    script = lua_script(folder, name, paths, posts, expect)
    warm(server, paths[:4])
    if warmup:
        wrk(server, script, warmup, connections=4 * server.workers)
    return wrk(server, script, seconds)


def warmup_of(page, paths, args):
    """Seconds of warm-up for a page: the detail's ids rotate, and each worker renders each
    id once before its kept copy answers (page_cache.keep), so its warm-up runs until every
    worker has likely seen every id (--detail-warmup), to measure the steady state."""
    return max(args.warmup, args.detail_warmup) if page == "detail" else args.warmup


def fmt(result):
    return (f"{result['req_s']:>9.1f} {result['p50']:>8.1f} {result['p95']:>8.1f} "
            f"{result['bad'] + result['socket_errors']:>6}")


def run(args):
    folder = args.folder.resolve()
    data = dataset_env(folder)
    from bench.scale import BENCH_PASSWORD

    details, users = detail_paths(data["DATABASE_URL"])
    env = dict(os.environ, **data, MARKET_CONFIG="production", PYTHONPATH=str(ROOT))
    for name in ("MARKET_CLOCK_FILE", "SECRET_KEY"):
        env.pop(name, None)
    pages = [p for p in args.pages.split(",") if p]
    paths = {"home": ["/"], "listings": ["/listings"], "detail": details,
             "search": search_paths(), "stats": ["/stats"], "login": ["/login"]}
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    print(f"HTTP benchmark: {len(details)} listing ids, searches {SEARCHES}; wrk 2 threads x "
          f"16 connections, {args.duration} s per page (+{args.warmup} s warm-up); "
          f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"data set {folder} ({data['DATABASE_URL'].split('://')[0]}); logs in {work}")
    table = []
    try:
        for workers in [int(w) for w in args.workers.split(",")]:
            print(f"\n== gunicorn, {workers} sync workers (load average "
                  f"{os.getloadavg()[0]:.2f} at start)")
            with Server("bench.http:hello_app()", workers, env, work) as server:
                bare = measure(server, work, f"bare{workers}", ["/"], args.duration,
                               args.warmup)
            print(f"  bare Flask hello     {fmt(bare)}")
            naive = None
            if "search" in pages:
                with Server("bench.http:naive_app()", workers, env, work) as server:
                    naive = measure(server, work, f"naive{workers}", search_paths(),
                                    args.duration, args.warmup)
                print(f"  naive Whoosh page    {fmt(naive)}")
            results = {}
            with Server("bench.http:market_app()", workers, env, work) as server:
                for page in pages:
                    posts, expect = (), (200,)
                    if page == "login":
                        posts = login_posts(server, users, LOGIN_PAIRS, BENCH_PASSWORD)
                        expect = (200, 302)
                    results[page] = measure(server, work, f"{page}{workers}", paths[page],
                                            args.duration, warmup_of(page, paths, args),
                                            posts, expect)
                    print(f"  {page:<20} {fmt(results[page])}")
                rss = server.worker_rss()
            # The same pages with the page cache and the search result cache off: what each
            # request costs when it renders (a listing seen for the first time in a minute, a
            # search nobody made since the index last changed).
            uncached = [p for p in args.uncached.split(",") if p in pages and p != "login"]
            if uncached:
                cold_env = dict(env, PAGE_CACHE_SECONDS="0", SEARCH_RESULT_CACHE="0")
                with Server("bench.http:market_app()", workers, cold_env, work) as server:
                    for page in uncached:
                        name = f"{page} uncached"
                        results[name] = measure(server, work, f"{page}{workers}-cold",
                                                paths[page], args.duration, args.warmup)
                        print(f"  {name:<20} {fmt(results[name])}")
            load = os.getloadavg()
            table.append((workers, bare, naive, results, rss, load))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(table, args)


TARGETS = {"home": (0.40, 50), "listings": (0.40, 50), "detail": (0.40, 50),
           "stats": (0.30, None), "search": (None, 300)}


def report(table, args):
    print("\n" + "=" * 100)
    print("Results (requests/s, latency in ms; ratio = page req/s / bare Flask req/s with the "
          "same workers)")
    for workers, bare, naive, results, rss, load in table:
        print(f"\n gunicorn {workers} sync workers; load average after: {load[0]:.2f} "
              f"{load[1]:.2f} {load[2]:.2f}")
        print(f"  {'page':<22}{'req/s':>9} {'p50':>8} {'p95':>8} {'errors':>6} {'ratio':>7}  "
              f"target")
        print(f"  {'bare Flask hello':<22}{fmt(bare)} {1:>7.3f}")
        if naive:
            print(f"  {'naive Whoosh page':<22}{fmt(naive)} {naive['req_s'] / bare['req_s']:>7.3f}")
        for page, result in results.items():
            ratio = result["req_s"] / bare["req_s"]
            target = ""
            least, p95 = TARGETS.get(page, (None, None))
            misses = []
            if least is not None:
                target = f">= {least:.2f}"
                if ratio < least:
                    misses.append("ratio")
            if page.startswith("search") and naive:
                times = result["req_s"] / naive["req_s"]
                target = f"{times:.1f}x naive" + (" (>= 4x)" if page == "search" else "")
                if times < 4 and page == "search":
                    misses.append("vs naive")
            if p95 is not None:
                target += f", p95 <= {p95} ms"
                if result["p95"] > p95:
                    misses.append("p95")
            if page == "login":
                target = f"{result['logins'] / result['seconds']:.1f} logins/s"
            verdict = ("  MISSES: " + ", ".join(misses)) if misses else (
                "  ok" if least is not None or p95 is not None else "")
            print(f"  {page:<22}{fmt(result)} {ratio:>7.3f}  {target}{verdict}")
        sizes = ", ".join(f"{mb:.0f}" for mb in rss.values())
        print(f"  market workers' RSS after warm-up (MB): {sizes}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("/tmp/scaled"),
                        help="the data set's instance folder (bench/scale.py)")
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    parser.add_argument("--detail-warmup", type=int, default=20,
                        help="seconds of warm-up of the listing detail (its ids rotate)")
    parser.add_argument("--uncached", default="home,listings,detail,search,stats",
                        help="pages measured again with the page and search result caches "
                             "off ('' for none)")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench/http.py needs wrk (https://github.com/wg/wrk), which is not "
                         "installed: on Debian/Ubuntu `apt-get install -y wrk`.")
    run(args)


if __name__ == "__main__":
    main()
