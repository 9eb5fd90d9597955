"""The statistics page's period chooser and the bureau's monthly report chooser (GET forms)."""
from datetime import date

from flask_babel import LazyString, format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


def _months():
    """The months by name in the reader's language (一月 …, January …)."""
    return [(str(m), LazyString(format_date, date(2000, m, 1), "LLLL")) for m in range(1, 13)]


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form

    year = SelectField(_l("Year"), choices=[])
    quarter = SelectField(_l("Quarter"), choices=[("", _l("The whole year"))] + [
        (str(q), _l("Quarter %(n)d", n=q)) for q in range(1, 5)])
    month = SelectField(_l("Month"), choices=[("", _l("All months"))] + _months())


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField(_l("Year"), choices=[], id="report-year")
    month = SelectField(_l("Month"), choices=_months(), id="report-month")


def with_years(form, years):
    """Offer `years` (newest first), keeping a requested year that is not among them."""
    wanted = form.year.data
    choices = [str(y) for y in sorted(years, reverse=True)]
    if wanted and wanted not in choices:
        choices.insert(0, wanted)
    form.year.choices = [(y, y) for y in choices]
    return form
