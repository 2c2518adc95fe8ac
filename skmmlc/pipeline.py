"""The whole framework as one scikit-learn Pipeline (section 2 of the design).

::

    X (DataFrame: video, audio, text)
      |
    "fusion": ModalityFusion (a ColumnTransformer), late fusion by concatenation
      |-- "visual": video  -> VisualInceptionFeatures -> ResBiLSTMTemporal -> 128-d
      |-- "audio":  audio, else video's track -> SoundNetFeatures -> ResBiLSTMTemporal
      '-- "text":   text   -> GloveFeatures -> ResBiLSTMTemporal -> 128-d
      |
    "scale": StandardScaler (not in the paper; ``scale=False`` drops it)
      |
    "select": RFRecursiveSelector (RF Gini ranking + recursive elimination)
      |
    "classify": LabelPowersetWeightedSVC -> Y (n_samples, n_labels) 0/1

Parameter names follow the step names, e.g. ``select__step``,
``classify__C``, ``fusion__text__temporal__units``,
``fusion__visual__static__n_frames``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metaestimators import available_if

from .feature_extraction import (
    BaseExtractor,
    GloveFeatures,
    SoundNetFeatures,
    VisualInceptionFeatures,
)
from .feature_selection import RFRecursiveSelector
from .multilabel import LabelPowersetWeightedSVC, RakelO
from .temporal import ResBiLSTMTemporal
from .utils import MODALITIES, ContentKeyedMemory, check_label_matrix

__all__ = ["MultimodalDisasterPipeline", "ModalityFusion", "make_disaster_pipeline",
           "MODALITIES"]


class ModalityFusion(ColumnTransformer):
    """Late fusion of the modality branches: a ColumnTransformer that checks its input.

    It behaves exactly as :class:`~sklearn.compose.ColumnTransformer`, and
    first checks what a user most often gets wrong, before any feature is
    extracted: ``X`` must be a DataFrame with the branches' columns (not a
    1-D array of paths), and ``y`` a 0/1 label matrix (not -1/+1, not lists
    of label names; see :func:`skmmlc.utils._targets.check_label_matrix`).
    """

    def fit(self, X, y=None, **params):
        self._check_input(X, y)
        return super().fit(X, y, **params)

    def fit_transform(self, X, y=None, **params):
        self._check_input(X, y)
        return super().fit_transform(X, y, **params)

    def transform(self, X, **params):
        self._check_input(X)
        return super().transform(X, **params)

    def _check_input(self, X, y=None):
        needed = []
        for _, _, columns in self.transformers:
            for column in [columns] if isinstance(columns, str) else list(columns):
                if isinstance(column, str) and column not in needed:
                    needed.append(column)
        if not hasattr(X, "columns"):
            shape = getattr(X, "shape", (len(X),) if hasattr(X, "__len__") else ())
            raise ValueError(
                f"X must be a pandas DataFrame with one row per clip and the columns "
                f"{needed}; got {type(X).__name__} of shape {tuple(shape)}. Build it "
                "with pandas.DataFrame({'video': paths, ...}) or "
                "skmmlc.datasets.load_manifest(...).data."
            )
        optional = {c for _, _, cols in self.transformers if not isinstance(cols, str)
                    for c in list(cols)[:-1]}  # ["audio", "video"]: audio may be absent
        missing = [c for c in needed if c not in X.columns and c not in optional]
        if missing:
            raise ValueError(
                f"X lacks the column(s) {missing} (it has {list(X.columns)}). Rename "
                "them, or name yours with make_disaster_pipeline(video=..., audio=..., "
                "text=...)."
            )
        if y is not None:
            check_label_matrix(y)


def feature_cache_dir(memory):
    """Feature-cache directory inside a ``memory`` argument (str, Path or joblib.Memory)."""
    if memory is None:
        return None
    location = getattr(memory, "location", memory)
    if location is None:
        return None
    if not isinstance(location, str | os.PathLike):
        raise TypeError(f"memory must be a directory or a joblib.Memory, got {memory!r}.")
    return str(Path(location) / "skmmlc-features")


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
    """Build a :class:`MultimodalDisasterPipeline` with the given options.

    Parameters
    ----------
    modalities : {"visual", "audio", "text"} or a sequence of them, default all three
        Branches to build; drop one to ignore a modality. A single name
        (``"text"``) builds a one-branch model.
    video, audio, text : str
        Column names of the input DataFrame. The audio branch reads the
        ``audio`` column and, where a row's value is empty, the sound track of
        its ``video`` file; ``audio=None`` always uses the video's track (for
        data without an audio column).
    n_frames, image_size, visual_weights :
        Passed to :class:`VisualInceptionFeatures` (``n_frames``,
        ``image_size``, ``weights``).
    audio_steps, audio_weights :
        Passed to :class:`SoundNetFeatures` (``n_steps``, ``weights``).
    text_vectors, max_tokens :
        Passed to :class:`GloveFeatures` (``vectors``, ``max_tokens``).
    temporal : dict, optional
        Keyword arguments for every :class:`ResBiLSTMTemporal` branch
        (``n_steps`` is set per branch).
    select : dict, optional
        Keyword arguments for :class:`RFRecursiveSelector`. Its ``estimator``
        defaults to a :class:`LabelPowersetWeightedSVC` with the ``classify``
        options (tune both with ``select__estimator__C`` and ``classify__C``).
    classify : dict, optional
        Keyword arguments for the final :class:`LabelPowersetWeightedSVC`;
        with ``labelset_size=k`` (and ``n_labelsets``, ``n_jobs``) the step is
        ``RakelO(LabelPowersetWeightedSVC(...), labelset_size=k, ...)``.
    scale : bool, default=True
        Standardise the fused temporal features before selection and the SVM
        (a ``"scale"`` step; not in the paper). The 384 fused features have
        different scales per modality, and a linear SVM is sensitive to
        scale (its effect on the demo data: docs/benchmarks.md). ``False`` is
        the paper's exact pipeline.
    memory : str, Path or joblib.Memory, optional
        Caches the fitted fusion step (``Pipeline(memory=...)``) and, in the
        same directory, every static feature (the extractors' ``cache``), so a
        grid search over downstream parameters never re-extracts. The
        feature cache follows ``memory``: ``set_params(memory=...)`` moves it
        too (see :class:`MultimodalDisasterPipeline`).
    on_error : {"raise", "zeros"}
        Bad-input policy of the extractors.
    verbose : int
        Progress bars for the extractors when > 0.
    n_jobs : int or None, default=None
        ``n_jobs`` of the static extractors: chunks of clips extracted by
        joblib workers, features identical to a serial run (``None``: 1, or
        the active ``joblib.parallel_backend``'s, e.g. all of a Dask
        cluster's workers). The fusion step's own ``n_jobs`` (branches in
        parallel) is left at None: ``set_params(fusion__n_jobs=...)``.
    random_state : int
        Seed of every random part (random-init CNNs, LSTMs, forest).
    resample : sampler, optional
        A multi-label sampler (:class:`~skmmlc.resampling.MLSMOTE`,
        :class:`~skmmlc.resampling.MLROS`, ...) applied to the fused,
        scaled and selected features at fit time only, as in
        imbalanced-learn's pipeline: the SVM (and the one the selector scores
        subsets with) becomes a
        :class:`~skmmlc.resampling.ResampledClassifier` of a clone of
        ``resample`` and the SVM, so ``classify__estimator__C`` and
        ``classify__sampler__k_neighbors`` name their parameters. The
        selector's validation rows and the predicted clips are never
        resampled. See docs/user_guide/imbalance.md.

    Returns
    -------
    MultimodalDisasterPipeline
    """
    # Over 60 lines only with its signature, one line per option; the body is about 45.
    modalities = (modalities,) if isinstance(modalities, str) else tuple(modalities)
    unknown = set(modalities) - set(MODALITIES)
    if unknown or not modalities:
        raise ValueError(
            f"modalities must be a non-empty subset of {MODALITIES}, got {modalities}."
        )
    if isinstance(memory, os.PathLike):
        memory = os.fspath(memory)  # Pipeline accepts str or joblib.Memory
    temporal = dict(temporal or {})
    temporal.setdefault("random_state", random_state)
    branches = static_branches(
        modalities, video=video, audio=audio, text=text, n_frames=n_frames,
        image_size=image_size, visual_weights=visual_weights, audio_steps=audio_steps,
        audio_weights=audio_weights, text_vectors=text_vectors, max_tokens=max_tokens,
        cache=feature_cache_dir(memory), on_error=on_error, verbose=verbose, n_jobs=n_jobs,
        random_state=random_state,
    )

    fusion = ModalityFusion(
        [
            (
                name,
                Pipeline(
                    [
                        ("static", static),
                        ("temporal", ResBiLSTMTemporal(n_steps=n_steps, **temporal)),
                    ]
                ),
                columns,
            )
            for name, static, n_steps, columns in branches
        ],
        verbose_feature_names_out=True,
    )
    classify = dict(classify or {})
    select = dict(select or {})
    select.setdefault("random_state", random_state)
    classifier = _resampled(_classifier(classify), resample)
    # the selector scores feature subsets with the same classifier as the last step
    select.setdefault("estimator", _resampled(_classifier(classify), resample))
    steps = [("fusion", fusion)]
    if scale:
        steps.append(("scale", StandardScaler()))
    steps += [
        ("select", RFRecursiveSelector(**select)),
        ("classify", classifier),
    ]
    return MultimodalDisasterPipeline(steps, memory=memory)


def _classifier(classify):
    """``LabelPowersetWeightedSVC(**classify)``; with ``labelset_size=k`` in
    ``classify``, ``RakelO`` of it (with ``n_labelsets``, ``n_jobs`` and
    ``random_state``), the deprecated parameter's replacement."""
    classify = dict(classify)
    labelset_size = classify.pop("labelset_size", None)
    if labelset_size is None:
        return LabelPowersetWeightedSVC(**classify)
    ensemble = {k: classify.pop(k) for k in ("n_labelsets", "n_jobs") if k in classify}
    if "random_state" in classify:
        ensemble["random_state"] = classify["random_state"]
    return RakelO(
        LabelPowersetWeightedSVC(**classify), labelset_size=labelset_size, **ensemble
    )


def _resampled(classifier, resample):
    """``classifier``, trained on data resampled by a clone of ``resample`` if given."""
    if resample is None:
        return classifier
    from .resampling import ResampledClassifier

    return ResampledClassifier(clone(resample), classifier)


def static_branches(modalities=MODALITIES, *, video="video", audio="audio", text="text",
                    n_frames=40, image_size=299, visual_weights="imagenet", audio_steps=15,
                    audio_weights="sound8", text_vectors="glove-6b-50d", max_tokens=20,
                    cache=None, on_error="raise", verbose=0, n_jobs=None, random_state=0):
    """The static extractor of each modality: ``[(name, extractor, n_steps, columns)]``.

    The first stage of :func:`make_disaster_pipeline`'s branches (same
    parameters), also used alone by ``skmmlc extract`` and ``skmmlc table2``.
    """
    common = dict(cache=cache, on_error=on_error, verbose=verbose, n_jobs=n_jobs)
    branches = []
    if "visual" in modalities:
        static = VisualInceptionFeatures(
            n_frames=n_frames,
            image_size=image_size,
            weights=visual_weights,
            random_state=random_state,
            **common,
        )
        branches.append(("visual", static, n_frames, video))
    if "audio" in modalities:
        static = SoundNetFeatures(
            n_steps=audio_steps, weights=audio_weights, random_state=random_state, **common
        )
        columns = video if audio is None else [audio, video]
        branches.append(("audio", static, audio_steps, columns))
    if "text" in modalities:
        static = GloveFeatures(vectors=text_vectors, max_tokens=max_tokens, **common)
        branches.append(("text", static, max_tokens, text))
    return branches


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
    return make_disaster_pipeline(memory=memory).steps


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
