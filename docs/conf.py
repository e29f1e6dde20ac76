"""Sphinx settings of the docs site (`make docs`; strict: every warning fails the build).

The pages are Markdown (MyST). Most of them were moved out of the README by
tools/docs/split_readme.py; the README links to them by path, so a page keeps its file name.
"""

project = "pulumi-groups"
author = "pulumi-groups contributors"
root_doc = "index"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]

# Anchors for headings down to ###, so `[x](page.md#heading)` links resolve and are checked.
myst_heading_anchors = 3

html_theme = "furo"
html_title = "pulumi-groups"
