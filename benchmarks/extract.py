"""Benchmark the static feature extractors; write the "extract" section.

Run from the repository root: ``python benchmarks/extract.py``. Each
extractor's benchmark lives in its own module (``_visual_bench``,
``_audio_bench``...) with a ``run() -> str`` returning markdown.
"""

import importlib

from _report import git_revision, write_section

MODULES = ("_visual_bench", "_audio_bench")


def main():
    sections = [f"Revision `{git_revision()}`."]
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        print(f"running {name}...", flush=True)
        sections.append(module.run())
    markdown = "\n\n".join(sections)
    print(markdown)
    print(f"written to {write_section('extract', markdown)}")


if __name__ == "__main__":
    main()
