"""Forms for contests: the organiser's contest and round forms, registration and entry,
the prediction asked before submitting, and the officer's confirmation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from learning.contests.models import CATEGORY_LABELS, Category
from learning.forms import TOO_LONG, Form, MomentField, NewAccountForm, choices
from learning.i18n import lazy_gettext as _l

BIRTH_YEAR = _l("Enter a year between 1930 and 2015.")
CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS[c]) for c in Category]
GENDER_CHOICES = [("", "—"), ("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other"))]


def as_utc(local: dt.datetime, zone: str) -> dt.datetime:
    """A wall-clock time typed in the interface's zone, as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def as_local(moment: dt.datetime, zone: str) -> dt.datetime:
    """An aware UTC datetime as the naive wall-clock time a datetime-local field shows."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


class ContestForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("A title is required.")), Length(max=300, message=TOO_LONG)],
    )
    rules = TextAreaField(_l("Rules"), validators=[Length(max=20_000, message=TOO_LONG)])
    unit_codes = StringField(
        _l("Open to the units with these codes (blank: everyone)"),
        validators=[Length(max=2000, message=TOO_LONG)],
    )
    allows_registration = BooleanField(_l("People without an account may register"))
    is_published = BooleanField(_l("Published"))
    prize_count = IntegerField(
        _l("Individual prizes per round"),
        default=10,
        validators=[InputRequired(), NumberRange(1, 1000)],
    )
    award_min_members = IntegerField(
        _l("Minimum members for a unit award"),
        default=10,
        validators=[InputRequired(), NumberRange(0, 1_000_000)],
    )
    suspicious_percent = IntegerField(
        _l("Suspicious below this share of the time limit (%)"),
        default=20,
        validators=[InputRequired(), NumberRange(0, 100)],
    )


class RoundForm(Form):
    opens_at = MomentField(
        _l("Opens"),
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    closes_at = MomentField(
        _l("Closes"),
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    courses = SelectMultipleField(
        _l("Question banks"),
        coerce=int,
        validators=[DataRequired(_l("Choose at least one question bank."))],
    )
    question_count = IntegerField(
        _l("Questions drawn"), default=20, validators=[InputRequired(), NumberRange(1, 200)]
    )
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"), default=20, validators=[InputRequired(), NumberRange(1, 300)]
    )
    attempts_allowed = IntegerField(
        _l("Attempts per person"), default=1, validators=[InputRequired(), NumberRange(1, 10)]
    )
    has_prediction = BooleanField(_l("Ask the prediction question"), default=True)
    confirm_exposed = BooleanField(
        _l("I understand: draw from these banks although their answers are shown elsewhere")
    )


class RegistrationForm(NewAccountForm):
    unit = IntegerField(
        _l("Your unit"),
        validators=[InputRequired(_l("Choose your unit from the list."))],
    )
    category = RadioField(
        _l("You are"),
        choices=choices(CATEGORY_CHOICES),
        validators=[InputRequired(_l("Say whether you are a union official, a member or not."))],
    )
    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[Optional(), NumberRange(1930, 2015, message=BIRTH_YEAR)],
        render_kw={"inputmode": "numeric"},
    )
    gender = SelectField(_l("Gender"), choices=choices(GENDER_CHOICES), validators=[Optional()])


class JoinForm(Form):
    """Entering with an account: the unit (the account's own, unless another is chosen)."""

    unit = IntegerField(_l("Your unit"), validators=[Optional()])
    category = RadioField(
        _l("You are"),
        choices=choices(CATEGORY_CHOICES),
        validators=[InputRequired(_l("Say whether you are a union official, a member or not."))],
    )


class FinishForm(Form):
    prediction = StringField(
        _l("How many participants will answer every question of this round correctly?"),
        validators=[Length(max=20, message=TOO_LONG)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class ConfirmForm(Form):
    unit = IntegerField(_l("Unit"), validators=[InputRequired(_l("Choose a unit."))])
    category = SelectField(_l("Category"), choices=choices(CATEGORY_CHOICES))
