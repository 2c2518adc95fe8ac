"""``python -m skmmlc.fetch_weights``: the same as ``skmmlc fetch-weights``.

Deprecated: it warns (``FutureWarning``) and will be removed in 0.3; run
``skmmlc fetch-weights`` or ``python -m skmmlc fetch-weights`` instead (the
same options; ``--help`` lists them).
"""

import sys
import warnings

from ._cli import main

warnings.warn(
    "python -m skmmlc.fetch_weights is deprecated and will be removed in 0.3; run "
    "`skmmlc fetch-weights` or `python -m skmmlc fetch-weights` instead (same options).",
    FutureWarning,
    stacklevel=2,
)

if __name__ == "__main__":
    sys.exit(main(["fetch-weights", *sys.argv[1:]]))
