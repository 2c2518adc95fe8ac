"""Residual attention over time: :class:`ResBiLSTMAttentionTemporal`.

The network of :class:`~skmmlc.ResBiLSTMTemporal` with its masked-mean pooling
replaced by additive attention over the time steps, joined with a residual
summary of the BiLSTM's output::

    h (s, 2u)   the two residual BiLSTM blocks, as in ResBiLSTMTemporal
    r           residual path: masked mean of h ("mean"), h at the last real
                step ("last"), both ("both") or none (None)
    e_t = v . tanh(W h_t + U r + b)      additive (Bahdanau) scores
    a   = softmax(e) over the real steps (exactly 0 on padding steps)
    c   = sum_t a_t h_t                  attended context
    f   = ReLU(Dense([c, r]))            <- transform() returns f
    y   = sigmoid(Dense(Dropout(f)))     one unit per label

Pouyanfar, Wang and Chen ("Residual Attention-based Fusion for Video
Classification", CVPR 2019 Workshops) report a residual attention-based
BiLSTM per modality; only their abstract is public. The layers above are
skmmlc's design, after the references it cites (Bahdanau et al., 2015).

TensorFlow is imported only when a model is built or loaded.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._keras import custom_objects, import_tf, predict
from ._resbilstm import ResBiLSTMTemporal

__all__ = ["ResBiLSTMAttentionTemporal"]

ATTENTION_LAYER = "temporal_attention"


class ResBiLSTMAttentionTemporal(ResBiLSTMTemporal):
    """Residual BiLSTM with additive attention over time (a supervised transformer).

    A drop-in for :class:`~skmmlc.ResBiLSTMTemporal`: the same input (one
    modality's rows ``(n_samples, n_steps * dim)``, time-major, all-zero steps
    are padding), the same fit contract (a sigmoid output per label during
    training, the ``dense_units`` ReLU features after), seeds, float32,
    early stopping, cross fitting and pickling. The sequence is pooled by
    additive attention over its real steps, joined with a residual summary of
    the BiLSTM's output (see the module docstring for the layers);
    :meth:`attention_weights` returns each clip's weights over its steps.

    Parameters
    ----------
    n_steps : int or None, default=None
        Time steps per row (see :class:`~skmmlc.ResBiLSTMTemporal`).
    units, dense_units, dropout, dense_dropout, epochs, batch_size, \
learning_rate, early_stopping, validation_fraction, patience, class_weight, \
standardize, cv, cv_alignment, random_state, verbose
        As in :class:`~skmmlc.ResBiLSTMTemporal`, with the same defaults.
    attention_units : int, default=16
        Width of the attention's hidden layer (``W``, ``U`` have this many
        columns).
    residual : {"mean", "last", "both"} or None, default="mean"
        The residual path joined (concatenated) with the attended context and
        used as the attention's query: the masked mean of the BiLSTM output
        over the real steps, its value at the last real step, both, or none
        (attention alone, no query). ``"mean"`` was the best on the
        measurement reported in ``docs/benchmarks.md``.

    Attributes
    ----------
    model_, n_features_in_, n_steps_, dim_, n_outputs_, mean_, scale_, \
n_epochs_, best_epoch_, history_
        As in :class:`~skmmlc.ResBiLSTMTemporal`.

    See Also
    --------
    ResBiLSTMTemporal : the same network with masked-mean pooling (the paper's).
    skmmlc.temporal.plot_attention : draw the weights of a few clips.

    Notes
    -----
    A padding step's weight is exactly 0 (its exponential is multiplied by
    the mask) and the weights of a row's real steps sum to 1 (up to float32
    rounding), wherever the padding lies; a row with no real step is one
    all-zero real step, whose weight is 1. Subclassing (rather than an
    option of :class:`~skmmlc.ResBiLSTMTemporal`) keeps the paper's
    estimator, its parameters and its fitted networks unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc import ResBiLSTMAttentionTemporal
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 5 * 3)).astype("float32")  # 5 steps x 3 features
    >>> Y = rng.integers(0, 2, size=(20, 2))
    >>> temporal = ResBiLSTMAttentionTemporal(n_steps=5, units=4, dense_units=8,
    ...                                       epochs=2, random_state=0)
    >>> temporal.fit_transform(X, Y).shape
    (20, 8)
    >>> temporal.attention_weights(X).shape
    (20, 5)
    """

    _parameter_constraints: dict = {
        **ResBiLSTMTemporal._parameter_constraints,
        "attention_units": [Interval(Integral, 1, None, closed="left")],
        "residual": [StrOptions({"mean", "last", "both"}), None],
    }
    _model_name = "resbilstm_attention"

    def __init__(
        self,
        n_steps=None,
        *,
        units=32,
        dense_units=128,
        dropout=0.1,
        dense_dropout=0.5,
        epochs=30,
        batch_size=32,
        learning_rate=1e-3,
        early_stopping="auto",
        validation_fraction=0.1,
        patience=5,
        class_weight=None,
        standardize=True,
        cv=None,
        cv_alignment="linear",
        attention_units=16,
        residual="mean",
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            n_steps, units=units, dense_units=dense_units, dropout=dropout,
            dense_dropout=dense_dropout, epochs=epochs, batch_size=batch_size,
            learning_rate=learning_rate, early_stopping=early_stopping,
            validation_fraction=validation_fraction, patience=patience,
            class_weight=class_weight, standardize=standardize, cv=cv,
            cv_alignment=cv_alignment, random_state=random_state, verbose=verbose,
        )
        self.attention_units = attention_units
        self.residual = residual

    def attention_weights(self, X):
        """Each row's attention weights over its time steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps * dim)
            Time-major static feature sequences, same layout as in ``fit``.

        Returns
        -------
        weights : ndarray of shape (n_samples, n_steps), float32
            Step ``t``'s weight in row ``i``'s attended context: 0 on padding
            steps, summing to 1 over the real steps of each row. For the
            extractors' outputs, step ``t`` is the ``t``-th sampled frame
            (:class:`~skmmlc.VisualInceptionFeatures`), SoundNet window
            (:class:`~skmmlc.SoundNetFeatures`) or word
            (:class:`~skmmlc.GloveFeatures`).
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        _, keras = import_tf()
        weights = self.model_.get_layer(ATTENTION_LAYER).output[1]
        return predict(keras.Model(self.model_.input, weights), self._sequences(X))

    def _pool(self, keras, h, seeds):
        """Attended context joined with the residual path (see the module docstring)."""
        layer = custom_objects()["TemporalAttention"]
        out, _ = layer(self.attention_units, self.residual,
                       seeds=[next(seeds) for _ in range(3)], name=ATTENTION_LAYER)(h)
        return out
