"""Hostile text put into every free-text column of the world, and how to tell it rendered live."""
import sqlalchemy as sa

from marketplace.extensions import db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Each also starts as a spreadsheet formula would (=, @, +, -): CSV exports must defuse them.
PAYLOADS = ("=cmd|' /C calc'!A0" + SCRIPT, "@SUM(1)" + IMG, "+1" + SCRIPT, "-1" + IMG)
FORMULA_STARTS = ("=", "@", "+", "-")
# What must never reach a page unescaped (the markup of the payloads above).
LIVE_MARKERS = ("<script>alert(1)", "<img src=x onerror")

# table -> the free-text columns people type (names, titles, descriptions, comments…).
FREE_TEXT = {
    "organizations": ("name", "address", "contact_name", "review_comment"),
    "workday_overrides": ("note",),
    "achievements": ("title", "title_en", "summary", "details", "evaluation_certificate",
                     "confidentiality_terms", "review_comment"),
    "achievement_completers": ("name", "organization"),
    "broker_engagements": ("message", "response_comment"),
    "credit_events": ("comment",),
    "needs": ("title", "description", "review_comment"),
    "notifications": ("message",),
    "saved_searches": ("name", "query"),
    "broker_profiles": ("real_name", "certificate_issuer", "professional_title", "bio",
                        "review_comment"),
    "disclosure_requests": ("message",),
    "listings": ("licence_territory", "buyer_conditions", "review_comment", "end_comment"),
    "messages": ("body",),
    "listing_intents": ("statement", "decision_comment"),
    "need_responses": ("message", "decision_comment"),
    "complaints": ("subject", "description", "decision_reason", "response"),
    "contracts": ("title", "seller_name", "buyer_name", "broker_name", "review_comment"),
    "contract_items": ("name",),
    "ratings": ("comment",),
    "blacklist_entries": ("reason", "lift_reason"),
    "stored_files": ("original_name",),
}


def inject():
    """Prefix every non-empty free-text value with a payload (cycling through PAYLOADS by
    column), cut to the column's length. Returns how many columns were changed."""
    changed = 0
    for table_name, columns in FREE_TEXT.items():
        table = db.metadata.tables[table_name]
        for column_name in columns:
            column = table.c[column_name]
            payload = PAYLOADS[changed % len(PAYLOADS)]
            value = sa.literal(payload) + column
            if getattr(column.type, "length", None):
                value = sa.func.substr(value, 1, column.type.length)
            db.session.execute(table.update().where(column.is_not(None)).values(
                {column_name: value}))
            changed += 1
    from marketplace.inbox.models import Notification

    for note in db.session.scalars(sa.select(Notification).where(
            Notification.params.is_not(None))):
        note.params = {key: f"{PAYLOADS[changed % len(PAYLOADS)]}{value}"
                       for key, value in note.params.items()}
    db.session.commit()
    from marketplace.search import rebuild

    rebuild(procs=1)  # search results and their highlights show the hostile text too
    return changed


def shown_escaped(html):
    """Whether `html` shows a payload, escaped as Jinja does."""
    return "&lt;script&gt;alert(1)" in html or "&lt;img src=x onerror" in html


def live_markup(html):
    """The payload markup found unescaped in `html` (empty when it is inert)."""
    return [marker for marker in LIVE_MARKERS if marker in html]
