"""Keep the translation catalogs complete: `python -m tools.messages` (or `make messages`).

Extracts every gettext string from `learning/` and `templates/`, merges it into the Vietnamese
and English catalogs (English messages are their own translation), and lists what the
Vietnamese catalog still lacks. `tests/test_i18n.py` fails while anything is missing.

`python -m tools.messages --apply FILE.json ...` first fills Vietnamese translations from JSON
files of {"English msgid": "bản dịch"} (a plural message takes a list: ["bản dịch"]).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHOD_MAP = [("learning/**.py", "python"), ("templates/**.html", "jinja2")]


def extract() -> Catalog:
    """Every message the code and templates use."""
    template = Catalog(project="union-learning", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        METHOD_MAP,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        # Babel skips folders starting with "_" by default; templates/_macros has strings.
        directory_filter=lambda path: not Path(path).name.startswith((".", "__")),
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def catalog_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = catalog_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="union-learning", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def missing(lang: str, template: Catalog | None = None) -> list[str]:
    """Messages of the code that `lang`'s catalog does not translate (or marks fuzzy)."""
    template = template or extract()
    catalog = load(lang)
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = found.string if found else None
        empty = not strings or (isinstance(strings, tuple) and not all(strings))
        if found is None or empty or found.fuzzy:
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def write(lang: str, catalog: Catalog) -> None:
    path = catalog_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(
            handle,
            catalog,
            omit_header=False,
            no_location=True,
            sort_output=True,
            ignore_obsolete=True,
            width=100,
        )


def apply(files: list[Path]) -> None:
    """Fill the Vietnamese catalog with the translations in `files` (after `update`)."""
    catalog = load("vi")
    for file in files:
        for msgid, msgstr in json.loads(file.read_text(encoding="utf-8")).items():
            found = next(
                (
                    m
                    for m in catalog
                    if m.id == msgid or (isinstance(m.id, tuple) and m.id[0] == msgid)
                ),
                None,
            )
            if found is None:
                print(f"vi: not used by the code, skipped: {msgid!r}")
                continue
            found.string = tuple(msgstr) if isinstance(found.id, tuple) else msgstr
            found.flags.discard("fuzzy")
    write("vi", catalog)


def update() -> None:
    """Merge the extracted messages into both catalogs; fill English with the source text."""
    template = extract()
    for lang in ("vi", "en"):
        catalog = load(lang)
        # Keep the header date, so that two branches adding messages do not conflict on it.
        template.creation_date = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        if lang == "en":
            for message in catalog:
                empty = (
                    not all(message.string) if isinstance(message.id, tuple) else not message.string
                )
                if message.id and empty:
                    message.string = message.id
        write(lang, catalog)


if __name__ == "__main__":
    update()
    arguments = sys.argv[1:]
    if arguments[:1] == ["--apply"]:
        apply([Path(name) for name in arguments[1:]])
    gaps = missing("vi")
    for gap in gaps:
        print(f"vi: missing translation: {gap!r}")
    sys.exit(1 if gaps else 0)
