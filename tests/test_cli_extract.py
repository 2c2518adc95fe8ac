"""``skmmlc extract``: stopped and resumed, only missing clips are computed."""

import pandas as pd
import pytest

from skmmlc import VisualInceptionFeatures
from skmmlc._cli import main
from skmmlc.datasets import make_disaster_demo
from skmmlc.feature_extraction._base import BaseExtractor

TINY = [
    "--n-frames", "2",
    "--image-size", "75",
    "--audio-steps", "1",
    "--max-tokens", "6",
    "--visual-weights", "none",
    "--audio-weights", "none",
]


@pytest.fixture
def computed(monkeypatch):
    """``[(extractor class name, rows computed, n_jobs), ...]`` of every extraction."""
    calls = []
    compute = BaseExtractor._compute

    def recording(self, items, rows, *args, **kwargs):
        calls.append((type(self).__name__, list(rows), self.n_jobs))
        return compute(self, items, rows, *args, **kwargs)

    monkeypatch.setattr(BaseExtractor, "_compute", recording)
    monkeypatch.setattr(BaseExtractor, "_chunk_clips", 1)  # visual, audio: 1 clip a chunk
    return calls


def test_extract_stops_and_resumes_with_only_missing_clips(tmp_path, monkeypatch, computed,
                                                           capsys):
    demo = make_disaster_demo(tmp_path / "data", n_clips=4, seed=3)
    cache = tmp_path / "cache"
    argv = ["extract", str(demo.filename), "--cache", str(cache), *TINY]
    forward = VisualInceptionFeatures._forward
    chunks = []

    def interrupted(self, runner, decoded):
        chunks.append(len(decoded))
        if len(chunks) == 2:  # Ctrl-C while the second clip is being computed
            raise KeyboardInterrupt
        return forward(self, runner, decoded)

    monkeypatch.setattr(VisualInceptionFeatures, "_forward", interrupted)
    assert main(argv) == 130
    assert len(list(cache.rglob("*.npz"))) == 1  # the clip finished before the stop
    monkeypatch.setattr(VisualInceptionFeatures, "_forward", forward)

    computed.clear()
    assert main(argv) == 0  # resumed: visual clips 1-3, every clip of the others
    assert [(name, rows) for name, rows, _ in computed] == [
        ("VisualInceptionFeatures", [1, 2, 3]),
        ("SoundNetFeatures", [0, 1, 2, 3]),
        ("GloveFeatures", [0, 1, 2, 3]),
    ]
    assert len(list(cache.rglob("*.npz"))) == 3 * 4
    assert not (cache / "failures.csv").exists()

    computed.clear()
    capsys.readouterr()
    assert main([*argv, "--n-jobs", "2"]) == 0
    assert computed == []  # nothing left to compute: no worker started
    assert "a rerun computes only what is missing" in capsys.readouterr().out


def test_failures_summary_and_stale_report(tmp_path, computed, capsys):
    demo = make_disaster_demo(tmp_path / "data", n_clips=3, seed=4)
    broken = demo.data.video[1]
    good = open(broken, "rb").read()
    with open(broken, "r+b") as fh:
        fh.truncate(300)  # a truncated download
    cache = tmp_path / "cache"
    argv = ["extract", str(demo.filename), "--cache", str(cache), "--on-error", "zeros", *TINY]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "could not be read" in printed and f"visual row 1: {broken}" in printed
    failures = pd.read_csv(cache / "failures.csv")
    assert set(failures.modality) == {"visual", "audio"} and set(failures.row) == {1}
    # the file is repaired: the next run computes that row only, and the report goes
    with open(broken, "wb") as fh:
        fh.write(good)
    computed.clear()
    assert main(argv) == 0
    assert {(name, tuple(rows)) for name, rows, _ in computed} == {
        ("VisualInceptionFeatures", (1,)), ("SoundNetFeatures", (1,))}
    assert not (cache / "failures.csv").exists()


def test_n_jobs_option(tmp_path, capsys):
    from skmmlc._cli import _build_parser

    args = _build_parser().parse_args(["extract", __file__, "--cache", str(tmp_path),
                                       "--n-jobs", "-1"])
    assert args.n_jobs == -1 and args.scheduler is None
    with pytest.raises(SystemExit):
        _build_parser().parse_args(["extract", __file__, "--cache", str(tmp_path),
                                    "--n-jobs", "0"])
    assert "--n-jobs" in capsys.readouterr().err
