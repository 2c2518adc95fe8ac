"""Package-level promises: cheap import, no TensorFlow on import, public names."""

import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

import skmmlc


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_import_does_not_import_tensorflow():
    out = _run("import sys, skmmlc; print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    assert out == "False False"


def test_public_names_resolve_without_tensorflow():
    # Touching every public class (not using it) must not import TensorFlow either:
    # the deep models import it lazily when they are fitted.
    out = _run(
        "import sys, skmmlc\n"
        "[getattr(skmmlc, n) for n in skmmlc.__all__]\n"
        "print('tensorflow' in sys.modules)"
    )
    assert out == "False"


def test_import_is_fast():
    out = _run(
        "import time; t = time.perf_counter(); import skmmlc; "
        "print(time.perf_counter() - t)"
    )
    assert float(out) < 1.0


@pytest.mark.parametrize("name", skmmlc.__all__)
def test_all_names_exist(name):
    assert getattr(skmmlc, name) is not None


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no_such_thing"):
        skmmlc.no_such_thing  # noqa: B018 (the attribute access is the test)


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    """The source distribution built from this tree: its member names and PKG-INFO."""
    out_dir = tmp_path_factory.mktemp("sdist")
    code = ("import sys; from setuptools import build_meta; "
            "print(build_meta.build_sdist(sys.argv[1]))")
    out = subprocess.run([sys.executable, "-c", code, str(out_dir)], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    name = out.stdout.strip().splitlines()[-1]
    with tarfile.open(out_dir / name) as tar:
        names = tar.getnames()
        [pkg_info] = [m for m in names if m.count("/") == 1 and m.endswith("/PKG-INFO")]
        pkg_info = tar.extractfile(pkg_info).read().decode("utf-8")
    members = {m.split("/", 1)[1] for m in names if "/" in m}
    return members, pkg_info


def test_sdist_carries_what_its_tests_need(sdist):
    """The source distribution can run its own test suite (issue 12)."""
    members, _ = sdist
    tests = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("*.py")}
    assert tests <= members
    assert {"run.sh", "setup.cfg", "docs/conf.py"} <= members
    assert {"LICENSE", "README.md", "CHANGELOG.md", "CITATION.cff"} <= members
    assert not any(m.startswith("docs/_build") for m in members)


def _metadata(pkg_info):
    """``{field: [values]}`` of a PKG-INFO header."""
    fields = {}
    for line in pkg_info.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(": ")
        if sep and not line.startswith(" "):
            fields.setdefault(key, []).append(value)
    return fields


def test_sdist_metadata(sdist):
    _, pkg_info = sdist
    meta = _metadata(pkg_info)
    assert meta["Version"] == [skmmlc.__version__]
    assert meta["License-Expression"] == ["BSD-3-Clause"]
    urls = dict(u.split(", ", 1) for u in meta["Project-URL"])
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())


def _citation():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is not a dependency
        return text, None
    return text, yaml.safe_load(text)


def test_citation_cff():
    text, cff = _citation()
    assert "cff-version: 1.2.0" in text
    if cff is None:
        pytest.skip("pyyaml not installed: only the cff-version line was checked")
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software" and cff["message"] and cff["title"]
    assert cff["license"] == "BSD-3-Clause"
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    [paper] = cff["references"]
    assert paper["type"] == "conference-paper"
    assert paper["title"] == (
        "Multi-label Multimodal Deep Learning Framework for Imbalanced Data Classification"
    )
    assert [a["family-names"] for a in paper["authors"]][0] == "Pouyanfar"
    assert isinstance(paper["year"], int)


def test_version_is_defined_once(capsys):
    """skmmlc/_version.py is the one source; everything else reads or repeats it."""
    from skmmlc._version import __version__

    assert skmmlc.__version__ == __version__
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "skmmlc._version.__version__" }' in pyproject
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert "from skmmlc import __version__" in conf
    assert __version__ not in conf  # read, not hard-coded
    text, cff = _citation()
    assert f"\nversion: {__version__}\n" in text
    if cff is not None:
        assert str(cff["version"]) == __version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{__version__}]" in changelog
    from skmmlc._cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_show_versions_without_importing_tensorflow():
    out = _run(
        "import sys, skmmlc\n"
        "skmmlc.show_versions()\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules, 'cv2' in sys.modules)"
    )
    lines = out.splitlines()
    assert lines[-1] == "False False False"
    text = "\n".join(lines[:-1])
    assert "System:" in text and "Python dependencies:" in text
    entries = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in lines[:-1] if ": " in line)
    )
    assert entries["skmmlc"] == skmmlc.__version__
    for name in ("python", "executable", "machine", "numpy", "scipy", "scikit-learn",
                 "pandas", "tensorflow", "keras", "opencv", "av", "soundfile", "soxr",
                 "gensim", "joblib"):
        assert entries.get(name), name
    import sklearn

    assert entries["scikit-learn"] == sklearn.__version__
    assert entries["numpy"] == np.__version__


def test_show_versions_reports_missing_packages(capsys, monkeypatch):
    from skmmlc.utils import _show_versions

    monkeypatch.setattr(_show_versions, "DEPENDENCIES",
                        (("numpy", ("numpy",)), ("nothere", ("no-such-dist-xyz",))))
    skmmlc.show_versions()
    out = capsys.readouterr().out
    assert "nothere: not installed" in out
    assert _show_versions._get_deps_info()["nothere"] is None
