"""Multi-label classifiers: the framework's last stage.

- :class:`LabelPowersetWeightedSVC`: the label-powerset SVM weighted against
  label imbalance;
- :class:`RakelO`: RAkEL-o, an ensemble of label-powerset classifiers (by
  default such SVMs) on random ``k``-label subsets (the deprecated
  ``LabelPowersetWeightedSVC(labelset_size=k)`` fits one);
- :func:`powerset_encode`, :func:`label_weights`: its label-set coding and the
  paper's per-row weights.
"""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "LabelPowersetWeightedSVC": "._label_powerset",
        "RakelO": "._rakel",
        "powerset_encode": "._labelsets",
        "label_weights": "._labelsets",
        "prune_labelsets": "._labelsets",
    },
)
