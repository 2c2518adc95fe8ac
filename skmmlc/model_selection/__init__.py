"""Splitting multi-label data so that every label, rare ones included, is in every part.

- :class:`MultilabelStratifiedKFold`: iterative stratification as a
  scikit-learn cross-validator;
- :func:`multilabel_train_test_split`: one stratified train/test split;
- :func:`iterative_split`: the underlying scheme (Sechidis et al., 2011), any
  number of parts.
"""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "MultilabelStratifiedKFold": "._split",
        "multilabel_train_test_split": "._split",
        "iterative_split": "._iterative",
    },
)
