"""Feature selection: the framework's third stage.

- :class:`RFRecursiveSelector`: Random-Forest feature ranking with recursive
  elimination, scored by the classifier that follows it.
"""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__, {"RFRecursiveSelector": "._rfe"}, internal={"stratified_split": "._rfe"}
)
