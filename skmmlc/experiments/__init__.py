"""Experiments: the paper's Table II protocol, runnable on any data set of the same shape.

- :func:`run_table2` and its result (:class:`Table2Result`, which saves
  itself: :meth:`Table2Result.save`; rows :class:`Table2Row`);
  :func:`extract_static_features`, the static features every row of the
  table starts from; :class:`FewTestPositivesWarning`.
"""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        **{
            name: "._table2"
            for name in (
                "BEYOND_ROWS",
                "FewTestPositivesWarning",
                "RESAMPLED_ROW",
                "TABLE2_ROWS",
                "Table2Row",
                "align_steps",
                "extract_static_features",
                "mean_pool_steps",
                "run_table2",
            )
        },
        "MIN_TEST_POSITIVES": "._result",
        "Table2Result": "._result",
    },
)
