"""``python -m skmmlc.fetch_weights``: the same as ``skmmlc fetch-weights``.

``--help`` lists the options; see :func:`skmmlc.feature_extraction._weights.fetch_weights`.
"""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main(["fetch-weights", *sys.argv[1:]]))
