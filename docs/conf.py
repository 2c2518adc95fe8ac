"""Sphinx configuration for skmmlc (needs the ``docs`` extra).

Build, as CI does (warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Faster, without running the gallery examples::

    python -m sphinx -W --keep-going -b html -D plot_gallery=0 docs docs/_build/html

The markdown pages are plain markdown, readable on GitHub; myst-parser lets
Sphinx read them. Intersphinx links to Python, NumPy and scikit-learn are off
by default because the build must work offline; set
``SKMMLC_DOCS_INTERSPHINX=1`` to turn them on where the inventories can be
downloaded.
"""

import os
import re
from pathlib import Path

from sphinx.util import logging

from skmmlc import __version__
from skmmlc.utils import quiet_tensorflow

# The gallery runs in this process: hide TensorFlow's C++ start-up lines, as
# the skmmlc command does for its own process (the library never does).
quiet_tensorflow()

project = "skmmlc"
author = "skmmlc developers"
copyright = "skmmlc developers"
release = version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
# code blocks without a language are diagrams and messages; python, bash and
# doctest (>>>) blocks name or show their language
highlight_language = "text"
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
]

# -- API reference ------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
# the lazy imports of skmmlc resolve names on first use; nothing to mock
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
add_module_names = False

# -- markdown -----------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# -- gallery ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skmmlc",),
    "reference_url": {"skmmlc": None},
    "remove_config_comments": True,
    "min_reported_time": 1,
}

# -- intersphinx (opt-in: CI builds offline) ----------------------------------
if os.environ.get("SKMMLC_DOCS_INTERSPHINX") == "1":
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
    }

# -- HTML ---------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"skmmlc {version}"
html_theme_options = {
    "description": "Multi-label multimodal video classification, as a scikit-learn Pipeline",
    "fixed_sidebar": True,
    "page_width": "1240px",
    "sidebar_width": "230px",
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_static_path = []


# -- every public name has an API page ------------------------------------------
# The modules whose ``__all__`` is the public API, and names of it that are
# not objects to document (submodules, the version string).
PUBLIC_MODULES = (
    "skmmlc",
    "skmmlc.datasets",
    "skmmlc.exceptions",
    "skmmlc.experiments",
    "skmmlc.feature_extraction",
    "skmmlc.feature_selection",
    "skmmlc.metrics",
    "skmmlc.model_selection",
    "skmmlc.multilabel",
    "skmmlc.resampling",
    "skmmlc.temporal",
)
NOT_DOCUMENTED = {"__version__"}  # and the submodules themselves


def _autosummary_entries(rst_file):
    """Fully qualified names listed in the autosummary tables of ``rst_file``."""
    names, module, in_table = [], None, False
    for line in Path(rst_file).read_text(encoding="utf-8").splitlines():
        match = re.match(r"\.\. currentmodule:: (\S+)", line)
        if match:
            module = match.group(1)
            continue
        if line.startswith(".. autosummary::"):
            in_table = True
            continue
        if in_table:
            if line and not line[0].isspace():
                in_table = False
            elif line.strip() and not line.strip().startswith(":"):
                names.append(f"{module}.{line.strip()}")
    return names


def _remove_stale_pages(app, config):
    """Delete generated API pages of names no longer in api.rst (local rebuilds)."""
    listed = set(_autosummary_entries(Path(app.srcdir) / "api.rst"))
    for page in (Path(app.srcdir) / "generated").glob("skmmlc.*.rst"):
        if page.stem not in listed:
            page.unlink()


def _check_api_coverage(app, env):
    """Warn (an error under ``-W``) for a public name without an API page."""
    import importlib
    import inspect

    logger = logging.getLogger(__name__)

    def resolve(qualified):
        module, _, name = qualified.rpartition(".")
        return getattr(importlib.import_module(module), name)

    documented = {id(resolve(n)) for n in _autosummary_entries(Path(app.srcdir) / "api.rst")}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name in NOT_DOCUMENTED or inspect.ismodule(getattr(module, name)):
                continue
            if id(getattr(module, name)) not in documented:
                logger.warning(
                    "public name %s.%s has no page in docs/api.rst: add it to an "
                    "autosummary table there", module_name, name,
                )


# -- inherited scikit-learn docstrings ----------------------------------------
# The API pages show the methods our estimators inherit from scikit-learn
# (``fit``/``predict`` of Pipeline, ``get_params``, ``set_output``, ...). Their
# docstrings refer to labels and glossary terms of scikit-learn's own docs
# (``:ref:`metadata_routing```, ``:term:`meta-estimator```), which resolve only
# through intersphinx. Offline they become plain text; references in skmmlc's
# own docstrings are left alone, so a broken one still fails the build.
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<([^`>]*)>)?`")


def _plain_sklearn_refs(app, what, name, obj, options, lines):
    if "sphinx.ext.intersphinx" in app.extensions:
        return
    module = getattr(obj, "__module__", None) or ""
    if not module.startswith("sklearn"):
        return

    def text(match):
        return f"*{match.group(1) or match.group(2)}*"

    lines[:] = [_SKLEARN_ROLE.sub(text, line) for line in lines]


# -- command line help, generated -------------------------------------------
CLI_COMMANDS = ("demo", "table2", "extract", "fit", "predict", "evaluate", "fetch-weights")


def _write_cli_help(app):
    """``skmmlc [COMMAND] --help`` into generated/cli/*.txt for docs/cli.md."""
    import subprocess
    import sys

    folder = Path(app.srcdir) / "generated" / "cli"
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, COLUMNS="88")
    for command in ("",) + CLI_COMMANDS:
        argv = [sys.executable, "-m", "skmmlc", *([command] if command else []), "--help"]
        result = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
        text = result.stdout
        target = folder / f"{command or 'skmmlc'}.txt"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")  # unchanged files keep the build incremental


def _write_options_table(app):
    """The pipeline's options (``skmmlc.pipeline.PIPELINE_OPTIONS``) into
    generated/options.md for docs/cli.md: the table is the definition's."""
    from skmmlc.pipeline import options_table

    target = Path(app.srcdir) / "generated" / "options.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = options_table() + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")  # unchanged files keep the build incremental


def setup(app):
    from pygments.lexers.special import TextLexer

    app.connect("config-inited", _remove_stale_pages)
    app.connect("builder-inited", _write_cli_help)
    app.connect("builder-inited", _write_options_table)

    app.add_lexer("csv", TextLexer)  # ```csv blocks of the markdown pages
    app.connect("autodoc-process-docstring", _plain_sklearn_refs)
    app.connect("env-check-consistency", _check_api_coverage)
