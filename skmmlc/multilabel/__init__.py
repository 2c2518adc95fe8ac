"""Multi-label classification: the label-powerset SVM and its linear solver.

For now this package holds only the batched one-vs-rest linear SVM solver
(``_linear.py``) used by :class:`skmmlc.LabelPowersetWeightedSVC`.
"""
