"""Real ids of the demo market (`flask seed-demo`, built afresh for each world) for the URL
parameters of every route, and the extra records the security suite adds to it.

Owners: organisation 1 is coalinst's (institute A), 2 luliangu's (institute B), 3 fenjiu's
(enterprise A), 4 xiaoyicoal's (enterprise B), 5 the intermediary of user `broker` (7);
broker2 (8) has none. Each id names a record that is NOT public where the kind has private
states, so the matrix sees who may read someone else's record.
"""
import sqlalchemy as sa

from marketplace.extensions import db

# url parameter -> value, for every rule unless OVERRIDES says otherwise.
IDS = {
    "achievement_id": 12,  # luliangu's, submitted (not public)
    "action": "submit",
    "file_id": 28,  # a contract file of coalinst's organisation
    "request_id": 1,  # no disclosure request exists in the demo: 404 for all
    "decision": "grant",
    "day": "2026-10-01",
    "user_id": 9,  # newcomer (enterprise): the admin's target, never a matrix client
    "entry_id": 1,  # the blacklist entry of broker5
    "profile_id": 8,  # broker6's profile, pending (not public)
    "complaint_id": 3,  # fenjiu's complaint against broker, submitted
    "contract_id": 71,  # coalinst's contract, draft
    "broker_id": 7,
    "org_id": 1,
    "deal_id": 3,  # seller coalinst, buyer fenjiu, broker2 the seller's broker
    "engagement_id": 6,  # coalinst invites broker4 to listing 8 (invited)
    "listing_id": 17,  # coalinst's draft listing
    "intent_id": 12,
    "need_id": 10,  # fenjiu's draft need
    "response_id": 10,
    "registration_number": "141202610001",
    "number": "2025141100010004",
    "thread_id": None,  # set by add_records (a conversation on deal 3)
    "subject": "listing",
    "subject_id": 17,
    "notification_id": 1,  # coalinst's
    "kind": "org",
    "target_id": 3,
    "saved_id": None,  # set by add_records (coalinst's saved search)
    "token": "no-such-token",
    "name": "summary",
    "filename": "css/site.css",
}

# "METHOD rule" -> parameters that differ from IDS for that rule.
OVERRIDES = {
    "GET /achievements/<int:achievement_id>/certificate": {"achievement_id": 1},
    "GET /achievements/<int:achievement_id>/disclosure": {"achievement_id": 1},
    "POST /achievements/<int:achievement_id>/disclosure": {"achievement_id": 1},
    "GET /brokers/<int:profile_id>/photo": {"profile_id": 1},
    "GET /credit/brokers/<int:user_id>": {"user_id": 7},
    "POST /listings/<int:listing_id>/intents/<int:intent_id>/decline": {"listing_id": 13},
    "POST /listings/<int:listing_id>/intents/<int:intent_id>/withdraw": {"listing_id": 13},
    "POST /bureau/listings/<int:listing_id>/intents/<int:intent_id>/disqualify":
        {"listing_id": 13},
    "POST /api/v1/listings/<int:listing_id>/intents/<int:intent_id>/decline":
        {"listing_id": 13},
    "POST /api/v1/listings/<int:listing_id>/intents/<int:intent_id>/disqualify":
        {"listing_id": 13},
    "POST /api/v1/listings/<int:listing_id>/intents/<int:intent_id>/withdraw":
        {"listing_id": 13},
}
for _action in ("accept", "confirm", "decline", "refuse", "shortlist", "withdraw"):
    for _prefix in ("", "/api/v1"):
        OVERRIDES[f"POST {_prefix}/needs/<int:need_id>/responses/<int:response_id>/{_action}"] \
            = {"need_id": 7}


def add_records(world):
    """What the demo lacks: a conversation (on deal 3) and a saved search, both coalinst's."""
    from marketplace.accounts.models import User
    from marketplace.listings.models import Deal
    from marketplace.messages import services as messages
    from marketplace.search import saved

    coalinst = db.session.scalar(sa.select(User).where(User.username == "coalinst"))
    thread = messages.thread_for("deal", db.session.get(Deal, 3), None, coalinst)
    messages.post(thread.id, coalinst, "请确认移交清单。")
    searched = saved.create(coalinst, "煤", name="煤炭技术")
    db.session.commit()
    world.ids = {**IDS, "thread_id": thread.id, "saved_id": searched.id}


def url_of(world, rule, method):
    """The rule's URL with the world's ids (and the rule's overrides) filled in."""
    values = {**world.ids, **OVERRIDES.get(f"{method} {rule.rule}", {})}
    with world.app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})


def methods_of(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})
