"""Forms for managing units."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from learning.forms import TOO_LONG, Form, choices
from learning.i18n import lazy_gettext as _l
from learning.org.models import UNIT_KIND_LABELS


def kind_choices() -> list[SelectChoice]:
    return choices((kind.value, label) for kind, label in UNIT_KIND_LABELS.items())


class UnitForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter a code.")), Length(max=50, message=TOO_LONG)],
    )
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter a name.")), Length(max=255, message=TOO_LONG)],
    )
    kind = SelectField(_l("Kind"), choices=kind_choices)
    parent = SelectField(_l("Under"), coerce=int, validators=[DataRequired(_l("Choose a unit."))])


class RenameForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter a name.")), Length(max=255, message=TOO_LONG)],
    )
    kind = SelectField(_l("Kind"), choices=kind_choices)


class TargetForm(Form):
    target = SelectField(_l("Unit"), coerce=int, validators=[DataRequired(_l("Choose a unit."))])


class JoinLinkForm(Form):
    enabled = BooleanField(_l("Members may register through a join link"))
    automatic = BooleanField(_l("Approve registrations without an officer"))


class UnitImportForm(Form):
    file = FileField(_l("Unit list (XLSX or CSV)"), validators=[FileRequired(_l("Choose a file."))])
