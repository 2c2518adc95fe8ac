"""``skmmlc.show_versions()``: the system and dependency versions, for bug reports.

Versions are read from the installed packages' metadata
(:mod:`importlib.metadata`), so nothing is imported: in particular not
TensorFlow, whose import takes seconds and prints its own start-up lines.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from .._version import __version__

__all__ = ["show_versions"]

#: Dependencies reported, as ``(shown name, distribution names tried in order)``.
DEPENDENCIES = (
    ("pip", ("pip",)),
    ("setuptools", ("setuptools",)),
    ("numpy", ("numpy",)),
    ("scipy", ("scipy",)),
    ("scikit-learn", ("scikit-learn",)),
    ("pandas", ("pandas",)),
    ("joblib", ("joblib",)),
    ("threadpoolctl", ("threadpoolctl",)),
    ("matplotlib", ("matplotlib",)),
    ("tensorflow", ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly")),
    ("keras", ("keras", "keras-nightly")),
    ("opencv", ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless",
                "opencv-contrib-python")),
    ("av", ("av",)),
    ("soundfile", ("soundfile",)),
    ("soxr", ("soxr",)),
    ("gensim", ("gensim",)),
    ("pyarrow", ("pyarrow",)),
    ("dask", ("dask",)),
    ("distributed", ("distributed",)),
)


def _get_sys_info():
    """Python, its executable and the platform.

    Returns
    -------
    sys_info : dict
        ``{"python", "executable", "machine"}``.
    """
    return {
        "python": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "machine": platform.platform(),
    }


def _version_of(distributions):
    """Version and name of the first installed distribution, else (None, first name)."""
    for name in distributions:
        try:
            return metadata.version(name), name
        except metadata.PackageNotFoundError:
            continue
    return None, distributions[0]


def _get_deps_info():
    """Versions of skmmlc and its main dependencies, None where not installed.

    Returns
    -------
    deps_info : dict
        ``{name: version or None}``, skmmlc first. For a dependency that ships
        under several distribution names (``opencv``), the one installed is
        named in parentheses.
    """
    info = {"skmmlc": __version__}
    for shown, distributions in DEPENDENCIES:
        version, found = _version_of(distributions)
        if version is not None and len(distributions) > 1 and found != distributions[0]:
            version = f"{version} ({found})"
        info[shown] = version
    return info


def show_versions():
    """Print the system and the versions of skmmlc's dependencies.

    Paste its output into a bug report. Nothing is imported to find the
    versions (they are read from the packages' metadata), so it is quick and
    works even when TensorFlow itself fails to import.

    Examples
    --------
    >>> import skmmlc
    >>> skmmlc.show_versions()  # doctest: +SKIP
    <BLANKLINE>
    System:
        python: 3.11.7 (main, ...) [GCC 11.4.0]
    executable: /usr/bin/python3
       machine: Linux-6.1.0-x86_64-with-glibc2.35
    <BLANKLINE>
    Python dependencies:
          skmmlc: ...
           numpy: ...
    ...
    """
    sys_info = _get_sys_info()
    deps_info = _get_deps_info()
    print("\nSystem:")
    for key, value in sys_info.items():
        print(f"{key:>10}: {value}")
    print("\nPython dependencies:")
    width = max(len(k) for k in deps_info)
    for key, value in deps_info.items():
        print(f"{key:>{width}}: {value if value is not None else 'not installed'}")
