"""Question-bank exchange: GIFT, Aiken and Moodle XML (Moodle's formats) and an XLSX template.

Each format module has `parse(...) -> ImportResult` and `dump(questions)`; they meet in the
neutral `ExchangeQuestion` of `model.py`, which `bank.py` turns into and from the bank's
`BankQuestion`. The format modules are pure functions (their messages go through gettext:
Vietnamese in a request, English elsewhere); `services.py` checks a file against a course
and writes its questions as drafts, `views.py` and `cli.py` are the two ways in.
"""

from learning.exchange.model import ExchangeChoice, ExchangeQuestion, ImportResult

__all__ = ["ExchangeChoice", "ExchangeQuestion", "ImportResult"]
