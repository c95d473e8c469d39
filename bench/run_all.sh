#!/usr/bin/env bash
# Run every benchmark in turn and print its table; `make bench` calls this.
# Tables are also appended to bench/out/<name>.md. BENCH_QUICK=1 runs smaller sizes;
# BENCH_ALIGN=1 adds the end-to-end alignment benchmark (bench/align_evalsbench.py).
# Peers (Ragas, DeepEval) install once into bench/.venvs/ from PyPI on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$(command -v python)}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
rm -f bench/out/*.md

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  SIZES=(--sizes 96); FAULT=(--evalign-sizes 96); MEM=(--memory-sizes 2000 10000)
  SECONDS_LOAD=10; LOCAL_N=2
else
  SIZES=(--sizes 96 960); FAULT=(--evalign-sizes 96 960); MEM=(--memory-sizes 10000 100000)
  SECONDS_LOAD=60; LOCAL_N=3
fi

run() { echo; echo "== $*"; "$PY" -m "$@"; }

run bench.throughput "${SIZES[@]}"
run bench.rate_limits
run bench.faults "${FAULT[@]}"
run bench.crash_resume
run bench.overhead "${MEM[@]}"
run bench.store_load --seconds "$SECONDS_LOAD"
if "$PY" -c "from evalign import modelfiles; assert modelfiles.path('qwen2.5-coder-1.5b').exists()" 2>/dev/null; then
  run bench.local_model --model qwen2.5-coder-1.5b --n "$LOCAL_N"
else
  echo "== bench.local_model skipped: run 'evalign models pull qwen2.5-coder-1.5b' first"
fi
if [[ "${BENCH_ALIGN:-0}" == 1 ]]; then  # end-to-end alignment: long on 2 cores
  echo; echo "== bench/align_evalsbench.py"; "$PY" bench/align_evalsbench.py --sample 48 --strategies decompose
fi
echo; echo "All tables: bench/out/*.md"
