"""tools/docs/split_readme.py, run as the lead runs it, on a README with known sections, an
unknown one and links between them: the site it writes builds strictly with Sphinx, the short
README it leaves links only to what exists, and running it again changes nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPLIT = ROOT / "tools" / "docs" / "split_readme.py"
CHECK_LINKS = ROOT / "tools" / "docs" / "check_readme_links.py"

README = """# demo-project

What it is, in one paragraph.

## Quick start

```sh
make demo
```

Who owns what: [Ownership](#ownership); what CI sees: see "Drift report and CI".

## Ownership

A stack owns what it made.

```sh
# a comment in a code block, not a heading
```

### What a stack owns

Its own creates.

## Drift report and CI

Rows; owners are in [that list](#what-a-stack-owns); see Ownership.

## Brand new thing

Text a parallel branch added; see "Quick start".
"""


def split(folder: Path) -> None:
    subprocess.run([sys.executable, str(SPLIT), "--readme", "README.md", "--docs", "docs"], cwd=folder, check=True,
                   capture_output=True)


def files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.md"))}


def test_split_writes_a_site_that_builds_strictly_and_a_readme_whose_links_resolve(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    split(tmp_path)
    docs = tmp_path / "docs"
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")

    ownership = (docs / "ownership.md").read_text(encoding="utf-8")
    assert ownership.startswith("# Ownership\n")
    assert "\n## What a stack owns\n" in ownership
    assert "\n# a comment in a code block, not a heading\n" in ownership
    commands = (docs / "commands.md").read_text(encoding="utf-8")
    assert "\n## Drift report and CI\n" in commands
    assert "[that list](ownership.md#what-a-stack-owns)" in commands
    assert "see [Ownership](ownership.md)" in commands
    # An unknown section gets a page of its own, in the table of contents and the README's list.
    assert "see [Quick start](getting-started.md#quick-start)" in (docs / "brand-new-thing.md").read_text()
    assert "\nbrand-new-thing\n" in (docs / "index.md").read_text(encoding="utf-8")
    assert "(docs/brand-new-thing.md)" in readme

    assert "## Ownership" not in readme and "## Drift report and CI" not in readme
    assert "[Ownership](docs/ownership.md)" in readme
    assert 'see [Drift report and CI](docs/commands.md#drift-report-and-ci)' in readme
    assert "\n## A first stack\n" in readme and "\n## Documentation\n" in readme

    assert subprocess.run([sys.executable, str(CHECK_LINKS), "README.md"], cwd=tmp_path).returncode == 0
    shutil.copy(ROOT / "docs" / "conf.py", docs / "conf.py")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html",
                            str(docs), str(tmp_path / "html")], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr


def test_a_second_run_on_the_short_readme_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    split(tmp_path)
    first = files(tmp_path)
    split(tmp_path)
    assert files(tmp_path) == first


def test_a_section_added_to_the_short_readme_later_moves_into_the_site(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    split(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8")
                      + "\n## Recover (recover)\n\nRepairs a cut run; see \"What a stack owns\".\n")
    split(tmp_path)
    assert "## Recover (recover)" not in readme.read_text(encoding="utf-8")
    commands = (tmp_path / "docs" / "commands.md").read_text(encoding="utf-8")
    # Joins the commands page after what the first run moved there, linked to the site's headings.
    assert commands.index("\n## Drift report and CI\n") < commands.index("\n## Recover (recover)\n")
    assert 'see [What a stack owns](ownership.md#what-a-stack-owns)' in commands
    # Pages moved by the first run stay in the table of contents.
    assert "\nbrand-new-thing\n" in (tmp_path / "docs" / "index.md").read_text(encoding="utf-8")


def test_the_link_check_names_a_readme_link_to_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    split(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nSee [gone](docs/ownership.md#no-such-heading).\n")
    check = subprocess.run([sys.executable, str(CHECK_LINKS), "README.md"], cwd=tmp_path, capture_output=True)
    assert check.returncode == 1
