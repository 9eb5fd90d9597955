"""Real app servers in subprocesses, for the system tests: gunicorn (or `flask run`) on a free
port, over an instance folder of its own and a database of its own.

    db = fresh_database(tmp_path, "faults")          # a new PostgreSQL db, or SQLite without
    server = AppServer(tmp_path / "a", db)             # TEST_DATABASE_URL
    server.flask("db", "upgrade")
    server.start(workers=2)                            # gunicorn; waits until it answers
    server.get("/healthz") ...
    server.stop()

Two AppServers over the same database URL, each with its own SEARCH_INDEX_DIR, are two
application hosts of one market.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_url():
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def fresh_database(tmp_path, label, template=None):
    """The URL of a new, empty database: on the PostgreSQL server of TEST_DATABASE_URL when it
    is set (dropped again by drop_database), otherwise a SQLite file under tmp_path. With
    `template` (the URL of another such database, unused meanwhile), a copy of that one."""
    base = postgres_url()
    if base is None:
        path = tmp_path / f"{label}.db"
        if template:
            shutil.copy(sa.engine.make_url(template).database, path)
        return f"sqlite:///{path}"
    name = f"{sa.engine.make_url(base).database}_{label}_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{sa.engine.make_url(template).database}"' if template else ""
    with _maintenance(base) as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_database(url):
    if not url.startswith("postgresql"):
        return
    name = sa.engine.make_url(url).database
    with _maintenance(url) as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class _maintenance:
    def __init__(self, url):
        self.engine = sa.create_engine(sa.engine.make_url(url).set(database="postgres"),
                                       isolation_level="AUTOCOMMIT")

    def __enter__(self):
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()
        self.engine.dispose()


class AppServer:
    """One application host: an instance folder (index, uploads, log) over `database_url`."""

    def __init__(self, instance_dir, database_url, **env):
        self.instance = Path(instance_dir)
        self.instance.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.instance / "server.log"
        self.process = None
        self.env = {key: value for key, value in os.environ.items()
                    if key not in {"MARKET_CLOCK_FILE", "TEST_DATABASE_URL", "FLASK_DEBUG",
                                   "DATABASE_URL"}}
        self.env.update(
            FLASK_APP="marketplace:create_app",
            MARKET_CONFIG="development",
            MARKET_INSTANCE_DIR=str(self.instance),
            DATABASE_URL=database_url,
            SEARCH_INDEX_DIR=str(self.instance / "search-index"),
            UPLOAD_DIR=str(self.instance / "uploads"),
            PYTHONUNBUFFERED="1",
        )
        self.env.update({key: str(value) for key, value in env.items()})

    # --- commands -------------------------------------------------------------------------
    def flask(self, *args, timeout=600, check=True):
        """Run `flask <args>` for this instance; returns the CompletedProcess."""
        result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        with open(self.instance / "commands.log", "a") as log:
            log.write(f"$ flask {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        if check and result.returncode:
            raise AssertionError(f"`flask {' '.join(args)}` failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def run_python(self, code, timeout=600):
        """Run Python `code` in this instance's environment (a data set-up script that uses
        the app's services); returns the CompletedProcess, failing on a non-zero exit."""
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise AssertionError(f"the script failed ({result.returncode}):\n{result.stderr}")
        return result

    # --- the server -----------------------------------------------------------------------
    def start(self, workers=2, timeout=60, extra_args=()):
        """Serve with gunicorn (`workers` sync workers) and wait until it answers."""
        command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--graceful-timeout", "5",
                   "--access-logfile", "-", *extra_args, "wsgi:app"]
        self._log = open(self.log_path, "a")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env,
                                        stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until_up(timeout)
        return self

    def wait_until_up(self, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the server exited ({self.process.returncode}):\n"
                                     f"{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # it answers, even if with an error page
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"no answer on {self.url} within {timeout} s:\n"
                                         f"{self.log_tail()}") from None
                time.sleep(0.2)

    def worker_pids(self):
        """The gunicorn workers' pids (children of the master)."""
        if self.process is None:
            return []
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
                             capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill_workers(self, sig=signal.SIGKILL):
        pids = self.worker_pids()
        for pid in pids:
            os.kill(pid, sig)
        return pids

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        self._log.close()

    def log_tail(self, lines=80):
        try:
            text = ANSI.sub("", self.log_path.read_text(errors="replace"))
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # --- requests -------------------------------------------------------------------------
    def api(self, method, path, body=None, token=None):
        """(status, decoded JSON) of an API call in English, with the bearer `token` if any."""
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        status, _, payload = self.request(path, method, data, headers)
        return status, json.loads(payload or b"null")

    def request(self, path, method="GET", data=None, headers=None, timeout=30):
        """(status, headers, body bytes); HTTP errors are answers, not exceptions."""
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_together(hosts, workers=2, extra_args=None):
    """Start `hosts` (AppServers) at once, each with `extra_args[host]` if given; fails with a
    host's log when one did not come up."""
    starting = [threading.Thread(target=host.start, kwargs={
        "workers": workers, "extra_args": (extra_args or {}).get(host, ())}) for host in hosts]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    for host in hosts:
        assert host.process is not None and host.process.poll() is None, host.log_tail()


def stop_together(hosts):
    stopping = [threading.Thread(target=host.stop) for host in hosts]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join()
