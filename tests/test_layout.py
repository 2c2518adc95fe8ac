"""The package's layout: no import circles, no reaching into another package's private modules.

The import graph is read from the source with :mod:`ast` (imports inside
functions included, as they run too). A name imported from a package whose
``__init__`` loads it lazily is followed to the module that defines it, so
that a circle through a lazy re-export is still seen.
"""

import ast
import importlib
from pathlib import Path

import pytest

import skmmlc

ROOT = Path(skmmlc.__file__).parent

#: Private modules other subpackages may import: documented in their own
#: docstrings as the internal home of what they hold.
INTERNAL = ("skmmlc.feature_extraction._weights", "skmmlc.utils._lazy")

#: Imports left out of the circle check, each for a deprecated feature and
#: gone with it: ``LabelPowersetWeightedSVC(labelset_size=k)`` builds a
#: ``RakelO`` (removed in 0.3), whose default member is that class.
DEPRECATED_EDGES = {("skmmlc.multilabel._label_powerset", "skmmlc.multilabel._rakel")}


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name):
    path = ROOT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _defining_module(package, name):
    """The module that defines ``package.name`` (the package if unknown)."""
    try:
        value = getattr(importlib.import_module(package), name)
    except (ImportError, AttributeError):
        return package
    module = getattr(value, "__module__", None)
    return module if isinstance(module, str) and module.startswith("skmmlc") else package


def _imports(path):
    """``(written target, resolved target, line)`` of each skmmlc import in ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "skmmlc":
                    yield alias.name, alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "skmmlc":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if _is_module(sub):
                    yield sub, sub, node.lineno
                else:
                    yield base, _defining_module(base, alias.name), node.lineno


MODULES = sorted(ROOT.rglob("*.py"))


def _graph():
    graph = {
        _module_name(p): {resolved for _, resolved, _ in _imports(p)} - {_module_name(p)}
        for p in MODULES
    }
    for importer, imported in DEPRECATED_EDGES:
        graph[importer].discard(imported)
    return graph


def test_deprecated_edges_exist():
    # an exception that no longer matches anything is removed with its feature
    graph = {_module_name(p): {r for _, r, _ in _imports(p)} for p in MODULES}
    for importer, imported in DEPRECATED_EDGES:
        assert imported in graph[importer]


def _circles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert _circles(_graph()) == []


def test_circle_detection_finds_a_circle():
    # the check itself can fail
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _private_owner(module):
    """The package a private module belongs to, or None for a public path."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_no_reaching_into_private_modules(path):
    importer = _module_name(path)
    bad = []
    for written, _, line in _imports(path):
        owner = _private_owner(written)
        if owner is None or written.startswith(INTERNAL):
            continue
        if importer != owner and not importer.startswith(owner + "."):
            bad.append(f"line {line}: {written}")
    assert bad == [], f"{importer} imports private modules of other packages: {bad}"


def _unit(module):
    """The subpackage (or top-level module) of skmmlc that ``module`` belongs to."""
    return ".".join(module.split(".")[:2])


def _private_names(path):
    """``(module, name, line)`` of each private name ``path`` imports from skmmlc."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join(parts + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        if base.split(".")[0] != "skmmlc":
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                if not _is_module(f"{base}.{alias.name}"):  # a module: checked above
                    yield base, alias.name, node.lineno


def _private_name_violations(path):
    importer = _module_name(path)
    return [
        f"line {line}: from {module} import {name}"
        for module, name, line in _private_names(path)
        if _unit(module) != _unit(importer)
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT.parent)))
def test_no_private_names_of_other_packages(path):
    # a name with a leading underscore stays in its subpackage: another one
    # imports what the owner makes public (without the underscore)
    bad = _private_name_violations(path)
    assert bad == [], f"{_module_name(path)} imports private names of other packages: {bad}"


def test_private_name_check_can_fail(tmp_path, monkeypatch):
    module = ROOT / "resampling" / "_remedial.py"
    source = "from ..metrics import _hidden\nfrom ._base import _own\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert _private_name_violations(module) == ["line 1: from skmmlc.metrics import _hidden"]


def test_subpackages_by_stage():
    # the paper's four stages, each a public subpackage re-exporting its estimators
    from skmmlc import feature_extraction, feature_selection, multilabel, temporal

    assert "VisualInceptionFeatures" in feature_extraction.__all__
    assert "ResBiLSTMTemporal" in temporal.__all__
    assert "RFRecursiveSelector" in feature_selection.__all__
    assert "LabelPowersetWeightedSVC" in multilabel.__all__
    assert skmmlc.LabelPowersetWeightedSVC is multilabel.LabelPowersetWeightedSVC


#: The size limits of docs/design.md (the layout's rules): a module a reader
#: can hold in mind, a function that fits on a screen.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def _code_lines(function, lines):
    """Code lines of ``function``: signature and body, no docstring, blank or comment line."""
    body = function.body
    docstring = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            docstring = body[0].end_lineno - body[0].lineno + 1
    text = lines[function.lineno - 1 : function.end_lineno]
    return sum(1 for line in text if line.strip() and not line.strip().startswith("#")) - docstring


def _oversized(root):
    found = []
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_MODULE_LINES:
            found.append(f"{path.name}: {len(lines)} lines")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = _code_lines(node, lines)
                if n > MAX_FUNCTION_LINES:
                    found.append(f"{path.name}: {node.name}() {n} code lines")
    return found


def test_modules_and_functions_stay_small():
    assert _oversized(ROOT) == []


def test_size_check_can_fail(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "big.py").write_text(f'def f():\n    """Doc."""\n{body}\n', encoding="utf-8")
    assert _oversized(tmp_path) == ["big.py: f() 61 code lines"]
