"""The one place skmmlc imports TensorFlow, and its opt-in process settings.

The library changes nothing of the process it runs in: no environment
variable, no file descriptor, no global random generator, no Keras dtype
policy. What a whole process may want -- TensorFlow's start-up log lines
hidden, each GPU's memory grown as needed -- is opt-in
(:func:`quiet_tensorflow`, :func:`grow_gpu_memory`); the ``skmmlc`` command
opts in for its own process.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import threading

__all__ = [
    "GPU_MEMORY_GROWTH_ENV",
    "TF_LOGS_ENV",
    "grow_gpu_memory",
    "import_tensorflow",
    "keras_seeds",
    "quiet_tensorflow",
    "with_dtype_policy",
]

#: Set this environment variable to a non-empty value to see TensorFlow's
#: start-up log lines (oneDNN, CUDA probing, absl) that the ``skmmlc`` command hides.
TF_LOGS_ENV = "SKMMLC_TF_LOGS"

#: Set to "0" to keep TensorFlow's own default (all of each GPU's memory
#: reserved up front) in the ``skmmlc`` command.
GPU_MEMORY_GROWTH_ENV = "SKMMLC_GPU_MEMORY_GROWTH"


def import_tensorflow():
    """Import TensorFlow and Keras on first use, with a clear message if missing.

    Returns
    -------
    tf, keras : module
    """
    try:
        import keras
        import tensorflow as tf
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skmmlc's deep models need TensorFlow and Keras: "
            "pip install 'tensorflow>=2.16' (or reinstall skmmlc)."
        ) from exc
    return tf, keras


@contextlib.contextmanager
def _stderr_fd_silenced():
    """Point file descriptor 2 at /dev/null (C++ libraries write there directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def quiet_tensorflow():
    """Import TensorFlow with its C++ start-up log lines hidden, for the whole process.

    Opt-in, for programs that own their process (the ``skmmlc`` command calls
    it first): sets ``TF_CPP_MIN_LOG_LEVEL=3`` unless it is set already (C++
    notices below FATAL are hidden, also those logged later, such as oneDNN's
    "E0000" line at the first masked LSTM) and imports TensorFlow with file
    descriptor 2 pointed at /dev/null (its "All log messages before
    absl::InitializeLog()" lines are written there directly). Python warnings
    and errors are not affected. Does nothing if TensorFlow is imported
    already, or if ``SKMMLC_TF_LOGS`` is set.

    Returns
    -------
    tf, keras : module
    """
    if "tensorflow" in sys.modules or os.environ.get(TF_LOGS_ENV):
        return import_tensorflow()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _stderr_fd_silenced():
        tf, keras = import_tensorflow()
        tf.config.list_physical_devices("GPU")  # device probing logs here, once
    return tf, keras


def grow_gpu_memory(tf=None):
    """Let each visible GPU's memory grow as needed, for the whole process.

    Opt-in (the ``skmmlc`` command calls it unless ``SKMMLC_GPU_MEMORY_GROWTH=0``):
    TensorFlow reserves nearly all of a GPU's memory when it first uses it,
    so a second process on the same GPU (two Dask workers, a notebook and a
    worker) fails to allocate. Growth must be set before a GPU is first used;
    a GPU used already keeps the settings it has.

    Returns
    -------
    gpus : list of str
        The GPUs whose memory now grows.
    """
    if tf is None:
        tf, _ = import_tensorflow()
    grown = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except (RuntimeError, ValueError):  # already initialised: keep its settings
            continue
        grown.append(getattr(gpu, "name", str(gpu)))
    return grown


_KERAS_SEEDS_LOCK = threading.Lock()


@contextlib.contextmanager
def keras_seeds(seed):
    """Build Keras layers whose unseeded initializers draw from a private generator.

    Keras gives every initializer created without a seed (those of
    ``keras.applications.InceptionV3``, for one) a seed drawn from Python's
    global :mod:`random` generator, i.e. from the user's. Inside this
    context, Keras' seed source is a :class:`random.Random` of its own,
    seeded with ``seed``: the user's generator is neither drawn from nor
    reseeded, and a build depends on ``seed`` alone. Builds are serialised
    (the source is Keras' module attribute). If a future Keras has no such
    attribute, layers are built as Keras builds them.
    """
    try:
        from keras.src.random import seed_generator
    except ImportError:  # pragma: no cover - another Keras layout
        yield
        return
    if not hasattr(seed_generator, "python_random"):  # pragma: no cover
        yield
        return
    with _KERAS_SEEDS_LOCK:
        shared = seed_generator.python_random
        seed_generator.python_random = random.Random(seed)
        try:
            yield
        finally:
            seed_generator.python_random = shared


def with_dtype_policy(keras, model, policy):
    """``model`` with every layer under the Keras dtype ``policy`` (same weights).

    Keras builds layers under its process-wide dtype policy; rather than
    changing that policy for everyone, a model built under it is cloned layer
    by layer with ``policy`` (``"float32"``, ``"mixed_bfloat16"``) and its
    weights copied. Returns ``model`` itself when its layers have ``policy``
    already.
    """
    if all(layer.dtype_policy.name == policy for layer in model.layers[1:]):
        return model

    def clone(layer):
        config = layer.get_config()
        config["dtype"] = policy
        return layer.__class__.from_config(config)

    with keras_seeds(0):  # the clones' initial values are replaced below
        cloned = keras.models.clone_model(model, clone_function=clone)
    cloned.set_weights(model.get_weights())
    return cloned
