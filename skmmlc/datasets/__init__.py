"""Data sets: Mulan benchmarks, the built-in demo clips, and users' manifests."""

from ..utils._lazy import attach

_LAZY = {
    "load_mulan": "._mulan",
    "make_disaster_demo": "._demo",
    "load_manifest": "._manifest",
    "write_clip": "._media",
    "write_audio": "._media",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)
