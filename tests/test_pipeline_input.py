"""The pipeline checks X and Y before any extraction.

(A refit with ``memory=`` after a media file is replaced: tests/test_faults.py.)
"""

import numpy as np
import pandas as pd
import pytest
from conftest import audio_pipeline

from skmmlc import make_disaster_pipeline


@pytest.fixture
def no_extraction(monkeypatch):
    """Fail the test if the audio extractor starts extracting."""
    from skmmlc.feature_extraction._soundnet import SoundNetFeatures

    def extract(*args, **kwargs):
        raise AssertionError("extraction started")

    monkeypatch.setattr(SoundNetFeatures, "_extract", extract)


def test_one_d_array_of_paths_gets_a_clear_error(sounds, monkeypatch):
    X, Y = sounds
    with pytest.raises(ValueError, match=r"X must be a pandas DataFrame .*\['video'\].*ndarray"):
        audio_pipeline().fit(X["video"].to_numpy(), Y)


def test_missing_column_is_named(sounds):
    X, Y = sounds
    with pytest.raises(ValueError, match=r"X lacks the column\(s\) \['video'\]"):
        audio_pipeline().fit(X.rename(columns={"video": "clip"}), Y)


def test_bad_targets_fail_before_any_extraction(sounds, no_extraction):
    X, Y = sounds
    with pytest.raises(ValueError, match="coded -1/"):
        audio_pipeline().fit(X, 2 * Y - 1)
    with pytest.raises(ValueError, match="MultiLabelBinarizer"):
        audio_pipeline().fit(X, [["a", "b"], ["a"]] * 4)


def test_length_mismatch_and_bad_parameters_fail_before_any_extraction(sounds, no_extraction):
    from sklearn.utils._param_validation import InvalidParameterError

    X, Y = sounds
    with pytest.raises(ValueError, match="X has 8 rows but y has 7"):
        audio_pipeline().fit(X, Y[:7])
    with pytest.raises(InvalidParameterError, match="'C' parameter of LabelPowersetWeightedSVC"):
        audio_pipeline().set_params(classify__C=-1.0).fit(X, Y)
    with pytest.raises(InvalidParameterError, match="'units' parameter of ResBiLSTMTemporal"):
        audio_pipeline().set_params(fusion__audio__temporal__units=0).fit(X, Y)
    with pytest.raises(ValueError, match="weights=.*neither 'sound8' nor an existing file"):
        audio_pipeline().set_params(fusion__audio__static__weights="nope.npy").fit(X, Y)


def test_sparse_one_column_and_dataframe_targets(sounds):
    import scipy.sparse as sp

    X, Y = sounds
    model = audio_pipeline().fit(X, sp.csr_matrix(Y[:, :1]))
    assert model.predict(X).shape == (8, 1)
    assert not hasattr(model, "label_names_")
    model.fit(X, pd.DataFrame(Y, columns=["Flood", "Damage"]))
    assert model.predict(X).shape == (8, 2)
    assert list(model.label_names_) == ["Flood", "Damage"]


def test_a_single_modality_name_is_accepted():
    model = make_disaster_pipeline(modalities="text")
    assert [name for name, *_ in model.named_steps["fusion"].transformers] == ["text"]
    with pytest.raises(ValueError, match="non-empty subset"):
        make_disaster_pipeline(modalities="txt")


def test_errors_name_the_index_label_after_a_shuffle(sounds):
    from skmmlc import MediaError, SoundNetFeatures

    X, _ = sounds
    X = X.set_axis([10 * i + 7 for i in range(8)])  # as after train_test_split
    X.iloc[3, 0] = X.iloc[3, 0] + ".missing"
    extractor = SoundNetFeatures(weights=None, n_steps=1).fit(X)
    with pytest.raises(MediaError, match=r"^row 3 \(index 37\): .* does not exist") as info:
        extractor.transform(X)
    assert (info.value.row, info.value.index_label) == (3, 37)
    with pytest.warns(UserWarning, match=r"row 3 \(index 37\)") as caught:
        extractor.set_params(on_error="zeros").transform(X)
    assert [w.message.errors[0].index_label for w in caught
            if hasattr(w.message, "errors")] == [37]


def test_a_url_is_not_read_as_a_path(sounds):
    from skmmlc import MediaError, SoundNetFeatures

    X = pd.DataFrame({"video": ["https://example.org/clip.mp4"]})
    with pytest.raises(MediaError, match=r"row 0: .*'https://example.org/clip.mp4' is a URL; "
                                         "skmmlc reads local files only: download it first"):
        SoundNetFeatures(weights=None, n_steps=1).fit_transform(X)


def test_lists_and_arrays_have_no_index_labels():
    from skmmlc.feature_extraction._base import _index_labels

    assert _index_labels(["a.wav", "b.wav"], 2) is None  # list.index is a method
    assert _index_labels(np.array(["a.wav", "b.wav"]), 2) is None
    assert _index_labels(pd.Series(["a", "b"]), 2) is None  # 0..n-1: nothing to add
    assert _index_labels(pd.Series(["a", "b"], index=[5, 3]), 2) == [5, 3]
