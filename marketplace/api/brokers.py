"""API.md "Brokers": the broker's own profile, the bureau's verification, the public directory
and a profile with its computed track record."""
from flask import request

from ..brokers import directory, services
from ..brokers.track_record import track_record
from ..errors import NotFound
from ..extensions import db
from .broker_schemas import (
    BrokerDecisionSchema,
    BrokerDetailSchema,
    BrokerInSchema,
    BrokerListQuery,
    BrokerSchema,
    TrackRecordSchema,
)
from .core import api_user, endpoint, page_schema

TAGS = ("brokers",)
PRIVATE = ("review_comment",)
CONTACT = ("contact_phone", "contact_email")


def dump(profile, viewer, schema=BrokerSchema, **extra):
    """A profile as API.md shows it to `viewer`: the contact only with a token, the bureau's
    comment only to the broker and officers."""
    body = schema().dump(profile)
    if viewer is None:
        body.update(dict.fromkeys(CONTACT))
    if not (services.is_own(viewer, profile) or getattr(viewer, "is_officer", False)):
        body.update(dict.fromkeys(PRIVATE))
    body.update(extra)
    return body


def _detail(profile, viewer):
    return dump(profile, viewer, BrokerDetailSchema,
                track_record=TrackRecordSchema().dump(track_record(profile)))


@endpoint("/brokers/me", "PUT", summary="File or change your profile (broker)", tags=TAGS,
          auth="required", body=BrokerInSchema, response=BrokerDetailSchema, status=200,
          errors=(400, 401, 403, 409, 422))
def put_my_profile(data):
    """201 when the profile is new (pending verification), 200 when changed. Changing the
    qualification of a verified profile (real name, level, filing number, certificate) sends
    it back to `pending`; changing a rejected one files it again."""
    user = api_user()
    current = services.profile_of(user)
    base = services.data_of(current) if current is not None else services.ProfileData()
    for name, value in data.items():
        setattr(base, name, value)
    profile, created = services.save_profile(user, base)
    return _detail(profile, user), 201 if created else 200


@endpoint("/brokers/me", summary="Your profile (broker)", tags=TAGS, auth="required",
          response=BrokerDetailSchema, errors=(401, 404))
def get_my_profile():
    profile = services.profile_of(api_user())
    if profile is None:
        raise NotFound()
    return _detail(profile, api_user())


@endpoint("/brokers/me/photo", "POST", summary="Upload your photo (broker)", tags=TAGS,
          auth="required", response=BrokerDetailSchema, errors=(401, 403, 404, 409, 422),
          multipart={"photo": {"type": "string", "format": "binary"}})
def upload_my_photo():
    """multipart/form-data with `photo` (PNG or JPEG)."""
    user = api_user()
    return _detail(services.set_photo(user, request.files.get("photo")), user)


@endpoint("/brokers/<int:profile_id>/verify", "POST", summary="Decide on a profile (bureau)",
          tags=TAGS, auth="required", body=BrokerDecisionSchema, response=BrokerDetailSchema,
          errors=(400, 401, 403, 404, 409, 422))
def verify_broker(profile_id, data):
    """verify / reject / suspend / reinstate / cancel (a comment is required to reject,
    suspend or cancel); the broker may cancel its own profile."""
    user = api_user()
    profile = services.decide(profile_id, data["decision"], user, data["comment"],
                              expected_version=data["version"])
    return _detail(profile, user)


@endpoint("/brokers", summary="The directory of verified brokers", tags=TAGS,
          auth="optional", query=BrokerListQuery, response=page_schema(BrokerSchema),
          errors=(401, 422))
def list_brokers(args):
    """Verified brokers only, filtered and sorted as on the directory page."""
    viewer = api_user()
    stmt = directory.directory(level=args["level"], field=args["field"],
                              region=args["region"], service=args["service"], q=args["q"],
                              sort=args["sort"])
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    return {"items": [dump(p, viewer) for p in page.items], "total": page.total,
            "page": args["page"], "per_page": args["per_page"]}


@endpoint("/brokers/<int:profile_id>", summary="One broker with its track record", tags=TAGS,
          auth="optional", response=BrokerDetailSchema, errors=(401, 404))
def get_broker(profile_id):
    """A verified broker (the broker itself and officers see it in any state), with
    `track_record` computed from deals, contracts, ratings, engagements and credit."""
    viewer = api_user()
    return _detail(services.get_visible(profile_id, viewer), viewer)
