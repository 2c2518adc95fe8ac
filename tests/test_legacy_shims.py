"""The deprecated first homes: skmmlc.protocol and python -m skmmlc.fetch_weights."""

import importlib
import sys

import pytest


def _fresh_import(name, monkeypatch):
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


def test_protocol_warns_and_is_experiments(monkeypatch):
    # README of 0.1: skmmlc.protocol.run_table2
    from skmmlc import experiments

    with pytest.warns(FutureWarning, match=r"skmmlc\.protocol is deprecated and will be "
                                           r"removed in 0\.3; import from skmmlc\.experiments"):
        protocol = _fresh_import("skmmlc.protocol", monkeypatch)
    assert protocol.run_table2 is experiments.run_table2
    assert protocol.FewTestPositivesWarning is experiments.FewTestPositivesWarning


def test_protocol_attribute_still_resolves_but_is_not_public(monkeypatch):
    import skmmlc

    monkeypatch.delitem(sys.modules, "skmmlc.protocol", raising=False)
    monkeypatch.delattr(skmmlc, "protocol", raising=False)
    assert "protocol" not in skmmlc.__all__
    with pytest.warns(FutureWarning, match="skmmlc.protocol is deprecated"):
        assert skmmlc.protocol.run_table2 is skmmlc.experiments.run_table2


def test_fetch_weights_module_warns(monkeypatch):
    with pytest.warns(FutureWarning, match=r"python -m skmmlc\.fetch_weights is deprecated and "
                                           r"will be removed in 0\.3; run `skmmlc fetch-weights`"):
        module = _fresh_import("skmmlc.fetch_weights", monkeypatch)
    assert callable(module.main)  # what `python -m` runs, as `skmmlc fetch-weights`
