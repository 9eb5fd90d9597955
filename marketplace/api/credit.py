"""API: credit records of organisations and brokers, and the ratings of a deal (extra to
API.md, described in the OpenAPI document)."""
from ..brokers import ratings
from ..brokers.engagement_queries import profile_of, profile_user_id
from ..credit import history, services
from ..extensions import db
from ..listings import deals
from .core import PageQuery, api_user, endpoint
from .credit_schemas import (
    CreditEventSchema,
    CreditRecordSchema,
    DealRatingsSchema,
    RatingInSchema,
    RatingSchema,
)

TAGS = ("credit",)


def _record(subject, args):
    score, grade = subject.score
    page = db.paginate(history.events(subject), page=args["page"], per_page=args["per_page"],
                       error_out=False)
    since, comments = history.window_start(), history.may_read_comments(subject, api_user())
    items = [CreditEventSchema().dump({
        "id": e.id, "kind": e.kind, "label": str(services.label(e.kind)), "points": e.points,
        "occurred_at": e.occurred_at, "counted": e.occurred_at >= since, "entity": e.entity,
        "entity_id": e.entity_id, "comment": e.comment if comments else None})
        for e in page.items]
    events = {"items": items, "total": page.total, "page": args["page"],
              "per_page": args["per_page"]}
    if subject.kind == "org":
        who = {"kind": "org", "id": subject.id, "name": subject.name}
    else:
        who = {"kind": "broker", "id": subject.profile.id, "user_id": subject.id,
               "name": subject.name}
    return {"subject": who, "score": score, "grade": grade,
            "grade_label": str(services.GRADE_LABELS[grade]), "events": events}


@endpoint("/credit/organizations/<int:org_id>", summary="An organisation's credit record",
          tags=TAGS, auth="optional", query=PageQuery, response=CreditRecordSchema,
          errors=(401, 404, 422))
def organization_credit(org_id, args):
    """Score, grade and events (the newest first): public once the organisation is verified;
    the events' comments only for its members and officers."""
    return _record(history.organization(org_id, api_user()), args)


@endpoint("/credit/brokers/<int:broker_id>", summary="A broker's credit record", tags=TAGS,
          auth="optional", query=PageQuery, response=CreditRecordSchema,
          errors=(401, 404, 422))
def broker_credit(broker_id, args):
    """By the broker's id as in /brokers/<id> (its profile id): public while verified; the
    events' comments only for the broker and officers."""
    return _record(history.broker_by_profile(broker_id, api_user()), args)


def _broker_key(user_id):
    """A broker as an API target: broker:<profile id> (None without a profile)."""
    profile = profile_of(user_id)
    return f"broker:{profile.id}" if profile is not None else None


def _target(rating):
    return rating.target_key if rating.target_kind == "org" else _broker_key(
        rating.target_broker_id)


def _rating(rating):
    return RatingSchema().dump({
        "id": rating.id, "deal_id": rating.deal_id,
        "rater": {"id": rating.rater_org.id, "name": rating.rater_org.name},
        "target": _target(rating), "target_name": ratings.target_name(rating),
        "score": rating.score, "comment": rating.comment, "created_at": rating.created_at,
        "updated_at": rating.updated_at, "editable_until": ratings.editable_until(rating)})


@endpoint("/deals/<int:deal_id>/ratings", summary="The ratings of a deal", tags=("deals",),
          auth="required", response=DealRatingsSchema, errors=(401, 404))
def deal_ratings(deal_id):
    """For the deal's parties, brokers and the bureau: every rating given on the deal, and,
    for a party, whom its organisation may rate."""
    user = api_user()
    deal = deals.get_visible(deal_id, user)
    panel = ratings.for_deal_page(deal, user)
    targets = []
    for row in panel["rows"]:
        target, rating = row["target"], row["rating"]
        key = target.key if target.kind == "org" else _broker_key(target.id)
        targets.append({"target": key, "name": target.name, "role": str(target.role),
                        "rating_id": rating.id if rating else None,
                        "editable": row["editable"]})
    return {"items": [_rating(r) for r in ratings.on_deal(deal)], "targets": targets}


@endpoint("/deals/<int:deal_id>/ratings", "PUT", summary="Rate a party or broker of a deal",
          tags=("deals",), auth="required", body=RatingInSchema, response=RatingSchema,
          status=200, errors=(400, 401, 403, 404, 409, 422))
def rate_deal(deal_id, data):
    """A party (institute or enterprise member of the seller or the buyer) rates the other
    party or a broker of the deal 1–5 with a comment: 201 the first time, 200 when it changes
    its rating within RATING_EDIT_DAYS (7) days of giving it, 409 afterwards."""
    kind, _, number = data["target"].partition(":")
    key = f"org:{number}" if kind == "org" else f"broker:{profile_user_id(int(number))}"
    rating, created = ratings.rate(deal_id, api_user(), key, data["score"], data["comment"])
    return _rating(rating), 201 if created else 200
