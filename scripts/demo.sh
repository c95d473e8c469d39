#!/usr/bin/env bash
# `make demo`: the main job on the embedded local model, no API key needed.
#   import EvalsBench -> create the Ragas guide's baseline judge -> run it -> align it ->
#   baseline vs aligned on held-out test items, with 95% intervals.
# MODEL=openai/gpt-4o-mini make demo    runs the same job on a remote model (OPENAI_API_KEY).
# QUESTIONS=48 make demo                uses every public EvalsBench question (default: 32 of 48).
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL=${MODEL:-local/qwen2.5-coder-1.5b}
QUESTIONS=${QUESTIONS:-32}
STRATEGIES=${STRATEGIES:-threshold,decompose}
OUT=demo-output
export EVALIGN_DB=$OUT/demo.db
export EVALIGN_MODEL=$MODEL   # the reflection model too
rm -rf "$OUT" && mkdir -p "$OUT"
start=$(date +%s)
step() { printf '\n\033[1m== %s\033[0m  (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "1. The embedded model"
if [[ $MODEL == local/* && $MODEL != *.gguf ]]; then
  evalign models pull "${MODEL#local/}"
fi

step "2. Import human-labeled EvalsBench rows (whole questions: the pass and the fail answer)"
python scripts/demo_data.py "$OUT/evalsbench.csv" --questions "$QUESTIONS" --seed 0
evalign import "$OUT/evalsbench.csv" --dataset evalsbench

step "3. The Ragas guide's baseline judge on $MODEL"
evalign judge create ragas --prompt-file docs/examples/ragas-baseline.txt --model "$MODEL" \
  --param temperature=0 --dataset evalsbench
evalign judge show ragas

step "4. Run it over every item, then how it agrees with the humans"
evalign run ragas --dataset evalsbench
evalign report 1

step "5. Align it: learn on train, choose on validation, prove on held-out test items"
evalign align ragas --from-run 1 --group-by question --strategy "$STRATEGIES" --seed 0

step "Done"
cat <<MSG
Everything is in $OUT/demo.db. Look at it in the browser:
  .venv/bin/evalign serve --db $OUT/demo.db      then open http://127.0.0.1:8321/alignment/runs
If the outcome above says the candidate is recommended, accept it with:
  .venv/bin/evalign align accept 1 --db $OUT/demo.db
(a candidate that does not beat the baseline and the trivial baselines is refused without --force)
MSG
