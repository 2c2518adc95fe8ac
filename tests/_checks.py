"""skmmlc's own estimator checks, for estimators whose input is media.

scikit-learn's common checks feed 2-D numeric arrays. The extractors read one
file path or text per row and declare it as scikit-learn's own text
transformers do (``input_tags.two_d_array=False``), so
``parametrize_with_checks`` yields no check for them; the full
:class:`~skmmlc.MultimodalDisasterPipeline` reads a DataFrame of clips. The
checks below test the same contracts on real inputs made by the tests
(clips, sound files, texts), in the manner of imbalanced-learn's
``imblearn/utils/estimator_checks.py``:

- ``fit`` returns ``self``, is idempotent and leaves the parameters alone;
- ``transform``/``predict``... change nothing on the fitted estimator
  (nor on any estimator nested in it);
- ``get_params``/``set_params``/``clone`` round trips;
- a pickled copy and a refitted clone give the same output;
- the output does not depend on the order of the rows or on which other rows
  are in the batch;
- the columns seen in ``fit`` (``n_features_in_``, ``feature_names_in_``) are
  checked in ``transform``;
- an unfitted estimator raises ``NotFittedError``;
- scikit-learn's own checks that need no numeric data
  (``check_param_validation``, ``check_no_attributes_set_in_init``, ...).

Each check is ``check(estimator, X, y=None, **options)``: ``estimator`` is
unfitted; ``X`` holds a few valid inputs (a list, a Series or a DataFrame)
and ``y`` the targets of a supervised estimator. Tolerances (``rtol``,
``atol``) apply where a network's arithmetic depends on the batch (0 means
exact); ``run_check`` passes each check those it takes.

Use::

    @pytest.mark.parametrize("check", CHECKS, ids=check_id)
    def test_skmmlc_checks(check, inputs):
        run_check(check, make_estimator(), inputs, rtol=1e-5)
"""

import functools
import inspect
import io
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn import utils as sk_utils
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_get_params_invariance,
    check_mixin_order,
    check_no_attributes_set_in_init,
    check_param_validation,
    check_parameters_default_constructible,
    check_set_params,
    check_valid_tag_types,
)
from sklearn.utils.validation import check_is_fitted

OUTPUT_METHODS = ("transform", "predict", "decision_function", "predict_proba")
#: The outputs compared by the checks: the continuous ones carry the most
#: information (predict follows from decision_function); each costs a pass.
COMPARED_METHODS = ("transform", "decision_function", "predict_proba")


# -- helpers -------------------------------------------------------------------
def check_id(check):
    """pytest id of a check."""
    return check.__name__


def run_check(check, estimator, X, y=None, **options):
    """Run ``check``, passing it those ``options`` (e.g. ``rtol``) it takes."""
    accepted = inspect.signature(check).parameters
    check(estimator, X, y, **{k: v for k, v in options.items() if k in accepted})


def _rows(X, idx):
    """Rows ``idx`` of ``X`` (list, Series or DataFrame), in that order."""
    if hasattr(X, "iloc"):
        return X.iloc[list(idx)]
    return [X[i] for i in idx]


def _n_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _outputs(estimator, X, y=None, *, methods=COMPARED_METHODS):
    """Output of the fitted estimator's output ``methods`` (the first it has
    of ``COMPARED_METHODS`` by default, else ``predict``), by name.

    With ``methods=OUTPUT_METHODS`` every output method runs (and ``score``,
    given ``y``).
    """
    available = [m for m in methods if hasattr(estimator, m)]
    if methods is COMPARED_METHODS:
        available = available[:1] or ["predict"]
    out = {m: np.asarray(getattr(estimator, m)(X)) for m in available}
    if methods is OUTPUT_METHODS and y is not None and hasattr(estimator, "score"):
        out["score"] = np.asarray(estimator.score(X, y))
    assert out, f"{type(estimator).__name__} has no output method"
    return out


_FITTED = {}


def _fitted(estimator, X, y=None):
    """A fitted clone of ``estimator``, shared by the checks that only read it.

    Fitting the full pipeline costs seconds: the checks that do not test
    ``fit`` itself share one fitted copy per (parameters, data). The check
    that outputs change nothing fits its own copy.
    """
    key = (type(estimator).__qualname__, joblib.hash(estimator.get_params(deep=True)),
           id(X), id(y))
    if key not in _FITTED:
        _FITTED.clear()  # one at a time: the checks of one estimator run together
        _FITTED[key] = (clone(estimator).fit(X, y), X, y)  # X, y kept: ids stay valid
    return _FITTED[key][0]


def _assert_outputs_equal(got, expected, rtol, atol, what):
    assert got.keys() == expected.keys()
    for method, value in expected.items():
        if method == "score":
            continue  # a function of the other outputs
        if rtol == 0 and atol == 0:
            np.testing.assert_array_equal(got[method], value, err_msg=f"{what}: {method}")
        else:
            np.testing.assert_allclose(
                got[method], value, rtol=rtol, atol=atol, err_msg=f"{what}: {method}"
            )


def _fingerprint(value):
    """A hash of ``value`` that ignores object identity (identity for models)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, joblib.hash(value))
    if type(value).__module__.split(".")[0] in ("keras", "tensorflow"):
        # a network's Python object changes when it is called (traces, build
        # flags); what must not change is which network is there
        return ("id", id(value))
    try:
        return joblib.hash(value)
    except Exception:  # e.g. a Keras model: identity is what must not change
        return ("id", id(value))


def _state(estimator, path="", seen=None):
    """Flat ``{path: fingerprint}`` of an estimator's ``__dict__``, recursively.

    Estimators found in attributes (steps, fitted sub-estimators, lists and
    dicts of them) are walked into, so an attribute added or changed on any
    nested estimator shows.
    """
    seen = set() if seen is None else seen
    if id(estimator) in seen:
        return {}
    seen.add(id(estimator))
    state = {}

    def walk(value, where):
        if isinstance(value, BaseEstimator):
            state[where] = type(value).__name__
            state.update(_state(value, where + ".", seen))
        elif isinstance(value, list | tuple):
            state[where] = (type(value).__name__, len(value))
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]")
        elif isinstance(value, dict) and not isinstance(value, sk_utils.Bunch):
            state[where] = ("dict", tuple(sorted(map(str, value))))
            for k, item in value.items():
                walk(item, f"{where}[{k!r}]")
        else:
            state[where] = _fingerprint(value)

    for name, value in vars(estimator).items():
        walk(value, path + name)
    return state


def _hyperparameters(estimator):
    """Deep parameters whose values are not estimators (hashed)."""
    return {
        k: _fingerprint(v)
        for k, v in estimator.get_params(deep=True).items()
        if not isinstance(v, BaseEstimator) and not _holds_estimators(v)
    }


def _holds_estimators(value):
    return isinstance(value, list | tuple) and any(
        isinstance(v, BaseEstimator) or _holds_estimators(v) for v in value
    )


# -- fit -----------------------------------------------------------------------
def check_fit_returns_self(estimator, X, y=None):
    est = clone(estimator)
    assert est.fit(X, y) is est
    if hasattr(est, "fit_transform"):
        out = np.asarray(clone(estimator).fit_transform(X, y))
        assert out.shape[0] == _n_rows(X)


def check_fit_idempotent(estimator, X, y=None, *, rtol=0, atol=0):
    """Fitting twice (or on other rows first) gives the same fitted estimator."""
    fitted = _fitted(estimator, X, y)
    first = _outputs(fitted, X)
    attrs = {k: _fingerprint(v) for k, v in vars(fitted).items() if k.endswith("_")}
    est = clone(estimator)
    half = list(range(max(_n_rows(X) // 2, 1)))
    est.fit(_rows(X, half), None if y is None else y[half])  # other data first
    est.fit(X, y)
    _assert_outputs_equal(_outputs(est, X), first, rtol, atol, "refit")
    if rtol == 0 and atol == 0:
        again = {k: _fingerprint(v) for k, v in vars(est).items() if k.endswith("_")}
        assert again.keys() == attrs.keys()
        changed = [k for k in attrs if again[k] != attrs[k] and k.endswith("_")]
        assert not changed, f"refitting changed the fitted attributes {changed}"


def check_fit_leaves_params_alone(estimator, X, y=None):
    """``fit`` changes no hyper-parameter (nested ones included) and sets only
    attributes that end with an underscore or are private."""
    before = _hyperparameters(estimator)
    public_before = {k for k in vars(estimator) if not k.startswith("_")}
    est = _fitted(estimator, X, y)
    assert _hyperparameters(est) == before, "fit changed a parameter"
    added = {k for k in vars(est) if not k.startswith("_")} - public_before
    wrong = sorted(k for k in added if not k.endswith("_"))
    assert not wrong, f"fit set public attributes without a trailing _: {wrong}"


# -- outputs -------------------------------------------------------------------
def check_outputs_leave_state_alone(estimator, X, y=None):
    """transform/predict/... neither add nor change attributes, anywhere."""
    est = clone(estimator).fit(X, y)
    before = _state(est)
    _outputs(est, X, y, methods=OUTPUT_METHODS)
    after = _state(est)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    assert not (added or removed or changed), (
        f"the output methods changed the estimator: added {added}, removed "
        f"{removed}, changed {changed}"
    )


def check_pickle_and_clone_same_output(estimator, X, y=None, *, rtol=0, atol=0):
    est = _fitted(estimator, X, y)
    expected = _outputs(est, X)
    copy = pickle.loads(pickle.dumps(est))
    _assert_outputs_equal(_outputs(copy, X), expected, rtol, atol, "unpickled")
    copy = joblib.load(_joblib_roundtrip(est))
    _assert_outputs_equal(_outputs(copy, X), expected, rtol, atol, "joblib")
    refit = clone(est).fit(X, y)
    _assert_outputs_equal(_outputs(refit, X), expected, rtol, atol, "clone + fit")


def _joblib_roundtrip(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return buffer


def check_sample_order_invariance(estimator, X, y=None, *, rtol=0, atol=0):
    est = _fitted(estimator, X, y)
    expected = _outputs(est, X)
    perm = np.random.default_rng(0).permutation(_n_rows(X))
    if np.array_equal(perm, np.arange(len(perm))):
        perm = perm[::-1]
    got = _outputs(est, _rows(X, perm))
    _assert_outputs_equal(got, {k: v[perm] for k, v in expected.items()}, rtol, atol,
                          "permuted rows")


def check_subset_invariance(estimator, X, y=None, *, rtol=0, atol=0):
    """Each row's output does not depend on the other rows of the call."""
    est = _fitted(estimator, X, y)
    expected = _outputs(est, X)
    n = _n_rows(X)
    for batch in (np.arange(n)[::2], [n - 1]):
        got = _outputs(est, _rows(X, batch))
        _assert_outputs_equal(got, {k: v[batch] for k, v in expected.items()},
                              rtol, atol, f"rows {list(batch)} alone")


# -- columns -------------------------------------------------------------------
def check_columns_checked_in_transform(estimator, X, y=None, *, extra_columns_ok=False):
    """``X`` is a DataFrame: names and count of its columns are recorded in
    fit and checked by the output methods (scikit-learn's rules)."""
    assert isinstance(X, pd.DataFrame), "this check needs X as a DataFrame"
    est = _fitted(estimator, X, y)
    assert est.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(est.feature_names_in_, X.columns)
    method = next(m for m in OUTPUT_METHODS if hasattr(est, m))
    output = getattr(est, method)
    renamed = X.rename(columns={X.columns[0]: f"{X.columns[0]}_renamed"})
    with pytest.raises(ValueError, match=r"feature names|column"):
        output(renamed)
    if X.shape[1] > 1:
        with pytest.raises(ValueError):
            output(X.iloc[:, :-1])
    if not extra_columns_ok:
        wider = X.assign(**{f"{X.columns[-1]}_copy": X.iloc[:, -1]})
        with pytest.raises(ValueError, match="features|columns"):
            output(wider)
        with pytest.warns(UserWarning, match="does not have valid feature names"):
            output(X.to_numpy())
    # fitted on unnamed inputs: no names are recorded
    unnamed = X.to_numpy() if X.shape[1] > 1 else list(X.iloc[:, 0])
    if not extra_columns_ok:
        est = clone(estimator).fit(unnamed, y)
        assert not hasattr(est, "feature_names_in_")
        assert est.n_features_in_ == X.shape[1]


# -- parameters ------------------------------------------------------------------
def check_params_round_trip(estimator, X=None, y=None):
    """get_params -> set_params -> clone give back the same parameters; a
    clone of a fitted estimator is unfitted."""
    est = clone(estimator)
    shallow = est.get_params(deep=False)
    deep = _hyperparameters(est)
    assert est.set_params(**shallow) is est
    assert _hyperparameters(est) == deep
    # every deep parameter can be set (to its own value)
    for key, value in est.get_params(deep=True).items():
        if "__" in key:
            est.set_params(**{key: value})
    assert _hyperparameters(est) == deep
    shallow = est.get_params(deep=False)
    twin = clone(est)
    assert _hyperparameters(twin) == deep
    for key, value in shallow.items():
        if not isinstance(value, BaseEstimator) and not _holds_estimators(value):
            assert twin.get_params(deep=False)[key] is value, key
    if X is not None:
        fitted = _fitted(estimator, X, y)
        unfitted = clone(fitted)
        assert _hyperparameters(unfitted) == _hyperparameters(fitted)
        with pytest.raises(NotFittedError):
            check_is_fitted(unfitted)


def check_unfitted_errors(estimator, X, y=None):
    est = clone(estimator)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    for method in OUTPUT_METHODS + ("get_feature_names_out",):
        if hasattr(est, method):
            args = () if method == "get_feature_names_out" else (X,)
            with pytest.raises(NotFittedError):
                getattr(est, method)(*args)
    check_is_fitted(_fitted(estimator, X, y))


def check_empty_input_rejected(estimator, X, y=None):
    est = clone(estimator)
    empty = _rows(X, [])
    with pytest.raises(ValueError):
        est.fit(empty, None if y is None else y[:0])


def _sklearn_check(check):
    """One of scikit-learn's checks that need no data, as a check of ours."""

    @functools.wraps(check)
    def run(estimator, X=None, y=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            check(type(estimator).__name__, clone(estimator))

    return run


SKLEARN_API_CHECKS = [
    _sklearn_check(c)
    for c in (
        check_estimator_cloneable,
        check_estimator_tags_renamed,
        check_valid_tag_types,
        check_estimator_repr,
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_get_params_invariance,
        check_set_params,
        check_do_not_raise_errors_in_init_or_set_params,
        check_mixin_order,
        check_param_validation,
    )
]

#: Every check, for the extractors and the full pipeline. X is a list of
#: inputs or a DataFrame (always a DataFrame for
#: ``check_columns_checked_in_transform``).
CHECKS = [
    check_fit_returns_self,
    check_fit_idempotent,
    check_fit_leaves_params_alone,
    check_outputs_leave_state_alone,
    check_params_round_trip,
    check_pickle_and_clone_same_output,
    check_sample_order_invariance,
    check_subset_invariance,
    check_columns_checked_in_transform,
    check_unfitted_errors,
    check_empty_input_rejected,
    *SKLEARN_API_CHECKS,
]

#: The checks that compare a row's output across batches of other shapes
#: (permuted rows, subsets): float32 kernels that depended on the batch would
#: show there. ``bash run.sh test`` runs them again under a second oneDNN
#: kernel family (``pytest -m numerics``).
NUMERICS_CHECKS = {"check_sample_order_invariance", "check_subset_invariance"}


def check_params(checks=CHECKS):
    """``checks`` as pytest parameters, those of ``NUMERICS_CHECKS`` marked
    ``numerics``: ``@pytest.mark.parametrize("check", check_params())``."""
    return [
        pytest.param(c, marks=pytest.mark.numerics, id=check_id(c))
        if check_id(c) in NUMERICS_CHECKS
        else pytest.param(c, id=check_id(c))
        for c in checks
    ]


# -- scikit-learn's checks of the Keras estimators ------------------------------
#: scikit-learn's checks that compare a method's output on permuted rows or
#: on a subset of rows with its output on all rows, at rtol 1e-7.
BATCH_DEPENDENT_SKLEARN_CHECKS = (
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
)


def run_sklearn_check_at_float32(estimator, check):
    """Run a ``parametrize_with_checks`` check; the batch-dependent two at float32's rounding.

    The Keras estimators score rows in float32 batches, and oneDNN picks its
    kernels by batch shape and CPU: a row scored at another position or in
    a smaller batch may be summed in another order, one float32 rounding
    apart (measured: 1.1e-7 relative with AVX2 kernels, 0 with AVX-512
    ones), finer than scikit-learn's rtol of 1e-7 can tell from a bug. Those
    two properties are checked here on scikit-learn's kind of data (blobs),
    at 8 float32 epsilons, every output method compared; any other check
    runs as scikit-learn wrote it.
    """
    from conftest import F32_EPS
    from sklearn.datasets import make_blobs

    name = getattr(check, "func", check).__name__
    if name not in BATCH_DEPENDENT_SKLEARN_CHECKS:
        return check(estimator)
    X, y = make_blobs(n_samples=30, centers=2, n_features=4, random_state=0)
    est = clone(estimator).fit(X, y)
    rng = np.random.default_rng(0)
    n = X.shape[0]
    batches = [rng.permutation(n)] if "order" in name else [np.arange(0, n, 2), [n - 1]]
    for method in ("predict", "transform", "decision_function", "predict_proba"):
        if not hasattr(est, method):
            continue
        full = getattr(est, method)(X)
        for rows in batches:
            np.testing.assert_allclose(
                getattr(est, method)(X[rows]), full[rows], rtol=8 * F32_EPS, atol=8 * F32_EPS,
                err_msg=f"{method} of rows {list(rows)} differs from their rows in one call",
            )
    return None
