"""Engagement forms: they collect input; the rules are in engagements.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField


class InviteForm(FlaskForm):
    broker_id = SelectField(_l("Technology broker"), choices=[], validate_choice=False,
                            description=_l("Verified brokers of the market, with their level."))
    commission = StringField(_l("Commission agreed (yuan, optional)"), description=_l(
        "What you pay the broker; recorded on the deal once the broker accepts."))
    message = TextAreaField(_l("Message to the broker (optional)"))
    side = HiddenField()
    next = HiddenField()


class AnswerForm(FlaskForm):
    """The broker's answer, and the principal's withdrawal or end: an optional comment."""

    comment = TextAreaField(_l("Comment (optional)"))
    version = HiddenField()
    next = HiddenField()
