"""Factories for test records: plain functions in the spirit of CTFd's `gen_*` helpers.

Each one runs in the caller's app context, commits, and returns a detached snapshot of the
record with its columns loaded: a test can read `user.id` or `org.name` after later commits and
after the context has ended. To change a record, load it again with `db.session.get()`.
"""
import io
import itertools
from contextlib import contextmanager
from functools import cache

from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from marketplace import clock
from marketplace.accounts import models as account_models
from marketplace.accounts.models import Organization, OrgStatus, Role, User
from marketplace.credit_code import check_character
from marketplace.extensions import db

PASSWORD = "correct-horse-1"

# The smallest files the upload check accepts, one per allowed type.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\x0bIDATx\x9cc`\x00\x02\x00\x00\x05\x00\x01z^\xab?\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

_serial = itertools.count(1)

# The organisation kind and statistics entity type that go with each self-registered role.
KIND_OF_ROLE = {"enterprise": "enterprise", "institute": "research_institute",
                "broker": "intermediary"}
ENTITY_OF_KIND = {"enterprise": "private_enterprise", "research_institute": "research_institute",
                  "university": "university", "government": "government",
                  "individual": "individual"}


def valid_credit_code():
    """A unified social credit code, unique per call, with a correct GB 32100 check character."""
    first17 = f"91141102MA{next(_serial):07d}"
    return first17 + check_character(first17)


@contextmanager
def cheap_password_hashes():
    """Accounts made meanwhile (`flask seed-demo`, registrations) get their password hashed
    with one PBKDF2 round instead of scrypt: the demo's accounts at full cost are most of a
    seeding's time."""
    original = account_models.generate_password_hash
    account_models.generate_password_hash = (
        lambda password, method=None: original(password, method="pbkdf2:sha256:1"))
    try:
        yield
    finally:
        account_models.generate_password_hash = original


@cache
def default_password_hash():
    """The hash of PASSWORD for factory users, computed once and with a low scrypt cost so
    that the many test logins stay fast. Only these fixtures use it: accounts made through
    the services (registration, `flask users create`) keep werkzeug's full-cost scrypt."""
    return generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


def _loaded(record):
    db.session.commit()
    db.session.refresh(record)
    db.session.expunge(record)
    return record


def make_org(status="verified", county="141102", kind="enterprise", credit_code=None,
             name=None, **fields):
    """An organisation (verified unless told otherwise) with a valid, unique credit code."""
    moment = clock.now()
    number = next(_serial)
    org = Organization(
        name=name or f"测试机构{number}", kind=kind,
        entity_type=fields.pop("entity_type", ENTITY_OF_KIND.get(kind, "other")),
        credit_code=credit_code or valid_credit_code(), county=county,
        address=fields.pop("address", "吕梁市离石区滨河路 1 号"),
        contact_name=fields.pop("contact_name", "王工"),
        contact_phone=fields.pop("contact_phone", "0358-8220001"),
        status=OrgStatus(status), created_at=moment, updated_at=moment, **fields)
    db.session.add(org)
    return _loaded(org)


def make_user(role="enterprise", org=None, username=None, password=PASSWORD, active=True,
              locale=None, email=None):
    """A user of `role`, member of `org` (an Organization, an id, or None)."""
    moment = clock.now()
    username = username or f"{role}{next(_serial)}"
    org_id = org if isinstance(org, int) or org is None else org.id
    user = User(username=username, email=email or f"{username}@example.cn", role=Role(role),
                organization_id=org_id, active=active, locale=locale, created_at=moment,
                updated_at=moment)
    if password == PASSWORD:
        user.password_hash = default_password_hash()
    else:
        user.set_password(password)
    db.session.add(user)
    return _loaded(user)


def make_member(role="enterprise", status="verified", **user_fields):
    """A user of a self-registered role together with a new organisation of the matching kind."""
    org = make_org(status=status, kind=KIND_OF_ROLE.get(role, "other"))
    return make_user(role, org=org, **user_fields)


def make_file(uploader, content=PDF, filename="evidence.pdf", **attach):
    """A stored upload made through the real upload service."""
    from marketplace.files.services import save_upload

    record = save_upload(FileStorage(io.BytesIO(content), filename=filename), uploader,
                         **attach)
    return _loaded(record)


def make_broker_profile(user, status="verified", real_name=None, level="junior", **fields):
    """The broker profile of `user` (a broker user), in `status`, written directly: only a
    verified broker can be engaged (the profile workflow itself is tested with the brokers)."""
    from marketplace.brokers.models import BrokerProfile
    from marketplace.brokers.states import BrokerStatus

    moment = clock.now()
    profile = BrokerProfile(
        user_id=user.id, real_name=real_name or f"经纪人{next(_serial)}", level=level,
        fields=fields.pop("fields", ["coal"]), regions=fields.pop("regions", ["141102"]),
        services=fields.pop("services", ["matching"]), bio=fields.pop("bio", ""),
        status=BrokerStatus(status), submitted_at=moment, created_at=moment,
        updated_at=moment, verified_at=moment if status == "verified" else None, **fields)
    db.session.add(profile)
    return _loaded(profile)
