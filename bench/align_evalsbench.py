"""EvalsBench: Ragas baseline prompt vs Ragas hand-tuned v2 vs evalign's aligned judges.

Every judge is scored on the same held-out test split (grouped by question, so the pass and
fail answer of one question never straddle train and test), with the same local model, next to
the trivial baselines (majority label; a response-length cut chosen on train). Prints a table
(agreement with 95% CI, κ, FAIL F1, calls, seconds) and, with --write-docs, replaces the
"Alignment on EvalsBench" section of docs/benchmarks.md.

    .venv/bin/python bench/align_evalsbench.py --strategies decompose --write-docs
    .venv/bin/python bench/align_evalsbench.py --model openai/gpt-4o-mini --sample 48

The data: ../shared/datasets/evalsbench/public.csv (or --csv PATH). The v2 prompt is read from
the Ragas guide's page in ../shared/seeds/003_*.txt at run time (not copied into this repo);
without it the v2 rows are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, machine, table
from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.align.baselines import length_baseline, majority_baseline
from evalign.align.load import load_dataset, sample_examples
from evalign.align.outcome import baseline_comparisons, comparisons
from evalign.align.split import split_examples
from evalign.align.strategies.threshold import choose_threshold
from evalign.data.importer import import_file
from evalign.judges.spec import JudgeSpec
from evalign.runner import score_items
from evalign.runner.models import resolve_model
from evalign.stats import agreement_report
from evalign.store import Store, open_store
from evalign.store.repo_judges import create_judge, resolve

SHARED = ROOT.parent / "shared"
CSV = SHARED / "datasets/evalsbench/public.csv"
DOCS = ROOT / "docs/benchmarks.md"
START, END = "<!-- align_evalsbench:start -->", "<!-- align_evalsbench:end -->"


def v2_prompt() -> str | None:
    """The Ragas guide's hand-tuned v2 prompt, from the stored seed page (None if absent)."""
    for page in sorted((SHARED / "seeds").glob("003_*.txt")):
        found = re.search(
            r'accuracy_metric_v2 = DiscreteMetric\(.*?prompt="""(.*?)"""',
            page.read_text(encoding="utf-8"),
            re.S,
        )
        if found:
            return found.group(1).replace("β€’", "•").replace("β†’", "→")
    return None


def main() -> None:
    args = _args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        import_file(store, args.csv, "evalsbench")
        rows, notes = run_all(store, args)
    text = render(rows, args, notes)
    print(text)
    if args.write_docs:
        write_docs(text)
        print(f"wrote {DOCS.relative_to(ROOT)}")


def run_all(store: Store, args: argparse.Namespace) -> tuple[list[list[object]], list[str]]:
    """Every row of the table, scored on one test split."""
    model = resolve_model(args.model)
    base_ref = _baseline_judge(store, args.model)
    with store.session() as s:
        loaded = load_dataset(s, "evalsbench", None)
    if args.sample:
        # The same whole-question sample the alignment runs draw (same function, same seed).
        loaded = sample_examples(loaded, args.sample, "question", args.seed)
    examples = loaded.examples
    split = split_examples(examples, group_by="question", seed=args.seed)
    train = [examples[i] for i in split.train]
    test = [examples[i] for i in split.test]
    rows: list[list[object]] = []
    for b in (majority_baseline(train, test), length_baseline(train, test)):
        rows.append(
            _row(
                f"trivial: {b.description}", agreement_report(baseline_comparisons(b, test)), 0, 0.0
            )
        )
    notes: list[str] = []
    config = dict(
        dataset="evalsbench",
        group_by="question",
        seed=args.seed,
        reflection_model=args.model,
        rounds=args.rounds,
        sample=args.sample,
    )
    first = True
    for strategy in args.strategies:
        started = time.perf_counter()
        run_id = start_alignment(
            store,
            base_ref,
            AlignConfig.model_validate(config | {"strategies": tuple(strategy.split("+"))}),
        )
        run = execute_alignment(store, run_id, models={"judge": model, "reflection": model})
        out = run.outcome
        if first:
            rows.append(
                _row(
                    "Ragas baseline prompt",
                    out["baseline"],
                    "—",  # its calls are shared with the alignment run, not split out
                    None,
                )
            )
            first = False
        rows.append(
            _row(
                f"evalign aligned: {strategy} → {out['strategy']}",
                out["candidate"],
                out["calls"],
                time.perf_counter() - started,
            )
        )
        notes.append(f"{strategy}: {out['conclusion']}")
    prompt = v2_prompt()
    if prompt is not None:
        rows.extend(asyncio.run(_v2_rows(prompt, model, examples, split, args.model)))
    else:
        notes.append("v2 prompt not found (../shared/seeds/003_*.txt): v2 rows skipped")
    return rows, notes


async def _v2_rows(
    prompt: str, model: Any, examples: list[Any], split: Any, model_name: str
) -> list[list[object]]:
    spec = JudgeSpec(prompt=prompt, model=model_name)
    started = time.perf_counter()
    val = await score_items(spec, [examples[i].item for i in split.val], model=model)
    test = await score_items(spec, [examples[i].item for i in split.test], model=model)
    seconds = time.perf_counter() - started
    test_ex = [examples[i] for i in split.test]
    rows = [
        _row(
            "Ragas v2 hand-tuned prompt",
            agreement_report(comparisons(spec, test_ex, test.verdicts)),
            test.calls,
            seconds,
        )
    ]
    cut = choose_threshold(val.verdicts, [examples[i].passed for i in split.val])
    if cut is not None:
        tuned = spec.model_copy(update={"threshold": cut})
        rows.append(
            _row(
                f"Ragas v2 + threshold {cut:.3f} chosen on validation",
                agreement_report(comparisons(tuned, test_ex, test.verdicts)),
                val.calls + test.calls,
                seconds,
            )
        )
    return rows


def _baseline_judge(store: Store, model: str) -> str:
    with store.session() as s:
        spec = resolve(s, "ragas-baseline").spec
        if spec.model != model:
            create_judge(s, "ragas-baseline-bench", spec.model_copy(update={"model": model}))
            return "ragas-baseline-bench"
    return "ragas-baseline"


def _row(
    name: str, report: dict[str, Any], calls: int | str, seconds: float | None
) -> list[object]:
    ci = report.get("agreement_ci") or [None, None]
    return [
        name,
        f"{_pct(report.get('agreement'))} [{_pct(ci[0])}, {_pct(ci[1])}]",
        _num(report.get("kappa")),
        _num(report.get("fail_f1")),
        calls,
        "—" if seconds is None else f"{seconds:.0f}",
    ]


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}"


def render(rows: list[list[object]], args: argparse.Namespace, notes: list[str]) -> str:
    """The markdown section."""
    rows_used = f"about {args.sample} rows (whole questions)" if args.sample else "all rows"
    head = (
        f"## Alignment on EvalsBench\n\n{machine()}; model `{args.model}`; {rows_used} of "
        f"`evalsbench/public.csv`, split 50/25/25 grouped by question (seed {args.seed}); "
        "every row is scored on the same held-out test split.\n\n"
        "Command: `.venv/bin/python bench/align_evalsbench.py " + " ".join(sys.argv[1:]) + "`\n\n"
    )
    headers = ["judge", "test agreement [95% CI]", "κ", "FAIL F1", "calls", "seconds"]
    body = table("EvalsBench, held-out test split", headers, rows)
    return head + body + "\n" + "\n".join(f"- {n}" for n in notes) + "\n"


def write_docs(text: str) -> None:
    """Replace (or append) the marked section of docs/benchmarks.md."""
    block = f"{START}\n{text}{END}\n"
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
    if START in current and END in current:
        before, rest = current.split(START, 1)
        current = before + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    DOCS.write_text(current, encoding="utf-8")


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local/qwen2.5-coder-1.5b")
    parser.add_argument("--csv", default=str(CSV))
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        help="use about N rows, drawn by whole questions (default: all)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--strategies",
        nargs="+",
        default=["decompose"],
        help="each entry one alignment run, e.g. decompose guidelines+threshold",
    )
    parser.add_argument("--write-docs", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    main()
