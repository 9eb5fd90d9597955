"""What the public and the partners see: the register, one record, the confidential details
and their tiered disclosure, certificates and their verification, the OpenAPI document, and
the demonstration data."""
import re
from datetime import datetime

import pytest
from achievement_helpers import ROLES, flashes
from openapi_spec_validator import validate
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from marketplace import clock as market_clock
from marketplace.accounts import models as account_models
from marketplace.achievements import services
from marketplace.achievements.models import Achievement, DisclosureRequest, DisclosureView
from marketplace.errors import Conflict, NotFound, PermissionDenied
from marketplace.extensions import db
from tests.factories import make_org, make_user
from tests.pages import field_errors, text

STATES = ("draft", "submitted", "returned", "registered", "rejected", "revoked")


def bearer(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


def ids(response):
    assert response.status_code == 200, response.get_json()
    return sorted(item["id"] for item in response.get_json()["items"])


def institute_in(market, county):
    with market.app.app_context():
        return make_user("institute", org=make_org(kind="research_institute", county=county))


# --- the register ----------------------------------------------------------------------

def test_the_public_list_has_registered_records_only(market, client):
    owner = market.institute()
    records = {state: market.achievement(owner, state) for state in STATES}
    response = client.get("/api/v1/achievements")
    assert ids(response) == [records["registered"]]
    item = response.get_json()["items"][0]
    assert item["details"] is None
    assert item["status"] == "registered"
    assert re.fullmatch(r"\d{12}", item["registration_number"])


def test_the_list_filters_by_field_category_maturity_and_county(market, client):
    xiaoyi, lishi = institute_in(market, "141181"), institute_in(market, "141102")
    coal = market.achievement(xiaoyi, "registered", field="coal", maturity=8)
    farm = market.achievement(lishi, "registered", field="agriculture", maturity=5)
    soft = market.achievement(lishi, "registered", category="soft", field="coal", maturity=3)
    market.achievement(xiaoyi, "submitted", field="coal", maturity=9)

    assert ids(client.get("/api/v1/achievements")) == sorted([coal, farm, soft])
    assert ids(client.get("/api/v1/achievements?field=coal")) == sorted([coal, soft])
    assert ids(client.get("/api/v1/achievements?category=soft")) == [soft]
    assert ids(client.get("/api/v1/achievements?category=applied")) == sorted([coal, farm])
    assert ids(client.get("/api/v1/achievements?maturity_min=5")) == sorted([coal, farm])
    assert ids(client.get("/api/v1/achievements?maturity_min=8")) == [coal]
    assert ids(client.get("/api/v1/achievements?county=141181")) == [coal]
    assert ids(client.get("/api/v1/achievements?county=141102&field=coal")) == [soft]
    assert ids(client.get("/api/v1/achievements?county=141130")) == []
    for bad in ("field=mining", "category=theory", "maturity_min=10", "maturity_min=x"):
        response = client.get(f"/api/v1/achievements?{bad}")
        assert response.status_code == 422, bad
        assert bad.split("=")[0] in response.get_json()["error"]["fields"]


def test_the_register_page_lists_and_filters_too(market, client):
    owner = institute_in(market, "141181")
    market.achievement(owner, "registered", title="孝义煤层气压裂成果", field="coal")
    market.achievement(owner, "registered", title="孝义核桃深加工成果", field="agriculture")
    market.achievement(owner, "submitted", title="尚在审查的成果")
    html = client.get("/achievements").get_data(as_text=True)
    assert "孝义煤层气压裂成果" in html and "孝义核桃深加工成果" in html
    assert "尚在审查的成果" not in html
    html = client.get("/achievements?field=coal&county=141181").get_data(as_text=True)
    assert "孝义煤层气压裂成果" in html and "孝义核桃深加工成果" not in html


def test_the_list_is_paginated(market, client):
    owner = market.institute()
    records = [market.achievement(owner, "registered") for _ in range(5)]
    first = client.get("/api/v1/achievements?per_page=2").get_json()
    assert set(first) >= {"items", "total", "page", "per_page"}
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (
        5, 1, 2, 2)
    pages = [client.get(f"/api/v1/achievements?per_page=2&page={n}").get_json()["items"]
             for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert sorted(item["id"] for page in pages for item in page) == sorted(records)
    for bad in ("per_page=101", "per_page=0", "page=0"):
        assert client.get(f"/api/v1/achievements?{bad}").status_code == 422, bad


def test_mine_needs_a_token_and_lists_own_records_in_any_state(market, client):
    owner = market.institute()
    mine = sorted(market.achievement(owner, state) for state in STATES)
    market.achievement(market.institute(), "registered")
    market.achievement(market.institute(), "draft")

    assert client.get("/api/v1/achievements?mine=1").status_code == 401
    assert ids(client.get("/api/v1/achievements?mine=1",
                          headers=bearer(market.token(owner)))) == mine
    colleague = market.member_of(owner.organization_id)
    assert ids(client.get("/api/v1/achievements?mine=true",
                          headers=bearer(market.token(colleague)))) == mine
    for role in ("enterprise", "bureau"):
        assert ids(client.get("/api/v1/achievements?mine=1",
                              headers=bearer(market.token(market.user(role))))) == []
    assert client.get("/api/v1/achievements?mine=1",
                      headers=bearer("not-a-token")).status_code == 401


# --- one record and its confidential details -------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_another_organisations_record_is_hidden_unless_registered(market, client, state):
    owner = market.institute()
    record_id = market.achievement(owner, state)
    for role in ("institute", "enterprise", "broker", "visitor"):
        user = None if role == "visitor" else market.user(role)
        token = market.token(user) if user else None
        got = client.get(f"/api/v1/achievements/{record_id}", headers=bearer(token))
        assert got.status_code == (200 if state == "registered" else 404), role
        page = market.page_client(user).get(f"/achievements/{record_id}")
        assert page.status_code == (200 if state == "registered" else 404), role
        if role == "visitor":
            continue
        patched = client.patch(f"/api/v1/achievements/{record_id}", headers=bearer(token),
                               json={"title": "别人的成果"})
        assert patched.status_code == (403 if state == "registered" else 404), role
        files = client.get(f"/api/v1/achievements/{record_id}/files", headers=bearer(token))
        assert files.status_code == 404, role
    assert market.get(record_id).title != "别人的成果"
    for role in ("owner", "bureau", "admin"):
        user = owner if role == "owner" else market.user(role)
        got = client.get(f"/api/v1/achievements/{record_id}",
                         headers=bearer(market.token(user)))
        assert got.status_code == 200, role
        assert got.get_json()["status"] == state


def views(market, record_id):
    with market.app.app_context():
        return [(v.user_id, v.organization_id, v.channel) for v in db.session.scalars(
            select(DisclosureView).where(DisclosureView.achievement_id == record_id)
            .order_by(DisclosureView.id))]


def test_details_only_for_the_owner_and_officers(market, client):
    owner = market.institute()
    record_id = market.achievement(owner, "registered", details="保密：催化剂配比 3:1。")
    people = market.actors(owner)
    seen = {}
    for role in ROLES:
        user = people[role]
        response = client.get(f"/api/v1/achievements/{record_id}",
                              headers=bearer(market.token(user) if user else None))
        seen[role] = response.get_json()["details"]
    assert seen == {"owner": "保密：催化剂配比 3:1。", "institute": None, "enterprise": None,
                    "broker": None, "bureau": "保密：催化剂配比 3:1。",
                    "admin": "保密：催化剂配比 3:1。", "visitor": None}
    assert views(market, record_id) == [(people["bureau"].id, None, "api"),
                                        (people["admin"].id, None, "api")]
    listed = client.get("/api/v1/achievements", headers=bearer(market.token(owner)))
    assert listed.get_json()["items"][0]["details"] is None


class Disclosure:
    """A registered record, its owner, and a reader from a verified enterprise."""

    def __init__(self, market):
        self.market = market
        self.owner = market.institute()
        self.record_id = market.achievement(self.owner, "registered",
                                            details="保密：分段压裂的间距为 80 米。",
                                            confidentiality_terms="仅用于评估合作，不得外传。")
        self.reader = market.user("enterprise")
        self.owner_client = market.page_client(self.owner)
        self.reader_client = market.page_client(self.reader)

    def ask(self, client=None, accept=True, message="我们想评估合作。"):
        data = {"message": message} | ({"accept_terms": "y"} if accept else {})
        return (client or self.reader_client).post(
            f"/achievements/{self.record_id}/disclosure?lang=en", data=data)

    def requests(self):
        with self.market.app.app_context():
            return [(r.id, r.requester_id, r.requester_org_id, r.status)
                    for r in db.session.scalars(select(DisclosureRequest).where(
                        DisclosureRequest.achievement_id == self.record_id)
                        .order_by(DisclosureRequest.id))]

    def details_via_api(self, user):
        return self.market.client.get(f"/api/v1/achievements/{self.record_id}",
                                      headers=bearer(self.market.token(user))).get_json()[
            "details"]


def test_tiered_disclosure_request_grant_read_and_log(market):
    d = Disclosure(market)
    form = d.reader_client.get(f"/achievements/{d.record_id}/disclosure")
    assert form.status_code == 200
    assert "仅用于评估合作，不得外传。" in form.get_data(as_text=True)

    refused = d.ask(accept=False)
    assert refused.status_code == 422
    assert field_errors(refused.get_data(as_text=True), "accept_terms")
    assert d.requests() == []

    asked = d.ask()
    assert asked.status_code == 302
    assert [c for c, _ in flashes(d.reader_client)] == ["success"]
    [(request_id, requester, org, status)] = d.requests()
    assert (requester, org, status) == (d.reader.id, d.reader.organization_id, "pending")
    notes = market.notifications()
    assert notes[-1][0] == d.owner.id and notes[-1][3] == f"/achievements/{d.record_id}/disclosures"
    assert d.details_via_api(d.reader) is None

    log = d.owner_client.get(f"/achievements/{d.record_id}/disclosures")
    assert log.status_code == 200
    stranger = market.page_client(market.user("institute"))
    assert stranger.post(f"/achievements/disclosures/{request_id}/grant").status_code == 404
    assert d.reader_client.post(
        f"/achievements/disclosures/{request_id}/grant").status_code == 404
    assert d.requests()[0][3] == "pending"

    granted = d.owner_client.post(f"/achievements/disclosures/{request_id}/grant")
    assert granted.status_code == 302
    assert d.requests()[0][3] == "granted"
    assert market.notifications()[-1][0] == d.reader.id
    assert d.owner_client.post(
        f"/achievements/disclosures/{request_id}/refuse").status_code == 409

    assert d.details_via_api(d.reader) == "保密：分段压裂的间距为 80 米。"
    page = d.reader_client.get(f"/achievements/{d.record_id}")
    assert "保密：分段压裂的间距为 80 米。" in text(page.get_data(as_text=True))
    colleague = market.member_of(d.reader.organization_id, role="enterprise")
    assert d.details_via_api(colleague) == "保密：分段压裂的间距为 80 米。"
    assert d.details_via_api(d.owner) == "保密：分段压裂的间距为 80 米。"  # not logged
    org = d.reader.organization_id
    assert views(market, d.record_id) == [(d.reader.id, org, "api"), (d.reader.id, org, "web"),
                                          (colleague.id, org, "api")]
    log = d.owner_client.get(f"/achievements/{d.record_id}/disclosures").get_data(as_text=True)
    assert d.reader.username in log and colleague.username in log
    assert [h[0] for h in market.history(d.record_id)][-2:] == ["request_details",
                                                                "grant_details"]


def test_a_refused_request_shows_nothing_and_may_be_asked_again(market):
    d = Disclosure(market)
    d.ask()
    [(request_id, *_)] = d.requests()
    assert d.owner_client.post(
        f"/achievements/disclosures/{request_id}/refuse").status_code == 302
    assert d.requests()[0][3] == "refused"
    assert d.details_via_api(d.reader) is None
    assert "保密：分段压裂的间距为 80 米。" not in d.reader_client.get(
        f"/achievements/{d.record_id}").get_data(as_text=True)
    assert views(market, d.record_id) == []
    assert d.ask().status_code == 302
    assert [r[3] for r in d.requests()] == ["refused", "pending"]


def test_one_pending_request_per_organisation(market):
    d = Disclosure(market)
    assert d.ask().status_code == 302
    colleague = market.member_of(d.reader.organization_id, role="enterprise")
    colleague_client = market.page_client(colleague)
    assert d.ask(colleague_client).status_code == 302
    assert [c for c, _ in flashes(colleague_client)] == ["warning"]
    assert len(d.requests()) == 1
    with pytest.raises(Conflict):
        market.run(services.request_details, d.record_id, colleague, "", True)
    other = market.user("enterprise")  # another organisation asks for itself
    market.run(services.request_details, d.record_id, other, "", True)
    assert [(r[2], r[3]) for r in d.requests()] == [
        (d.reader.organization_id, "pending"), (other.organization_id, "pending")]


@pytest.mark.parametrize("status", ["unverified", "rejected"])
def test_members_of_unverified_organisations_cannot_ask(market, status):
    d = Disclosure(market)
    with market.app.app_context():
        user = make_user("enterprise", org=make_org(status=status))
    with pytest.raises(PermissionDenied):
        market.run(services.request_details, d.record_id, user, "", True)
    client = market.page_client(user)
    response = d.ask(client)
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["warning"]
    with market.app.app_context():
        lone_broker = make_user("broker")  # a broker without an employer
    with pytest.raises(PermissionDenied):
        market.run(services.request_details, d.record_id, lone_broker, "", True)
    assert d.requests() == []


def test_a_record_not_registered_cannot_be_asked_for(market):
    owner = market.institute()
    record_id = market.achievement(owner, "submitted")
    reader = market.user("enterprise")
    with pytest.raises(NotFound):
        market.run(services.request_details, record_id, reader, "", True)
    assert market.page_client(reader).get(
        f"/achievements/{record_id}/disclosure").status_code == 404
    with pytest.raises(Conflict):  # the owner reads its own details anyway
        market.run(services.request_details, record_id, owner, "", True)


def test_the_disclosure_log_is_for_the_owner_and_officers(market):
    d = Disclosure(market)
    d.ask()
    for user, status in ((d.owner, 200), (market.bureau(), 200), (d.reader, 404),
                         (market.user("institute"), 404)):
        response = market.page_client(user).get(f"/achievements/{d.record_id}/disclosures")
        assert response.status_code == status, user.role
    assert market.page_client(None).get(
        f"/achievements/{d.record_id}/disclosures").status_code == 302


# --- certificates ------------------------------------------------------------------------

def test_the_certificate_is_for_the_owner_and_the_bureau(market):
    owner = market.institute()
    record_id = market.achievement(owner, "registered", title="煤矸石陶粒技术")
    record = market.get(record_id)
    for user, status in ((owner, 200), (market.member_of(owner.organization_id), 200),
                         (market.bureau(), 200), (market.user("admin"), 200),
                         (market.user("institute"), 404), (market.user("enterprise"), 404)):
        response = market.page_client(user).get(f"/achievements/{record_id}/certificate")
        assert response.status_code == status, user.role
        if status == 200:
            html = response.get_data(as_text=True)
            assert record.registration_number in html
            assert record.verification_code in html
            assert "煤矸石陶粒技术" in html
    assert market.page_client(None).get(
        f"/achievements/{record_id}/certificate").status_code == 302


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "rejected"])
def test_no_certificate_before_registration(market, state):
    owner = market.institute()
    record_id = market.achievement(owner, state)
    for user in (owner, market.bureau()):
        response = market.page_client(user).get(f"/achievements/{record_id}/certificate")
        assert response.status_code == 404


def test_anyone_verifies_a_certificate_with_its_code(market, client):
    record_id = market.achievement(market.institute(), "registered", title="核桃青皮综合利用技术")
    record = market.get(record_id)
    number, code = record.registration_number, record.verification_code

    genuine = client.get(f"/verify/{number}?code={code}")
    assert genuine.status_code == 200
    assert "核桃青皮综合利用技术" in genuine.get_data(as_text=True)
    assert client.get(f"/verify/{number}?code={code.lower()}").status_code == 200

    wrong = "".join("A" if c != "A" else "B" for c in code)
    assert client.get(f"/verify/{number}?code={wrong}").status_code == 404
    unknown = number[:-4] + f"{(int(number[-4:]) + 1) % 10000:04d}"
    assert client.get(f"/verify/{unknown}?code={code}").status_code == 404
    assert client.get(f"/verify/14120261000X?code={code}").status_code == 404
    form = client.get(f"/verify/{number}")
    assert form.status_code == 200
    assert "核桃青皮综合利用技术" not in form.get_data(as_text=True)


# --- the OpenAPI document -------------------------------------------------------------

def test_the_openapi_document_validates(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.get_json())


def test_the_openapi_document_covers_every_achievement_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    # The achievements' part of the document validates on its own, too.
    validate(spec | {"paths": {path: ops for path, ops in spec["paths"].items()
                               if path.startswith("/achievements")}})
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/api/v1/achievements")]
    assert len(rules) >= 6
    for rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
    patch = spec["paths"]["/achievements/{achievement_id}"]["patch"]
    schema_ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    patch_schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert not patch_schema.get("required")  # a PATCH names only what it changes
    create = spec["paths"]["/achievements"]["post"]
    create_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert {"title", "category", "field"} <= set(
        spec["components"]["schemas"][create_ref.rsplit("/", 1)[1]]["required"])


# --- demonstration data -----------------------------------------------------------------

def test_seed_demo_registers_eleven_achievements_and_leaves_one_submitted(app, runner,
                                                                          monkeypatch):
    # The demo users' passwords are hashed with one PBKDF2 round instead of scrypt (speed).
    monkeypatch.setattr(account_models, "generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))
    with app.app_context():  # as `flask` does: seed-demo is not an AppGroup command
        result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        records = db.session.scalars(select(Achievement).order_by(Achievement.id)).all()
        registered = [r for r in records if r.status == "registered"]
        assert len(registered) == 11
        assert [str(r.status) for r in records if r.status != "registered"] == ["submitted"]
        digits = {"applied": "1", "basic": "2", "soft": "3"}
        for record in registered:
            number = record.registration_number
            # The demo registers them 240 days before it runs: in that year.
            year = market_clock.as_utc(record.registered_at).astimezone(
                market_clock.LOCAL_TZ).year
            assert re.fullmatch(rf"141{year}[123]\d{{4}}", number), number
            assert number[7] == digits[record.category]
            assert len(record.verification_code) == 8
        assert sorted(int(r.registration_number[-4:]) for r in registered) == list(
            range(1, 12))
        assert isinstance(registered[0].registered_at, datetime)


# --- the record page --------------------------------------------------------------------

def test_the_record_page_shows_each_reader_what_is_theirs(market):
    owner = market.institute()
    record_id = market.achievement(owner, "draft", details="保密：窑炉温度曲线。",
                                   evidence=("paper",))
    title = market.get(record_id).title
    html = market.page_client(owner).get(f"/achievements/{record_id}").get_data(as_text=True)
    assert title in html and "保密：窑炉温度曲线。" in html
    assert 'id="submission-checklist"' in html  # what is still missing before submission
    officer = market.page_client(market.bureau()).get(f"/achievements/{record_id}")
    assert officer.status_code == 200 and "保密：窑炉温度曲线。" in officer.get_data(as_text=True)
    assert market.page_client(market.user("institute")).get(
        f"/achievements/{record_id}").status_code == 404
    assert market.page_client(None).get(f"/achievements/{record_id}").status_code == 404

    registered = market.achievement(owner, "registered", details="保密：配方。")
    for user in (None, market.user("enterprise")):
        page = market.page_client(user).get(f"/achievements/{registered}")
        assert page.status_code == 200
        assert "保密：配方。" not in page.get_data(as_text=True)


def test_a_revoked_certificate_verifies_as_revoked(market, client):
    owner = market.institute()
    record_id = market.achievement(owner, "revoked")
    record = market.get(record_id)
    response = client.get(
        f"/verify/{record.registration_number}?code={record.verification_code}&lang=en")
    assert response.status_code == 200
    assert "This registration was revoked" in text(response.get_data(as_text=True))
    certificate = market.page_client(owner).get(f"/achievements/{record_id}/certificate?lang=en")
    assert certificate.status_code == 200
    assert "no longer valid" in text(certificate.get_data(as_text=True))


def test_my_achievements_page_lists_the_organisations_records(market):
    owner = market.institute()
    draft = market.achievement(owner, "draft", title="我们的草稿成果")
    market.achievement(owner, "registered", title="我们的登记成果")
    market.achievement(market.institute(), "draft", title="别人的草稿成果")
    colleague = market.member_of(owner.organization_id)
    html = market.page_client(colleague).get("/achievements/mine").get_data(as_text=True)
    assert "我们的草稿成果" in html and "我们的登记成果" in html
    assert "别人的草稿成果" not in html
    assert f"/achievements/{draft}" in html
    assert market.page_client(market.user("enterprise")).get(
        "/achievements/mine").status_code == 403
    assert market.page_client(None).get("/achievements/mine").status_code == 302
