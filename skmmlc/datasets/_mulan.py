"""Loader for Mulan multi-label data sets (ARFF data + XML label file)."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import arff
import numpy as np
import scipy.sparse as sp
from sklearn.utils import Bunch

__all__ = ["load_mulan"]


def _find_xml(arff_path):
    """``name.xml`` next to ``name[-train|-test|...].arff``."""
    stem = arff_path.stem
    candidates = [stem, re.sub(r"[-_](train|test|trn|tst)$", "", stem, flags=re.I)]
    for name in candidates:
        xml = arff_path.with_name(name + ".xml")
        if xml.is_file():
            return xml
    raise FileNotFoundError(
        f"No Mulan label file {candidates[-1]}.xml next to {arff_path}; pass "
        "xml_path= or n_labels=."
    )


def _read_label_names(xml_path):
    root = ET.parse(xml_path).getroot()
    names = [el.get("name") for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "label"]
    if not names:
        raise ValueError(f"{xml_path} declares no <label>.")
    return names


def _decode(text):
    try:
        return arff.loads(text, encode_nominal=True, return_type=arff.DENSE), False
    except arff.BadLayout:
        return arff.loads(text, encode_nominal=True, return_type=arff.LOD), True


def _labels(values, path):
    if np.isnan(values).any():
        raise ValueError(f"{path} has missing label values.")
    return values.astype(np.int64)


def load_mulan(path, *, xml_path=None, n_labels=None, return_X_y=False, sparse=False):
    """Load a Mulan multi-label data set.

    Mulan stores the data as an ARFF file (dense or sparse rows) whose label
    attributes are named in a separate XML file.

    Parameters
    ----------
    path : str or path-like
        The ``.arff`` file, e.g. ``emotions/emotions-train.arff``.
    xml_path : str or path-like, default=None
        Mulan's XML label file. By default ``<name>.xml`` next to the ARFF
        file, where ``<name>`` is the ARFF file's stem, or that stem without
        a ``-train``/``-test`` suffix (``emotions-train.arff`` ->
        ``emotions.xml``).
    n_labels : int, default=None
        Instead of an XML file: the labels are the last ``n_labels``
        attributes (Mulan's convention).
    return_X_y : bool, default=False
        Return ``(X, Y)`` instead of a Bunch.
    sparse : bool, default=False
        Return ``X`` and ``Y`` as CSR matrices (sensible for sparse ARFF).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (X, float64, n_samples x n_features; missing values are
        NaN, nominal features are coded by the index of their value),
        ``target`` (Y, int64 0/1, n_samples x n_labels), ``feature_names``,
        ``target_names`` (labels in the XML file's order, which is the column
        order of ``target``), ``relation`` (ARFF relation name), ``filename``.
    (X, Y) : tuple
        When ``return_X_y`` is True.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skmmlc.datasets import load_mulan
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "toy.arff").write_text(
    ...     "@relation toy\\n@attribute f1 numeric\\n@attribute f2 numeric\\n"
    ...     "@attribute a {0,1}\\n@attribute b {0,1}\\n@data\\n{0 1.5,3 1}\\n{1 2,2 1}\\n")
    >>> data = load_mulan(folder / "toy.arff", n_labels=2)
    >>> data.target.tolist(), data.target_names
    ([[0, 1], [1, 0]], ['a', 'b'])
    >>> data.data.tolist()
    [[1.5, 0.0], [0.0, 2.0]]
    """
    path = Path(path)
    decoded, is_sparse = _decode(path.read_text())
    attributes = [name for name, _ in decoded["attributes"]]
    n_attributes = len(attributes)

    if n_labels is not None:
        if not 0 < n_labels < n_attributes:
            raise ValueError(f"n_labels={n_labels} is out of range for {n_attributes} attributes.")
        label_names = attributes[-n_labels:]
    else:
        label_names = _read_label_names(xml_path or _find_xml(path))
        missing = sorted(set(label_names) - set(attributes))
        if missing:
            raise ValueError(f"Labels {missing} are not attributes of {path}.")
    label_index = [attributes.index(name) for name in label_names]
    feature_index = [i for i in range(n_attributes) if i not in set(label_index)]

    if is_sparse:
        rows = decoded["data"]  # one {column: value} dict per row
        table = sp.csr_matrix(
            (
                [np.nan if v is None else v for row in rows for v in row.values()],
                [c for row in rows for c in row],
                np.cumsum([0] + [len(row) for row in rows]),
            ),
            shape=(len(rows), n_attributes),
            dtype=float,
        )
        X = table[:, feature_index]
        Y = _labels(table[:, label_index].toarray(), path)
        if sparse:
            Y = sp.csr_matrix(Y)
        else:
            X = X.toarray()
    else:
        table = np.array(
            [[np.nan if v is None else v for v in row] for row in decoded["data"]],
            dtype=float,
        ).reshape(-1, n_attributes)
        X = table[:, feature_index]
        Y = _labels(table[:, label_index], path)
        if sparse:
            X, Y = sp.csr_matrix(X), sp.csr_matrix(Y)

    if return_X_y:
        return X, Y
    return Bunch(
        data=X,
        target=Y,
        feature_names=[attributes[i] for i in feature_index],
        target_names=list(label_names),
        relation=decoded["relation"],
        filename=str(path),
    )
