#!/usr/bin/env bash
# skmmlc's two entry points. Each creates (or reuses) its own virtual
# environment in .venv and installs what it needs from PyPI.
#
#   bash run.sh demo [skmmlc demo options]   install, then run the main job on the demo data
#   bash run.sh test [pytest options]        install with test and docs tools, run the whole test suite,
#                                            the numerics tests again under a second oneDNN kernel family,
#                                            then build the documentation (both skipped when pytest options are given)
#   bash run.sh docs [sphinx options]        install with docs tools, build the documentation into docs/_build/html
#   bash run.sh bench                        install, then run every benchmark (writes docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-.venv}

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "skmmlc needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

setup() {
  local extras=$1
  if [ ! -x "$VENV/bin/python" ]; then
    "$(find_python)" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".${extras}"
}

build_docs() {
  # Warnings are errors (--keep-going reports all of them); -q: only warnings
  # are printed. The gallery examples run (about 2 minutes on 2 cores); add
  # -D plot_gallery=0 to skip them. Offline: no intersphinx (docs/conf.py).
  "$VENV/bin/python" -m sphinx -W --keep-going -q -b html "$@" docs docs/_build/html
}

other_kernel_family() {
  # the oneDNN ISA below this CPU's best one (empty: not an x86 CPU with AVX2)
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  case " $flags " in
    *" avx512f "*) echo AVX2 ;;
    *" avx2 "*) echo SSE41 ;;
  esac
}

command=${1:-}
shift || true
case "$command" in
  demo)
    setup ""
    "$VENV/bin/skmmlc" demo "$@"
    ;;
  test)
    setup "[tests,docs]"
    # lint first (rules in pyproject.toml [tool.ruff]); a finding stops here
    "$VENV/bin/ruff" check skmmlc tests benchmarks examples
    # -n 2: both cores; exit code 5 (no tests collected) is a failure too.
    "$VENV/bin/python" -m pytest -n 2 --durations=20 "$@"
    if [ $# -eq 0 ]; then
      # the numerics-sensitive tests again under the other oneDNN kernel
      # family (float32 results depend on it): AVX2 kernels on an AVX-512
      # CPU, SSE4.1 ones on an AVX2 CPU; about a minute
      other_isa=$(other_kernel_family)
      if [ -n "$other_isa" ]; then
        echo "numerics-sensitive tests again with ONEDNN_MAX_CPU_ISA=$other_isa:"
        ONEDNN_MAX_CPU_ISA=$other_isa "$VENV/bin/python" -m pytest -n 2 -q -m numerics
      fi
    fi
    if [ $# -eq 0 ]; then
      build_docs  # silent when it succeeds, so pytest's summary stays the last line
    fi
    ;;
  docs)
    setup "[docs]"
    build_docs "$@"
    ;;
  bench)
    setup "[tests]"
    "$VENV/bin/python" benchmarks/mulan.py
    "$VENV/bin/python" benchmarks/labelsets.py
    "$VENV/bin/python" benchmarks/extract.py
    "$VENV/bin/python" benchmarks/clip_passes.py  # per-clip passes vs shared batches, both kernel families
    "$VENV/bin/python" benchmarks/pipeline.py
    "$VENV/bin/python" benchmarks/demo.py
    "$VENV/bin/python" benchmarks/long_clip.py  # ~8 min: a 30-minute 1080p clip, a 1 MB text
    # slower (~15 min per seed on a busy 2-core machine): "$VENV/bin/python" benchmarks/demo_study.py
    ;;
  *)
    echo "usage: bash run.sh {demo|test|docs|bench} [options]" >&2
    exit 2
    ;;
esac
