"""Sphinx configuration for the timeline documentation."""

import importlib.metadata

project = "timeline"
author = "The timeline developers"
copyright = "2026, The timeline developers"
release = importlib.metadata.version("bitemporal-timeline")

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_type_aliases = {
    "ValidTimeLike": "timeline.ValidTimeLike",
    "ValidTime": "timeline.ValidTime",
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
intersphinx_mapping = {}
nitpicky = False
html_theme = "furo"
html_title = "timeline"
suppress_warnings = ["myst.xref_missing"]
