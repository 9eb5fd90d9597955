"""Achievements registered, listed and transferred, the conversion rate and its formula
setting, verified brokers and their deals, and the plan's targets."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from stats_helpers import moment, page_links, page_table

from bench.bench_bidding import listing_row
from marketplace import settings
from marketplace.accounts.models import User
from marketplace.achievements.models import Achievement
from marketplace.brokers.models import BrokerProfile
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.listings.models import Deal, Listing
from marketplace.stats import activity, services
from marketplace.stats.periods import Period
from tests.factories import make_user
from tests.pages import field_errors, text

_numbers = iter(range(1, 10**6))


def achievement(stats, registered_at, status="registered"):
    owner = stats.filer
    with stats.app.app_context():
        when = moment(registered_at)
        record = Achievement(
            owner_org_id=owner.organization_id, created_by_id=owner.id,
            title=f"煤矸石制备陶粒技术{next(_numbers)}", category="applied", field="environment",
            keywords=[], summary="", details="", secrecy="none", status=status, version=1,
            registration_number=f"1412026{next(_numbers):05d}", registered_at=when,
            created_at=when, updated_at=when)
        db.session.add(record)
        db.session.commit()
        return record.id


def listing(stats, achievement_id, announced_at):
    with stats.app.app_context():
        owner = db.session.get(User, stats.filer.id)
        when = moment(announced_at)
        db.session.execute(Listing.__table__.insert(), [listing_row(
            achievement_id, owner.organization, owner, when, first_announced_at=when,
            announced_at=when)])
        db.session.commit()


def broker(stats, status="verified"):
    """A broker user with a profile; returns (user id, profile id)."""
    with stats.app.app_context():
        user = make_user("broker")
        now = datetime(2026, 1, 5, tzinfo=UTC)
        profile = BrokerProfile(user_id=user.id, real_name=f"王经纪{next(_numbers)}",
                                level="intermediate", status=status, version=1,
                                submitted_at=now, created_at=now, updated_at=now)
        db.session.add(profile)
        db.session.commit()
        return user.id, profile.id


def deal(stats, dealt_at, price, seller_broker=None, buyer_broker=None):
    n = next(_numbers)
    with stats.app.app_context():
        when = moment(dealt_at)
        org = stats.filer.organization_id
        db.session.execute(Deal.__table__.insert(), [dict(
            seller_org_id=org, buyer_org_id=org, transfer_mode="assignment",
            price=Decimal(price), seller_broker_id=seller_broker, buyer_broker_id=buyer_broker,
            dealt_at=when, dealt_on=when.date(), seller_confirmed_at=when,
            buyer_confirmed_at=when, confirmation_number=f"C{n:09d}",
            certificate_number=f"T{n:013d}", verification_code="ABCD2345",
            announcement_until=when.date() + timedelta(days=7), created_at=when)])
        db.session.commit()


def figures(app, period=Period(2026)):
    with app.app_context():
        return activity.achievements(period)


@pytest.fixture
def pipeline(stats):
    """Four registered achievements (three in 2026), one revoked; listings; contracts that
    cite them."""
    a1, a2, a3 = (achievement(stats, f"2026-0{m}-10T10:00:00+08:00") for m in (1, 2, 3))
    a4 = achievement(stats, "2025-06-10T10:00:00+08:00")
    a5 = achievement(stats, "2026-04-10T10:00:00+08:00", status="revoked")
    listing(stats, a1, "2026-03-01T10:00:00+08:00")
    listing(stats, a2, "2026-04-01T10:00:00+08:00")
    listing(stats, a2, "2026-05-01T10:00:00+08:00")  # listed again: still one achievement
    listing(stats, a4, "2025-12-31T23:30:00+08:00")  # 2025 in Lüliang
    for cited, status in ((a1, "certified"), (a1, "certified"), (a4, "certified"),
                          (a2, "revoked"), (a5, "certified"), (a3, "submitted")):
        stats.contract("2026-05-20T10:00:00+08:00", status=status, achievement_id=cited)
    return a1, a2, a3, a4, a5


def test_achievements_registered_listed_and_transferred(app, stats, pipeline):
    year = figures(app)
    assert (year.registered, year.listed, year.transferred) == (3, 2, 3)  # a1, a4, a5 cited
    assert (year.registered_to_date, year.transferred_to_date) == (4, 2)  # a5 is revoked
    assert (year.formula, year.operands, year.conversion_rate) == (
        "period_registered", (3, 3), Decimal("100.00"))
    last_year = figures(app, Period(2025))
    assert (last_year.registered, last_year.listed, last_year.transferred) == (1, 1, 0)
    assert (last_year.registered_to_date, last_year.transferred_to_date) == (1, 0)
    assert last_year.conversion_rate == Decimal("0.00")
    empty = figures(app, Period(2024))
    assert (empty.registered, empty.conversion_rate) == (0, None)


@pytest.mark.parametrize(("formula", "operands", "rate"), [
    ("period_registered", (3, 3), "100.00"),
    ("period_listed", (3, 2), "150.00"),
    ("cumulative", (2, 4), "50.00"),
])
def test_the_conversion_rate_follows_the_formula_setting(
        app, client, stats, pipeline, formula, operands, rate):
    with app.app_context():
        admin = db.session.get(User, make_user("admin").id)
        settings.update({"conversion_rate_formula": formula}, admin)
    year = figures(app)
    assert (year.operands, year.conversion_rate) == (operands, Decimal(rate))
    html = text(client.get("/stats?year=2026&lang=en").get_data(as_text=True))
    assert page_table(html, "achievements")[-1] == ["Conversion rate (%)", rate]
    shown = f"Conversion rate = {activity.FORMULAS[formula]} = {operands[0]} ÷ {operands[1]}"
    assert f"{shown} = {rate}%" in " ".join(html.split())


def test_verified_brokers_and_their_deals(app, client, stats):
    b1, p1 = broker(stats)
    b2, _ = broker(stats, status="suspended")
    b3, p3 = broker(stats)
    deal(stats, "2026-03-01T10:00:00+08:00", "1000000.00", seller_broker=b1)
    deal(stats, "2026-04-01T10:00:00+08:00", "500000.00", seller_broker=b1, buyer_broker=b1)
    deal(stats, "2026-04-02T10:00:00+08:00", "300000.00", seller_broker=b2)
    deal(stats, "2026-04-03T10:00:00+08:00", "200000.00", seller_broker=b2, buyer_broker=b3)
    deal(stats, "2025-12-31T23:59:00+08:00", "700000.00", buyer_broker=b1)  # 2025 locally
    for broker_id in (b1, b1, b2, b3):
        stats.contract("2026-05-01T10:00:00+08:00", broker_id=broker_id)
    with app.app_context():
        brokers = activity.brokers(Period(2026))
    assert (brokers.verified, brokers.deals, brokers.deal_value) == (
        2, 3, Decimal("1700000.00"))
    assert [(r.profile_id, r.deals, r.deal_value, r.contracts) for r in brokers.rows] == [
        (p1, 2, Decimal("1500000.00"), 2), (p3, 1, Decimal("200000.00"), 1)]
    html = text(client.get("/stats?year=2026&lang=en").get_data(as_text=True))
    table = page_table(html, "brokers")
    assert [row[2:] for row in table[1:]] == [["2", "1,500,000.00", "2"],
                                               ["1", "200,000.00", "1"]]
    assert page_links(html, "brokers")[1] == [f"/brokers/{p1}"]
    assert "2 verified brokers. In this period they brokered 3 deals worth 1,700,000.00 yuan." \
        in " ".join(html.split())


def test_the_plans_targets_next_to_the_period(app, client, stats, pipeline):
    with app.app_context():
        this_year = services.counted(Period(2026))[0].total_amount
    last_year = (this_year / Decimal("1.5")).quantize(Decimal("0.01"))  # growth: 50%
    stats.contract("2025-05-01T10:00:00+08:00", total_amount=last_year,
                   technology_amount=last_year)
    html = text(client.get("/stats?year=2026&lang=en").get_data(as_text=True))
    header, growth, conversion, transfers = page_table(html, "targets")
    assert growth[1:] == ["10.00", "50.00", "✓ On track"]
    assert conversion[1:] == ["The national average", "100.00", "n/a"]
    assert transfers[1:] == ["Several", "3", "n/a"]
    with app.app_context():
        admin = db.session.get(User, make_user("admin").id)
        settings.update({"plan_conversion_target": "35", "plan_transfers_target": "5",
                         "plan_growth_target": "50.01"}, admin)
    html = text(client.get("/stats?year=2026&lang=en").get_data(as_text=True))
    header, growth, conversion, transfers = page_table(html, "targets")
    assert growth[1:] == ["50.01", "50.00", "✗ Behind"]
    assert conversion[1:] == ["35.00", "100.00", "✓ On track"]
    assert transfers[1:] == ["5", "3", "✗ Behind"]
    quarter = text(client.get("/stats?year=2026&quarter=2&lang=en").get_data(as_text=True))
    assert page_table(quarter, "targets")[3][3] == "n/a"  # a yearly target, not a quarter's


def test_plan_settings_are_prefilled_and_validated(app):
    with app.test_request_context("/?lang=en"):
        assert settings.get("plan_growth_target") == 10
        assert settings.get("plan_conversion_target") == 0
        assert settings.get("plan_transfers_target") == 0
        assert settings.get("conversion_rate_formula") == "period_registered"
        admin = db.session.get(User, make_user("admin").id)
        for key, value, message in [
            ("conversion_rate_formula", "per_broker", "Choose one of the listed values."),
            ("conversion_rate_formula", "", "Choose one of the listed values."),
            ("plan_conversion_target", "100.5", "Must be at most 100."),
            ("plan_conversion_target", "-1", "Must be at least 0."),
            ("plan_transfers_target", "2.5", "Enter a number."),
            ("plan_transfers_target", "-1", "Must be at least 0."),
        ]:
            with pytest.raises(ValidationFailed) as refused:
                settings.update({key: value}, admin)
            assert [str(m) for m in refused.value.fields[key]] == [message]
            db.session.rollback()
        assert settings.get("conversion_rate_formula") == "period_registered"


def test_the_admin_chooses_the_formula_from_a_list(client, login, app):
    login("admin")
    html = client.get("/admin/settings?lang=en").get_data(as_text=True)
    assert '<select class="form-select" id="conversion_rate_formula"' in html
    assert '<option selected value="period_registered">' in html
    assert 'value="cumulative"' in html and 'id="plan_transfers_target"' in html
    form = {d.key: str(d.default) for d in settings.DEFINITIONS}
    response = client.post("/admin/settings?lang=en", data={
        **form, "conversion_rate_formula": "nonsense"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "conversion_rate_formula")
    response = client.post("/admin/settings", data={**form, "conversion_rate_formula":
                                                    "cumulative"})
    assert response.status_code == 302
    with app.app_context():
        assert settings.get("conversion_rate_formula") == "cumulative"
