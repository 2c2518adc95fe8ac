"""The paper's steps, built from the pipeline's options.

:func:`disaster_steps` turns the options of :data:`PIPELINE_OPTIONS` into the
steps of :class:`MultimodalDisasterPipeline` ("fusion", "scale", "select",
"classify"); :func:`static_branches`, the first stage of each branch, is also
used alone by ``skmmlc extract`` and ``skmmlc table2``.
"""

from __future__ import annotations

import os
from pathlib import Path

from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..feature_extraction import GloveFeatures, SoundNetFeatures, VisualInceptionFeatures
from ..feature_selection import RFRecursiveSelector
from ..multilabel import LabelPowersetWeightedSVC, RakelO
from ..temporal import (
    EndToEndMultimodalClassifier,
    ResBiLSTMAttentionTemporal,
    ResBiLSTMTemporal,
)
from ..utils import MODALITIES, check_label_matrix
from ._options import PIPELINE_OPTIONS, branch_params

__all__ = ["ModalityFusion", "disaster_steps", "feature_cache_dir", "static_branches"]

#: Each option's default, by name.
DEFAULTS = {option.name: option.default for option in PIPELINE_OPTIONS}

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


def disaster_steps(**options):
    """The steps of :func:`make_disaster_pipeline` with ``options`` (its keywords).

    Options left out take their default (:data:`PIPELINE_OPTIONS`).
    ``model="paper"``: "fusion" (static + temporal stage per branch),
    "scale", "select", "classify"; ``model="end-to-end"``: "fusion" (the
    static stages only) and "classify" (one
    :class:`~skmmlc.EndToEndMultimodalClassifier` over all modalities).
    """
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"Unknown pipeline option(s) {unknown}; the options are "
                        f"{sorted(DEFAULTS)}.")
    o = {**DEFAULTS, **options}
    _check_choice("temporal_model", o["temporal_model"], ("resbilstm", "attention"))
    _check_choice("model", o["model"], ("paper", "end-to-end"))
    modalities = check_modalities(o["modalities"])
    # the options routed to the extractors (``to``); the builder reads the others below
    extractor_options = {opt.name: o[opt.name] for opt in PIPELINE_OPTIONS if opt.to}
    branches = static_branches(
        modalities, video=o["video"], audio=o["audio"], text=o["text"],
        cache=feature_cache_dir(o["memory"]), **extractor_options,
    )
    if o["model"] == "end-to-end":
        return _end_to_end_steps(branches, o)
    temporal = dict(o["temporal"] or {})
    temporal.setdefault("random_state", o["random_state"])
    stage = (ResBiLSTMAttentionTemporal if o["temporal_model"] == "attention"
             else ResBiLSTMTemporal)
    fusion = ModalityFusion(
        [
            (name, Pipeline([("static", static), ("temporal", stage(n_steps=n, **temporal))]),
             columns)
            for name, static, n, columns in branches
        ],
        verbose_feature_names_out=True,
    )
    classify = dict(o["classify"] or {})
    select = dict(o["select"] or {})
    select.setdefault("random_state", o["random_state"])
    classifier = _resampled(_classifier(classify), o["resample"])
    # the selector scores feature subsets with the same classifier as the last step
    select.setdefault("estimator", _resampled(_classifier(classify), o["resample"]))
    steps = [("fusion", fusion)]
    if o["scale"]:
        steps.append(("scale", StandardScaler()))
    steps += [
        ("select", RFRecursiveSelector(**select)),
        ("classify", classifier),
    ]
    return steps


def _check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}.")


#: The options of the paper's model that ``model="end-to-end"`` has no use for.
PAPER_ONLY = ("temporal", "select", "classify", "resample")


def _end_to_end_steps(branches, o):
    """"fusion" (the static stages side by side) and "classify" (the end-to-end model)."""
    given = [name for name in PAPER_ONLY if o[name] is not None]
    if given or o["scale"] is not DEFAULTS["scale"]:
        raise ValueError(
            f"model='end-to-end' does not use {given or ['scale']}: those options set "
            "the paper's stages. Give the end-to-end model's parameters with "
            "end_to_end={...} (e.g. {'units': 16, 'epochs': 20})."
        )
    params = dict(o["end_to_end"] or {})
    for fixed in ("layout", "attention"):
        if fixed in params:
            raise ValueError(f"end_to_end must not set {fixed!r}: the builder sets it "
                             "(layout from the extractors, attention from temporal_model).")
    params.setdefault("random_state", o["random_state"])
    layout = [(name, *static.output_shape()) for name, static, _, _ in branches]
    fusion = ModalityFusion([(name, static, columns) for name, static, _, columns in branches],
                            verbose_feature_names_out=True)
    classifier = EndToEndMultimodalClassifier(
        layout=layout, attention=o["temporal_model"] == "attention", **params)
    return [("fusion", fusion), ("classify", classifier)]


def check_modalities(modalities):
    """``modalities`` as a tuple of names of :data:`MODALITIES` (a single name allowed)."""
    modalities = (modalities,) if isinstance(modalities, str) else tuple(modalities)
    unknown = set(modalities) - set(MODALITIES)
    if unknown or not modalities:
        raise ValueError(
            f"modalities must be a non-empty subset of {MODALITIES}, got {modalities}."
        )
    return modalities


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
    from ..resampling import ResampledClassifier

    return ResampledClassifier(clone(resample), classifier)


def static_branches(modalities=MODALITIES, *, video="video", audio="audio", text="text",
                    cache=None, **options):
    """The static extractor of each modality: ``[(name, extractor, n_steps, columns)]``.

    The first stage of :func:`make_disaster_pipeline`'s branches: ``video``,
    ``audio`` and ``text`` name the input columns, ``cache`` is every
    extractor's feature cache, and ``options`` are the pipeline's options
    that go to the extractors (``n_frames``, ``visual_weights``,
    ``on_error``, ``random_state``, ...; see :data:`PIPELINE_OPTIONS`),
    their defaults where left out. Also used alone by ``skmmlc extract``
    and ``skmmlc table2``.
    """
    routed = {o.name for o in PIPELINE_OPTIONS if o.to}
    unknown = sorted(set(options) - routed)
    if unknown:
        raise TypeError(f"static_branches() got option(s) {unknown} that no extractor "
                        f"takes; they take {sorted(routed)}.")
    values = {**DEFAULTS, **options}
    branches = []
    if "visual" in modalities:
        static = VisualInceptionFeatures(cache=cache, **branch_params("visual", values))
        branches.append(("visual", static, static.n_frames, video))
    if "audio" in modalities:
        static = SoundNetFeatures(cache=cache, **branch_params("audio", values))
        columns = video if audio is None else [audio, video]
        branches.append(("audio", static, static.n_steps, columns))
    if "text" in modalities:
        static = GloveFeatures(cache=cache, **branch_params("text", values))
        branches.append(("text", static, static.max_tokens, text))
    return branches
