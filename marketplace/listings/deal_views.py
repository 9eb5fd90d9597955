"""Deal pages: the public deal announcements (成交公告), a user's deals, the deal confirmation
(成交确认书) and the transaction certificate (交易凭证), and their public verification."""
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..contracts import services as contracts
from ..extensions import db
from ..verification import qr_data_uri, register_verifier
from . import deals
from .models import Deal

bp = Blueprint("deals", __name__, url_prefix="/deals")
PER_PAGE = 20


def _page_of(stmt):
    return db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)


@bp.get("")
def index():
    """The deals being announced now, the newest first."""
    return render_template("listings/deals.html", page=_page_of(deals.announcements()))


@bp.get("/<int:deal_id>/announcement")
def announcement(deal_id):
    """One public deal announcement, while it lasts."""
    return render_template("listings/deal_announcement.html",
                           deal=deals.get_announcement(deal_id))


@bp.get("/mine")
@login_required
def mine():
    """The deals of the user's organisation or that the user brokered; officers see all."""
    stmt = select(Deal).order_by(Deal.dealt_at.desc()) if current_user.is_officer else \
        deals.deals_of(current_user)
    return render_template("listings/deals_mine.html", page=_page_of(stmt))


def _verify_url(deal, number):
    return url_for("main.verify_certificate", number=number, code=deal.verification_code,
                   _external=True)


@bp.get("/<int:deal_id>")
@login_required
def detail(deal_id):
    """The deal confirmation, for the parties, their brokers and the bureau."""
    deal = deals.get_visible(deal_id, current_user)
    contract = deal.contract
    return render_template(
        "listings/deal.html", deal=deal, listing=deal.listing,
        contract=contract if contract and contracts.may_view(current_user, contract) else None,
        announced=deals.is_announced(deal),
        verify_url=_verify_url(deal, deal.confirmation_number))


@bp.get("/<int:deal_id>/certificate")
@login_required
def certificate(deal_id):
    """The printable transaction certificate with its verification code and QR code."""
    deal = deals.get_visible(deal_id, current_user)
    verify_url = _verify_url(deal, deal.certificate_number)
    return render_template("listings/certificate.html", deal=deal, listing=deal.listing,
                           verify_url=verify_url, qr=qr_data_uri(verify_url))


def _verify_confirmation(number, code):
    return "listings/verify.html", {"deal": deals.by_confirmation_number(number, code),
                                    "kind": "confirmation"}


def _verify_certificate(number, code):
    return "listings/verify.html", {"deal": deals.by_certificate_number(number, code),
                                    "kind": "certificate"}


register_verifier(deals.CONFIRMATION_DIGITS, _verify_confirmation)
register_verifier(deals.CERTIFICATE_DIGITS, _verify_certificate)
