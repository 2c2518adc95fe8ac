"""Temporal features: the framework's second stage.

- :class:`ResBiLSTMTemporal`: a two-layer residual bidirectional LSTM trained
  on a modality's sequence of static features; its hidden layer is the
  modality's temporal feature vector.
"""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {"ResBiLSTMTemporal": "._resbilstm"})
