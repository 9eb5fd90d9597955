"""Public statistics page and its CSV files; the bureau's list of the contracts behind a
number and its monthly report for the national statistics."""
from datetime import timedelta

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..accounts.models import Role
from ..auth import roles_required
from ..contracts.models import Contract
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms import apply_errors
from . import periods, services
from .dimensions import DIMENSIONS
from .forms import PeriodForm, ReportForm, with_years
from .page import StatsPage, years_with_data
from .tables import amount_text

bp = Blueprint("stats", __name__, url_prefix="/stats")


def _scope(args):
    """The period and drill-down filters of the request (ValidationFailed when wrong)."""
    period = periods.parse(args.get("year"), args.get("quarter"), args.get("month"))
    return period, services.parse_filters(args)


def _is_officer():
    return current_user.is_authenticated and current_user.is_officer


def _is_bureau():
    return current_user.is_authenticated and current_user.role == Role.BUREAU


def _report_form():
    last_month = clock.today().replace(day=1) - timedelta(days=1)
    form = ReportForm(data={"year": str(last_month.year), "month": str(last_month.month)})
    return with_years(form, years_with_data())


@bp.get("")
def index():
    """The market's figures for a year, quarter or month, optionally within one group."""
    form = with_years(PeriodForm(request.args), years_with_data())
    try:
        period, filters = _scope(request.args)
    except ValidationFailed as exc:
        messages = apply_errors(form, exc)
        return render_template("stats/index.html", form=form, messages=messages,
                               page=None), 422
    if not form.year.data:
        form.year.data = str(period.year)
        with_years(form, years_with_data())
    page = StatsPage(period, filters, officer=_is_officer())
    return render_template("stats/index.html", form=form, page=page, messages=None,
                           report_form=_report_form() if _is_bureau() else None,
                           amount=amount_text)


def _csv(table, filename):
    return Response(table.csv(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<name>.csv")
def table_csv(name):
    """One table of the page as CSV (UTF-8 with BOM): the same rows and numbers."""
    period, filters = _scope(request.args)
    page = StatsPage(period, filters, officer=_is_officer())
    table = page.table(name)
    if table is None:
        raise NotFound()
    return _csv(table, f"stats-{name}-{page.slug}.csv")


@bp.get("/contracts")
@roles_required(Role.BUREAU, Role.ADMIN)
def contracts():
    """The certified contracts behind a number of the page (the bureau's drill-down)."""
    period, filters = _scope(request.args)
    stmt = (db.select(Contract).where(*services.certified_in(period, filters))
            .order_by(Contract.certified_at.desc(), Contract.id.desc()))
    listing = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=50,
                          error_out=False)
    return render_template("stats/contracts.html", listing=listing, period=period,
                           filters=filters, dimensions=DIMENSIONS,
                           totals=services.summary(period, filters), amount=amount_text,
                           back=url_for(".index", **period.args(), **filters))


@bp.get("/report.csv")
@roles_required(Role.BUREAU)
def monthly_report():
    """The month's report with the national form's fields, for the national system."""
    from .report import monthly_report as build

    args = request.args
    if not args.get("month"):
        raise ValidationFailed(fields={"month": [_("Choose a month from 1 to 12.")]})
    period = periods.parse(args.get("year"), None, args.get("month"))
    return _csv(build(period), f"technology-contracts-{period.year}-{period.month:02d}.csv")
