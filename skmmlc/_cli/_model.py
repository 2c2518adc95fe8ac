"""``skmmlc fit``, ``predict`` and ``evaluate``: the model on a manifest's clips."""

from __future__ import annotations

import os
import sys
import time

from . import _common
from ._common import _say


def _cmd_fit(args):
    import joblib

    from .. import __version__
    from ..pipeline import make_disaster_pipeline
    from ..utils import atomic_write
    from ._extract import _feature_cache

    data = _common._load(args)
    if args.cache is not None:
        _feature_cache(args.cache)  # features of an earlier layout: where fit reads
    visual_weights, audio_weights = _common._resolve_weights(args)
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


def _pipeline_options(args, visual_weights, audio_weights):
    """The keywords of ``make_disaster_pipeline`` for ``skmmlc fit``."""
    from ._values import pipeline_values

    verbose = 1 if sys.stderr.isatty() else 0
    options = pipeline_values(args, visual_weights=visual_weights, audio_weights=audio_weights)
    deep = "temporal" if options.get("model", "paper") == "paper" else "end_to_end"
    options[deep] = dict(options[deep] or {})
    options[deep].setdefault("verbose", verbose)  # epochs and loss of each network
    options["memory"] = None if args.cache is None else os.fspath(args.cache)
    options["verbose"] = verbose
    return options


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
    data = _common._load(args, labels=False, label_names=label_names)
    Y_pred = model.predict(data.data)
    scores = model.decision_function(data.data)
    out = pd.DataFrame({"video": data.data["video"]})
    out["labels"] = [args.sep.join(n for n, on in zip(label_names, row) if on) for row in Y_pred]
    for j, name in enumerate(label_names):
        out[f"score:{name}"] = scores[:, j]
    from ..utils import atomic_write

    # a temporary file renamed over the target: an error while writing leaves
    # the previous predictions as they were
    with atomic_write(args.output, "w", encoding="utf-8", newline="") as fh:
        out.to_csv(fh, index=False)
    _say(f"Predicted {len(out)} clips; wrote {args.output}")


def _cmd_evaluate(args):
    from .. import metrics

    model, label_names = _load_model(args.model)
    data = _common._load(args, label_names=label_names)
    Y_pred = model.predict(data.data)
    scores = model.decision_function(data.data)
    _say(f"{len(data.data)} clips, {len(label_names)} labels")
    _say(f"Hamming loss            {metrics.hamming_loss(data.target, Y_pred):.4f}")
    _say(f"micro-F1                {metrics.micro_f1(data.target, Y_pred):.4f}")
    _say(f"mean average precision  {metrics.mean_average_precision(data.target, scores):.4f}")
    _say("")
    report = metrics.per_label_report(data.target, Y_pred, label_names=label_names)
    _say(report.to_string(float_format=lambda v: f"{v:.3f}"))
