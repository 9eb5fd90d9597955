"""The home page: what the market is, for a visitor, and where to start, for each role."""
from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..accounts.models import Organization, OrgStatus
from ..codes import FIELDS
from ..extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Explain the market and show how many verified organisations take part."""
    verified = db.session.scalar(select(func.count()).select_from(Organization)
                                 .where(Organization.status == OrgStatus.VERIFIED))
    return render_template("main/home.html", verified_organizations=verified, fields=FIELDS)
