"""Run-time settings: declared defaults, validated updates, every change audited."""
from decimal import Decimal

import pytest

from marketplace import audit, settings
from marketplace.errors import ValidationFailed
from marketplace.extensions import db

from .factories import make_user


@pytest.fixture
def admin(app):
    with app.app_context():
        return make_user("admin")


def test_defaults(app):
    with app.app_context():
        assert settings.get("achievement_office_code") == "141"
        assert settings.get("contract_review_days") == 15
        assert settings.get("contract_large_threshold") == Decimal("5000000")
        assert settings.all_values() == {d.key: d.default for d in settings.DEFINITIONS}
        with pytest.raises(KeyError):
            settings.get("no_such_setting")


def test_update_saves_typed_values_and_audits(app, admin, clock):
    moment = clock.set("2026-10-01T09:00:00+08:00")
    with app.app_context():
        settings.update({"contract_review_days": " 20 ", "contract_area_code": "141102",
                         "plan_growth_target": "12.5", "contract_point_code": "01"}, admin)
        assert settings.get("contract_review_days") == 20
        assert settings.get("contract_area_code") == "141102"
        assert settings.get("plan_growth_target") == Decimal("12.5")
        entries = audit.history("setting", 0)
        # contract_point_code kept its value, so it is not recorded as a change
        assert sorted((e.comment, e.data["old"], e.data["new"]) for e in entries) == [
            ("contract_area_code", "141100", "141102"),
            ("contract_review_days", "15", "20"),
            ("plan_growth_target", "10", "12.5")]
        assert {(e.actor_id, e.at) for e in entries} == {(admin.id, moment)}
        row = db.session.get(settings.Setting, "contract_review_days")
        assert (row.updated_by_id, row.updated_at) == (admin.id, moment)


def test_update_again_replaces_the_value(app, admin):
    with app.app_context():
        settings.update({"contract_review_days": "20"}, admin)
        settings.update({"contract_review_days": "25"}, admin)
        assert settings.get("contract_review_days") == 25
        assert len(audit.history("setting", 0)) == 2


@pytest.mark.parametrize(("key", "value", "message"), [
    ("achievement_office_code", "1410", "Enter exactly 3 digits."),
    ("achievement_office_code", "", "Enter exactly 3 digits."),
    ("contract_point_code", "1", "Enter exactly 2 digits."),
    ("contract_review_days", "0", "Must be at least 1."),
    ("contract_review_days", "2.5", "Enter a number."),
    ("contract_review_days_large", "181", "Must be at most 180."),
    ("contract_large_threshold", "-0.01", "Must be at least 0."),
    ("plan_growth_target", "1000.01", "Must be at most 1000."),
    ("plan_growth_target", "ten", "Enter a number."),
])
def test_update_validates(app, admin, key, value, message):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(ValidationFailed) as refused:
            settings.update({key: value, "announcement_min_days": "20"}, admin)
        assert [str(m) for m in refused.value.fields[key]] == [message]
        db.session.rollback()
        # nothing is saved when anything is wrong, not even the valid values
        assert settings.get("announcement_min_days") == 15
        assert audit.history("setting", 0) == []
