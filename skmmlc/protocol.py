"""The paper's Table II protocol: :mod:`skmmlc.experiments` under its first name.

Deprecated: importing it warns (``FutureWarning``), and it will be removed in
0.3. Import from :mod:`skmmlc.experiments` instead
(``from skmmlc.experiments import run_table2``).
"""

import warnings

warnings.warn(
    "skmmlc.protocol is deprecated and will be removed in 0.3; import from "
    "skmmlc.experiments instead (e.g. from skmmlc.experiments import run_table2).",
    FutureWarning,
    stacklevel=2,
)

from .experiments import (  # noqa: E402 (after the warning)
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
