"""The Table II protocol on small synthetic static features."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skmmlc.experiments import (
    BEYOND_ROWS,
    TABLE2_ROWS,
    FewTestPositivesWarning,
    Table2Result,
    align_steps,
    mean_pool_steps,
    run_table2,
)

SHAPES = {"visual": (4, 6), "audio": (3, 5), "text": (5, 4)}


def synthetic(n=90, seed=0):
    """Three labels; label j is planted in modality j only."""
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, 3)) < [0.5, 0.35, 0.2]).astype(int)
    Y[Y.sum(axis=1) == 0, 0] = 1
    features, n_steps = {}, {}
    for j, (m, (steps, dim)) in enumerate(SHAPES.items()):
        X = rng.normal(size=(n, steps, dim)).astype(np.float32)
        X[Y[:, j] == 1, :, 0] += 2.5
        features[m] = X.reshape(n, -1)
        n_steps[m] = steps
    return features, n_steps, Y


def test_align_steps_nearest_step():
    x = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3 * 2)  # 3 steps x 2 dims
    out = align_steps(x, 3, 6)
    assert out.shape == (2, 6, 2)
    np.testing.assert_array_equal(out[0, :, 0], [0, 0, 2, 2, 4, 4])
    np.testing.assert_array_equal(align_steps(x, 3, 3).reshape(2, -1), x)


@pytest.fixture(scope="module")
def result():
    features, n_steps, Y = synthetic()
    # 18 test clips: labels "b" and "c" have fewer than 10 test positives
    with pytest.warns(FewTestPositivesWarning, match="fewer than 10 positives") as record:
        result = run_table2(
            features,
            n_steps,
            Y,
            label_names=["a", "b", "c"],
            temporal_params=dict(units=4, dense_units=8, epochs=15, batch_size=16,
                                 early_stopping=False),
            select_params=dict(step=4, n_estimators=20),
            head_alphas=(1e-3, 1.0),
            random_state=0,
            dataset="synthetic",
        )
    result.warnings = record.list
    result.test_positives_expected = Y[result.splits["test"]].sum(axis=0)
    return result


def test_mean_pool_steps_ignores_padding():
    x = np.zeros((2, 3, 2))
    x[0, :2] = [[1.0, 2.0], [3.0, 4.0]]  # third step is padding
    out = mean_pool_steps(x.reshape(2, -1), 3)
    np.testing.assert_allclose(out, [[2.0, 3.0], [0.0, 0.0]])


def test_table_has_the_ten_rows_then_the_three_beyond_the_paper(result):
    table = result.table
    assert len(TABLE2_ROWS) == 10 and len(BEYOND_ROWS) == 3
    assert list(zip(table.approach, table.features)) == [
        (a, f) for a, f, *_ in TABLE2_ROWS + BEYOND_ROWS]
    assert table.approach.iloc[9] == "Static baseline"
    assert list(table.approach.iloc[10:]) == [
        "Proposed + attention", "End-to-end", "End-to-end + attention"]
    for col in ("micro_f1", "hamming_loss", "map"):
        assert table[col].between(0, 1).all()
    assert (table.fit_seconds > 0).all()
    assert list(result.per_concept_f1.index) == [
        "early fusion", "late fusion", "proposed", "static baseline",
        "proposed + attention", "end-to-end", "end-to-end + attention"]
    assert (table.macro_f1 <= 1).all() and (table.macro_f1 >= 0).all()
    assert list(result.per_concept_f1.columns) == ["a", "b", "c"]
    # macro-F1 is the mean of the per-label F1 of every row
    assert result.per_label_f1.shape == (13, 3)
    np.testing.assert_allclose(result.per_label_f1.mean(axis=1), table.macro_f1)


def test_splits_are_a_stratified_partition(result):
    tr, va, te = (result.splits[k] for k in ("train", "validation", "test"))
    assert len(tr) + len(va) + len(te) == 90
    assert len(np.unique(np.concatenate([tr, va, te]))) == 90
    assert abs(len(tr) - 54) <= 2 and abs(len(te) - 18) <= 2
    assert result.settings["split_sizes"] == [len(tr), len(va), len(te)]


def test_fusion_beats_single_modalities(result):
    # each label lives in one modality only: a single modality misses the others
    t = result.table.set_index("features")
    late = result.table.iloc[7].micro_f1
    for single in ("visual", "audio", "text"):
        assert late > t.loc[single, "micro_f1"]
    best_single = max(t.loc[s, "micro_f1"] for s in ("visual", "audio", "text"))
    assert result.table.iloc[8].micro_f1 > best_single
    # the static baseline sees every modality too
    assert result.table.iloc[9].micro_f1 > best_single


def test_choices_are_reported(result):
    chosen = result.table.set_index("approach")["chosen"]
    # three labels: a 3-label set is the full powerset, so only None is tried
    assert result.settings["labelset_sizes"] == [None]
    assert chosen["Proposed framework"].startswith("C=")
    assert "labelset_size=None" in chosen["Proposed framework"]
    assert chosen["Static baseline"] in {"C=0.01", "C=0.1", "C=1"}
    assert result.settings["chosen"]["Proposed framework (visual+audio+text)"] == (
        chosen["Proposed framework"]
    )
    import json

    json.dumps(result.settings)  # plain JSON values, no reprs of numbers
    assert sorted(result.temporal_features) == [
        "audio", "audio (attention)", "early", "text", "text (attention)", "visual",
        "visual (attention)"]
    assert result.temporal_features["text"].shape == (90, 8)
    assert result.temporal_features["text (attention)"].shape == (90, 8)
    # the new rows: what validation chose, and the protocol's settings of them
    assert chosen["Proposed + attention"].startswith("C=")
    for row in ("End-to-end", "End-to-end + attention"):
        assert chosen[row].split(",")[0] in {"fusion=attention", "fusion=concat"}
    assert result.settings["end_to_end_fusions"] == ["attention", "concat"]
    assert result.settings["end_to_end_params"]["epochs"] == 15  # from temporal_params


def test_end_to_end_attention_over_the_test_clips(result, tmp_path):
    attention = result.attention
    test = result.splits["test"]
    np.testing.assert_array_equal(attention["clips"], test)
    assert attention["labels"].shape == (len(test), 3)
    weights = attention["weights"]
    assert {m: w.shape for m, w in weights.items()} == {
        m: (len(test), steps) for m, (steps, _) in SHAPES.items()}
    for w in weights.values():
        np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)
    assert result.attention_files() == (
        "attention_visual.png", "attention_audio.png", "attention_text.png")
    result.save(tmp_path)
    for name in result.attention_files():
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_few_test_positives_warn_with_names_and_counts(result):
    counts = result.test_positives
    assert list(counts.index) == ["a", "b", "c"]
    np.testing.assert_array_equal(counts, result.test_positives_expected)
    assert counts["a"] >= 10 and counts["b"] < 10 and counts["c"] < 10
    assert result.settings["test_positives"] == {k: int(v) for k, v in counts.items()}
    [warning] = [w for w in result.warnings if w.category is FewTestPositivesWarning]
    assert warning.filename == __file__  # points at the caller of run_table2
    message = str(warning.message)
    assert f"2 of 3 concepts: b ({counts['b']}), c ({counts['c']})." in message
    assert "a (" not in message
    assert warning.message.counts == {"b": counts["b"], "c": counts["c"]}
    assert issubclass(FewTestPositivesWarning, UserWarning)


def test_no_warning_with_enough_test_positives(recwarn):
    from skmmlc.experiments import _table2 as protocol

    enough = protocol.pd.Series([10, 25], index=["x", "y"])
    protocol._warn_few_positives(enough)
    assert not [w for w in recwarn if w.category is FewTestPositivesWarning]
    with pytest.warns(FewTestPositivesWarning, match=r"1 of 2 concepts: y \(9\)"):
        protocol._warn_few_positives(protocol.pd.Series([10, 9], index=["x", "y"]))


@pytest.mark.filterwarnings("ignore::skmmlc.experiments.FewTestPositivesWarning")
def test_proposed_row_tries_label_subsets():
    features, n_steps, Y = synthetic(n=90, seed=1)
    Y = np.column_stack([Y, Y[:, 0] ^ Y[:, 1], Y[:, 2]])  # five labels
    result = run_table2(
        features, n_steps, Y,
        temporal_params=dict(units=2, dense_units=4, epochs=2, batch_size=32,
                             early_stopping=False),
        select_params=dict(step=4, n_estimators=5),
        head_alphas=(1.0,), svc_Cs=(0.9,), baseline_Cs=(1.0,),
        labelset_sizes=(None, 3, 7),
        beyond_paper=False,
    )
    assert len(result.table) == 10 and result.attention is None
    assert result.settings["labelset_sizes"] == [None, 3]
    assert result.table.chosen.iloc[8].split(", ")[1] in {"labelset_size=None",
                                                          "labelset_size=3"}


def test_markdown_and_plot(result, tmp_path):
    import matplotlib

    md = result.to_markdown()
    assert md.count("\n") == 2 + 13 - 1
    assert "| Micro F1 | Macro F1 |" in md
    assert result.per_label_markdown().count("\n") == 2 + 13 - 1
    assert "Proposed framework" in md and "Static baseline" in md
    backend = matplotlib.get_backend()
    fig = result.plot_per_concept(tmp_path / "fig.png")
    assert matplotlib.get_backend() == backend  # no backend switched
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert len(ax.patches) == 7 * 3  # seven rows x three concepts, zeros included
    from matplotlib.figure import Figure

    own = Figure()
    target = own.add_subplot()
    assert result.plot_per_concept(ax=target) is own and len(target.patches) == 21


def test_plot_shows_test_positives_and_data_set(result):
    ax = result.plot_per_concept().axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [f"{c}\n(n={k})" for c, k in result.test_positives.items()]
    # fewer than 10 test positives: the concept is marked, and the mark explained
    styles = [t.get_fontstyle() for t in ax.get_xticklabels()]
    assert styles == ["normal", "italic", "italic"]
    assert any("fewer than 10 test positives" in t.get_text() for t in ax.texts)
    assert ax.get_title(loc="left") == "Per-concept F1 on the test split: synthetic"
    custom = result.plot_per_concept(title="my data").axes[0]
    assert custom.get_title(loc="left") == "my data"


def test_plot_without_counts():
    import pandas as pd

    bare = Table2Result(
        table=pd.DataFrame(),
        per_concept_f1=pd.DataFrame([[0.5, 0.0]], index=["proposed"], columns=["p", "q"]),
        splits={},
    )
    ax = bare.plot_per_concept().axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["p", "q"]
    assert ax.get_title(loc="left") == "Per-concept F1 on the test split"


def test_rejects_bad_input():
    features, n_steps, Y = synthetic(30)
    with pytest.raises(ValueError, match="lacks modalities"):
        run_table2({"visual": features["visual"]}, n_steps, Y)
    with pytest.raises(ValueError, match="rows"):
        run_table2(features, n_steps, Y[:10])


def test_long_concept_names_are_wrapped_for_the_ticks():
    from skmmlc.experiments._result import _wrap_label

    assert _wrap_label("Speak/Briefing/Interview") == "Speak/\nBriefing/\nInterview"
    assert _wrap_label("Emergency Response") == "Emergency\nResponse"
    assert _wrap_label("Flood/Storm") == "Flood/Storm"  # short enough: kept


def test_heads_choose_the_first_best_candidate_and_refit_on_train():
    # the heads' GridSearchCV keeps the first of equal validation scores, in the
    # order the candidates are given (not the grid's sorted parameter names),
    # and the chosen model is fit on the train rows only
    from sklearn.base import BaseEstimator, ClassifierMixin

    from skmmlc.experiments._heads import choose_on_validation

    class Guess(ClassifierMixin, BaseEstimator):
        def __init__(self, b=0, a=0):
            self.b, self.a = b, a

        def fit(self, X, Y):
            self.n_rows_, self.classes_ = len(X), np.arange(Y.shape[1])
            return self

        def predict(self, X):  # right on label 0 iff a + b >= 1
            return np.column_stack(
                [X[:, 0] > 0 if self.a + self.b >= 1 else X[:, 0] <= 0, np.zeros(len(X))]
            ).astype(int)

    X = np.r_[-1.0, 1.0, -1.0, 1.0, 1.0, -1.0][:, None]
    Y = np.column_stack([X[:, 0] > 0, [0, 0, 0, 0, 1, 0]]).astype(int)
    splits = (np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([], dtype=int))
    candidates = [{"b": 0, "a": 0}, {"b": 1, "a": 0}, {"b": 0, "a": 1}, {"b": 1, "a": 1}]
    model, params = choose_on_validation(Guess(), candidates, X, Y, splits)
    assert params == {"b": 1, "a": 0} and model.n_rows_ == 3
    model, params = choose_on_validation(Guess(), candidates[::-1], X, Y, splits)
    assert params == {"b": 1, "a": 1}


def test_run_table2_keywords_are_the_protocol_settings():
    # the protocol's settings are defined once (its dataclass): run_table2 takes
    # each with the same default, and results.json records each of them
    import dataclasses
    import inspect

    from skmmlc.experiments._table2 import _Protocol

    parameters = inspect.signature(run_table2).parameters
    for field in dataclasses.fields(_Protocol):
        assert parameters[field.name].default == field.default, field.name
    recorded = _Protocol().settings()
    assert list(recorded) == [f.name for f in dataclasses.fields(_Protocol)]
    assert recorded["svc_Cs"] == [0.01, 0.1, 0.9] and recorded["resample"] is None


def test_memory_keeps_the_temporal_models_features(tmp_path, monkeypatch):
    # a second run on the same features trains no temporal model and gives
    # the same table; other settings of the temporal models train them again
    from skmmlc import ResBiLSTMTemporal

    fits = []
    original = ResBiLSTMTemporal.fit_transform

    def counting(self, X, y, **params):
        fits.append(self.n_steps)
        return original(self, X, y, **params)

    monkeypatch.setattr(ResBiLSTMTemporal, "fit_transform", counting)
    features, n_steps, Y = synthetic(n=60, seed=2)
    settings = dict(
        select_params=dict(step=4, n_estimators=5), head_alphas=(1.0,), svc_Cs=(0.9,),
        baseline_Cs=(1.0,), labelset_sizes=(None,), beyond_paper=False,
        memory=tmp_path / "cache",
    )
    tiny = dict(units=2, dense_units=4, epochs=2, batch_size=32, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewTestPositivesWarning)
        first = run_table2(features, n_steps, Y, temporal_params=tiny, **settings)
        assert len(fits) == 4  # three modalities and early fusion
        again = run_table2(features, n_steps, Y, temporal_params=tiny, **settings)
        assert len(fits) == 4
        # the same rows, scores and choices (only the heads' fit times differ)
        pd.testing.assert_frame_equal(first.table.drop(columns="fit_seconds"),
                                      again.table.drop(columns="fit_seconds"))
        run_table2(features, n_steps, Y, temporal_params={**tiny, "units": 3}, **settings)
    assert len(fits) == 8
