"""Counting the SQL statements a request runs, and growing the demo data so an N+1 shows.

`QueryCounter` listens to the engine's `before_cursor_execute` event. `Demo` wraps the module's
app: `demo.queries(path, as_user=None)` returns (response, statements) for one request made as
a demo user (a username) or a visitor. `grow_demo()` adds rows next to the demo's own by
copying them (new organisations, users, achievements, listings with their intents, needs,
contracts, broker profiles, notifications, messages): copies are plain rows, as the demo's are,
so every page shows them as it shows any other. `clone()` is the copier.
"""
import itertools
import re
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db

_serial = itertools.count(1)


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.statements, self.parameters = engine, [], []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)
        self.parameters.append(parameters)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def __len__(self):
        return len(self.statements)

    def listing(self):
        """The statements, numbered, for a failure message."""
        return "\n".join(f"{n:3}. {short(s)}" for n, s in enumerate(self.statements, 1))


def short(statement):
    """The statement on one line, its column list cut (`SELECT … FROM users WHERE …`)."""
    text = " ".join(statement.split())
    text = re.sub(r"^SELECT (?!count)(.{60}).*? FROM ", r"SELECT \1… FROM ", text)
    return text[:400]


class Demo:
    """The module's app on the demo data; one logged-in test client per user."""

    def __init__(self, app):
        self.app, self.clients = app, {}

    def client(self, username=None):
        if username not in self.clients:
            client = self.app.test_client()
            if username is not None:
                response = client.post("/login", data={"username": username,
                                                       "password": DEMO_PASSWORD})
                assert response.status_code == 302, username
            self.clients[username] = client
        return self.clients[username]

    def queries(self, path, as_user=None, headers=None):
        """(response, QueryCounter) of a GET of `path` as `as_user`; a path under /api/v1 is
        sent with the user's bearer token."""
        client = self.client(None if path.startswith("/api/") else as_user)
        headers = dict(headers or {})
        if path.startswith("/api/") and as_user is not None:
            headers["Authorization"] = f"Bearer {self.token(as_user)}"
        with self.app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            response = client.get(path, headers=headers)
        return response, counter

    def token(self, username):
        key = ("token", username)
        if key not in self.clients:
            response = self.client(None).post("/api/v1/tokens", json={
                "username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 201, response.get_json()
            self.clients[key] = response.get_json()["token"]
        return self.clients[key]

    def scalar(self, statement, **params):
        with self.app.app_context():
            return db.session.scalar(sa.text(statement), params)

    def scalars(self, statement, **params):
        with self.app.app_context():
            return list(db.session.scalars(sa.text(statement), params))

    @contextmanager
    def context(self):
        with self.app.app_context():
            yield db.session
            db.session.remove()


def table(name):
    return db.metadata.tables[name]


def clone(name, source_id, /, **changes):
    """Insert a copy of row `source_id` of table `name` with `changes`; unique text columns get
    a fresh value of the same length. Returns the new id."""
    t = table(name)
    row = dict(db.session.execute(sa.select(t).where(t.c.id == source_id)).mappings().one())
    row.pop("id")
    for column in t.columns:
        if column.unique and isinstance(row.get(column.name), str):
            serial = f"{next(_serial):06d}"
            row[column.name] = row[column.name][:-len(serial)] + serial
    row.update(changes)
    return db.session.execute(sa.insert(t).values(**row).returning(t.c.id)).scalar_one()


def ids(statement, **params):
    return list(db.session.scalars(sa.text(statement), params))


def new_member(org_id, user_id):
    """A copy of organisation `org_id` and of its user `user_id` in it: (org id, user id)."""
    org = clone("organizations", org_id, name=f"扩充机构{next(_serial)}")
    name = f"grown{next(_serial)}"
    user = clone("users", user_id, username=name, organization_id=org,
                 email=f"{name}@example.cn")
    return org, user


GROWN = 25  # copies of each kind: more than a page (20) of rows, each with its own owner


def grow_demo():
    """Add GROWN copies of the demo's public listings (each with a new seller organisation, its
    own registered achievement and the intents of the listing copied), needs, certified
    contracts and verified broker profiles; GROWN more intents, notifications and messages for
    the demo's busiest listing, users and thread."""
    later = timedelta(minutes=1)
    listings = ids("SELECT id FROM listings WHERE status IN ('announced', 'listed', 'bidding',"
                   " 'negotiating') ORDER BY id")
    enterprises = ids("SELECT u.id FROM users u WHERE u.role = 'enterprise' "
                      "AND u.organization_id IS NOT NULL ORDER BY u.id")
    for n in range(GROWN):
        source = db.session.execute(sa.select(table("listings")).where(
            table("listings").c.id == listings[n % len(listings)])).mappings().one()
        org, user = new_member(source["seller_org_id"], source["created_by_id"])
        achievement = clone("achievements", source["achievement_id"], owner_org_id=org,
                            created_by_id=user)
        listing = clone("listings", source["id"], achievement_id=achievement,
                        seller_org_id=org, created_by_id=user,
                        first_announced_at=source["first_announced_at"] + later * n)
        for intent in ids("SELECT id FROM listing_intents WHERE listing_id = :l",
                          l=source["id"]):
            clone("listing_intents", intent, listing_id=listing)
    # The first bidding listing gets GROWN intents more, each of a new enterprise with a broker.
    busiest = db.session.scalar(sa.text(
        "SELECT id FROM listings WHERE status = 'bidding' ORDER BY id LIMIT 1"))
    intent = db.session.scalar(sa.text(
        "SELECT id FROM listing_intents WHERE listing_id = :l ORDER BY id LIMIT 1"),
        {"l": busiest})
    brokers = ids("SELECT user_id FROM broker_profiles WHERE status = 'verified' ORDER BY id")
    for n in range(GROWN):
        user = enterprises[n % len(enterprises)]
        org_id = db.session.scalar(sa.text("SELECT organization_id FROM users WHERE id = :u"),
                                   {"u": user})
        org, member = new_member(org_id, user)
        clone("listing_intents", intent, org_id=org, user_id=member,
              broker_id=brokers[n % len(brokers)], status="active")
    needs = ids("SELECT id FROM needs WHERE status = 'published' ORDER BY id")
    for n in range(GROWN):
        source = db.session.execute(sa.select(table("needs")).where(
            table("needs").c.id == needs[n % len(needs)])).mappings().one()
        org, user = new_member(source["org_id"], source["created_by_id"])
        need = clone("needs", source["id"], org_id=org, created_by_id=user,
                     published_at=source["published_at"] + later * n)
        for response in ids("SELECT id FROM need_responses WHERE need_id = :n",
                            n=source["id"]):
            clone("need_responses", response, need_id=need)
    contracts = ids("SELECT id FROM contracts WHERE status = 'certified' ORDER BY id")
    for n in range(GROWN):
        source = db.session.execute(sa.select(table("contracts")).where(
            table("contracts").c.id == contracts[n % len(contracts)])).mappings().one()
        org, user = new_member(source["filer_org_id"], source["created_by_id"])
        clone("contracts", source["id"], filer_org_id=org, created_by_id=user,
              broker_id=brokers[n % len(brokers)])
    profiles = ids("SELECT id FROM broker_profiles WHERE status = 'verified' ORDER BY id")
    for n in range(GROWN):
        source = db.session.execute(sa.select(table("broker_profiles")).where(
            table("broker_profiles").c.id == profiles[n % len(profiles)])).mappings().one()
        name = f"grownbroker{next(_serial)}"
        user = clone("users", source["user_id"], username=name, email=f"{name}@example.cn")
        clone("broker_profiles", source["id"], user_id=user, real_name=f"经纪人{n}",
              photo_id=None)
    db.session.commit()
