"""The base form every form derives from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from learning.i18n import lazy_gettext as _l

# C0 control characters other than tab and newlines: never typed by a person, and NUL is
# refused by PostgreSQL text columns.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


TOO_LONG = _l("This is longer than allowed (at most %(max)d characters).")


class Form(FlaskForm):
    """A Flask-WTF form (CSRF included) that also refuses control characters in any field."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and _CONTROL_CHARACTERS.search(field.data):
                field.errors = [*field.errors, _l("This contains characters that are not allowed.")]
                valid = False
        return valid


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    # Labels may be lazy strings: they are rendered in the request's language, not now.
    return [SelectChoice(value, label) for value, label in pairs]
