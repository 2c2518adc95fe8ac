"""The command line's value parsers, and its flags of the pipeline's options.

Each parser reads an option's text and raises ``argparse.ArgumentTypeError``
with a message that says what was wrong; :func:`add_pipeline_options` adds a
command's flags from :data:`skmmlc.pipeline.PIPELINE_OPTIONS`, and
:func:`pipeline_values` reads them back.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


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
    parameters (or :class:`~skmmlc.ResBiLSTMAttentionTemporal`'s, for
    ``--temporal-model attention``), names and values checked now (not after
    the extraction)."""
    import difflib

    from sklearn.utils._param_validation import InvalidParameterError

    from ..temporal import ResBiLSTMAttentionTemporal, ResBiLSTMTemporal

    # the attention stage's parameters are the paper's stage's and its own
    value = _json_object(text)
    known = sorted(set(ResBiLSTMAttentionTemporal().get_params()) - {"n_steps"})
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            why = (" (set from the features)" if key == "n_steps" else "")
            raise argparse.ArgumentTypeError(
                f"{key!r} is not a parameter of ResBiLSTMTemporal{why}; {hint}"
                f"its parameters are {', '.join(known)}")
    paper = set(ResBiLSTMTemporal().get_params())
    try:
        ResBiLSTMTemporal(**{k: v for k, v in value.items() if k in paper})._validate_params()
        ResBiLSTMAttentionTemporal(**value)._validate_params()
    except InvalidParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _end_to_end_params(text):
    """``--end-to-end``: a JSON object of :class:`~skmmlc.EndToEndMultimodalClassifier`
    parameters (other than ``layout`` and ``attention``), checked now."""
    from sklearn.utils._param_validation import InvalidParameterError

    from ..temporal import EndToEndMultimodalClassifier

    value = _json_object(text)
    known = sorted(set(EndToEndMultimodalClassifier().get_params()) - {"layout", "attention"})
    unknown = [key for key in value if key not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"{unknown} not parameters of EndToEndMultimodalClassifier that --end-to-end "
            f"sets (layout comes from the features, attention from --temporal-model); "
            f"its parameters are {', '.join(known)}")
    try:
        EndToEndMultimodalClassifier(**value)._validate_params()
    except InvalidParameterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _encoding(text):
    from ..utils import check_text_encoding

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
        from ..utils import link_problem

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


def _value_parser(name):
    """The parser of a :attr:`PipelineOption.parser` name (None: the text as it is)."""
    if name is None:
        return None
    if name.startswith("weights:"):
        return _weights_option(tuple(name.partition(":")[2].split(",")))
    return {"positive_int": _positive_int, "n_jobs": _n_jobs, "int": int,
            "temporal": _temporal_params, "end_to_end": _end_to_end_params}[name]


def _plain(text):
    """``text`` without its reST markup: ``code`` and :role:`~module.Name` as plain words."""
    import re

    text = re.sub(r":\w+:`~?(?:[\w.]*\.)?([^`]+)`", r"\1", " ".join(text.split()))
    return text.replace("``", "")


def add_pipeline_options(parser, command, defaults=None):
    """Add to ``parser`` the flags of the pipeline's options that ``command`` offers.

    ``defaults`` (option name -> value) replaces an option's default for
    this command (the demo's small settings).
    """
    from ..pipeline import PIPELINE_OPTIONS

    defaults = defaults or {}
    for option in PIPELINE_OPTIONS:
        if option.flag is None or command not in option.commands:
            continue
        kwargs = dict(default=defaults.get(option.name, option.default), dest=option.key,
                      help=_plain(option.cli_doc or option.doc))
        if option.choices:
            kwargs["choices"] = option.choices
        if option.parser:
            kwargs["type"] = _value_parser(option.parser)
        parser.add_argument(option.flag, **kwargs)


def pipeline_values(args, **resolved):
    """``{option name: value}`` of the pipeline's options on the command line.

    ``resolved`` replaces a value by what the command made of it (the
    weights actually used).
    """
    from ..pipeline import PIPELINE_OPTIONS

    values = {o.name: getattr(args, o.key) for o in PIPELINE_OPTIONS
              if o.flag is not None and hasattr(args, o.key)}
    return {**values, **{k: v for k, v in resolved.items() if k in values}}
