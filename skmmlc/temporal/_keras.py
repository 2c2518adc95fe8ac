"""The Keras machinery that skmmlc's temporal models share (private to ``skmmlc.temporal``).

:class:`~skmmlc.ResBiLSTMTemporal`, :class:`~skmmlc.ResBiLSTMAttentionTemporal`
and :class:`~skmmlc.EndToEndMultimodalClassifier` are built from these pieces:

- :func:`step_scaler` and :func:`to_sequences`: a modality's 2-D rows
  ``(n, n_steps * dim)`` to standardised ``(n, n_steps, dim + 1)`` sequences
  with a validity channel (all-zero steps are padding);
- :func:`residual_bilstm`: the two residual BiLSTM blocks over masked steps;
- :func:`fit_network`: one training run (seeded build, seeded validation
  split, shuffled mini-batches from a generator of its own, early stopping
  that restores the best epoch), returning an uncompiled inference model;
- :func:`predict`, :func:`model_to_bytes`, :func:`model_from_bytes`;
- the custom layers (:func:`custom_objects`): additive attention over time
  steps and over modalities, defined on first use (TensorFlow is imported
  only when a model is built or loaded).

No process-wide state is read or written: every random layer gets a seed of
its own drawn from the fit's seed (:func:`seed_stream`), Keras' own seed
source is swapped for a private one during builds (``keras_seeds``), and the
mini-batches are shuffled by a NumPy generator of the fit.
"""

from __future__ import annotations

import functools
import os
import tempfile

import numpy as np

from ..utils import keras_seeds

FEATURES_LAYER = "temporal_features"
EAGER_BATCH_STEPS = 100  # run training eagerly up to this many batch x time steps
PREDICT_BATCH = 256


def import_tf():
    """``(tf, keras)``, imported on first use."""
    from ..utils import import_tensorflow

    return import_tensorflow()


def seed_stream(seed, size=64):
    """An iterator over ``size`` int seeds drawn from ``seed`` (one per random layer).

    The first values do not depend on ``size`` (NumPy's legacy generator draws
    them one by one), so a network that needs more seeds than another shares
    the other's first ones.
    """
    return iter(np.random.RandomState(seed).randint(0, 2**31 - 1, size=size).tolist())


# -- input sequences ------------------------------------------------------------


def step_scaler(X3, standardize):
    """Mean and scale of each feature over the real (non-all-zero) steps, float32."""
    dim = X3.shape[2]
    valid = np.any(X3 != 0, axis=2)
    if standardize and valid.any():
        steps = X3[valid].astype(np.float64)
        mean = steps.mean(axis=0).astype(np.float32)
        std = steps.std(axis=0)
        return mean, np.where(std > 1e-12, std, 1.0).astype(np.float32)
    return np.zeros(dim, dtype=np.float32), np.ones(dim, dtype=np.float32)


def to_sequences(X, n_steps, dim, mean, scale):
    """2-D rows -> (n, n_steps, dim + 1) float32: standardised + validity flag.

    Padding steps (all zero) stay all zero, flag included, so that Keras'
    ``Masking`` hides them. A row with no real step is one all-zero real step.
    """
    n = X.shape[0]
    X3 = np.asarray(X).reshape(n, n_steps, dim)
    valid = np.any(X3 != 0, axis=2)
    empty = ~valid.any(axis=1)
    valid[empty, 0] = True  # a row with no real step: one all-zero step
    out = np.zeros((n, n_steps, dim + 1), dtype=np.float32)
    np.subtract(X3, mean, out=out[:, :, :-1], casting="unsafe")
    out[:, :, :-1] /= scale
    out[~valid] = 0.0
    out[:, :, -1] = valid
    return out


# -- layers ---------------------------------------------------------------------


def residual_bilstm(keras, inputs, units, dropout, seeds, prefix=""):
    """Masking, projection to ``2 * units``, two residual BiLSTM blocks.

    ``h_l = Dropout(BiLSTM_l(h_{l-1})) + h_{l-1}``; returns ``h_2``, one
    ``2 * units`` vector per step, masked where the input is padding. Seeds
    are drawn from the iterator ``seeds`` in a fixed order.
    """
    layers, init = keras.layers, keras.initializers

    def glorot():
        return init.GlorotUniform(seed=next(seeds))

    def lstm(go_backwards):
        return layers.LSTM(
            units, return_sequences=True, go_backwards=go_backwards,
            kernel_initializer=glorot(),
            recurrent_initializer=init.Orthogonal(seed=next(seeds)),
        )

    h = layers.Masking(mask_value=0.0, name=f"{prefix}padding_mask")(inputs)
    h = layers.Dense(2 * units, use_bias=False, kernel_initializer=glorot(),
                     name=f"{prefix}input_projection")(h)
    for block in (1, 2):
        b = layers.Bidirectional(
            lstm(False), backward_layer=lstm(True), merge_mode="concat",
            name=f"{prefix}bilstm_{block}",
        )(h)
        b = layers.Dropout(dropout, seed=next(seeds), name=f"{prefix}dropout_{block}")(b)
        h = layers.Add(name=f"{prefix}residual_{block}")([h, b])
    return h


@functools.cache
def _layer_classes():
    """The custom layers, defined (and registered with Keras) on first use."""
    _, keras = import_tf()
    register = keras.saving.register_keras_serializable(package="skmmlc")
    return {"TemporalAttention": register(_temporal_attention_class(keras)),
            "ModalityAttention": register(_modality_attention_class(keras))}


def _residual_parts(ops, h, m, residual):
    """The residual summaries of ``h`` (batch, steps, d) under mask ``m``: [last], [mean]."""
    parts = []
    if residual in ("last", "both"):  # h at each row's last real step
        last = ops.shape(h)[1] - 1 - ops.argmax(ops.flip(m, axis=1), axis=1)
        parts.append(ops.take_along_axis(h, ops.reshape(last, (-1, 1, 1)), axis=1)[:, 0])
    if residual in ("mean", "both"):
        count = ops.maximum(ops.sum(m, axis=1, keepdims=True), 1.0)
        parts.append(ops.sum(h * m[:, :, None], axis=1) / count)
    return parts


def _temporal_attention_class(keras):
    ops = keras.ops

    def masked_softmax(scores, m):
        scores = ops.where(m > 0, scores, ops.full_like(scores, -1e30))
        scores = scores - ops.max(scores, axis=1, keepdims=True)
        e = ops.exp(scores) * m  # exactly 0 on masked positions
        return e / ops.maximum(ops.sum(e, axis=1, keepdims=True), 1e-30)

    class TemporalAttention(keras.layers.Layer):
        """Additive (Bahdanau) attention over time steps, joined with a residual summary.

        Input ``h`` (batch, steps, d), masked on padding steps. The summary
        ``r`` is the masked mean of ``h`` (``"mean"``), ``h`` at the last real
        step (``"last"``), both concatenated (``"both"``) or nothing (None).
        Scores ``e_t = v . tanh(W h_t + U r + b)``; weights ``a = softmax(e)``
        over the real steps (0 on padding); context ``c = sum_t a_t h_t``.
        Outputs ``[concat(c, r), a]``.
        """

        def __init__(self, units, residual="mean", seeds=(None, None, None), **kwargs):
            super().__init__(**kwargs)
            self.units, self.residual, self.seeds = int(units), residual, list(seeds)
            self.supports_masking = True

        def build(self, input_shape):
            d = int(input_shape[-1])
            q = {"mean": d, "last": d, "both": 2 * d, None: 0}[self.residual]
            init = keras.initializers
            self.W = self.add_weight(shape=(d, self.units), name="W",
                                     initializer=init.GlorotUniform(seed=self.seeds[0]))
            self.U = None if not q else self.add_weight(
                shape=(q, self.units), name="U",
                initializer=init.GlorotUniform(seed=self.seeds[1]))
            self.b = self.add_weight(shape=(self.units,), name="b", initializer="zeros")
            self.v = self.add_weight(shape=(self.units,), name="v",
                                     initializer=init.RandomUniform(-0.1, 0.1,
                                                                    seed=self.seeds[2]))

        def call(self, h, mask=None):
            m = ops.ones(ops.shape(h)[:2], h.dtype) if mask is None else ops.cast(mask, h.dtype)
            parts = _residual_parts(ops, h, m, self.residual)
            proj = ops.matmul(h, self.W) + self.b
            if parts:
                r = ops.concatenate(parts, axis=-1) if len(parts) > 1 else parts[0]
                proj = proj + ops.matmul(r, self.U)[:, None, :]
            a = masked_softmax(ops.sum(ops.tanh(proj) * self.v, axis=-1), m)
            context = ops.sum(h * a[:, :, None], axis=1)
            out = ops.concatenate([context] + parts[::-1], axis=-1) if parts else context
            return out, a

        def compute_mask(self, inputs, mask=None):
            return [None, None]

        def compute_output_shape(self, input_shape):
            d = input_shape[-1]
            k = {"mean": 2, "last": 2, "both": 3, None: 1}[self.residual]
            return (input_shape[0], k * d), (input_shape[0], input_shape[1])

        def get_config(self):
            return {**super().get_config(), "units": self.units,
                    "residual": self.residual, "seeds": self.seeds}

    return TemporalAttention


def _modality_attention_class(keras):
    ops = keras.ops

    class ModalityAttention(keras.layers.Layer):
        """Additive attention over modality vectors: one weight per modality and clip.

        Inputs: a list of ``M`` vectors (batch, d). Scores
        ``s_m = v . tanh(W b_m + c)``; ``a = softmax(s)`` over the modalities;
        outputs ``[sum_m a_m b_m, a]``.
        """

        def __init__(self, units, seeds=(None, None), **kwargs):
            super().__init__(**kwargs)
            self.units, self.seeds = int(units), list(seeds)

        def build(self, input_shape):
            d = int(input_shape[0][-1])
            init = keras.initializers
            self.W = self.add_weight(shape=(d, self.units), name="W",
                                     initializer=init.GlorotUniform(seed=self.seeds[0]))
            self.c = self.add_weight(shape=(self.units,), name="c", initializer="zeros")
            self.v = self.add_weight(shape=(self.units,), name="v",
                                     initializer=init.RandomUniform(-0.1, 0.1,
                                                                    seed=self.seeds[1]))

        def call(self, inputs):
            stack = ops.stack(inputs, axis=1)  # (batch, M, d)
            scores = ops.sum(ops.tanh(ops.matmul(stack, self.W) + self.c) * self.v, axis=-1)
            a = ops.softmax(scores, axis=1)
            return ops.sum(stack * a[:, :, None], axis=1), a

        def compute_output_shape(self, input_shape):
            return (input_shape[0][0], input_shape[0][-1]), (input_shape[0][0], len(input_shape))

        def get_config(self):
            return {**super().get_config(), "units": self.units, "seeds": self.seeds}

    return ModalityAttention


def custom_objects():
    """The custom layers by name (for ``keras.saving.load_model``)."""
    return dict(_layer_classes())


# -- training -------------------------------------------------------------------


@functools.cache
def _shuffled_batches_class():
    _, keras = import_tf()

    class ShuffledBatches(keras.utils.PyDataset):
        """Mini-batches of a new permutation of the rows every epoch, drawn from ``rng``.

        What ``fit(shuffle=True)`` does, without TensorFlow's global seed (shared
        by every thread of the process). ``X`` is an array or a tuple of arrays
        (one per model input).
        """

        def __init__(self, X, Y, batch_size, rng):
            super().__init__()
            self.X, self.Y, self.batch_size, self.rng = X, Y, batch_size, rng
            self.order = rng.permutation(Y.shape[0])

        def __len__(self):
            return -(-self.Y.shape[0] // self.batch_size)

        def __getitem__(self, index):
            rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
            if isinstance(self.X, tuple):
                return tuple(x[rows] for x in self.X), self.Y[rows]
            return self.X[rows], self.Y[rows]

        def on_epoch_end(self):
            self.order = self.rng.permutation(self.Y.shape[0])

    return ShuffledBatches


def shuffled_batches(X, Y, batch_size, rng):
    """A Keras ``PyDataset`` of shuffled mini-batches (see ``_shuffled_batches_class``)."""
    return _shuffled_batches_class()(X, Y, batch_size, rng)


def _rows(X, idx):
    return tuple(x[idx] for x in X) if isinstance(X, tuple) else X[idx]


def validation_rows(n, validation_fraction, early_stopping, hold_out=False):
    """``(n_val, use_early_stopping)``; raises when a validation split is impossible."""
    n_val = int(np.floor(validation_fraction * n))
    use_es = early_stopping
    if use_es == "auto":
        use_es = n_val >= 10
    if (use_es or hold_out) and (n_val < 1 or n - n_val < 1):
        why = "early_stopping=True" if use_es else "a validation split"
        raise ValueError(
            f"{why} needs at least one validation and one "
            f"training row; validation_fraction={validation_fraction} of "
            f"{n} rows gives {n_val}. Use more rows or early_stopping=False."
        )
    return n_val, bool(use_es)


def fit_network(est, build, loss, X, Y, seed, *, n_steps, name, hold_out=False):
    """Train one network; return ``(model, (n_epochs, best_epoch, history), val)``.

    ``est`` holds the training parameters (``epochs``, ``batch_size``,
    ``learning_rate``, ``early_stopping``, ``validation_fraction``,
    ``patience``, ``verbose``). ``build(keras)`` returns the network,
    ``loss(Y_train)`` its loss. ``X`` is an array or a tuple of arrays.
    With early stopping (or ``hold_out``), a seeded ``validation_fraction`` of
    the rows is held out; ``val`` are their indices (None otherwise).
    ``model`` is an uncompiled inference model sharing the trained layers.
    """
    tf, keras = import_tf()
    n = Y.shape[0]
    n_val, use_es = validation_rows(n, est.validation_fraction, est.early_stopping, hold_out)
    rng = np.random.RandomState(seed)
    validation_data, callbacks, val = None, [], None
    if use_es or hold_out:
        perm = rng.permutation(n)
        val, train = perm[:n_val], perm[n_val:]
        validation_data = (_rows(X, val), Y[val])
        X_train, Y_train = _rows(X, train), Y[train]
    else:
        X_train, Y_train = X, Y
    if use_es:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=est.patience, restore_best_weights=True,
        ))

    batch_size = min(est.batch_size, Y_train.shape[0])
    n_updates = est.epochs * -(-Y_train.shape[0] // batch_size)
    with keras_seeds(seed):  # any layer Keras seeds itself: from seed alone
        model = build(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=est.learning_rate),
        loss=loss(Y_train),
        # Tracing the training graph costs seconds; eager execution costs
        # ~50 ms per batch and time step. Small problems run eagerly.
        run_eagerly=n_updates * n_steps <= EAGER_BATCH_STEPS,
        # XLA compilation of the LSTM loops cost more than it saved (measured).
        jit_compile=False,
    )
    hist = model.fit(
        shuffled_batches(X_train, Y_train, batch_size, rng),
        epochs=est.epochs,
        shuffle=False,  # shuffled_batches shuffles, from its own generator
        validation_data=validation_data,
        callbacks=callbacks,
        verbose=2 if est.verbose else 0,
    )
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    n_epochs = len(history["loss"])
    best_epoch = int(np.argmin(history["val_loss"])) + 1 if use_es else n_epochs
    inference = keras.Model(model.input, model.output, name=name)
    return inference, (n_epochs, best_epoch, history), val


def balanced_label_weights(Y):
    """Per-label weights for positives and negatives, ``n / (2 * count)``.

    The multi-label analogue of ``class_weight="balanced"``: for each label the
    positive and negative examples contribute equally to the loss. A label
    that is always (or never) present gets weight 1 on the missing side.
    """
    n = Y.shape[0]
    pos = Y.sum(axis=0)
    neg = n - pos
    w_pos = np.where(pos > 0, n / (2.0 * np.maximum(pos, 1)), 1.0)
    w_neg = np.where(neg > 0, n / (2.0 * np.maximum(neg, 1)), 1.0)
    return w_pos.astype(np.float32), w_neg.astype(np.float32)


def weighted_binary_crossentropy(tf, keras, w_pos, w_neg):
    """Binary cross-entropy with per-label weights on positives and negatives."""
    w_pos, w_neg = tf.constant(w_pos), tf.constant(w_neg)
    eps = keras.config.epsilon()

    def balanced_binary_crossentropy(y_true, y_pred):
        y_true = tf.cast(y_true, y_pred.dtype)
        p = tf.clip_by_value(y_pred, eps, 1.0 - eps)
        loss = -(w_pos * y_true * tf.math.log(p)
                 + w_neg * (1.0 - y_true) * tf.math.log(1.0 - p))
        return tf.reduce_mean(loss, axis=-1)

    return balanced_binary_crossentropy


# -- inference and serialisation -----------------------------------------------------


def predict(model, X3, batch_size=PREDICT_BATCH):
    """Call ``model`` on batches eagerly (``predict`` would trace a graph first).

    ``X3`` is an array or a tuple of arrays (one per input); a model with
    several outputs gives a list of arrays.
    """
    n = (X3[0] if isinstance(X3, tuple) else X3).shape[0]
    outputs = model.output if isinstance(model.output, list | tuple) else [model.output]
    if n == 0:
        parts = [np.zeros((0,) + tuple(o.shape[1:]), dtype=np.float32) for o in outputs]
    else:
        batches = []
        for start in range(0, n, batch_size):
            out = model(_rows(X3, slice(start, start + batch_size)), training=False)
            out = out if isinstance(out, list | tuple) else [out]
            batches.append([np.asarray(o, dtype=np.float32) for o in out])
        parts = [np.concatenate(p, axis=0) for p in zip(*batches)]
    return parts if isinstance(model.output, list | tuple) else parts[0]


class KerasPickling:
    """Pickles ``model_`` in Keras' own format and rebuilds the model derived from it.

    For an estimator holding a fitted Keras model in ``model_`` and a model
    derived from it (its feature or logit sub-model) in the attribute named
    by ``_derived_model_attr``, built again by ``_derive_model(model)``
    after loading.
    """

    _derived_model_attr = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop(self._derived_model_attr, None)
        model = state.pop("model_", None)
        if model is not None:
            state["_model_keras_bytes"] = model_to_bytes(model)
        return state

    def __setstate__(self, state):
        data = state.pop("_model_keras_bytes", None)
        self.__dict__.update(state)
        if data is not None:
            self.model_ = model_from_bytes(data)
            setattr(self, self._derived_model_attr, self._derive_model(self.model_))


def model_to_bytes(model):
    """The model in Keras' native ``.keras`` format, as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data):
    """The model saved by :func:`model_to_bytes` (uncompiled)."""
    _, keras = import_tf()
    objects = custom_objects()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        # the layers' initial values are replaced by the saved ones
        with keras_seeds(0):
            return keras.saving.load_model(path, compile=False, custom_objects=objects)
