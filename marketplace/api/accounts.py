"""API.md "Accounts": tokens, registration, the current user, organisations."""
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock
from ..accounts import services
from ..accounts.models import ApiToken, Organization, OrgStatus
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from .core import Unauthorized, api_user, endpoint, page_of, page_schema, token_digest
from .schemas import (
    OrganizationListQuery,
    OrganizationSchema,
    RegisterSchema,
    ReviewSchema,
    TokenRequestSchema,
    TokenSchema,
    UserSchema,
)

TAGS = ("accounts",)


@endpoint("/tokens", "POST", summary="Create an API token", tags=TAGS,
          body=TokenRequestSchema, response=TokenSchema, status=201, errors=(401, 422, 429))
def create_token(data):
    """Exchange a user name and password for a bearer token (login throttling applies)."""
    try:
        user = services.authenticate(data["username"], data["password"],
                                     request.remote_addr or "unknown")
    except ValidationFailed:
        raise Unauthorized(_l("Wrong user name or password.")) from None
    token = secrets.token_urlsafe(32)
    moment = clock.now()
    row = ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=moment,
                   expires_at=moment + timedelta(hours=current_app.config["API_TOKEN_HOURS"]))
    db.session.add(row)
    db.session.commit()
    # Dumped here: endpoint() passes a dict through as it is, and expires_at must be ISO 8601.
    return TokenSchema().dump({"token": token, "expires_at": row.expires_at})


@endpoint("/tokens/current", "DELETE", summary="Revoke the token in use", tags=TAGS,
          auth="required", status=204, errors=(401,))
def revoke_token():
    """Revoke the bearer token this request carries."""
    g.api_token.revoked_at = clock.now()
    db.session.commit()
    return None


@endpoint("/register", "POST", summary="Register an enterprise, institute or broker", tags=TAGS,
          body=RegisterSchema, response=UserSchema, status=201, errors=(400, 422))
def register(data):
    """Self-registration; the organisation is omitted for a broker without an employer."""
    org = data.pop("organization")
    registration = services.Registration(
        **data, organization=services.OrganizationData(**org) if org else None)
    return services.register(registration, require_contact=False)


@endpoint("/me", summary="The token's user", tags=TAGS, auth="required", response=UserSchema,
          errors=(401,))
def me():
    """The user the bearer token belongs to, with their organisation."""
    return api_user()


@endpoint("/organizations", summary="List organisations", tags=TAGS, auth="optional",
          query=OrganizationListQuery, response=page_schema(OrganizationSchema),
          errors=(401, 403, 422))
def list_organizations(args):
    """Verified organisations for everyone; officers may ask for any status."""
    user = api_user()
    status = args.get("status") or OrgStatus.VERIFIED
    if status != OrgStatus.VERIFIED and not (user and user.is_officer):
        raise Unauthorized() if user is None else PermissionDenied()
    stmt = select(Organization).where(Organization.status == status).order_by(Organization.id)
    return page_of(stmt, args, OrganizationSchema)


@endpoint("/organizations/<int:org_id>", summary="One organisation", tags=TAGS,
          auth="optional", response=OrganizationSchema, errors=(401, 404))
def get_organization(org_id):
    """Public once verified; before that, only to its members and officers."""
    org = services.get_organization(org_id)
    if not services.may_view_organization(api_user(), org):
        raise NotFound()
    return org


@endpoint("/organizations/<int:org_id>/verify", "POST", summary="Verify or reject (bureau)",
          tags=TAGS, auth="required", body=ReviewSchema, response=OrganizationSchema,
          errors=(401, 403, 404, 409, 422))
def verify_organization(org_id, data):
    """The bureau's decision on an organisation; a reason is required to reject."""
    return services.review_organization(org_id, data["decision"], api_user(), data["comment"])
