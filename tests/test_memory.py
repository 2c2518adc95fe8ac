"""Pipeline caching that sees the content of the files named in X."""

import os

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from skmmlc._memory import ContentKeyedMemory, input_files_identity


class FileSize(TransformerMixin, BaseEstimator):
    """Reads each file's size; counts its fits in a file so that cache hits show."""

    def __init__(self, log=None):
        self.log = log

    def fit(self, X, y=None):
        with open(self.log, "a") as fh:
            fh.write("fit\n")
        return self

    def transform(self, X):
        return np.array([[os.path.getsize(p)] for p in X["video"]], dtype=float)


def test_refit_sees_replaced_and_restored_files(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    a.write_bytes(b"x" * 10)
    b.write_bytes(b"y" * 20)
    X = pd.DataFrame({"video": [str(a), str(b)], "text": ["one", "two"]})
    y = [0, 1]
    log = tmp_path / "fits.log"
    memory = ContentKeyedMemory(tmp_path / "cache", verbose=0)
    model = Pipeline([("size", FileSize(log=str(log))), ("clf", LogisticRegression())],
                     memory=memory)

    def n_fits():
        return log.read_text().count("fit")

    model.fit(X, y)
    model.fit(X, y)
    assert n_fits() == 1  # same files: served from the cache
    b.write_bytes(b"z" * 30)  # other content under the same name
    os.utime(b, ns=(1, 1))
    model.fit(X, y)
    assert n_fits() == 2
    np.testing.assert_array_equal(model.named_steps["size"].transform(X).ravel(), [10, 30])
    b.unlink()
    ident_missing = input_files_identity(X)
    b.write_bytes(b"z" * 30)  # restored
    assert input_files_identity(X) != ident_missing


def test_identity_of_numeric_input_is_none():
    assert input_files_identity(np.zeros((3, 2))) is None
