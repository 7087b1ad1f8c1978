"""Forms for importing a question file into a course's bank."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField

from learning.forms import Form, choices
from learning.i18n import lazy_gettext as _l

FORMAT_CHOICES = [
    ("", _l("Recognise from the file")),
    ("gift", "GIFT"),
    ("aiken", "Aiken"),
    ("moodlexml", "Moodle XML"),
    ("xlsx", _l("Excel template (XLSX)")),
]


class UploadForm(Form):
    file = FileField(
        _l("Question file (GIFT, Aiken, Moodle XML or XLSX)"),
        validators=[FileRequired(_l("Choose a file."))],
    )
    format = SelectField(_l("Format"), choices=choices(FORMAT_CHOICES), default="")


class ConfirmForm(Form):
    only_valid = BooleanField(_l("Import only the valid questions"))
