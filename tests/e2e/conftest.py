"""Browser tests: the real app served by `flask run` in a subprocess, driven by Playwright.

The browser is Debian's `chromium` (found with shutil.which); Playwright never downloads one.
Without it the tests are skipped, except under CI=true, where they fail instead.
On a failure, a screenshot and the page's HTML go to test-artifacts/<test name>.png/.html.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the tests import marketplace from the checkout
    sys.path.insert(0, str(ROOT))
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, url, instance_dir, log_path, env=None):
        self.url = url
        self.instance_dir = instance_dir
        self.log_path = log_path
        self.env = env or {}
        self.clock_file = instance_dir / "clock.txt"  # MARKET_CLOCK_FILE; empty: real time

    def now(self):
        """The market's time as the server sees it (the clock file's, or the real one)."""
        text = self.clock_file.read_text().strip() if self.clock_file.exists() else ""
        moment = datetime.fromisoformat(text) if text else datetime.now(UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def set_clock(self, moment):
        """Move the market's clock (only forward: every test on this server shares it)."""
        if moment < self.now():
            raise ValueError(f"the market clock only moves forward ({moment} < {self.now()})")
        self.clock_file.write_text(moment.astimezone(UTC).isoformat())

    def tick(self):
        """`flask market tick` against the server's database and clock."""
        with open(self.log_path, "a") as log:
            _flask(["market", "tick"], self.env, log)

    def log_tail(self, lines=60):
        """The last lines of the server's output, without colours or static-file requests."""
        try:
            text = ANSI.sub("", self.log_path.read_text(errors="replace"))
        except OSError:
            return ""
        kept = [line for line in text.splitlines() if "GET /static/" not in line]
        return "\n".join(kept[-lines:])


def _flask(args, env, log):
    """Run one flask command; fail the session with its output if it fails."""
    result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    log.write(f"$ flask {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    log.flush()
    if result.returncode:
        pytest.fail(f"`flask {' '.join(args)}` failed ({result.returncode}):\n"
                    f"{result.stdout}\n{result.stderr}", pytrace=False)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on a fresh SQLite database with the demo data, served on a free port."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {key: value for key, value in os.environ.items()
           if key not in {"MARKET_CLOCK_FILE", "TEST_DATABASE_URL", "FLASK_DEBUG"}}
    env.update(
        FLASK_APP="marketplace:create_app",
        MARKET_CONFIG="development",
        MARKET_INSTANCE_DIR=str(instance),
        DATABASE_URL=f"sqlite:///{instance / 'e2e.db'}",
        SEARCH_INDEX_DIR=str(instance / "search-index"),
        UPLOAD_DIR=str(instance / "uploads"),
        MARKET_CLOCK_FILE=str(instance / "clock.txt"),
        PYTHONUNBUFFERED="1",
    )
    (instance / "clock.txt").write_text("")  # real time until a test moves it
    log_path = instance / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        _flask(["db", "upgrade"], env, log)
        _flask(["seed-demo"], env, log)
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port),
             "--no-reload"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    live = LiveServer(url, instance, log_path, env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"the live server exited ({server.returncode}):\n{live.log_tail()}",
                            pytrace=False)
            try:
                with urllib.request.urlopen(url + "/", timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answers, even if with an error page: the tests will say more
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"the live server did not answer on {url} within 60 s:\n"
                                f"{live.log_tail()}", pytrace=False)
                time.sleep(0.2)
        yield live
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium under Playwright (sync API); skipped without it, failed in CI."""
    executable = shutil.which("chromium")
    if executable is None:
        message = ("Debian's `chromium` is not on PATH (apt-get install chromium); "
                   "the browser tests need it")
        if in_ci():
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        if in_ci():
            raise
        pytest.skip("playwright is not installed (pip install -r requirements-dev.txt)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) whose browser asks for Chinese, as most users'."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed browser test: a screenshot, the page's HTML and the server log's tail."""
    report = yield
    if report.when == "call" and report.failed:
        tab = item.funcargs.get("page")
        if tab is not None and not tab.is_closed():
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", item.name)
            try:
                tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                (ARTIFACTS / f"{name}.html").write_text(tab.content())
                report.sections.append(
                    ("browser", f"url {tab.url}; screenshot test-artifacts/{name}.png"))
            except Exception as exc:  # the report must survive a broken page
                report.sections.append(("browser", f"no screenshot: {exc!r}"))
        server = item.funcargs.get("live_server")
        if server is not None:
            report.sections.append(("live server log (tail)", server.log_tail()))
    return report
