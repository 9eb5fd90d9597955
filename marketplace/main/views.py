"""The home page: what the market is, for a visitor, and where to start, for each role."""
from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from ..accounts.models import Organization, OrgStatus
from ..codes import FIELDS
from ..extensions import db
from ..verification import verify

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Explain the market and show how many verified organisations take part."""
    verified = db.session.scalar(select(func.count()).select_from(Organization)
                                 .where(Organization.status == OrgStatus.VERIFIED))
    return render_template("main/home.html", verified_organizations=verified, fields=FIELDS)


@bp.get("/verify/<number>")
def verify_certificate(number):
    """Anyone checks a certificate by its number and verification code."""
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("main/verify_form.html", number=number)
    template, context = verify(number, code)
    return render_template(template, number=number, **context)
