"""Every relative link of the README must reach a file, and its #anchor a heading of that file.

    python tools/docs/check_readme_links.py [README.md]

The README sits outside the Sphinx site, so the strict docs build cannot see its links to
docs/*.md; `make docs` runs this beside it. Anchors are the slugs the docs build (and GitHub)
give headings: tools/docs/split_readme.py computes them the same way. Exit 1 naming each
broken link.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from split_readme import fence_flags, headings, slugify, unique  # noqa: E402

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    taken: dict[str, int] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return {unique(slugify(title), taken) for _, _, title in headings(lines)}


def broken_links(readme: Path) -> list[str]:
    problems = []
    lines = readme.read_text(encoding="utf-8").splitlines()
    fenced = {i for i, flag in enumerate(fence_flags(lines)) if flag}
    for number, line in enumerate(lines, start=1):
        if number - 1 in fenced:
            continue
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not checked here
                continue
            path_part, _, anchor = target.partition("#")
            path = (readme.parent / path_part) if path_part else readme
            if not path.exists():
                problems.append(f"{readme}:{number}: {target}: no such file")
            elif anchor and (path.is_dir() or anchor not in anchors(path)):
                where = path_part or readme
                problems.append(f"{readme}:{number}: {target}: no heading with anchor #{anchor} in {where}")
    return problems


def main() -> int:
    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    problems = broken_links(readme)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
