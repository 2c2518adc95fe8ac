"""The paper's Table II protocol: :mod:`skmmlc.experiments` under its first name.

Kept so that ``skmmlc.protocol.run_table2`` (the README's path) keeps working;
new code imports from :mod:`skmmlc.experiments`.
"""

from .experiments import (
    MIN_TEST_POSITIVES,
    TABLE2_ROWS,
    FewTestPositivesWarning,
    Table2Result,
    Table2Row,
    align_steps,
    extract_static_features,
    mean_pool_steps,
    run_table2,
)

__all__ = [
    "FewTestPositivesWarning",
    "MIN_TEST_POSITIVES",
    "Table2Result",
    "Table2Row",
    "TABLE2_ROWS",
    "run_table2",
    "extract_static_features",
    "align_steps",
    "mean_pool_steps",
]
