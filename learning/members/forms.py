"""Forms for member management, imports and self-registration."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from learning.forms import TOO_LONG, Form, NewAccountForm, choices
from learning.i18n import lazy_gettext as _l


class ImportForm(Form):
    file = FileField(
        _l("Member list (XLSX or CSV)"), validators=[FileRequired(_l("Choose a file."))]
    )
    unit = SelectField(
        _l("Import into"), coerce=int, validators=[DataRequired(_l("Choose a unit."))]
    )


class ConfirmImportForm(Form):
    skip_invalid = BooleanField(_l("Import only the valid rows"))


class ConfirmReissueForm(Form):
    understood = BooleanField(
        _l("I understand: the slips printed so far for this list stop working."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class MoveMemberForm(Form):
    unit = SelectField(_l("Move to"), coerce=int, validators=[DataRequired(_l("Choose a unit."))])


class RegistrationForm(NewAccountForm):
    member_code = StringField(
        _l("Member code (if you have a union card)"),
        validators=[Optional(), Length(max=50, message=TOO_LONG)],
    )
    gender = SelectField(
        _l("Gender"),
        choices=choices(
            [("", "—"), ("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other"))]
        ),
        validators=[Optional()],
    )
    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[
            Optional(),
            NumberRange(1930, 2015, message=_l("Enter a year between 1930 and 2015.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
