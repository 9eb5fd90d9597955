"""Settings the admin may change at run time: values regulations change over time.

Each setting is declared once here with its type, default and label; the database keeps only
the values the admin has changed.
"""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from . import audit, clock
from .errors import FieldErrors
from .extensions import db
from .types import UTCDateTime


@dataclass(frozen=True)
class SettingDef:
    key: str
    label: object
    kind: type  # int, Decimal or str
    default: object
    minimum: object = None
    maximum: object = None
    pattern_digits: int | None = None  # a str of exactly this many digits
    choices: dict | None = None  # a str that must be one of these keys (value: its label)


DEFINITIONS = [
    SettingDef("achievement_office_code", _l("Achievement registration office code (3 digits)"),
               str, "141", pattern_digits=3),
    SettingDef("contract_area_code", _l("Contract registration area code (6 digits)"),
               str, "141100", pattern_digits=6),
    SettingDef("contract_point_code", _l("Contract registration point (2 digits)"),
               str, "01", pattern_digits=2),
    SettingDef("contract_review_days", _l("Working days to decide a contract"), int, 15, 1, 90),
    SettingDef("contract_review_days_large",
               _l("Working days to decide a large contract"), int, 30, 1, 180),
    SettingDef("contract_large_threshold",
               _l("Technology transaction amount of a large contract (yuan)"),
               Decimal, Decimal("5000000"), Decimal("0")),
    SettingDef("announcement_min_days", _l("Minimum announcement period of a listing (days)"),
               int, 15, 15, 365),
    SettingDef("negotiation_days",
               _l("Working days for both sides to confirm a negotiated deal"), int, 20, 1, 120),
    SettingDef("award_confirm_days",
               _l("Working days for both sides to confirm an awarded deal"), int, 5, 1, 60),
    SettingDef("deal_announcement_days", _l("Working days a deal is announced publicly"),
               int, 5, 1, 60),
    SettingDef("complaint_decision_days",
               _l("Working days for the bureau to decide a complaint"), int, 30, 1, 180),
    SettingDef("plan_growth_target", _l("Plan target: yearly growth of contract turnover (%)"),
               Decimal, Decimal("10"), Decimal("0"), Decimal("1000")),
    # The plan (吕政发〔2014〕22号) gives these no figure: 0 means none is set.
    SettingDef("plan_conversion_target", _l("Plan target: achievement conversion rate (%), the "
               "national average the plan asks to reach (0: not set)"),
               Decimal, Decimal("0"), Decimal("0"), Decimal("100")),
    SettingDef("plan_transfers_target", _l("Plan target: major achievements transferred in the "
               "city each year (the plan says “several”; 0: not set)"), int, 0, 0, 100000),
    SettingDef("conversion_rate_formula", _l("Formula of the achievement conversion rate"),
               str, "period_registered", choices={
                   "period_registered": _l("Transferred in the period ÷ registered in the "
                                           "period"),
                   "period_listed": _l("Transferred in the period ÷ listed in the period"),
                   "cumulative": _l("Transferred to date ÷ registered to date")}),
]
BY_KEY = {d.key: d for d in DEFINITIONS}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


def _decode(definition, raw):
    return definition.kind(raw) if definition.kind is not str else str(raw)


def get(key):
    """The current value of a setting (the admin's, else the default)."""
    definition = BY_KEY[key]
    row = db.session.get(Setting, key)
    return definition.default if row is None else _decode(definition, row.value)


def all_values():
    rows = {row.key: row for row in db.session.scalars(db.select(Setting))}
    return {d.key: (_decode(d, rows[d.key].value) if d.key in rows else d.default)
            for d in DEFINITIONS}


def _parse(definition, text):
    text = (text or "").strip()
    if definition.kind is str:
        if definition.choices is not None and text not in definition.choices:
            raise ValueError(_l("Choose one of the listed values."))
        if definition.pattern_digits and not (
                text.isdigit() and len(text) == definition.pattern_digits):
            raise ValueError(_l("Enter exactly %(n)d digits.", n=definition.pattern_digits))
        return text
    try:
        value = definition.kind(text)
    except (ValueError, InvalidOperation):
        raise ValueError(_l("Enter a number.")) from None
    if definition.minimum is not None and value < definition.minimum:
        raise ValueError(_l("Must be at least %(n)s.", n=definition.minimum))
    if definition.maximum is not None and value > definition.maximum:
        raise ValueError(_l("Must be at most %(n)s.", n=definition.maximum))
    return value


def update(values: dict, actor):
    """Validate and save the settings in `values` (key -> text); audit each change."""
    errors, parsed = FieldErrors(), {}
    for key, text in values.items():
        try:
            parsed[key] = _parse(BY_KEY[key], text)
        except ValueError as exc:
            errors.add(key, exc.args[0])
    errors.raise_if_any()
    current = all_values()
    for key, value in parsed.items():
        if value == current[key]:
            continue
        stored = str(value) if isinstance(value, Decimal) else value
        row = db.session.get(Setting, key) or Setting(key=key)
        row.value, row.updated_at, row.updated_by_id = stored, clock.now(), actor.id
        db.session.add(row)
        audit.record("setting", 0, "change", actor, comment=key,
                     old=str(current[key]), new=str(value))
    db.session.commit()
