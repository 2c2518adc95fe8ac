"""The result of a Table II run: its tables, its figure, and its files.

:class:`Table2Result` is what :func:`~skmmlc.experiments.run_table2` returns:
the table, the per-concept F1 (the paper's Figure 2) and the settings that
reproduce the run; :meth:`Table2Result.save` writes them as one set of files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

__all__ = ["MIN_TEST_POSITIVES", "Table2Result"]


#: Fewer positives than this in the test split make a concept's F1 too noisy
#: to compare rows by (one clip moves it by 0.1 or more): :func:`run_table2`
#: warns, and :meth:`Table2Result.plot_per_concept` marks the concept.
MIN_TEST_POSITIVES = 10


@dataclass
class Table2Result:
    """Outcome of :func:`run_table2`.

    Attributes
    ----------
    table : DataFrame
        One row per approach: ``approach``, ``features``, ``micro_f1``,
        ``macro_f1``, ``hamming_loss``, ``map``, ``fit_seconds`` and
        ``chosen`` (what was chosen on the validation split).
    per_concept_f1 : DataFrame
        F1 per concept (columns) for the early fusion, late fusion, proposed
        and static baseline rows (index): the paper's Figure 2, plus the
        baseline.
    splits : dict
        Row indices of ``train``, ``validation`` and ``test``.
    settings : dict
        Everything needed to reproduce the run (JSON-serialisable).
    temporal_features : dict
        The temporal features of every clip, ``{modality: (n_samples,
        dense_units)}`` and ``"early"`` for early fusion, so that other heads
        can be compared on the very same features.
    test_positives : Series or None
        Number of positives per concept (index) in the test split: what each
        per-concept F1 rests on.
    dataset : str or None
        Name of the data set, used in the figure's title.
    per_label_f1 : DataFrame or None
        F1 per concept (columns) for every row of :attr:`table` (index:
        ``"approach (features)"``); its row means are the ``macro_f1`` column.
    attention : dict or None
        The "End-to-end + attention" row's weights over the time steps of
        the test clips: ``"clips"`` (their row indices), ``"labels"`` (their
        0/1 labels) and ``"weights"``, per modality an array (n_test,
        n_steps); None without that row.
    attention_labels : dict
        Tick labels of the steps per modality for the attention pictures:
        one list for every clip, or one list per test clip (a description's
        words); default: frame / window / word numbers.
    """

    table: pd.DataFrame
    per_concept_f1: pd.DataFrame
    splits: dict
    settings: dict = field(default_factory=dict)
    temporal_features: dict = field(default_factory=dict, repr=False)
    test_positives: pd.Series | None = None
    dataset: str | None = None
    per_label_f1: pd.DataFrame | None = None
    attention: dict | None = field(default=None, repr=False)
    attention_labels: dict = field(default_factory=dict, repr=False)

    #: Test clips drawn in each attention picture.
    ATTENTION_CLIPS: ClassVar[int] = 3

    #: The files :meth:`save` writes, in the order they are moved into place:
    #: results.json last, so that its presence tells the set is complete.
    files: ClassVar[tuple] = ("table2.csv", "per_concept_f1.csv", "table2.md", "figure2.png",
                              "results.json")

    def save(self, folder):
        """Write the run's files into ``folder``: :attr:`files`.

        table2.csv (:attr:`table`), per_concept_f1.csv, table2.md (the table
        and the F1 per label, markdown), figure2.png
        (:meth:`plot_per_concept`) and results.json (:attr:`settings`, the
        table, the F1 per concept and per label, the test positives). All
        are written in a staging folder inside ``folder``, then moved into
        place together (``skmmlc.utils.atomic_write_set``): an error or a
        kill while writing leaves the earlier run's files as they were, the
        files in ``folder`` are never a mix of two runs, and other files
        there are left alone.

        The figure's title is the data set's name, with the visual network
        and the note of :attr:`settings` (``"visual_network"``, ``"note"``:
        the command line records them) on lines of their own when present.

        Parameters
        ----------
        folder : str or path-like
            Created if missing.

        Returns
        -------
        folder : pathlib.Path
        """
        from pathlib import Path

        from ..utils import atomic_write_set

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write_set(folder, self.files + self.attention_files()) as staging:
            self.table.to_csv(staging / "table2.csv", index=False)
            self.per_concept_f1.to_csv(staging / "per_concept_f1.csv")
            (staging / "table2.md").write_text(
                self.to_markdown() + "\n\nF1 per label:\n\n" + self.per_label_markdown()
                + "\n", encoding="utf-8",
            )
            self.plot_per_concept(staging / "figure2.png", title=self._figure_title())
            self._plot_attention(staging)
            (staging / "results.json").write_text(
                json.dumps(self._results(), indent=2, default=str), encoding="utf-8")
        return folder

    def attention_files(self):
        """The attention pictures :meth:`save` writes: ``attention_<modality>.png``
        per modality of :attr:`attention` (none without it)."""
        if not self.attention:
            return ()
        return tuple(f"attention_{m}.png" for m in self.attention["weights"])

    def _plot_attention(self, folder):
        """One picture per modality: its weights over the steps of a few test clips,
        each titled with the clip's row and its concepts."""
        from ..temporal import plot_attention

        if not self.attention:
            return
        k = self.ATTENTION_CLIPS
        clips = self.attention["clips"][:k]
        concepts = list(self.per_concept_f1.columns)
        names = [f"clip {i}, true: "
                 + (", ".join(concepts[j] for j in np.flatnonzero(y)) or "no concept")
                 for i, y in zip(clips, self.attention["labels"][:k])]
        unit = {"visual": "frame", "audio": "sound window", "text": "word"}
        for m, weights in self.attention["weights"].items():
            labels = self.attention_labels.get(m)
            if labels is None:
                labels = [f"{unit.get(m, 'step')} {t + 1}" for t in range(weights.shape[1])]
            plot_attention(weights[:k], clip_names=names, step_labels=labels, max_clips=k,
                           title=f"{m}: attention over the steps (End-to-end + attention)",
                           path=folder / f"attention_{m}.png")

    def _figure_title(self):
        """The figure's title in :meth:`save` (None: :meth:`plot_per_concept`'s)."""
        settings = self.settings or {}
        if "visual_network" not in settings and "note" not in settings:
            return None
        title = f"{self.dataset}"
        if "visual_network" in settings:
            title += f"\nvisual: {settings['visual_network']}"
        return title + ("" if "note" not in settings else f"\n({settings['note']})")

    def _results(self):
        """The content of results.json (JSON values)."""
        positives = self.test_positives if self.test_positives is not None else {}
        per_label = self.per_label_f1 if self.per_label_f1 is not None else pd.DataFrame()
        return {
            "settings": self.settings,
            "table2": self.table.to_dict(orient="records"),
            "per_concept_f1": self.per_concept_f1.to_dict(orient="index"),
            "per_label_f1": per_label.to_dict(orient="index"),
            "test_positives": {str(k): int(v) for k, v in positives.items()},
        }

    def to_markdown(self, digits=4):
        """The table as GitHub-flavoured markdown (no extra dependency)."""
        cols = ["approach", "features", "micro_f1", "macro_f1", "hamming_loss", "map", "chosen"]
        lines = [
            "| Approach | Features | Micro F1 | Macro F1 | HL | MAP | chosen on validation |",
            "|---|---|---|---|---|---|---|",
        ]
        for _, r in self.table[cols].iterrows():
            lines.append(
                f"| {r['approach']} | {r['features']} | {r['micro_f1']:.{digits}f} | "
                f"{r['macro_f1']:.{digits}f} | {r['hamming_loss']:.{digits}f} | "
                f"{r['map']:.{digits}f} | {r['chosen']} |"
            )
        return "\n".join(lines)

    def per_label_markdown(self, digits=3):
        """F1 per concept of every row (markdown), macro-F1 (their mean) last."""
        data = self.per_label_f1
        if data is None:
            return ""
        lines = [
            "| Row | " + " | ".join(map(str, data.columns)) + " | Macro F1 |",
            "|---" * (data.shape[1] + 2) + "|",
        ]
        for name, values in data.iterrows():
            cells = " | ".join(f"{v:.{digits}f}" for v in values)
            lines.append(f"| {name} | {cells} | {values.mean():.{digits}f} |")
        return "\n".join(lines)

    def plot_per_concept(self, path=None, title=None, ax=None):
        """Grouped bar chart of per-concept F1 (the paper's Figure 2).

        Each concept's tick label gives its number of test positives
        (``n=``); concepts with fewer than :data:`MIN_TEST_POSITIVES` are
        written in grey italics, as their F1 is noisy.

        Parameters
        ----------
        path : str or path-like, optional
            Save the figure there (PNG, or any format matplotlib knows).
        title : str, optional
            Axes title; by default "Per-concept F1 on the test split: " and
            the data set's name (:attr:`dataset`).
        ax : matplotlib Axes, optional
            Draw into it. Without one, a new :class:`matplotlib.figure.Figure`
            is made without pyplot, so no backend is switched and no window
            opens.

        Returns
        -------
        fig : matplotlib Figure
        """
        data = self.per_concept_f1
        n_rows, n_concepts = data.shape
        if ax is None:
            from matplotlib.figure import Figure

            legend_lines = -(-n_rows // _legend_columns(n_rows))
            fig = Figure(figsize=(max(7 if n_rows <= 4 else 10, 1.3 * n_concepts),
                                  4.2 + 0.3 * legend_lines), layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        x = np.arange(n_concepts)
        width = 0.8 / n_rows
        for i, (name, values) in enumerate(data.iterrows()):
            # macro-F1 is the mean of the row's bars
            bars = ax.bar(x + (i - (n_rows - 1) / 2) * width, values.to_numpy(), width,
                          label=f"{name} (macro-F1 {values.mean():.2f})")
            # every bar gets its value, so that a zero F1 is not read as a missing bar
            ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
        counts = self.test_positives
        names = [_wrap_label(c) for c in data.columns]
        if counts is not None:
            counts = counts.reindex(data.columns)
            labels = [f"{name}\n(n={int(k)})" for name, k in zip(names, counts)]
        else:
            labels = names
        rotation = 20 if n_concepts > 8 else 0
        ax.set_xticks(x, labels, rotation=rotation, ha="right" if rotation else "center")
        if counts is not None:
            few = (counts < MIN_TEST_POSITIVES).to_numpy()
            for tick, is_few in zip(ax.get_xticklabels(), few):
                if is_few:
                    tick.set(color="0.45", fontstyle="italic")
            if few.any():  # inside the axes, above the bars: clear of the title
                ax.text(0.995, 0.99, f"grey italics: fewer than {MIN_TEST_POSITIVES} test "
                        "positives (noisy F1)", transform=ax.transAxes, ha="right",
                        va="top", fontsize="x-small", color="0.45", fontstyle="italic")
        ax.set_ylim(0, 1.16)
        ax.set_ylabel("F1 on the test split")
        if title is None:
            title = "Per-concept F1 on the test split"
            title += f": {self.dataset}" if self.dataset else ""
        ax.set_title(title, loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28 if rotation else -0.2),
                  ncol=_legend_columns(n_rows), fontsize="small", frameon=False)
        ax.grid(axis="y", alpha=0.3)
        if path is not None:
            fig.savefig(path, dpi=120)
        return fig


def _legend_columns(n_rows):
    """Rows of Table II side by side in the figure's legend: all of the paper's
    four on one line, three a line beyond that."""
    return n_rows if n_rows <= 4 else 3


def _wrap_label(name, width=12):
    """A concept name on lines of about ``width`` characters, broken at spaces
    and after slashes ("Speak/Briefing/Interview"), so that ticks do not overlap."""
    import textwrap

    return textwrap.fill(str(name).replace("/", "/ "), width).replace("/ ", "/")
