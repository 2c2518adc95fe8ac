"""make_disaster_pipeline's temporal_model and model options: the attention stage and
the end-to-end model, built from the same extractors, searched by GridSearchCV."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from test_pipeline import N_CLIPS, clips, glove_file  # noqa: F401 (fixtures)

from skmmlc import (
    EndToEndMultimodalClassifier,
    ResBiLSTMAttentionTemporal,
    ResBiLSTMTemporal,
    make_disaster_pipeline,
)

TINY_MEDIA = dict(n_frames=2, image_size=75, visual_weights=None, audio_steps=1,
                  audio_weights=None, max_tokens=4)


def test_temporal_model_chooses_the_stage_of_every_branch(tmp_path):
    params = make_disaster_pipeline(text_vectors="x.txt").get_params()
    assert type(params["fusion__audio__temporal"]) is ResBiLSTMTemporal
    model = make_disaster_pipeline(temporal_model="attention", text_vectors="x.txt",
                                   temporal={"residual": "both", "units": 8})
    params = model.get_params()
    for branch in ("visual", "audio", "text"):
        stage = params[f"fusion__{branch}__temporal"]
        assert isinstance(stage, ResBiLSTMAttentionTemporal)
        assert (stage.residual, stage.units) == ("both", 8)
    assert params["fusion__visual__temporal__n_steps"] == 40
    with pytest.raises(ValueError, match="temporal_model must be one of"):
        make_disaster_pipeline(temporal_model="transformer")


def test_end_to_end_layout_comes_from_the_extractors():
    model = make_disaster_pipeline(model="end-to-end", n_frames=5, audio_steps=2, max_tokens=7,
                                   temporal_model="attention", end_to_end={"units": 4})
    assert [name for name, _ in model.steps] == ["fusion", "classify"]
    classify = model.named_steps["classify"]
    assert isinstance(classify, EndToEndMultimodalClassifier)
    # Inception-V3 pool features, SoundNet conv7, GloVe 6B 50-d
    assert classify.layout == [("visual", 5, 2048), ("audio", 2, 1024), ("text", 7, 50)]
    assert classify.attention and classify.units == 4 and classify.random_state == 0
    fusion = model.named_steps["fusion"]
    assert [type(t).__name__ for _, t, _ in fusion.transformers] == [
        "VisualInceptionFeatures", "SoundNetFeatures", "GloveFeatures"]
    with pytest.raises(ValueError, match=r"does not use \['select'\]"):
        make_disaster_pipeline(model="end-to-end", select={"step": 2})
    with pytest.raises(ValueError, match="must not set 'layout'"):
        make_disaster_pipeline(model="end-to-end", end_to_end={"layout": None})
    with pytest.raises(ValueError, match="model must be one of"):
        make_disaster_pipeline(model="e2e")


def test_grid_search_attention_pipeline(clips, glove_file):  # noqa: F811
    X, Y = clips
    model = make_disaster_pipeline(
        ("audio", "text"), text_vectors=str(glove_file), temporal_model="attention",
        temporal=dict(units=2, dense_units=4, epochs=2, batch_size=8, early_stopping=False,
                      attention_units=2),
        select=dict(step=2), **TINY_MEDIA)
    search = GridSearchCV(model, {"fusion__text__temporal__residual": ["mean", "last"]},
                          scoring="f1_micro", cv=KFold(2, shuffle=True, random_state=0),
                          error_score="raise").fit(X, Y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_
    assert best.get_params()["fusion__text__temporal__residual"] in ("mean", "last")
    weights = best.named_steps["fusion"].named_transformers_["text"].named_steps[
        "temporal"].attention_weights(
        best.named_steps["fusion"].named_transformers_["text"].named_steps["static"].transform(
            X["text"]))
    assert weights.shape == (N_CLIPS, 4)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)


def test_grid_search_end_to_end_pipeline(clips, glove_file):  # noqa: F811
    X, Y = clips
    model = make_disaster_pipeline(
        ("audio", "text"), text_vectors=str(glove_file), model="end-to-end",
        end_to_end=dict(units=2, branch_units=4, attention_units=2, epochs=2, batch_size=8,
                        early_stopping=False), **TINY_MEDIA)
    assert model.named_steps["classify"].layout == [("audio", 1, 1024), ("text", 4, 4)]
    search = GridSearchCV(model, {"classify__fusion": ["attention", "concat"]},
                          scoring="f1_micro", cv=KFold(2, shuffle=True, random_state=0),
                          error_score="raise").fit(X, Y)
    assert len(search.cv_results_["params"]) == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_
    proba = best.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba >= 0) & (proba <= 1))
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict(X), best.predict(X))
    assert clone(best).get_params()["classify__layout"] == [("audio", 1, 1024), ("text", 4, 4)]
