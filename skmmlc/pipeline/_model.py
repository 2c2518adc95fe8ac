"""MultimodalDisasterPipeline, and make_disaster_pipeline that builds it with options.

The class adds to scikit-learn's ``Pipeline`` the paper's steps as its default
(``steps=None``), the feature cache that follows ``memory`` and the
content-keyed cache of fitted steps; its one use of scikit-learn's private API
is the adapter :class:`SklearnValidation`.
"""

from __future__ import annotations

import contextlib
import os
import textwrap

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if

from ..feature_extraction import BaseExtractor
from ..utils import MODALITIES, ContentKeyedMemory, check_label_matrix
from ._options import options_doc
from ._steps import disaster_steps, feature_cache_dir

__all__ = ["MultimodalDisasterPipeline", "make_disaster_pipeline", "content_keyed"]


def make_disaster_pipeline(
    modalities=MODALITIES,
    *,
    video="video",
    audio="audio",
    text="text",
    n_frames=40,
    image_size=299,
    visual_weights="imagenet",
    audio_steps=15,
    audio_weights="sound8",
    text_vectors="glove-6b-50d",
    max_tokens=20,
    temporal=None,
    temporal_model="resbilstm",
    model="paper",
    end_to_end=None,
    select=None,
    classify=None,
    scale=True,
    memory=None,
    on_error="raise",
    verbose=0,
    n_jobs=None,
    random_state=0,
    resample=None,
):
    # The keywords are those of PIPELINE_OPTIONS (tests/test_pipeline.py checks it);
    # the docstring's parameters are written from it below.
    if isinstance(memory, os.PathLike):
        memory = os.fspath(memory)  # Pipeline accepts str or joblib.Memory
    options = dict(locals())
    return MultimodalDisasterPipeline(disaster_steps(**options), memory=memory)


make_disaster_pipeline.__doc__ = """Build a :class:`MultimodalDisasterPipeline` with options.

    The options are defined once, in ``skmmlc.pipeline.PIPELINE_OPTIONS``
    (with their command-line flags: the table in docs/cli.md).

    Parameters
    ----------
{parameters}

    Returns
    -------
    MultimodalDisasterPipeline
    """.format(parameters=textwrap.indent(options_doc(), "    "))


class SklearnValidation:
    """The pipeline's one adapter to scikit-learn's private parameter validation.

    A mixin of :class:`MultimodalDisasterPipeline`, and the only code of
    this module that touches a scikit-learn private name. It relies on

    - ``Pipeline._parameter_constraints``, the class attribute that
      ``BaseEstimator._validate_params`` checks ``get_params(deep=False)``
      against, which the public ``fit`` calls through
      ``sklearn.base._fit_context``: extended here to accept
      ``steps=None`` (the paper's steps; scikit-learn's rejects None);
    - ``BaseEstimator._validate_params()``, called on the pipeline and on
      every estimator nested in its steps before anything is fitted.

    Both exist, with these names and meaning, from scikit-learn 1.2 (where
    parameter validation came in) to 1.9 (checked: 1.9.1; skmmlc requires
    1.6 or later). No public route exists: scikit-learn offers no public way
    to declare what a parameter accepts (``_parameter_constraints`` is read
    by its own ``fit``; without the extension, ``Pipeline.fit`` rejects
    ``steps=None``), nor to check an estimator's parameters without fitting
    it, and ``fit`` of the later steps runs only after the features are
    extracted, minutes later. The extractors' checks that constraints
    cannot express (their ``_check_params`` hook, skmmlc's own) run here
    too, for the same reason. ``tests/test_pipeline.py``
    (``test_sklearn_private_api_of_the_adapter``) fails, naming this class,
    if scikit-learn changes any of it.
    """

    _parameter_constraints: dict = {
        **Pipeline._parameter_constraints,
        "steps": [*Pipeline._parameter_constraints["steps"], None],
    }

    def _validate_all_params(self):
        """Validate the parameters of the pipeline, then of every nested estimator."""
        self._validate_params()  # the pipeline's own first (memory, verbose...)
        for estimator in _estimators(self.steps):
            if hasattr(estimator, "_parameter_constraints"):
                estimator._validate_params()
            if isinstance(estimator, BaseExtractor):
                estimator._check_params()


def _pipeline_has(method):
    """``available_if`` check: ``Pipeline`` itself offers ``method`` for these steps."""

    def check(self):
        return hasattr(super(MultimodalDisasterPipeline, self), method)

    return check


class MultimodalDisasterPipeline(SklearnValidation, Pipeline):
    """The paper's multi-label multimodal framework as one scikit-learn Pipeline.

    Late fusion of three modality branches (static deep features, then a
    residual bidirectional LSTM each), Random-Forest ranking with recursive
    feature elimination, and a label-powerset SVM weighted against label
    imbalance. It is a :class:`~sklearn.pipeline.Pipeline`: ``fit``,
    ``predict``, ``decision_function``, ``score``, ``get_params`` /
    ``set_params`` with nested names, ``clone``, pickling and
    :class:`~sklearn.model_selection.GridSearchCV` all behave as usual.
    ``score`` is subset accuracy (the share of clips whose whole label set is
    right, scikit-learn's multi-label convention), stricter than the paper's
    metrics: use :func:`skmmlc.metrics.micro_f1` or ``scoring="f1_micro"``
    to report or select by micro-F1.

    Parameters
    ----------
    steps : list of (name, estimator) tuples, default=None
        ``None`` means the paper's steps, ``make_disaster_pipeline().steps``:
        the parameter stays None, and the steps are built the first time
        they are used (``fit``, ``named_steps``, ``get_params(deep=True)``...)
        and kept with the estimator. Setting a parameter of one of them
        (``set_params(select__step=8)``) makes them the value of ``steps``.
        Use :func:`make_disaster_pipeline` to build the model with other
        options (modalities, column names, frame count, weights, cache).
    memory : str, Path or joblib.Memory, default=None
        Caches fitted transformers, as in :class:`~sklearn.pipeline.Pipeline`,
        and, in the same directory, the static features of the extractors
        whose ``cache`` follows it (``set_params(memory=...)`` moves both).
    verbose : bool, default=False
        Print the time of each step.
    transform_input : list of str, default=None
        As in :class:`~sklearn.pipeline.Pipeline` (metadata routing).

    Attributes
    ----------
    named_steps : Bunch
        ``fusion`` (ColumnTransformer), ``scale`` (StandardScaler),
        ``select`` (RFRecursiveSelector), ``classify`` (LabelPowersetWeightedSVC).
    classes_ : ndarray
        Of the final classifier.
    label_names_ : ndarray of str
        The column names of ``y`` when it was a DataFrame (the order of the
        columns of ``predict``); absent otherwise.

    See Also
    --------
    make_disaster_pipeline : build one with options.

    Examples
    --------
    >>> from skmmlc import MultimodalDisasterPipeline
    >>> model = MultimodalDisasterPipeline()
    >>> [name for name, _ in model.steps]
    ['fusion', 'scale', 'select', 'classify']
    >>> sorted(name for name, *_ in model.named_steps["fusion"].transformers)
    ['audio', 'text', 'visual']
    """

    def __init__(self, steps=None, *, transform_input=None, memory=None, verbose=False):
        super().__init__(
            steps, transform_input=transform_input, memory=memory, verbose=verbose
        )

    # ``steps=None`` means the paper's steps. The parameter keeps the value it
    # was given (None, in ``_steps_param``), as scikit-learn requires; where
    # Pipeline reads ``self.steps`` it gets the default steps, built on first use
    # and kept in ``_default_steps`` (they hold the fitted stages after ``fit``).
    # See docs/design.md, "Why MultimodalDisasterPipeline is built this way".
    @property
    def steps(self):
        """The steps: the ``steps`` parameter, or the paper's when it is None."""
        if self._steps_param is not None:
            return self._steps_param
        if getattr(self, "_default_steps", None) is None:
            self._default_steps = _paper_steps(self.memory)
        return self._default_steps

    @steps.setter
    def steps(self, value):
        default = getattr(self, "_default_steps", None)
        if getattr(self, "_steps_param", None) is None and _same_steps(value, default):
            # Pipeline.fit re-lists the steps it fits: still the default ones
            self._default_steps = value
            return
        if value is None:  # back to the paper's steps: fresh ones
            self._forget_default_steps()
        self._steps_param = value

    def _forget_default_steps(self):
        """Drop the paper's steps built so far: built again on next use."""
        if hasattr(self, "_default_steps"):
            del self._default_steps

    def get_params(self, deep=True):
        """Parameters; ``steps`` is None for the paper's steps.

        With ``deep=True`` the parameters of the steps (default ones
        included) are listed too, e.g. ``select__step``.

        Parameters
        ----------
        deep : bool, default=True
            Also list the parameters of the steps, ``step__param``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        params["steps"] = self._steps_param
        return params

    def set_params(self, **params):
        """Set parameters, nested ones included; see :class:`~sklearn.pipeline.Pipeline`.

        Setting a parameter of a step of the default steps (e.g.
        ``select__step``) makes them the value of ``steps``, so that clones
        keep the change. Setting ``memory`` moves the feature cache of the
        extractors that used the previous ``memory``'s directory.

        Parameters
        ----------
        **params : dict
            Parameters of the pipeline, and of its steps as ``step__param``.

        Returns
        -------
        self : MultimodalDisasterPipeline
        """
        nested = any("__" in key for key in params)
        if nested and "steps" not in params and self._steps_param is None:
            self._steps_param = self.steps  # the paper's steps, made explicit
            self._forget_default_steps()
        if "memory" in params and "steps" not in params:  # new steps bring their caches
            params = {**self._feature_cache_updates(params["memory"]), **params}
        super().set_params(**params)
        if "memory" in params and self._steps_param is None:
            # the paper's steps are derived from memory: built again on next use
            self._forget_default_steps()
        return self

    def _feature_cache_updates(self, memory):
        """``{"...__cache": new}`` for the extractors whose cache follows ``memory``."""
        try:
            old, new = feature_cache_dir(self.memory), feature_cache_dir(memory)
        except TypeError:  # not a memory: fit's parameter validation says so
            return {}
        if self._steps_param is None:  # the paper's steps: rebuilt by set_params
            return {}
        return {
            f"{key}__cache": new
            for key, value in super().get_params(deep=True).items()
            if isinstance(value, BaseExtractor) and value.cache == old
        }

    def fit(self, X, y=None, **params):
        """Fit the model; see :meth:`sklearn.pipeline.Pipeline.fit`.

        Before any feature is extracted, the parameters of every step are
        validated, ``X`` and ``y`` must have as many rows, and ``y`` must be a
        0/1 label matrix (a scipy sparse ``y`` is made dense).

        Parameters
        ----------
        X : pandas.DataFrame
            One row per clip, with the columns of the fusion step's branches.
        y : array-like or sparse matrix of shape (n_samples, n_labels)
            0/1 label indicator matrix.
        **params : dict
            Fit parameters of the steps (``step__param``), as in Pipeline.

        Returns
        -------
        self : MultimodalDisasterPipeline
        """
        y = self._check_fit_input(X, y)
        with self._content_keyed_memory():
            return super().fit(X, y, **params)

    @available_if(_pipeline_has("fit_transform"))
    def fit_transform(self, X, y=None, **params):
        """Fit, then transform with the last step; see :class:`~sklearn.pipeline.Pipeline`.

        Available when the last step transforms (not with the paper's steps).

        Parameters
        ----------
        X : iterable
            Training data, as the first step reads it.
        y : iterable, default=None
            Training targets.
        **params : dict
            Fit parameters of the steps (``step__param``), as in Pipeline.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_transformed_features)
        """
        with self._content_keyed_memory():
            return super().fit_transform(X, y, **params)

    @available_if(_pipeline_has("fit_predict"))
    def fit_predict(self, X, y=None, **params):
        """Fit, then ``fit_predict`` of the last step; see :class:`~sklearn.pipeline.Pipeline`.

        Available when the last step has ``fit_predict`` (not with the
        paper's steps).

        Parameters
        ----------
        X : iterable
            Training data, as the first step reads it.
        y : iterable, default=None
            Training targets.
        **params : dict
            Fit parameters of the steps (``step__param``), as in Pipeline.

        Returns
        -------
        y_pred : ndarray
        """
        with self._content_keyed_memory():
            return super().fit_predict(X, y, **params)

    @contextlib.contextmanager
    def _content_keyed_memory(self):
        """``memory`` as :func:`content_keyed` makes it, for the duration of a fit.

        A directory or plain joblib.Memory caches fitted steps under a hash
        of X, which holds paths: a :class:`ContentKeyedMemory` keys them on
        the files' content identity as well, so that a refit after a media
        file changed does not reuse the old step. Pipeline reads ``memory``
        (through the public ``check_memory``, which takes any object with a
        ``cache`` method); the parameter is given back as it was.
        """
        memory = self.memory
        self.memory = content_keyed(memory)
        try:
            yield
        finally:
            self.memory = memory

    def _check_fit_input(self, X, y):
        """Every check that needs no extraction, so that a mistake costs no time."""
        self._validate_all_params()
        if hasattr(self, "label_names_"):
            del self.label_names_
        if y is None:
            return y
        if hasattr(y, "columns"):  # a DataFrame: keep its column names
            self.label_names_ = np.asarray(y.columns, dtype=object)
        y = check_label_matrix(y)
        n_x = X.shape[0] if hasattr(X, "shape") and len(X.shape) else len(X)
        if n_x == 1:  # the selector holds out validation clips; found before extraction
            raise ValueError(
                "Fitting needs at least 2 clips (X has 1): the feature selection holds "
                "some out for validation. To predict one clip, fit on your training "
                "clips first, then call predict."
            )
        if n_x != y.shape[0]:
            raise ValueError(
                f"X has {n_x} rows but y has {y.shape[0]}: they must list the same "
                "clips, in the same order (one row of labels per clip)."
            )
        return y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags


def content_keyed(memory):
    """The ``memory`` a fit uses: a directory's keyed on the input files' content too.

    A directory (str) or a ``joblib.Memory`` with a directory becomes a
    :class:`~skmmlc.utils.ContentKeyedMemory` at the same location; anything
    else (None, a ContentKeyedMemory, a Memory-like object without a
    directory, a value that parameter validation rejects) is returned as is.
    """
    if isinstance(memory, ContentKeyedMemory) or not (
        isinstance(memory, str) or hasattr(memory, "cache")
    ):
        return memory
    location = getattr(memory, "location", memory)
    if not isinstance(location, str | os.PathLike):
        return memory
    return ContentKeyedMemory(location, verbose=0)


def _paper_steps(memory):
    """The steps of ``make_disaster_pipeline(memory=memory)``: the paper's model."""
    return disaster_steps(memory=memory)


def _same_steps(value, default):
    """True if ``value`` lists the very (name, estimator) pairs of ``default``."""
    return (
        isinstance(value, list | tuple)
        and isinstance(default, list)
        and len(value) == len(default)
        and all(a is b for a, b in zip(value, default, strict=True))
    )


def _estimators(steps):
    """Every estimator in ``steps``, nested ones included (no duplicates)."""
    seen, out = set(), []
    for _, step in steps:
        values = [step, *getattr(step, "get_params", dict)(deep=True).values()]
        for value in values:
            if isinstance(value, BaseEstimator) and id(value) not in seen:
                seen.add(id(value))
                out.append(value)
    return out
