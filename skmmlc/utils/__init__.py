"""Internal helpers shared by skmmlc's subpackages.

- I/O: :func:`atomic_write`, :func:`atomic_write_set`, :func:`file_identity`,
  :func:`file_fingerprint`, :func:`file_sha256`;
- TensorFlow: :func:`import_tensorflow` (the one place TensorFlow is imported),
  :func:`keras_seeds`, :func:`with_dtype_policy` (Keras builds that touch no
  process-wide state), and the opt-in process settings
  :func:`quiet_tensorflow` and :func:`grow_gpu_memory`; :func:`draw_seed`;
- targets: :func:`check_label_matrix`, :func:`check_sample_weight`,
  :func:`is_label_matrix`;
- caching the pipeline's steps: :class:`ContentKeyedMemory`;
- :func:`show_versions` for bug reports;
- lazy loading of public names: :func:`attach`.

Other subpackages import these names from ``skmmlc.utils``, never from its
private modules.
"""

from ._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "attach": "._lazy",
        "MODALITIES": "._io",
        "atomic_write": "._io",
        "atomic_write_set": "._io",
        "check_text_encoding": "._io",
        "create_temp": "._io",
        "file_fingerprint": "._io",
        "file_identity": "._io",
        "file_sha256": "._io",
        "link_problem": "._io",
        "URL_RE": "._io",
        "draw_seed": "._io",
        "import_tensorflow": "._tensorflow",
        "keras_seeds": "._tensorflow",
        "with_dtype_policy": "._tensorflow",
        "quiet_tensorflow": "._tensorflow",
        "grow_gpu_memory": "._tensorflow",
        "TF_LOGS_ENV": "._tensorflow",
        "GPU_MEMORY_GROWTH_ENV": "._tensorflow",
        "check_label_matrix": "._targets",
        "check_sample_weight": "._targets",
        "is_label_matrix": "._targets",
        "ContentKeyedMemory": "._memory",
        "input_files_identity": "._memory",
        "show_versions": "._show_versions",
    },
)
