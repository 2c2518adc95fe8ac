"""Data sets: Mulan benchmarks, the built-in demo clips, and users' manifests."""

import importlib

_LAZY = {
    "load_mulan": "._mulan",
    "make_disaster_demo": "._demo",
    "load_manifest": "._manifest",
    "write_clip": "._media",
    "write_audio": "._media",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
