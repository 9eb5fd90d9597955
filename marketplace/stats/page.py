"""The statistics page of one period (and drill-down): its figures and tables, each computed
once and only when shown or downloaded."""
from datetime import timedelta
from functools import cached_property

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import clock, settings
from ..contracts.models import Contract
from ..contracts.states import ContractStatus
from ..extensions import db
from . import activity, services
from .dimensions import DIMENSIONS
from .tables import (
    Cell,
    achievements_table,
    breakdown_table,
    brokers_table,
    in_unit,
    summary_table,
    targets_table,
    unit,
)

TIME_TITLES = {"quarter": _l("By quarter"), "month": _l("By month")}


def years_with_data():
    """The years the period chooser offers: from the first certification (at most five years
    back when there is none) to this year."""
    this_year = clock.today().year
    first = db.session.scalar(select(func.min(Contract.certified_at)).where(
        Contract.status == ContractStatus.CERTIFIED))
    start = clock.as_utc(first).astimezone(clock.LOCAL_TZ).year if first else this_year - 4
    return range(min(start, this_year), this_year + 1)


class StatsPage:
    def __init__(self, period, filters, officer=False):
        self.period, self.filters, self.officer = period, filters, officer

    # --- figures -------------------------------------------------------------------------
    @cached_property
    def totals(self):
        return services.counted(self.period, self.filters)[0]

    @cached_property
    def growth(self):
        return services.growth(self.period, self.filters, self.totals)

    @cached_property
    def median_days(self):
        return services.median_days_to_certify(self.period, self.filters)

    @cached_property
    def achievements(self):
        return activity.achievements(self.period)

    @cached_property
    def brokers(self):
        return activity.brokers(self.period)

    @property
    def slug(self):
        return "-".join(str(v) for v in self.period.args().values())

    @property
    def filter_labels(self):
        """(dimension title, group label, URL without this filter) of each active filter."""
        return [(DIMENSIONS[name].title, DIMENSIONS[name].label(key),
                 self.url(**{k: v for k, v in self.filters.items() if k != name}))
                for name, key in self.filters.items()]

    # --- links ---------------------------------------------------------------------------
    def url(self, endpoint="stats.index", period=None, **filters):
        return url_for(endpoint, **(period or self.period).args(), **filters)

    def _links(self, name):
        def links(group):
            filters = {**self.filters, name: group.key}
            public = self.url(**filters)
            return public, (self.url("stats.contracts", **filters) if self.officer and group.count
                            else None)
        return links

    def _time_links(self, unit):
        subs = dict(services.time_edges(self.period, unit))

        def links(group):
            sub = subs[group.key]
            return (self.url(period=sub, **self.filters),
                    self.url("stats.contracts", period=sub, **self.filters)
                    if self.officer and group.count else None)
        return links

    # --- tables --------------------------------------------------------------------------
    @property
    def time_units(self):
        return {"year": ("quarter", "month"), "quarter": ("month",), "month": ()}[
            self.period.kind]

    @property
    def table_names(self):
        """The tables the page shows, in order."""
        names = ["summary", *self.time_units, *DIMENSIONS]
        if not self.filters:  # the market as a whole: not a property of contracts
            names += ["targets", "achievements", "brokers"]
        return names

    def table(self, name):
        """One table by name, or None when the page does not show it."""
        if name not in self.table_names:
            return None
        if name == "summary":
            return summary_table(self.totals, self.growth, self.median_days,
                                 self.period.label())
        if name in DIMENSIONS:
            return breakdown_table(name, DIMENSIONS[name].title, services.breakdown(
                self.period, name, self.filters), self.totals, self._links(name))
        if name in TIME_TITLES:
            return breakdown_table(name, TIME_TITLES[name], services.breakdown(
                self.period, name, self.filters), self.totals, self._time_links(name))
        if name == "targets":
            return targets_table(self.growth, self.achievements, settings.all_values(),
                                 self.period.kind == "year")
        if name == "achievements":
            return achievements_table(self.achievements)
        return brokers_table(self.brokers, lambda profile_id: url_for(
            "brokers.detail", profile_id=profile_id))

    def tables(self):
        return {name: self.table(name) for name in self.table_names}

    def csv_url(self, name):
        return url_for("stats.table_csv", name=name, **self.period.args(), **self.filters)

    @property
    def headline(self):
        """(label, number, unit) of the figures at the top of the page."""
        totals, amount_unit = self.totals, unit()
        return [
            (_l("Certified contracts"), Cell(totals.count, "count").text, ""),
            (_l("Contract amount"), Cell(in_unit(totals.total_amount), "amount").text,
             amount_unit),
            (_l("Technology transaction amount"),
             Cell(in_unit(totals.technology_amount), "amount").text, amount_unit),
            (_l("Technology share of the contract amount"),
             Cell(totals.technology_ratio, "percent").text,
             "%" if totals.technology_ratio is not None else ""),
            (_l("Average per contract"), Cell(in_unit(totals.average_amount), "amount").text,
             amount_unit if totals.average_amount is not None else ""),
            (_l("Median working days to certify"), Cell(self.median_days, "days").text, ""),
        ]

    @property
    def compared_through(self):
        """The last day of the previous year's period compared, when it is cut short."""
        cut = self.growth.compared_until
        return cut - timedelta(days=1) if cut else None

    @property
    def growth_text(self):
        return Cell(self.growth.rate, "percent").text
