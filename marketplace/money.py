"""Amounts of money: Decimal yuan with at most two decimals, parsed the same way everywhere."""
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

CENT = Decimal("0.01")


def parse_money(errors, name, value, required=False, positive=False):
    """A Decimal with at most two decimals, or None; adds an error to `errors` (FieldErrors)
    under `name` when it is not one."""
    if value in (None, ""):
        if required:
            errors.add(name, _l("This field is required."))
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors.add(name, _l("Enter an amount in yuan, such as 1200000.00."))
        return None
    if not amount.is_finite() or amount.quantize(CENT) != amount or abs(amount) >= 10**14:
        errors.add(name, _l("Enter an amount in yuan, such as 1200000.00."))
        return None
    if amount < 0 or (positive and amount == 0):
        errors.add(name, _l("The amount must be more than zero.") if positive
                   else _l("The amount cannot be negative."))
        return None
    return amount.quantize(CENT)  # "1500000" is kept (and audited) as 1500000.00
