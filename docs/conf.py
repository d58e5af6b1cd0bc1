"""Sphinx configuration: MyST Markdown pages, an API reference from the docstrings (autodoc),
and a CLI reference generated from the click commands themselves (sphinx-click).

Build:  make docs   (sphinx-build -W --keep-going -b html docs docs/_build/html)
"""

from __future__ import annotations

import os

import matbackprop

os.environ.setdefault("MPLBACKEND", "Agg")  # a docs build never opens a window

project = "matbackprop"
author = "matbackprop developers"
copyright = "matbackprop developers"
release = matbackprop.__version__
version = release

extensions = [
    "myst_parser",  # Markdown pages
    "sphinx.ext.autodoc",  # the API reference, from the docstrings
    "sphinx.ext.napoleon",  # their "Args:" sections
    "sphinx.ext.mathjax",
    "sphinx_click",  # the CLI reference, from the commands
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {
    "members": True,
    # scikit-learn's generated metadata-routing setters, documented by scikit-learn
    "exclude-members": "set_fit_request, set_partial_fit_request, set_score_request",
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# The index's last toctree entry is a "*" glob that picks up pages added later by other
# topics; it warns when there is nothing left to pick up.
suppress_warnings = ["toc.empty_glob"]

# Keep "--flag" as typed: smart quotes would turn the CLI examples into "–flag".
smartquotes = False

html_theme = "alabaster"
html_title = f"matbackprop {release}"
