"""The README's architecture section is the package tree as it is: every module of
`learning/` is named in its package's part, and every module named there exists."""

import re

from learning.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "learning"


def _sections() -> dict[str, str]:
    """The text of each package's part of the tree ("" for learning/ itself), by folder."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Architecture")
    block = readme[
        readme.index("```", start) + 3 : readme.index("```", readme.index("```", start) + 3)
    ]
    sections: dict[str, str] = {"": ""}
    current = ""
    lines = block.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("learning/"))
    end = next(
        (i for i, line in enumerate(lines[first + 1 :], first + 1) if re.match(r"^\S", line)),
        len(lines),
    )
    for line in lines[first:end]:
        top = re.match(r"^  (\w+)/", line)
        if top:
            current = top.group(1)
            sections[current] = line
        elif re.match(r"^  \S", line):
            current = ""
            sections[""] += "\n" + line
        else:
            sections[current] += "\n" + line
    return sections


def test_every_module_is_in_its_part_of_the_tree():
    sections = _sections()
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) == 1:
            folder, name = "", relative.name
        else:
            folder, name = relative.parts[0], "/".join(relative.parts[1:])
            if relative.name == "__init__.py":
                continue
        text = sections.get(folder, "")
        if name not in text and relative.name not in text:
            missing.append(str(relative))
    assert missing == []


def test_every_module_the_tree_names_exists():
    gone = []
    for folder, text in _sections().items():
        for name in re.findall(r"\b([a-z_]+\.py)\b", text):
            base = PACKAGE / folder if folder else PACKAGE
            if not list(base.rglob(name)) and not (PROJECT_ROOT / name).exists():
                gone.append(f"{folder or 'learning'}: {name}")
    assert gone == []
