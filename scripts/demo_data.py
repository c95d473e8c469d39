"""Prepare the demo's EvalsBench sample: whole questions (pass and fail answer together).

Reads `../shared/datasets/evalsbench/public.csv` when it exists; otherwise downloads the original
`data/benchmark_df.csv` from github.com/explodinggradients/EvalsBench (Apache-2.0), checks its
sha256 and drops the `notes` column, which is filled exactly for the fail rows and so gives the
label away. Third-party data is never copied into the repository: the sample goes to OUT.

Usage: python scripts/demo_data.py OUT.csv [--questions N] [--seed S]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import urllib.request
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "evalsbench" / "public.csv"
ORIGINAL = ("https://raw.githubusercontent.com/explodinggradients/EvalsBench/main/"
            "data/benchmark_df.csv")
ORIGINAL_SHA256 = "84886f7340df190b90d60777f22c7eedf1d3d29b9d18232e59d055d3e40d0c76"


def load() -> tuple[pd.DataFrame, str]:
    """The EvalsBench rows and where they came from."""
    if SHARED.exists():
        return pd.read_csv(SHARED), str(SHARED)
    with urllib.request.urlopen(ORIGINAL, timeout=60) as response:
        body = response.read()
    digest = hashlib.sha256(body).hexdigest()
    if digest != ORIGINAL_SHA256:
        sys.exit(f"downloaded EvalsBench has sha256 {digest}, not {ORIGINAL_SHA256}: refused")
    frame = pd.read_csv(io.BytesIO(body))
    return frame.drop(columns=["notes"], errors="ignore"), ORIGINAL


def sample_questions(frame: pd.DataFrame, questions: int, seed: int) -> pd.DataFrame:
    """All rows of `questions` randomly chosen questions (every question keeps both answers)."""
    unique = frame["question"].drop_duplicates()
    if questions >= len(unique):
        return frame
    chosen = set(unique.sample(n=questions, random_state=seed))
    return frame[frame["question"].isin(chosen)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--questions", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    frame, source = load()
    sample = sample_questions(frame, args.questions, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sample.to_csv(args.out, index=False)
    print(f"EvalsBench from {source}: {sample['question'].nunique()} of "
          f"{frame['question'].nunique()} questions, {len(sample)} rows -> {args.out}")


if __name__ == "__main__":
    main()
