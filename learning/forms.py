"""The base form every form derives from, and the fields several forms share."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import TextInput

from learning.i18n import lazy_gettext as _l

# C0 control characters other than tab and newlines: never typed by a person, and NUL is
# refused by PostgreSQL text columns.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


TOO_LONG = _l("This is longer than allowed (at most %(max)d characters).")

# No number in any form names or counts more than an INTEGER column holds (32 bits on
# PostgreSQL), and no date is meant outside these years: refused here, such values would
# overflow the database or the time-zone arithmetic (a 500) instead of getting a message.
MAX_NUMBER = 2**31 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _out_of_range(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -MAX_NUMBER <= value <= MAX_NUMBER:
        return str(_l("This number is too large."))
    if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        return str(
            _l(
                "Enter a date between %(first)d and %(last)d.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )
    return None


class Form(FlaskForm):
    """A Flask-WTF form (CSRF included) that also refuses control characters in any field."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and _CONTROL_CHARACTERS.search(field.data):
                field.errors = [*field.errors, _l("This contains characters that are not allowed.")]
                valid = False
            values = field.data if isinstance(field.data, list) else [field.data]
            problem = next(filter(None, map(_out_of_range, values)), None)
            if problem:
                field.errors = [*field.errors, problem]
                field.data = None  # a page shown again with the error must not look it up
                valid = False
        return valid


class DayField(DateField):
    """A date typed dd/mm/yyyy in a text box: the one date input style of the app.

    A browser's date picker shows the phone's own format (mm/dd/yyyy on an English phone),
    so every date field is text with numeric keys; yyyy-mm-dd is still accepted.
    """

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%d/%m/%Y", "%Y-%m-%d"])
        render_kw = {"inputmode": "numeric", "placeholder": "dd/mm/yyyy", "maxlength": 10}
        kwargs["render_kw"] = {**render_kw, **kwargs.get("render_kw", {})}
        super().__init__(*args, **kwargs)


class MomentField(DateTimeField):
    """A date and time typed dd/mm/yyyy HH:MM in a text box (see DayField); the ISO form a
    datetime-local box sends is still accepted."""

    widget = TextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        render_kw = {"placeholder": "dd/mm/yyyy hh:mm", "maxlength": 16}
        kwargs["render_kw"] = {**render_kw, **kwargs.get("render_kw", {})}
        super().__init__(*args, **kwargs)


class NewPasswordForm(Form):
    """A form that sets a new account's password: the password, typed twice."""

    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(min=8, max=128, message=_l("The password must have 8 to 128 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class NewAccountForm(NewPasswordForm):
    """Someone registering: their name and phone number, and the password typed twice."""

    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter your full name.")), Length(max=200, message=TOO_LONG)],
    )
    phone = StringField(
        _l("Phone number"),
        validators=[DataRequired(_l("Enter your phone number.")), Length(max=30, message=TOO_LONG)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    # Labels may be lazy strings: they are rendered in the request's language, not now.
    return [SelectChoice(value, label) for value, label in pairs]
