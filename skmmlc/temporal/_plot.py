"""Pictures of attention weights: which frames, sound windows or words a clip's features drew on.

matplotlib is imported when a figure is drawn; the figure is made without
pyplot, so no backend is switched and no window opens.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_attention"]


def plot_attention(weights, *, clip_names=None, step_labels=None, max_clips=4,
                   title=None, path=None):
    """Draw each clip's attention weights over its time steps, one panel per clip.

    Parameters
    ----------
    weights : array-like of shape (n_clips, n_steps)
        Weights over the time steps, e.g.
        :meth:`ResBiLSTMAttentionTemporal.attention_weights
        <skmmlc.ResBiLSTMAttentionTemporal.attention_weights>`. Steps whose
        weight is exactly 0 after a clip's last non-zero step are padding and
        are not drawn.
    clip_names : sequence of str, optional
        One panel title per clip (default: "clip 0", "clip 1", ...).
    step_labels : sequence of str, or sequence of sequences of str, optional
        Tick labels of the steps: one list for every clip (e.g. the seconds
        of the sampled frames) or one list per clip (e.g. each description's
        words). Default: the step numbers.
    max_clips : int, default=4
        Draw at most this many clips (the first ones).
    title : str, optional
        Figure title.
    path : str or path-like, optional
        Save the figure there (PNG, or any format matplotlib knows).

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc.temporal import plot_attention
    >>> fig = plot_attention(np.array([[0.2, 0.8, 0.0], [0.5, 0.3, 0.2]]),
    ...                      step_labels=["0 s", "1 s", "2 s"])
    >>> len(fig.axes)
    2
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] == 0:
        raise ValueError(
            f"weights must be 2-D (n_clips, n_steps) with at least one clip; got shape "
            f"{weights.shape}. Pass attention_weights(X) of a fitted attention model."
        )
    if not np.isfinite(weights).all():
        raise ValueError("weights contain NaN or infinity.")
    if int(max_clips) < 1:
        raise ValueError(f"max_clips must be at least 1, got {max_clips}.")
    weights = weights[: int(max_clips)]
    n_clips, n_steps = weights.shape
    names = list(clip_names) if clip_names is not None else [f"clip {i}" for i in range(n_clips)]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(6.0, 0.45 * n_steps), 1.9 * n_clips + 0.6), layout="constrained")
    axes = fig.subplots(n_clips, 1, squeeze=False)[:, 0]
    for i, (ax, w) in enumerate(zip(axes, weights)):
        nonzero = np.flatnonzero(w)
        shown = (nonzero[-1] + 1) if nonzero.size else n_steps
        labels = _labels(step_labels, i, shown)
        x = np.arange(shown)
        ax.bar(x, w[:shown], color="tab:blue")
        top = int(np.argmax(w[:shown]))
        ax.bar([top], [w[top]], color="tab:red")
        ax.set_xticks(x, labels, rotation=60 if max(map(len, labels)) > 3 else 0,
                      fontsize="small", ha="right" if max(map(len, labels)) > 3 else "center")
        ax.set_ylim(0, max(float(w.max()) * 1.15, 1e-6))
        ax.set_ylabel("weight")
        ax.set_title(names[i] if i < len(names) else f"clip {i}", loc="left", fontsize="medium")
        ax.grid(axis="y", alpha=0.3)
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def _labels(step_labels, clip, n):
    """Tick labels of ``clip``'s first ``n`` steps."""
    if step_labels is None:
        return [str(t) for t in range(n)]
    labels = list(step_labels)
    if labels and not isinstance(labels[0], str):  # one list per clip
        labels = list(labels[clip])
    labels = [str(s) for s in labels[:n]]
    return labels + [str(t) for t in range(len(labels), n)]
