"""Question-bank exchange with Moodle: GIFT, Aiken and Moodle XML, as pure functions.

Each format module has `parse(...) -> ImportResult` and `dump(questions)`; they meet in the
neutral `ExchangeQuestion` of `model.py`. Nothing here touches the database or Flask: a view
or CLI command reads the upload, calls `parse`, shows `skipped` and `errors` with their line
numbers, and saves what it accepts through the courses services.
"""

from learning.exchange.model import ExchangeChoice, ExchangeQuestion, ImportResult

__all__ = ["ExchangeChoice", "ExchangeQuestion", "ImportResult"]
