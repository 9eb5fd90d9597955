"""The contract figures: every breakdown adds up to the total, the figures equal what the rows
hold, only certified contracts count, and a period is a range of local dates."""
from decimal import Decimal

import pytest
from contract_helpers import COMMENTS
from contract_helpers import Market as ContractMarket
from stats_helpers import KEYS, ZERO, expected

from marketplace.accounts.models import User
from marketplace.contracts import services as contracts
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.stats import periods, services
from marketplace.stats.dimensions import DIMENSIONS, GROUP_BY
from marketplace.stats.periods import Period

PERIODS = [Period(2026), Period(2026, 2), Period(2025, None, 11), Period(2025, 4)]


def figures(group):
    return group.count, group.total_amount, group.technology_amount


def totals_of(groups):
    return (sum(g.count for g in groups), sum((g.total_amount for g in groups), ZERO),
            sum((g.technology_amount for g in groups), ZERO))


@pytest.mark.parametrize("filters", [{}, {"county": "141102"}, {"flow": "out", "type": "service"},
                                     {"field": "unknown"}])
def test_every_breakdown_adds_up_to_the_total_and_equals_the_rows(app, stats, filters):
    rows = stats.generate(400, seed=11, other_states=0.3)
    with app.test_request_context("/?lang=en"):
        for period in PERIODS:
            args = dict(year=period.year, quarter=period.quarter, month=period.month, **filters)
            totals = services.counted(period, filters)[0]
            want = expected(rows, **args)
            assert (totals.count, totals.total_amount, totals.technology_amount) == want
            assert services.summary(period, filters) == totals
            if not filters:
                assert totals.count > 0  # the seeded data fills every period tested
            for group_by in GROUP_BY:
                groups = services.breakdown(period, group_by, filters)
                assert totals_of(groups) == want, (period, group_by)
                by_key = expected(rows, group_by=group_by, **args)
                assert {g.key: figures(g) for g in groups if g.count} == by_key
                assert len({g.key for g in groups}) == len(groups)


def test_missing_values_and_keys_outside_the_code_lists_have_their_own_group(app, stats):
    stats.contract("2026-05-01T10:00:00+08:00", field=None, tech_domain=None,
                   seller_entity_type="cooperative")
    stats.contract("2026-05-02T10:00:00+08:00", field="coal", tech_domain="aerospace",
                   seller_entity_type="university")
    with app.test_request_context("/?lang=en"):
        period = Period(2026)
        field = {g.key: (g.count, str(g.label)) for g in services.breakdown(period, "field")}
        assert field["unknown"] == (1, "Not stated") and field["coal"][0] == 1
        assert list(field)[-1] == "unknown"  # after the code list
        sellers = {g.key: g.count for g in services.breakdown(period, "seller_entity_type")}
        assert sellers["cooperative"] == 1 and sellers["university"] == 1
        assert sum(sellers.values()) == 2


@pytest.mark.parametrize(("seller", "buyer", "is_import", "county", "flow"), [
    ("141102", "141181", False, "141102", "within"),
    ("141181", "140000", False, "141181", "out"),
    ("141181", "990000", False, "141181", "out"),  # an export
    ("110000", "141125", False, "141125", "in"),
    ("990000", "141125", True, "141125", "import"),
    ("990000", "141125", False, "141125", "import"),  # a seller abroad is an import too
    ("110000", "990000", False, "outside", "outside"),
])
def test_county_is_the_lueliang_partys_and_flow_follows_the_parties(
        app, stats, seller, buyer, is_import, county, flow):
    row = stats.contract("2026-05-01T10:00:00+08:00", seller_region=seller, buyer_region=buyer,
                         is_import=is_import)
    assert (KEYS["county"](row), KEYS["flow"](row)) == (county, flow)
    with app.app_context():
        period = Period(2026)
        assert [g.key for g in services.breakdown(period, "county") if g.count] == [county]
        assert [g.key for g in services.breakdown(period, "flow") if g.count] == [flow]
        assert services.counted(period, {"county": county, "flow": flow})[0].count == 1


def test_only_certified_contracts_count(app, client, stats):
    """Contracts taken through the real workflow into every state: only the certified one
    counts; revoked and cancelled certifications leave the statistics."""
    market = ContractMarket(app, client)
    filer = market.filer()
    ids = {state: market.contract(filer, state) for state in (
        "draft", "submitted", "returned", "certified", "rejected", "revoked", "cancelled")}
    certified = market.get(ids["certified"])
    with app.app_context():
        totals = services.counted(Period(2026))[0]
        assert (totals.count, totals.total_amount, totals.technology_amount) == (
            1, certified.total_amount, certified.technology_amount)
        for name in DIMENSIONS:
            assert sum(g.count for g in services.breakdown(Period(2026), name)) == 1


def test_a_revocation_after_the_page_was_computed_takes_the_contract_out(app, client, stats):
    market = ContractMarket(app, client)
    filer = market.filer()
    contract_id = market.contract(filer, "certified")
    with app.app_context():
        assert services.counted(Period(2026))[0].count == 1
    with app.app_context():
        contracts.revoke(contract_id, db.session.get(User, market.bureau().id), "false",
                         COMMENTS["revoke"])
    with app.app_context():
        assert services.counted(Period(2026))[0].count == 0


@pytest.mark.parametrize(("moment", "year", "quarter", "month"), [
    ("2026-03-31T23:30:00+08:00", 2026, 1, 3),  # 15:30 UTC on 31 March
    ("2026-04-01T00:10:00+08:00", 2026, 2, 4),  # still 31 March in UTC
    ("2025-12-31T23:59:59+08:00", 2025, 4, 12),
    ("2026-01-01T00:00:00+08:00", 2026, 1, 1),  # 31 December 2025 in UTC
    ("2026-06-30T23:59:59+08:00", 2026, 2, 6),
])
def test_a_contract_belongs_to_the_period_of_its_local_certification_date(
        app, stats, moment, year, quarter, month):
    stats.contract(moment)
    with app.app_context():
        assert services.counted(Period(year))[0].count == 1
        assert services.counted(Period(year, quarter))[0].count == 1
        assert services.counted(Period(year, None, month))[0].count == 1
        other_year = Period(year + 1 if month == 12 else year - 1)
        assert services.counted(other_year)[0].count == 0
        assert services.counted(Period(year, quarter % 4 + 1))[0].count == 0
        months = {g.key: g.count for g in services.breakdown(Period(year), "month")}
        assert months[f"{year}-{month:02d}"] == 1 and sum(months.values()) == 1
        quarters = {g.key: g.count for g in services.breakdown(Period(year), "quarter")}
        assert quarters == {f"{year}-Q{q}": int(q == quarter) for q in range(1, 5)}


def test_periods_parse_and_refuse(app):
    with app.test_request_context("/?lang=en"):
        today = periods.clock.today()
        assert periods.parse() == Period(today.year)
        assert periods.parse("2025", "2", "") == Period(2025, 2)
        assert periods.parse("2025", "2", "5") == Period(2025, None, 5)
        assert Period(2025, 4).bounds()[1] == periods.local_midnight(periods.date(2026, 1, 1))
        for args, field, message in [
            (("abc",), "year", "Enter a year from 2000 to 2027."),
            (("1999",), "year", "Enter a year from 2000 to 2027."),
            (("2025", "5"), "quarter", "Choose a quarter from 1 to 4."),
            (("2025", None, "13"), "month", "Choose a month from 1 to 12."),
            (("2025", "1", "4"), "month", "This month is not in the chosen quarter."),
        ]:
            with pytest.raises(ValidationFailed) as refused:
                periods.parse(*args)
            assert [str(m) for m in refused.value.fields[field]] == [message]


def test_amounts_are_exact_to_the_cent(app, stats):
    for cents in ("0.10", "0.20", "1200000.37", "99999999999.99"):
        stats.contract("2026-05-01T10:00:00+08:00", total_amount=Decimal(cents),
                       technology_amount=Decimal(cents))
    with app.app_context():
        totals = services.counted(Period(2026))[0]
        assert totals.total_amount == Decimal("100001200000.66")
        assert totals.average_amount == Decimal("25000300000.17")
        assert totals.technology_ratio == Decimal("100.00")
