"""The command line: `skmmlc demo` and `skmmlc table2` end to end, tiny settings."""

import json

import pandas as pd
import pytest

from skmmlc._cli import main
from skmmlc.datasets import make_disaster_demo

TINY = [
    "--n-frames", "2",
    "--image-size", "75",
    "--audio-steps", "1",
    "--max-tokens", "6",
    "--visual-weights", "none",
    "--audio-weights", "none",
    "--temporal", '{"units": 2, "dense_units": 4, "epochs": 2, "early_stopping": false}',
]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--output", str(out), "--n-clips", "24", *TINY]) == 0
    return out


def test_demo_writes_results(demo_run, capsys):
    results = json.loads((demo_run / "results.json").read_text())
    assert len(results["table2"]) == 9
    assert results["settings"]["n_frames"] == 2
    # random weights are said plainly and recorded with the results
    assert "Inception-V3" in results["settings"]["note"]
    table = pd.read_csv(demo_run / "table2.csv")
    assert table["micro_f1"].between(0, 1).all()
    assert (demo_run / "figure2.png").read_bytes()[:4] == b"\x89PNG"
    per_concept = pd.read_csv(demo_run / "per_concept_f1.csv", index_col=0)
    assert per_concept.shape == (3, 7)
    # the demo data and features are cached: a second run reuses them
    cached = sorted((demo_run / "feature-cache").rglob("*.npy"))
    assert len(cached) >= 24 * 2


def test_table2_command_on_a_manifest(tmp_path, capsys):
    demo = make_disaster_demo(tmp_path / "data", n_clips=20, seed=1)
    out = tmp_path / "results"
    assert main(["table2", str(demo.filename), "--output", str(out), *TINY]) == 0
    printed = capsys.readouterr().out
    assert "Proposed framework" in printed
    assert "RANDOM Inception-V3" not in printed  # weights=None was asked for, not a fallback
    assert len(pd.read_csv(out / "table2.csv")) == 9


def test_bad_manifest_gives_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("video,text,labels\nmissing.mp4,a flood,Flood\n")
    with pytest.raises(Exception, match="row 0"):
        main(["table2", str(bad), "--output", str(tmp_path / "o"), *TINY])
