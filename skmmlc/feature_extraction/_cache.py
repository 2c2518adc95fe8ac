"""Caches of the static feature extractors.

- :class:`FeatureCache`: features on disk, one entry per (input, extractor);
- :class:`SharedCache`: built models (networks, word vectors) in memory,
  shared by clones and unpickled copies of an extractor.
"""

from __future__ import annotations

import collections
import hashlib
import os
import threading
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ..utils import atomic_write

__all__ = ["FeatureCache", "MODELS", "SharedCache", "clear_model_cache", "fill_from_cache"]


class FeatureCache:
    """A directory of feature files, one per (input, extractor) pair.

    Keys are SHA-256 digests of the cache format (:attr:`format_version`),
    the extractor's identity (class, parameters that change the output,
    weights identity) and the input's identity
    (:func:`~skmmlc.utils.file_fingerprint` for files: resolved path, size,
    modification time and a hash of the first and last 64 KiB; the text
    itself for strings).

    - Entries are written to a temporary file in the same directory, then
      renamed into place (``os.replace`` is atomic on POSIX and Windows), so an
      interrupted run never leaves a half-written entry and a finished clip is
      never lost.
    - Each entry stores the SHA-256 of its features and is verified when read:
      an entry that changed on disk (bit rot, a bad copy) is recomputed, with
      a warning that names it.
    - An entry holding NaN or infinite values (development versions wrote
      them before features were checked) is never served: it is recomputed
      and rewritten, with one warning per file and process that names it.
    - Entries of earlier formats (other keys) are never looked up again: they
      miss and are recomputed; delete the folder to reclaim their space.
    - A cache that cannot be written (read-only folder, full disk, no
      permission) degrades to read-only: one warning names the folder and the
      reason, extraction goes on, entries already there are still used.
      A ``cache`` path that is an existing *file* is an error from the start.
    - Temporary files left by a killed writer (``.tmp-*``, not modified for
      an hour: a live writer's are seconds old) are removed the first time a
      process opens the cache.
    """

    #: Part of every key: bumped when the entries' layout, or what an
    #: extractor computes for the same input and parameters, changes, so that
    #: entries of other versions are never served. 1: keys of path, size and
    #: modification time; 2: keys with the ends' hash (file_fingerprint).
    format_version = 2

    _suffix = ".npz"
    _warned = set()  # non-finite entries this process has named
    _stale_after = 3600.0  # seconds without a change: an abandoned temporary file
    _swept = set()  # directories this process has cleaned
    _sweep_lock = threading.Lock()

    def __init__(self, directory):
        if hasattr(directory, "location"):  # joblib.Memory
            location = directory.location
            if location is None:
                raise ValueError("cache=joblib.Memory(location=None) caches nothing.")
            directory = Path(location) / "skmmlc-features"
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise NotADirectoryError(
                f"cache={os.fspath(directory)!r} is a file, not a folder: pass the "
                "folder where features should be kept (it is created if missing)."
            )
        self.writable = True
        self._sweep()

    def _sweep(self):
        """Remove stale temporary files (once per directory and process)."""
        key = str(self.directory.resolve()) if self.directory.exists() else None
        with self._sweep_lock:
            if key is None or key in self._swept:
                return
            self._swept.add(key)
        now = time.time()
        folders = [self.directory]
        try:
            folders += [p for p in self.directory.iterdir() if p.is_dir() and len(p.name) == 2]
        except OSError:  # unreadable: nothing to clean that we could clean
            return
        for folder in folders:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if not entry.name.startswith(".tmp-"):
                    continue
                try:
                    if now - entry.stat().st_mtime > self._stale_after:
                        os.unlink(entry.path)
                except OSError:  # gone already, or not ours to remove: leave it
                    pass

    def _path(self, key):
        return self.directory / key[:2] / f"{key}{self._suffix}"

    def get(self, key):
        path = self._path(key)
        try:
            with np.load(path, allow_pickle=False) as entry:
                features, digest = entry["features"], str(entry["sha256"])
        except FileNotFoundError:
            return None
        except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile):
            return None  # unreadable (truncated, garbage, not an entry): recompute
        if hashlib.sha256(features.tobytes()).hexdigest() != digest:
            warnings.warn(
                f"feature cache entry {path} does not match its checksum (changed on "
                "disk); recomputing it.",
                UserWarning,
                stacklevel=4,
            )
            return None
        if features.dtype.kind in "fc" and not np.isfinite(features).all():
            if str(path) not in self._warned:
                self._warned.add(str(path))
                warnings.warn(
                    f"feature cache entry {path} holds NaN or infinite values (written "
                    "by an earlier version of skmmlc?); recomputing it.",
                    UserWarning,
                    stacklevel=4,
                )
            return None
        return features

    def missing(self, keys):
        """Positions of the ``keys`` (None skipped) that have no entry on disk."""
        return [i for i, key in enumerate(keys)
                if key is not None and not self._path(key).is_file()]

    def put(self, key, array):
        if not self.writable:
            return
        array = np.ascontiguousarray(array)
        try:
            with atomic_write(self._path(key)) as fh:
                np.savez(fh, features=array,
                         sha256=np.array(hashlib.sha256(array.tobytes()).hexdigest()),
                         format=np.array(self.format_version))
        except OSError as exc:  # read-only, disk full, no permission
            self.writable = False
            warnings.warn(
                f"cannot write to the feature cache {self.directory} "
                f"({exc.strerror or exc}); extraction goes on without caching new "
                "features (cached ones are still read).",
                UserWarning,
                stacklevel=4,
            )


def fill_from_cache(out, cache, keys, shape):
    """Copy cached features into ``out``; return the rows still to compute."""
    if cache is None:
        return list(range(len(keys)))
    todo = []
    for i, key in enumerate(keys):
        hit = cache.get(key) if key is not None else None
        if hit is not None and hit.shape == tuple(shape):
            out[i] = hit.reshape(-1)
        else:
            todo.append(i)
    return todo



class SharedCache:
    """A small process-wide LRU of built models, keyed by what defines them.

    Models (networks, word vectors) are never stored on an estimator: clones
    made by ``GridSearchCV``, unpickled copies and concurrent ``transform``
    calls look them up here by key instead of rebuilding them. A key is
    ``(kind, ...)``: at most ``max_size`` models of each kind (an extractor
    class) are kept, the least recently used going first.
    """

    def __init__(self, max_size=2):
        self.max_size = max_size
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, build):
        """The model stored under ``key``, built by ``build()`` if missing."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                return value
        value = build()  # outside the lock: builds can take seconds
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            same_kind = [k for k in self._items if k[0] == key[0]]
            for old in same_kind[: max(0, len(same_kind) - self.max_size)]:
                del self._items[old]
        return value

    def keys(self, kind=None):
        """The keys held (of one ``kind``), least recently used first."""
        with self._lock:
            return [k for k in self._items if kind is None or k[0] == kind]

    def clear(self):
        with self._lock:
            self._items.clear()


#: The built models of every extractor in this process.
MODELS = SharedCache(max_size=2)


def clear_model_cache():
    """Forget the networks and word vectors kept for reuse (frees their memory).

    Every extractor (``VisualInceptionFeatures``, ``SoundNetFeatures``,
    ``GloveFeatures``) keeps the last models it built in one process-wide
    cache, shared by clones and unpickled copies; the next ``transform``
    builds them again.
    """
    MODELS.clear()
