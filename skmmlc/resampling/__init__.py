"""Resampling of multi-label data, with imbalanced-learn's API.

imbalanced-learn's samplers refuse a 2-D target; these take ``Y`` as an
``(n_samples, n_labels)`` 0/1 matrix (Charte et al.'s algorithms):

- :class:`MLROS` / :class:`MLRUS`: random over-/under-sampling of the
  minority/majority labels' rows;
- :class:`MLSMOTE`: synthetic rows interpolated between a minority label's
  rows and their neighbours, labels voted by the neighbours;
- :class:`REMEDIAL`: rows where rare and frequent labels meet are split in
  two.

Each has ``fit_resample(X, Y)`` and works in imbalanced-learn's
:class:`~imblearn.pipeline.Pipeline`; :class:`ResampledClassifier` gives the
same "resample during fit only" semantics inside a scikit-learn Pipeline.
The imbalance measures they use are in :mod:`skmmlc.metrics`
(:func:`~skmmlc.metrics.label_imbalance_ratio`,
:func:`~skmmlc.metrics.scumble`, ...).
"""

from ._meta import ResampledClassifier
from ._mlsmote import MLSMOTE
from ._random import MLROS, MLRUS
from ._remedial import REMEDIAL

__all__ = ["MLROS", "MLRUS", "MLSMOTE", "REMEDIAL", "ResampledClassifier"]
