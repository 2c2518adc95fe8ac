"""A ``Pipeline(memory=...)`` cache whose keys include the content of the input files.

scikit-learn's Pipeline caches a fitted transformer under a hash of its
arguments. For skmmlc the input ``X`` holds *paths*: replacing a video by
another one under the same name, or restoring a missing file, leaves ``X``
unchanged, and a plain ``joblib.Memory`` would serve the old fitted fusion
step. :class:`ContentKeyedMemory` adds to the key the identity (resolved
path, size, modification time, a hash of the first and last 64 KiB: see
:func:`~skmmlc.utils.file_fingerprint`) of every file that ``X`` names, so
such a refit recomputes.
"""

from __future__ import annotations

import functools
import os

import joblib
import numpy as np

from ._io import file_fingerprint

__all__ = ["ContentKeyedMemory", "input_files_identity"]


def input_files_identity(X):
    """Identities of the files named in the object/string cells of ``X``.

    Returns None for numeric input. A cell that names no existing file
    contributes ``"missing:<value>"``, so that a file that appears later
    changes the identity too. Text cells (descriptions) count like
    missing files: they are part of ``X``'s own hash anyway.
    """
    if hasattr(X, "columns"):  # DataFrame
        from pandas.api.types import is_numeric_dtype

        cells = [v for c in X.columns if not is_numeric_dtype(X[c])
                 for v in X[c].to_numpy(dtype=object)]
    else:
        arr = X if hasattr(X, "dtype") else np.asarray(X)
        if arr.dtype.kind not in "OU":  # numeric (dense or sparse): no paths
            return None
        cells = np.asarray(arr, dtype=object).ravel()
    if len(cells) == 0:
        return None
    return [_identity(value) for value in cells]


def _identity(value):
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        return None
    try:
        return file_fingerprint(os.fspath(value))
    except (OSError, ValueError):  # not a file (a description, a missing path)
        return f"missing:{os.fspath(value)}"


def _holds_data(value):
    """True for what may name input files: a DataFrame, an array, a list or tuple."""
    return hasattr(value, "columns") or hasattr(value, "dtype") or isinstance(
        value, list | tuple)


def _call(func, content_key, args, kwargs, ignored):
    """What is cached: ``func(*args, **kwargs)``; ``content_key`` only keys it."""
    return func(*args, **kwargs, **ignored)


class ContentKeyedMemory(joblib.Memory):
    """``joblib.Memory`` whose cache keys also hold the identity of the input files.

    Use it as a Pipeline's ``memory`` (any object with a ``cache`` method
    is one, by ``sklearn.utils.validation.check_memory``);
    :class:`~skmmlc.MultimodalDisasterPipeline` fits with one when its
    ``memory`` is a directory. Every argument of a cached call that holds
    data (a DataFrame, an array, a list: ``X`` wherever the caller passes
    it) is inspected with :func:`input_files_identity`, so nothing depends
    on how scikit-learn's Pipeline lays out the arguments of the function
    it caches.
    """

    def cache(self, func=None, ignore=None, **kwargs):
        if func is None:
            return functools.partial(self.cache, ignore=ignore, **kwargs)
        memorized = super().cache(_call, ignore=["ignored"], **kwargs)
        ignore = tuple(ignore or ())

        @functools.wraps(func)
        def wrapper(*args, **call_kwargs):
            ignored = {k: call_kwargs.pop(k) for k in ignore if k in call_kwargs}
            key = [input_files_identity(value)
                   for value in (*args, *call_kwargs.values()) if _holds_data(value)]
            return memorized(func, key, args, call_kwargs, ignored)

        return wrapper
