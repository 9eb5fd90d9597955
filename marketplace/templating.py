"""Jinja filters and globals: local times, money, the viewer, language links."""
from decimal import Decimal

from flask import request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from . import audit
from .accounts.models import ORG_STATUS_LABELS, ROLE_LABELS
from .achievements.states import (
    ATTRIBUTES,
    CATEGORIES,
    EVALUATION_METHODS,
    EVIDENCE_KINDS,
    IP_STATUSES,
    IP_TYPES,
    LEVELS,
    SECRECY,
    SOURCES,
    STATUS_LABELS,
    maturity_stage,
)
from .codes import COUNTIES, ENTITY_TYPES, FIELDS, ORG_KINDS, PARTY_REGIONS, REGIONS, TECH_DOMAINS
from .contracts import states as contract_states
from .extensions import db
from .listings import states as listing_states


def money(value, unit="yuan"):
    """Format yuan for people: 万元 in Chinese above ten thousand, 元 otherwise."""
    if value is None:
        return ""
    value = Decimal(value)
    if str(get_locale()).startswith("zh"):
        if abs(value) >= 10000:
            return f"{format_decimal(value / 10000, format='#,##0.####')} 万元"
        return f"{format_decimal(value, format='#,##0.00')} 元"
    return f"¥{format_decimal(value, format='#,##0.00')}"


def filesize(size):
    """Bytes as B, KB or MB, with the locale's number format (the units read the same in
    Chinese and English)."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{format_decimal(size / factor, format='#,##0.#')} {unit}"
    return f"{format_decimal(size)} B"


def lang_url(lang):
    """The current page in another language."""
    args = dict(request.args)
    args["lang"] = lang
    if request.endpoint and request.method == "GET":
        return url_for(request.endpoint, **(request.view_args or {}), **args)
    return url_for("main.home", lang=lang)


def url_with(**changes):
    """The current URL with some query arguments changed (for pagination and filters)."""
    args = dict(request.args)
    args.update({k: v for k, v in changes.items()})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app):
    app.jinja_env.filters["datetime"] = lambda v, fmt="medium": format_datetime(v, fmt) if v else ""
    app.jinja_env.filters["date"] = lambda v, fmt="medium": format_date(v, fmt) if v else ""
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.globals.update(
        lang_url=lang_url, url_with=url_with, COUNTIES=COUNTIES, REGIONS=REGIONS,
        ORG_KINDS=ORG_KINDS, ENTITY_TYPES=ENTITY_TYPES, FIELDS=FIELDS,
        ROLE_LABELS=ROLE_LABELS, ORG_STATUS_LABELS=ORG_STATUS_LABELS, audit_label=audit.label,
        ACHIEVEMENT_LABELS={
            "category": CATEGORIES, "level": LEVELS, "attribute": ATTRIBUTES, "source": SOURCES,
            "secrecy": SECRECY, "evaluation": EVALUATION_METHODS, "ip_type": IP_TYPES,
            "ip_status": IP_STATUSES, "evidence": EVIDENCE_KINDS, "status": STATUS_LABELS},
        maturity_stage=maturity_stage,
        TECH_DOMAINS=TECH_DOMAINS, PARTY_REGIONS=PARTY_REGIONS,
        CONTRACT_LABELS={
            "type": contract_states.TYPES, "subtype": contract_states.SUBTYPES,
            "subtypes_of": contract_states.SUBTYPES_OF,
            "status": contract_states.STATUS_LABELS,
            "payment": contract_states.PAYMENT_METHODS, "plan": contract_states.PLAN_CATEGORIES,
            "ip": contract_states.IP_KINDS, "rejection": contract_states.REJECTION_GROUNDS,
            "revocation": contract_states.REVOCATION_GROUNDS,
            "seller_role": contract_states.SELLER_ROLE,
            "buyer_role": contract_states.BUYER_ROLE},
        LISTING_LABELS={
            "status": listing_states.STATUS_LABELS,
            "transfer_mode": listing_states.TRANSFER_MODES,
            "deal_mode": listing_states.DEAL_MODES,
            "intent": listing_states.INTENT_STATUSES,
            "decline": listing_states.DECLINE_REASONS},
    )

    @app.context_processor
    def viewer_context():
        # Computed defensively: the error page must render even when the database is down.
        viewer, unread, unread_messages = None, 0, 0
        try:
            if current_user.is_authenticated:
                viewer = current_user._get_current_object()
                from .inbox.services import unread_count
                from .messages.services import unread_total

                unread = unread_count(viewer)
                unread_messages = unread_total(viewer)
        except SQLAlchemyError:
            db.session.rollback()
        return {"viewer": viewer, "unread_count": unread, "unread_messages": unread_messages,
                "locale": str(get_locale())}
