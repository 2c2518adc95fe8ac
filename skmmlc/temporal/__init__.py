"""Temporal features: the framework's second stage, and the deep models built on it.

- :class:`ResBiLSTMTemporal`: a two-layer residual bidirectional LSTM trained
  on a modality's sequence of static features; its hidden layer is the
  modality's temporal feature vector (the paper's).
- :class:`ResBiLSTMAttentionTemporal`: the same network pooled by additive
  attention over the time steps joined with a residual path; a drop-in for
  :class:`ResBiLSTMTemporal` whose weights can be looked at
  (:func:`plot_attention`).
- :class:`EndToEndMultimodalClassifier`: every modality's residual BiLSTM,
  their fusion and a multi-label head trained as one network with one loss
  (beyond the paper: its conclusion's next step).

The three share their Keras machinery (``_keras.py``: training loop, seeds,
serialisation, the attention layers).
"""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "ResBiLSTMTemporal": "._resbilstm",
        "ResBiLSTMAttentionTemporal": "._attention",
        "EndToEndMultimodalClassifier": "._end_to_end",
        "plot_attention": "._plot",
    },
)
