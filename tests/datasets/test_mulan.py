import numpy as np
import pytest
import scipy.sparse as sp

from skmmlc.datasets import load_mulan

SPARSE_ARFF = """% a tiny sparse Mulan file
@relation tiny
@attribute f1 numeric
@attribute lab_b {0,1}
@attribute f2 numeric
@attribute colour {red,green}
@attribute lab_a {0,1}
@data
{0 1.5,1 1}
{2 -2,3 green,4 1}
{}
{0 ?,1 1,4 1}
"""

XML = """<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
<label name="lab_a"></label>
<label name="lab_b"></label>
</labels>
"""


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "tiny-train.arff").write_text(SPARSE_ARFF)
    (tmp_path / "tiny.xml").write_text(XML)
    return tmp_path / "tiny-train.arff"


def test_sparse_arff_with_xml_next_to_it(tiny):
    data = load_mulan(tiny)
    # label columns follow the XML order, wherever they are in the ARFF
    assert data.target_names == ["lab_a", "lab_b"]
    assert data.feature_names == ["f1", "f2", "colour"]
    np.testing.assert_array_equal(data.target, [[0, 1], [1, 0], [0, 0], [1, 1]])
    expected = np.array([[1.5, 0, 0], [0, -2, 1], [0, 0, 0], [np.nan, 0, 0]])
    np.testing.assert_array_equal(data.data, expected)
    assert data.relation == "tiny"


def test_sparse_output_and_return_X_y(tiny):
    X, Y = load_mulan(tiny, return_X_y=True, sparse=True)
    assert sp.issparse(X) and sp.issparse(Y)
    assert X.shape == (4, 3) and Y.shape == (4, 2)
    np.testing.assert_array_equal(Y.toarray(), load_mulan(tiny).target)


def test_n_labels_instead_of_xml(tmp_path):
    path = tmp_path / "dense.arff"
    path.write_text(
        "@relation d\n@attribute x numeric\n@attribute y numeric\n"
        "@attribute p {0,1}\n@attribute q {0,1}\n@data\n1,2,0,1\n3,?,1,1\n"
    )
    data = load_mulan(path, n_labels=2)
    assert data.target_names == ["p", "q"]
    np.testing.assert_array_equal(data.target, [[0, 1], [1, 1]])
    np.testing.assert_array_equal(data.data, [[1, 2], [3, np.nan]])
    with pytest.raises(FileNotFoundError, match="xml"):
        load_mulan(path)
    with pytest.raises(ValueError, match="n_labels"):
        load_mulan(path, n_labels=4)


def test_explicit_xml_with_unknown_label(tmp_path, tiny):
    xml = tmp_path / "other.xml"
    xml.write_text(XML.replace("lab_b", "nope"))
    with pytest.raises(ValueError, match="nope"):
        load_mulan(tiny, xml_path=xml)


def test_emotions_and_scene(mulan_dir):
    train = load_mulan(mulan_dir / "emotions" / "emotions-train.arff")
    test = load_mulan(mulan_dir / "emotions" / "emotions-test.arff")
    full = load_mulan(mulan_dir / "emotions" / "emotions.arff")
    assert train.data.shape == (391, 72) and test.data.shape == (202, 72)
    assert train.target_names[0] == "amazed-suprised" and len(train.target_names) == 6
    # emotions.arff is train + test row by row (see the data README)
    np.testing.assert_array_equal(full.data, np.vstack([train.data, test.data]))
    np.testing.assert_array_equal(full.target, np.vstack([train.target, test.target]))
    # published statistics: label cardinality 1.869, 27 distinct label sets
    assert full.target.sum(1).mean() == pytest.approx(1.869, abs=1e-3)
    assert len(np.unique(full.target, axis=0)) == 27
    X, Y = load_mulan(mulan_dir / "scene" / "scene-test.arff", return_X_y=True)
    assert X.shape == (1196, 294) and Y.shape == (1196, 6)
    assert set(np.unique(Y)) == {0, 1} and np.isfinite(X).all()


@pytest.mark.parametrize("name", ["emotions", "scene"])
def test_libsvm_iteration_bound_leaves_normal_fits_unchanged(mulan_dir, name):
    from skmmlc import LabelPowersetWeightedSVC

    X, Y = load_mulan(mulan_dir / name / f"{name}-train.arff", return_X_y=True)
    X_test, _ = load_mulan(mulan_dir / name / f"{name}-test.arff", return_X_y=True)
    bounded = LabelPowersetWeightedSVC(solver="libsvm").fit(X, Y)  # max_iter=-1: bounded
    unbounded = LabelPowersetWeightedSVC(solver="libsvm", max_iter=2**31 - 1).fit(X, Y)
    assert bounded.n_iter_.max() < bounded.svc_.max_iter
    np.testing.assert_array_equal(bounded.predict(X_test), unbounded.predict(X_test))
    np.testing.assert_array_equal(bounded.decision_function(X_test),
                                  unbounded.decision_function(X_test))
