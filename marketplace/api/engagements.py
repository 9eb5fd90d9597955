"""API: engagements of technology brokers (SPEC.md §5): a party invites a broker onto its
listing, need or deal; the broker accepts or declines; the party withdraws or ends."""
from ..brokers import engagements
from ..brokers.models import Engagement
from .core import api_user, endpoint, page_of, page_schema
from .engagement_schemas import (
    AnswerInSchema,
    EngagementListQuery,
    EngagementSchema,
    InviteInSchema,
)

TAGS = ("engagements",)
ERRORS = (400, 401, 403, 404, 409, 422)


@endpoint("/engagements", summary="Your engagements", tags=TAGS, auth="required",
          query=EngagementListQuery, response=page_schema(EngagementSchema),
          errors=(401, 422))
def list_engagements(args):
    """A broker's invitations and engagements; a party's, those its organisation made;
    officers', all. `status` filters."""
    stmt = engagements.mine(api_user())
    if args["status"]:
        stmt = stmt.where(Engagement.status == args["status"])
    return page_of(stmt, args, EngagementSchema)


def _invite_view(subject):
    def view(data, **ids):
        # The public id of a broker is its profile's; an unknown one is refused as such.
        broker_id = engagements.profile_user_id(data["broker_id"]) or -1
        return engagements.invite(subject, ids[f"{subject}_id"], api_user(), broker_id,
                                  data["side"], data["commission"], data["message"])
    view.__name__ = f"invite_broker_{subject}"
    view.__doc__ = (f"A party of the {subject} invites a verified broker onto its own side "
                    "(`side` may be left out); the broker is told. 422 for a broker who may "
                    "not be engaged (not verified, on the blacklist, employed by the other "
                    "side); 409 when the side already has an open engagement.")
    endpoint(f"/{subject}s/<int:{subject}_id>/engagements", "POST",
             summary=f"Invite a broker onto a {subject}", tags=TAGS, auth="required",
             body=InviteInSchema, response=EngagementSchema, status=201, errors=ERRORS)(view)


for _subject in engagements.MODELS:
    _invite_view(_subject)


def _action_view(name, call, summary, doc):
    def view(engagement_id, data):
        return call(engagement_id, api_user(), data["comment"])
    view.__name__ = f"{name}_engagement"
    view.__doc__ = doc
    endpoint(f"/engagements/<int:engagement_id>/{name}", "POST", summary=summary, tags=TAGS,
             auth="required", body=AnswerInSchema, response=EngagementSchema,
             errors=ERRORS)(view)


_action_view("accept", engagements.accept, "Accept an invitation (the broker)",
             "→ `accepted`; on a deal (or a record already dealt) the broker and commission "
             "are recorded on the deal. 403 unless verified and off the blacklist.")
_action_view("decline", engagements.decline, "Decline an invitation (the broker)",
             "→ `declined`, with an optional comment; the party no longer names the broker.")
_action_view("withdraw", engagements.withdraw, "Withdraw an invitation (the party)",
             "→ `withdrawn` while the broker has not answered.")
_action_view("end", engagements.end, "End an accepted engagement (the party)",
             "→ `ended`; a deal already made keeps its broker.")
