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

- :class:`MultimodalDisasterPipeline`, :func:`make_disaster_pipeline`
  (``_model``); the options of the latter, defined once in
  :data:`PIPELINE_OPTIONS` (``_options``); the steps built from them
  (``_steps``: :class:`ModalityFusion`, :func:`static_branches`).
"""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "MultimodalDisasterPipeline": "._model",
        "make_disaster_pipeline": "._model",
        "ModalityFusion": "._steps",
        "PIPELINE_OPTIONS": "._options",
        "MODALITIES": "..utils",
    },
    internal={
        "SklearnValidation": "._model",
        "content_keyed": "._model",
        "PipelineOption": "._options",
        "OPTIONS_BY_NAME": "._options",
        "options_table": "._options",
        "static_branches": "._steps",
        "disaster_steps": "._steps",
        "feature_cache_dir": "._steps",
        "check_modalities": "._steps",
    },
)
