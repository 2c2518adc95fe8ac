"""Multi-label metrics of the paper (section IV.B) and scorers for model selection.

- :func:`hamming_loss`: fraction of wrong label assignments.
- :func:`micro_f1`: F1 over the global counts of true/false positives and
  false negatives of all labels.
- :func:`mean_average_precision`: mean over instances of the average
  precision of each instance's label ranking.
- :func:`per_label_report`: per-label precision, recall, F1, support and the
  P/N ratio of the paper's Table I, as a DataFrame.

Scorers (usable as ``scoring=`` in ``GridSearchCV``): :data:`micro_f1_scorer`,
:data:`hamming_loss_scorer` (negated, greater is better) and
:data:`mean_average_precision_scorer`; :func:`multilabel_scoring` returns all
three in a dict for multi-metric search.

Imbalance of a label matrix (Charte et al., 2015): :func:`label_imbalance_ratio`
(IRLbl), :func:`mean_imbalance_ratio` (MeanIR), :func:`max_imbalance_ratio`
(MaxIR), :func:`cv_imbalance_ratio` (CVIR), :func:`minority_labels`,
:func:`scumble_per_sample` (SCUMBLE_ins) and :func:`scumble` (SCUMBLE).

The imbalance measures live in ``_imbalance``; three of their building
blocks (:func:`irlbl_from_counts`, :func:`mean_ir_from_irlbl`,
:func:`scumble_rows`) are importable from here by the other subpackages
(``skmmlc.resampling``) but are not public.
"""

from ..utils._lazy import attach

_MULTILABEL = [
    "hamming_loss",
    "micro_f1",
    "mean_average_precision",
    "average_precision_per_instance",
    "per_label_report",
    "micro_f1_scorer",
    "hamming_loss_scorer",
    "mean_average_precision_scorer",
    "multilabel_scoring",
]
_IMBALANCE = [
    "label_imbalance_ratio",
    "mean_imbalance_ratio",
    "max_imbalance_ratio",
    "cv_imbalance_ratio",
    "minority_labels",
    "scumble_per_sample",
    "scumble",
]

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        **dict.fromkeys(_MULTILABEL, "._multilabel"),
        **dict.fromkeys(_IMBALANCE, "._imbalance"),
    },
    internal=dict.fromkeys(
        ["irlbl_from_counts", "mean_ir_from_irlbl", "scumble_rows"], "._imbalance"
    ),
)
