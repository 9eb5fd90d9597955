"""The reply form: it collects the text; the rules are in services.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from .services import MAX_BODY


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), render_kw={"rows": 4, "maxlength": MAX_BODY},
                         description=_l("Up to %(n)d characters. The other side is notified.",
                                        n=MAX_BODY))
