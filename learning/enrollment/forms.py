"""The form to assign a course."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.validators import DataRequired, Optional

from learning.forms import DayField, Form
from learning.i18n import lazy_gettext as _l


class AssignForm(Form):
    course = SelectField(
        _l("Course"), coerce=int, validators=[DataRequired(_l("Choose a course."))]
    )
    unit = SelectField(
        _l("To every member of"), coerce=int, validators=[DataRequired(_l("Choose a unit."))]
    )
    due_on = DayField(_l("Deadline (optional)"), validators=[Optional()])
