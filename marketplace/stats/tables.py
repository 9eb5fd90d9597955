"""The statistics as tables: what the page shows, each chart draws and each CSV file holds.

A table's cells keep their numbers (already in the unit of the reader's language: 万元 with two
decimals in Chinese, yuan in English); the page shows them with thousands separators and the
CSV file without, so the CSV holds exactly the table.
"""
import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from babel import numbers
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..brokers.states import LEVELS

PATTERNS = {"count": "#,##0", "amount": "#,##0.00", "percent": "#,##0.00", "share": "#,##0.0",
            "days": "#,##0.#"}
WAN = Decimal(10000)
# What a spreadsheet takes for the start of a formula in a cell of a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text):
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return text.strip() == text


def chinese():
    return str(get_locale()).startswith("zh")


def unit():
    """The unit amounts are shown in: 万元 in Chinese, yuan in English."""
    return "万元" if chinese() else "yuan"


def in_unit(amount):
    if amount is None:
        return None
    divisor = WAN if chinese() else 1
    return (Decimal(amount) / divisor).quantize(Decimal("0.01"), ROUND_HALF_UP)


def amount_text(amount):
    """An amount with its unit, as the tables show it: "143.46 万元", "1,434,567.89 yuan"."""
    return f"{Cell(in_unit(amount), 'amount').text} {unit()}"


@dataclass
class Cell:
    value: object
    kind: str = "text"  # text or one of PATTERNS
    link: str | None = None
    extra_link: str | None = None  # a second link (the bureau's list of contracts)

    @property
    def numeric(self):
        return self.kind != "text"

    def _format(self, grouped):
        if self.value is None:
            return _("n/a")
        if self.kind == "text":
            return str(self.value)
        pattern = PATTERNS[self.kind]
        if grouped:
            return format_decimal(self.value, pattern)
        return numbers.format_decimal(self.value, pattern.replace("#,##", ""), locale="en")

    @property
    def text(self):
        return self._format(grouped=True)

    @property
    def csv_text(self):
        text = self._format(grouped=False)
        if self.kind == "text" and text[:1] in FORMULA_STARTS and not _is_number(text):
            # A name typed as "=cmd|…" would be a formula in a spreadsheet (CSV injection):
            # the apostrophe makes it text, as OWASP advises.
            return "'" + text
        return text


@dataclass
class Table:
    name: str
    title: object
    columns: list  # headings
    rows: list = field(default_factory=list)  # lists of Cell
    total: list | None = None
    chart: dict | None = None
    note: object = None
    left: tuple = ()  # columns aligned left besides the first (text); the others are numbers

    def csv(self):
        """The table as CSV: UTF-8 with a byte-order mark, so that Excel reads the Chinese."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([str(c) for c in self.columns])
        for row in self.rows + ([self.total] if self.total else []):
            writer.writerow([cell.csv_text for cell in row])
        return "\ufeff" + out.getvalue()


def amount_heading(label):
    return _("%(measure)s (%(unit)s)", measure=label, unit=unit())


CONTRACTS = _l("Contracts")
CONTRACT_AMOUNT = _l("Contract amount")
TECHNOLOGY_AMOUNT = _l("Technology transaction amount")


def breakdown_table(name, title, groups, totals, links):
    """Groups of certified contracts with their count, amounts and share; `links(group)`
    gives the (label link, count link) of a group's row."""
    rows = []
    for group in groups:
        label_link, count_link = links(group)
        rows.append([Cell(str(group.label), link=label_link),
                     Cell(group.count, "count", link=count_link),
                     Cell(in_unit(group.total_amount), "amount"),
                     Cell(in_unit(group.technology_amount), "amount"),
                     Cell(group.share_of(totals), "share")])
    total = [Cell(_("Total")), Cell(totals.count, "count"),
             Cell(in_unit(totals.total_amount), "amount"),
             Cell(in_unit(totals.technology_amount), "amount"),
             Cell(Decimal("100.0") if totals.total_amount else None, "share")]
    columns = [title, _("Contracts"), amount_heading(CONTRACT_AMOUNT),
               amount_heading(TECHNOLOGY_AMOUNT), _("Share (%)")]
    chart = {"labels": [str(g.label) for g in groups],
             "label": str(amount_heading(CONTRACT_AMOUNT)),
             "values": [float(in_unit(g.total_amount)) for g in groups],
             "counts": [g.count for g in groups], "count_label": _("Certified contracts")}
    return Table(name, title, columns, rows, total, chart)


def summary_table(totals, change, median_days, period_label):
    rows = [
        (_("Certified contracts"), totals.count, "count"),
        (amount_heading(CONTRACT_AMOUNT), in_unit(totals.total_amount), "amount"),
        (amount_heading(TECHNOLOGY_AMOUNT), in_unit(totals.technology_amount), "amount"),
        (_("Technology transaction amount as a share of the contract amount (%)"),
         totals.technology_ratio, "percent"),
        (amount_heading(_("Average contract amount")), in_unit(totals.average_amount),
         "amount"),
        (amount_heading(_("Contract amount in the same period of the previous year")),
         in_unit(change.previous), "amount"),
        (_("Growth on the previous year (%)"), change.rate, "percent"),
        (_("Plan target for growth (%)"), change.target, "percent"),
        (_("Median working days from submission to certification"), median_days, "days"),
    ]
    return Table("summary", _("Summary for %(period)s", period=period_label),
                 [_("Measure"), _("Value")],
                 [[Cell(label), Cell(value, kind)] for label, value, kind in rows])


def achievements_table(figures):
    rows = [
        (_("Achievements registered in the period"), figures.registered),
        (_("Achievements listed in the period"), figures.listed),
        (_("Achievements transferred in the period"), figures.transferred),
        (_("Achievements registered by the end of the period"), figures.registered_to_date),
        (_("Of them transferred by the end of the period"), figures.transferred_to_date),
    ]
    cells = [[Cell(label), Cell(value, "count")] for label, value in rows]
    cells.append([Cell(_("Conversion rate (%)")), Cell(figures.conversion_rate, "percent")])
    return Table("achievements", _("Achievements"), [_("Measure"), _("Value")], cells,
                 note=figures.formula_text)


def brokers_table(figures, profile_link):
    rows = [[Cell(row.name, link=profile_link(row.profile_id)),
             Cell(str(LEVELS.get(row.level, row.level))),
             Cell(row.deals, "count"), Cell(in_unit(row.deal_value), "amount"),
             Cell(row.contracts, "count")] for row in figures.rows]
    return Table("brokers", _("Verified brokers and their deals"),
                 [_("Broker"), _("Level"), _("Deals brokered"),
                  amount_heading(_("Value of the deals")),
                  _("Certified contracts naming the broker")], rows, left=(1,))


def status_text(on_track):
    """On track or behind, with a sign as well as the word (never colour alone)."""
    if on_track is None:
        return _("n/a")
    return "✓ " + _("On track") if on_track else "✗ " + _("Behind")


def _at_least(achieved, target):
    return None if achieved is None or not target else achieved >= target


def targets_table(change, figures, targets, whole_year):
    """The plan's targets next to what the period achieved. A target the plan gives no figure
    for (0 in the settings) shows the plan's words instead, and no status."""
    conversion, transfers = targets["plan_conversion_target"], targets["plan_transfers_target"]
    rows = [
        [Cell(_("Yearly growth of technology contract turnover (%)")),
         Cell(change.target, "percent"), Cell(change.rate, "percent"),
         Cell(status_text(change.on_track))],
        [Cell(_("Achievement conversion rate (%)")),
         Cell(conversion, "percent") if conversion else Cell(_("The national average")),
         Cell(figures.conversion_rate, "percent"),
         Cell(status_text(_at_least(figures.conversion_rate, conversion)))],
        [Cell(_("Major achievements transferred in the city in a year")),
         Cell(transfers, "count") if transfers else Cell(_("Several")),
         Cell(figures.transferred, "count"),
         Cell(status_text(_at_least(figures.transferred, transfers) if whole_year else None))],
    ]
    return Table("targets", _("The plan's targets"),
                 [_("Target"), _("The plan"), _("This period"), _("Status")], rows)
