"""The ``skmmlc`` command line (one module per command: ``_table2``, ``_extract``,
``_model``; the parser in ``_parser``, the option values in ``_values``).

``skmmlc demo | table2 | extract | fit | predict | evaluate | fetch-weights``;
``skmmlc COMMAND --help`` lists every option with its default. User errors
(a bad manifest, a missing file, an invalid option) end in one line on stderr,
``skmmlc: error: ...``, and exit code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import os
import sys

from ._parser import _build_parser
from ._table2 import DEMO_DEFAULTS
from ._targets import _check_targets

__all__ = ["main", "DEMO_DEFAULTS"]


def _configure_tensorflow():
    """This process' TensorFlow settings: start-up logs hidden, GPU memory grown as needed.

    The command owns its process, so it opts in to what the library never
    does on its own (:func:`skmmlc.utils.quiet_tensorflow`,
    :func:`skmmlc.utils.grow_gpu_memory`). ``SKMMLC_TF_LOGS=1`` shows the
    logs; ``SKMMLC_GPU_MEMORY_GROWTH=0`` keeps TensorFlow's default (all of
    each GPU's memory reserved up front).
    """
    from ..utils import GPU_MEMORY_GROWTH_ENV, grow_gpu_memory, quiet_tensorflow

    tf, _ = quiet_tensorflow()
    if os.environ.get(GPU_MEMORY_GROWTH_ENV) != "0":
        grow_gpu_memory(tf)


def _one_line(exc):
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv=None):
    """Run ``skmmlc COMMAND ...``; return the exit status.

    0 on success; 2 for an error in the input (one line on stderr, the
    traceback with ``--debug``); 130 when interrupted; ``fetch-weights``
    returns 1 when the weights could not be had, ``extract`` when some
    features could not be written to the cache (a full disk).
    """
    args = _build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    from ..exceptions import WeightsError

    try:
        _check_targets(args)  # before TensorFlow, the manifest, weights or features
        if getattr(args, "needs_tensorflow", True):
            _configure_tensorflow()
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("skmmlc: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, WeightsError) as exc:
        if args.debug:
            raise
        print(f"skmmlc: error: {_one_line(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
