"""The outcome of an alignment run: test statistics, paired difference, baselines, diff.

Everything is computed on the test split only, which no optimizer and no reflection call saw.
A gain is significant only when its paired interval excludes zero and McNemar's exact test gives
p < 0.05 (`significant`); any other gain is reported as not significant, in words.
A candidate is *recommended* only when its test agreement beats the baseline judge's and every
trivial baseline's (for a numeric judge against numeric labels: its test MAE is lower than
theirs, `recommendation`); every surface shows that verdict, and the CLI suggests
`evalign align accept` only for a recommended candidate (and refuses another without `--force`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from typing import Any

from evalign.align.baselines import Baseline, numeric_baselines, trivial_baselines
from evalign.align.baselines import train_mean_baseline as train_mean_baseline
from evalign.align.examples import Example
from evalign.align.scoring import error_tally
from evalign.errors import ParseError, ProviderError
from evalign.judges.pairwise import asks_both_orders, is_uncertain, order_policy
from evalign.judges.prompt import system_text
from evalign.judges.spec import JudgeSpec, Verdict
from evalign.runner.error_counts import PROVIDER_KINDS
from evalign.scores import ScoreConfig
from evalign.stats import Comparison, agreement_report, paired_report

PASS_FAIL = ScoreConfig(kind="pass_fail")


def comparisons(spec: JudgeSpec | Sequence[JudgeSpec], examples: Sequence[Example],
                verdicts: Sequence[Verdict]) -> list[Comparison]:
    """(label, verdict) pairs for the statistics, honouring the judge's threshold.

    `spec` is the judge of every verdict, or one judge per verdict (K folds pool verdicts of
    K candidates, each read with its own threshold and scale).
    """
    specs = [spec] * len(verdicts) if isinstance(spec, JudgeSpec) else list(spec)
    return [Comparison(item_id=_item_id(e, n), human=e.label, judge=v.value, human_scale=e.scale,
                       judge_scale=s.scale, p_pass=v.p_pass,
                       judge_threshold=s.threshold if s.kind == "prompt" else None,
                       human_reasoning=e.reasoning, judge_reasoning=v.reasoning,
                       undecided=is_uncertain(v))
            for n, (e, v, s) in enumerate(zip(examples, verdicts, specs, strict=True))]


def baseline_comparisons(baseline: Baseline, examples: Sequence[Example]) -> list[Comparison]:
    """Pairs for a trivial baseline's predictions (its choices, on pairwise data)."""
    if baseline.choices:
        return [Comparison(item_id=_item_id(e, n), human=e.label, judge=c, human_scale=e.scale,
                           judge_scale=e.scale)
                for n, (e, c) in enumerate(zip(examples, baseline.choices, strict=True))]
    return [Comparison(item_id=_item_id(e, n), human=e.label, judge="pass" if p else "fail",
                       human_scale=e.scale, judge_scale=PASS_FAIL)
            for n, (e, p) in enumerate(zip(examples, baseline.predictions, strict=True))]


def test_outcome(base: JudgeSpec, candidate: JudgeSpec | Sequence[JudgeSpec],
                 train: Sequence[Example],
                 test: Sequence[Example], base_verdicts: Sequence[Verdict],
                 cand_verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Baseline vs candidate on test: full reports, paired block, trivial baselines, verdict.

    `candidate` is one judge, or one per test verdict (the candidate of each verdict's fold).
    The trivial baselines are scored on the test items the candidate gave a verdict, so the
    recommendation compares figures on the same items (`comparisons` says how many).
    """
    base_cmp = comparisons(base, test, base_verdicts)
    cand_cmp = comparisons(candidate, test, cand_verdicts)
    paired = paired_report(base_cmp, cand_cmp)
    judged = [e for e, v in zip(test, cand_verdicts, strict=True) if v.error is None]
    trivial = {}
    for b in trivial_baselines(train, judged):
        report = agreement_report(baseline_comparisons(b, judged))
        trivial[b.name] = {"description": b.description, "agreement": report["agreement"],
                           "agreement_ci": report["agreement_ci"], "kappa": report["kappa"],
                           "fail_f1": report["fail_f1"], "comparisons": report["comparisons"]}
    out = {"baseline": agreement_report(base_cmp), "candidate": agreement_report(cand_cmp),
           "paired": paired, "significant": significant(paired),
           "conclusion": conclusion(paired), "trivial_baselines": trivial}
    numeric = numeric_baselines(train, judged)
    if numeric:
        out["trivial_numeric"] = numeric
    out["recommended"], out["recommendation"] = recommendation(out)
    return out


def recommendation(outcome: dict[str, Any]) -> tuple[bool, str]:
    """Whether to recommend the candidate, and why, from an outcome's test figures.

    Recommended only when the candidate's test agreement is above the baseline judge's and
    above every trivial baseline's; an undefined agreement is never above anything. A numeric
    judge against numeric labels is judged by its test MAE instead (`_numeric_recommendation`). A
    candidate that left test items without a verdict (order policy `uncertain`) must also
    beat them all with those items counted as misses, since its agreement covers fewer items.
    """
    numeric = _numeric_recommendation(outcome)
    if numeric is not None:
        return numeric
    cand = (outcome.get("candidate") or {}).get("agreement")
    if cand is None:
        return False, "not recommended: the candidate has no test agreement to judge it by"
    rivals = {"the baseline judge": (outcome.get("baseline") or {}).get("agreement")}
    for name, row in (outcome.get("trivial_baselines") or {}).items():
        rivals[f"the trivial {name} baseline ({row.get('description', name)})"] = \
            row.get("agreement")
    beaten_by = [f"{name} {_pct(value)}" for name, value in rivals.items()
                 if value is None or value >= cand]
    every = _every_item(outcome)
    if every is not None and not beaten_by:
        beaten_by = [f"{name} {_pct(value)}" for name, value in rivals.items()
                     if value is None or value >= every]
        if beaten_by:
            return False, (f"not recommended: counting the {_undecided(outcome)} test items it "
                           f"gave no verdict as misses, the candidate's test agreement "
                           f"{_pct(every)} does not beat {'; '.join(beaten_by)}")
    if beaten_by:
        return False, (f"not recommended: the candidate's test agreement {_pct(cand)} does not "
                       f"beat {'; '.join(beaten_by)}")
    return True, (f"recommended: the candidate's test agreement {_pct(cand)} beats the "
                  "baseline judge and every trivial baseline" +
                  ("" if every is None else
                   f", also counting its {_undecided(outcome)} undecided test items as misses "
                   f"({_pct(every)})"))


def _numeric_recommendation(outcome: dict[str, Any]) -> tuple[bool, str] | None:
    """For a numeric judge against numeric labels: recommended when its test MAE (0–100) is
    below the baseline judge's and the train-mean baseline's. None when not numeric.

    The pass/fail agreement of a numeric judge depends on one threshold and hides how far the
    scores are; a calibration exists to move the scores, so the MAE decides.
    """
    cand = ((outcome.get("candidate") or {}).get("numeric") or {}).get("mae")
    base = ((outcome.get("baseline") or {}).get("numeric") or {}).get("mae")
    if cand is None:
        return None
    if base is None:
        # A baseline with no readable score is beaten by any, but the trivial ones still count.
        rivals: dict[str, Any] = {}
    else:
        rivals = {"the baseline judge": base}
    for name, row in (outcome.get("trivial_numeric") or {}).items():
        rivals[f"the trivial {name} baseline ({row.get('description', name)})"] = row.get("mae")
    beaten_by = [f"{name} (MAE {value:.1f})" for name, value in rivals.items()
                 if value is not None and value <= cand]
    if beaten_by:
        return False, (f"not recommended: the candidate's test MAE {cand:.1f} (0–100) is not "
                       f"below {'; '.join(beaten_by)}")
    against = "no readable baseline score" if base is None else f"the baseline judge's {base:.1f}"
    return True, (f"recommended: the candidate's test MAE {cand:.1f} (0–100) is below "
                  f"{against} and every trivial baseline's")


def test_error_note(who: str, verdicts: Sequence[Verdict]) -> str | None:
    """A sentence when some of `who`'s test verdicts are errors, which every test figure
    leaves out (a pairwise non-decision is not an error: `order_policy.order_note` says it).

    E.g. "baseline: 4 of 24 test verdicts are errors (transient 4; first: …); its test
    figures rest on the other 20".
    """
    errored = [v for v in verdicts if v.error is not None and not is_uncertain(v)]
    if not errored:
        return None
    return (f"{who}: {len(errored)} of {len(verdicts)} test verdicts are errors "
            f"({error_tally(errored)}; "
            f"first: {errored[0].error}); its test figures rest on the other "
            f"{len(verdicts) - len(errored)}")


def check_measured(candidate_test: Sequence[Verdict]) -> None:
    """Refuse an outcome in which no test verdict of the candidate can be compared: every
    figure of it would be empty, yet the run would read as aligned.

    Raises:
        ParseError: test items exist and every candidate verdict on them is an error or a
            non-decision; the message quotes the first error.
    """
    if not candidate_test or any(v.error is None for v in candidate_test):
        return
    first = candidate_test[0]
    if all(v.error_kind in PROVIDER_KINDS for v in candidate_test):
        raise ProviderError(
            f"none of the candidate's {len(candidate_test)} test verdicts could be compared: "
            f"every call failed (first: {first.error}); nothing was measured")
    raise ParseError(
        f"none of the candidate's {len(candidate_test)} test verdicts could be compared "
        f"(first: {first.error}): nothing was measured. Check that the judge's model answers "
        "in the form its prompt asks for (`evalign run` on a few items shows the raw answers)",
        raw=first.raw)


def candidate_label(outcome: dict[str, Any]) -> str:
    """The candidate's row label: its strategy, and the order policy when the run changed it.

    A pairwise candidate that is the base judge with another order policy reads "base judge,
    order policy 'uncertain' (baseline: 'tie')", so its figures are never taken for the
    baseline's, which the same prompt answered under the other policy.
    """
    strategy = str(outcome.get("strategy") or "")
    block = outcome.get("order_policy") or {}
    chosen, before = block.get("chosen"), block.get("before")
    if not chosen or not before or chosen == before:
        return strategy
    name = "base judge" if strategy == "base" else strategy
    was = "baseline" if strategy == "base" else "before"
    return f"{name}, order policy '{chosen}' ({was}: '{before}')"


def _every_item(outcome: dict[str, Any]) -> float | None:
    """The candidate's test agreement counting non-decisions as misses, when it has any."""
    test = (outcome.get("order_policy") or {}).get("test") or {}
    return test.get("agreement_all") if test.get("uncertain") else None


def _undecided(outcome: dict[str, Any]) -> int:
    return int(((outcome.get("order_policy") or {}).get("test") or {}).get("uncertain") or 0)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


SIGNIFICANCE = 0.05
"""The level both paired tests must pass for a test difference to be called significant."""


def significant(paired: dict[str, Any]) -> bool:
    """Whether the paired difference's bootstrap 95% CI excludes zero *and* McNemar's exact
    test (where defined) is below `SIGNIFICANCE`.

    Both must agree: on a few test items the percentile bootstrap interval can exclude zero
    while the exact test does not (7 items gained, 1 lost: CI above zero, p = 0.07), and a gain
    called significant must not rest on the more lenient of two tests.
    """
    p = paired.get("mcnemar_p")
    return _ci_excludes_zero(paired) and (p is None or p < SIGNIFICANCE)


def _ci_excludes_zero(paired: dict[str, Any]) -> bool:
    ci = paired.get("difference_ci")
    return ci is not None and len(ci) == 2 and (ci[0] > 0 or ci[1] < 0)


def conclusion(paired: dict[str, Any]) -> str:
    """One plain sentence about the test result, naming how many items both judges were
    compared on (errored verdicts leave an item out of the pairs)."""
    diff, ci, p = paired.get("difference"), paired.get("difference_ci"), paired.get("mcnemar_p")
    if diff is None or not ci:
        return "no comparable test items: the gain cannot be measured"
    pairs = paired.get("pairs")
    undecided = sum((paired.get("undecided_as_misses") or {}).values())
    span = f"{diff:+.1%} (95% CI {ci[0]:+.1%} to {ci[1]:+.1%}" + (
        f", McNemar p={p:.3g}" if p is not None else "") + (
        f", on {pairs} items both judged" if pairs is not None else "") + (
        f", {undecided} undecided verdicts counted as misses" if undecided else "") + ")"
    if significant(paired):
        word = "better" if diff > 0 else "worse"
        return f"the candidate agrees with humans significantly {word} on the test split: {span}"
    change = "gain" if diff > 0 else "loss" if diff < 0 else "result"
    if _ci_excludes_zero(paired):
        return (f"not significant: the test difference {span}: the interval excludes zero but "
                f"McNemar's exact test does not reach p < {SIGNIFICANCE}; label more items "
                f"before trusting this {change}")
    return (f"not significant: the test difference {span} could be chance; label more items "
            f"before trusting this {change}")


def prompt_diff(base: JudgeSpec, candidate: JudgeSpec) -> str:
    """A unified diff of what the judge sees, base vs candidate."""
    return "".join(difflib.unified_diff(
        _shown(base).splitlines(keepends=True), _shown(candidate).splitlines(keepends=True),
        fromfile="base", tofile="candidate"))


def _shown(spec: JudgeSpec) -> str:
    if spec.kind == "decomposed":
        lines = ["kind: decomposed", f"checks: {spec.checks}"]
        return "\n".join(lines) + "\n"
    text = system_text(spec) + "\n\n" + spec.prompt
    if spec.threshold is not None:
        text += f"\n\n[decision threshold on p_pass: {spec.threshold}]"
    if asks_both_orders(spec):
        text += f"\n\n[asked in both orders; when they disagree: {order_policy(spec)}]"
    return text + "\n"


def json_safe(value: Any) -> Any:
    """`value` with every NaN or infinity replaced by None (JSON, and PostgreSQL, have none)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _item_id(example: Example, n: int) -> int | str:
    return example.item.id if example.item.id is not None else example.item.external_id or n
