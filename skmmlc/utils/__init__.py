"""Internal helpers shared by skmmlc's subpackages.

- I/O: :func:`atomic_write`, :func:`file_identity`, :func:`file_sha256`;
- TensorFlow: :func:`import_tensorflow` (the one place TensorFlow is imported),
  :func:`draw_seed`, :func:`seeded`;
- targets: :func:`check_label_matrix`;
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
        "create_temp": "._io",
        "file_identity": "._io",
        "file_sha256": "._io",
        "draw_seed": "._io",
        "seeded": "._io",
        "import_tensorflow": "._io",
        "TF_LOGS_ENV": "._io",
        "check_label_matrix": "._targets",
        "ContentKeyedMemory": "._memory",
        "input_files_identity": "._memory",
        "show_versions": "._show_versions",
    },
)
