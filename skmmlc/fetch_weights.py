"""``python -m skmmlc.fetch_weights``: prefetch SoundNet's pretrained weights.

See :func:`skmmlc.feature_extraction._weights.main` (``--help`` for the options).
"""

import sys

from .feature_extraction._weights import main

if __name__ == "__main__":
    sys.exit(main())
