"""What the commands share: printing, the manifest, the weights, the extractors."""

from __future__ import annotations

import os
import sys

from ._values import _delimiter, _encoding, _label_separator, pipeline_values


def _say(msg):
    print(msg, flush=True)


def _resolve_weights(args):
    """The visual and audio weights of a run, each said in one line."""
    from ..feature_extraction._weights import resolve_audio_weights, resolve_visual_weights

    visual_weights, visual_msg = resolve_visual_weights(args.visual_weights)
    audio_weights, audio_msg = resolve_audio_weights(args.audio_weights)
    _say(visual_msg)
    _say(audio_msg)
    return visual_weights, audio_weights


def _extractors(args, visual_weights, audio_weights, cache, verbose=None):
    """``{modality: (extractor, columns)}`` as the pipeline builds them."""
    from ..pipeline import PIPELINE_OPTIONS, static_branches

    if verbose is None:
        verbose = 1 if sys.stderr.isatty() else 0
    values = pipeline_values(args, visual_weights=visual_weights, audio_weights=audio_weights)
    routed = {o.name for o in PIPELINE_OPTIONS if o.to}
    branches = static_branches(
        cache=cache, verbose=verbose, **{k: v for k, v in values.items() if k in routed}
    )
    return {name: (static, columns) for name, static, _, columns in branches}


def _weights_name(weights):
    """A weights setting as JSON: its name, a file path, or None (random)."""
    return None if weights is None else os.fspath(weights)


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


def _load(args, *, labels=True, label_names=None):
    from ..datasets import load_manifest

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
