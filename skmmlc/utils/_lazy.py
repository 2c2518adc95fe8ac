"""Lazy attribute loading for packages (PEP 562), written once.

Each public package of skmmlc re-exports its names without importing the
modules that define them: ``import skmmlc`` stays cheap (no scikit-learn,
no TensorFlow), and a name's module is imported on first use.
"""

import importlib

__all__ = ["attach"]


def attach(package, names, submodules=(), internal=None):
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for a package.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict
        Public name -> the module (relative to ``package``, e.g. ``"._visual"``)
        that defines it.
    submodules : sequence of str, default=()
        Submodules importable as attributes (``skmmlc.metrics``).
    internal : dict, default=None
        Like ``names``, for names that other skmmlc subpackages import from
        this package (``from ..feature_extraction import BaseExtractor``) but
        that are not public: resolvable, not listed in ``__all__``.

    Returns
    -------
    __getattr__, __dir__, __all__
        To be assigned to the package's module globals of the same names.
    """
    public = sorted(names) + list(submodules)
    names = {**(internal or {}), **names}
    submodules = tuple(submodules)

    def __getattr__(name):
        if name in names:
            module = importlib.import_module(names[name], package)
            return getattr(module, name)
        if name in submodules:
            return importlib.import_module(f".{name}", package)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(importlib.import_module(package).__dict__) | set(public))

    return __getattr__, __dir__, public
