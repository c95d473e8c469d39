"""Alignment on every shape of public data: the same commands, one table.

For each dataset in ../shared/datasets (README there): import it, take the judge for its shape
(grading notes, pairwise preference, a 0–100 rating), run one alignment run with the chosen
strategies on a grouped held-out split (by question / instruction / passage), and print the
outcome's test figures: baseline vs aligned judge with 95% intervals, the paired test, the trivial
baselines, the human ceiling where the data has several annotators, calls and seconds. Each
dataset's outcome is also written to bench/out/align_generality_<name>.json.

    nice -n 10 .venv/bin/python bench/align_generality.py --datasets evalsbench --sample 40
    .venv/bin/python bench/align_generality.py --model scripted/hash --sample 24   # plumbing

`--store DIR` keeps each dataset's store (DIR/<name>.db): a second run with the same seed and
sample replays the model's answers from its cache, so changes to how answers are aggregated
are measured in seconds.

The local model is the judge and the reflection model (`--model`, default the embedded 1.5B).
On a shared 2-core machine this takes hours for the whole data: `--sample` draws whole groups.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, machine, table
from evalign.align import AlignConfig, execute_alignment, start_alignment
from evalign.data.catalog import list_datasets
from evalign.data.importer import import_file
from evalign.runner.models import resolve_model
from evalign.store import Store, open_store

DATA = ROOT.parent / "shared" / "datasets"


@dataclass(frozen=True)
class Shape:
    """One dataset: its file, judge, grouping field and the strategies tried on it."""

    file: str
    judge: str
    group_by: str
    strategies: tuple[str, ...]
    criterion: str | None = None


DATASETS: dict[str, Shape] = {
    "evalsbench": Shape("evalsbench/public.csv", "grading-notes", "question",
                        ("guidelines", "threshold", "decompose")),
    "llmbar": Shape("llmbar/public.jsonl", "pairwise-preference", "input",
                    ("guidelines", "fewshot", "decompose")),
    "mtbench": Shape("mtbench_human_llmbar/public.jsonl", "pairwise-preference", "input",
                     ("guidelines", "fewshot", "decompose")),
    # PandaLM joins each instruction and its input into `input`: one per instruction here.
    "pandalm": Shape("pandalm/public.jsonl", "pairwise-preference", "input",
                     ("guidelines", "fewshot", "decompose")),
    "squality": Shape("squality_human_eval/public.jsonl", "reference-rating", "passage_id",
                      ("calibrate", "decompose"), criterion="overall"),
}


def main() -> None:
    args = _args()
    model = resolve_model(args.model)
    rows: list[list[object]] = []
    try:
        for name in args.datasets:
            with tempfile.TemporaryDirectory() as tmp:
                where = Path(args.store) / f"{name}.db" if args.store else Path(tmp) / "b.db"
                store = open_store(where)
                outcome = align_one(store, name, DATASETS[name], model, args)
                store.close()
            OUT.mkdir(exist_ok=True)
            (OUT / f"align_generality_{name}.json").write_text(json.dumps(outcome, indent=1))
            rows.extend(table_rows(name, outcome))
            print(render(rows, args), flush=True)
    finally:
        import asyncio

        asyncio.run(model.aclose())


def align_one(store: Store, name: str, shape: Shape, model: Any,
              args: argparse.Namespace) -> dict[str, Any]:
    """Import `shape`'s data, align its judge, and return the outcome (with seconds).

    SQuALITY's items get their reference answers on import, from the stories file beside the
    ratings (`evalign.data.passages`), as the built-in `reference-rating` judge needs.
    """
    if name in {d["name"] for d in list_datasets(store)}:
        # A kept store (--store): its answer cache replays every model call already made.
        print(f"{name}: already imported in this store; its cached answers are reused")
    elif (summary := import_file(store, DATA / shape.file, name)).references is not None:
        print(f"{name}: references for {summary.references.items} items, "
              f"{summary.references.missing} without", flush=True)
    judge = shape.judge
    config = AlignConfig(dataset=name, group_by=shape.group_by, criterion=shape.criterion,
                         strategies=tuple(s for s in shape.strategies
                                          if not args.strategies or s in args.strategies),
                         rounds=args.rounds, sample=args.sample, seed=args.seed,
                         judge_model=args.model, reflection_model=args.model)
    started = time.perf_counter()
    run_id = start_alignment(store, judge, config)
    done = execute_alignment(store, run_id, models={"judge": model, "reflection": model})
    found = done.outcome
    data = found if isinstance(found, dict) else found.model_dump(mode="json")
    return dict(data, status=done.status, error=done.error,
                bench_seconds=round(time.perf_counter() - started, 1))


def table_rows(name: str, out: dict[str, Any]) -> list[list[object]]:
    """Rows of the table for one dataset's outcome."""
    if out.get("status") != "aligned":
        return [[name, "—", f"{out.get('status')}: {out.get('error')}", "", "", "", "", ""]]
    split = out.get("split", {})
    sizes = f"{split.get('train')}/{split.get('val')}/{split.get('test')}"
    paired = out.get("paired") or {}
    p = paired.get("mcnemar_p")
    rows: list[list[object]] = [
        [name, sizes, "baseline judge", _fig(out.get("baseline")), "", "", "", ""],
        [name, sizes, f"aligned ({out.get('strategy')})", _fig(out.get("candidate")),
         "—" if p is None else f"{p:.3g}", _ceiling(out), out.get("calls"),
         out.get("bench_seconds")],
    ]
    for base, row in (out.get("trivial_baselines") or {}).items():
        rows.append([name, sizes, f"trivial: {base} ({row.get('description')})", _fig(row),
                     "", "", "", ""])
    for base, row in (out.get("trivial_numeric") or {}).items():
        rho = row.get("spearman")
        rows.append([name, sizes, f"trivial: {base} ({row.get('description')})",
                     f"MAE {row['mae']:.1f}, ρ {'—' if rho is None else f'{rho:.2f}'}",
                     "", "", "", ""])
    return rows


def render(rows: list[list[object]], args: argparse.Namespace) -> str:
    """The table with its header lines."""
    head = (f"model {args.model} as judge and reflection; sample ≤ {args.sample} items per "
            f"dataset (whole groups), seed {args.seed}, rounds {args.rounds}; figures on the "
            f"test split. {machine()}")
    return table(head, ["data", "train/val/test", "judge", "test agreement [95% CI]",
                         "McNemar p", "human ceiling", "calls", "seconds"], rows)


def _fig(report: dict[str, Any] | None) -> str:
    report = report or {}
    value, ci = report.get("agreement"), report.get("agreement_ci") or [None, None]
    if value is None:
        return "—"
    low = "?" if ci[0] is None else f"{100 * ci[0]:.0f}"
    high = "?" if ci[1] is None else f"{100 * ci[1]:.0f}"
    text = f"{100 * value:.1f}% [{low}, {high}]"
    numeric = report.get("numeric") or {}
    if numeric.get("mae") is not None:
        rho = numeric.get("spearman")
        text += f"; MAE {numeric['mae']:.1f}, ρ {'—' if rho is None else f'{rho:.2f}'}"
    return text


def _ceiling(out: dict[str, Any]) -> str:
    ceiling = (out.get("human_ceiling") or {}).get("agreement")
    return "—" if ceiling is None else f"{100 * ceiling:.1f}%"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--model", default="local/qwen2.5-coder-1.5b")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--strategies", nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store", help="a folder for each dataset's store, kept after the run "
                        "(its answer cache makes a re-run with other aggregation choices fast)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
