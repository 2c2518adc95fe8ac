"""skmmlc: multi-label, multimodal, imbalanced classification of video clips.

The framework of Pouyanfar et al., "Multi-label Multimodal Deep Learning
Framework for Imbalanced Data Classification", as scikit-learn estimators:

- static features per modality: :class:`VisualInceptionFeatures`,
  :class:`SoundNetFeatures`, :class:`GloveFeatures`;
- temporal features per modality: :class:`ResBiLSTMTemporal` (the paper's),
  :class:`ResBiLSTMAttentionTemporal` (with attention over time);
- fusion: :class:`RFRecursiveSelector` and :class:`LabelPowersetWeightedSVC`
  (:class:`RakelO`: its RAkEL-o ensemble on random label subsets);
- the whole model as one Pipeline: :class:`MultimodalDisasterPipeline`;
  all modalities trained as one network: :class:`EndToEndMultimodalClassifier`;
- multi-label stratified cross-validation: :class:`MultilabelStratifiedKFold`;
- :func:`show_versions` for bug reports.

``import skmmlc`` is cheap: every public name is imported on first use
(PEP 562), and TensorFlow is imported only when a deep model is built.
"""

from ._version import __version__
from .utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "LabelPowersetWeightedSVC": ".multilabel",
        "RakelO": ".multilabel",
        "RFRecursiveSelector": ".feature_selection",
        "VisualInceptionFeatures": ".feature_extraction",
        "SoundNetFeatures": ".feature_extraction",
        "GloveFeatures": ".feature_extraction",
        "ResBiLSTMTemporal": ".temporal",
        "ResBiLSTMAttentionTemporal": ".temporal",
        "EndToEndMultimodalClassifier": ".temporal",
        "MultimodalDisasterPipeline": ".pipeline",
        "make_disaster_pipeline": ".pipeline",
        "MediaError": ".exceptions",
        "MultilabelStratifiedKFold": ".model_selection",
        "show_versions": ".utils",
    },
    submodules=(
        "datasets",
        "exceptions",
        "experiments",
        "feature_extraction",
        "feature_selection",
        "metrics",
        "model_selection",
        "multilabel",
        "pipeline",
        "resampling",
        "temporal",
    ),
)
__all__ += ["__version__"]

_lazy_getattr = __getattr__


def __getattr__(name):
    # skmmlc.protocol: deprecated (a FutureWarning when imported), out of __all__
    if name == "protocol":
        import importlib

        return importlib.import_module(".protocol", __name__)
    return _lazy_getattr(name)
