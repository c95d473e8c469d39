"""Whether a judge's scale fits a dataset's labels, and which built-in judges would.

A judge whose verdicts can compare with none of a dataset's labels (a pass/fail judge on a
pairwise dataset) is the wrong judge for it, whatever fields its template names: saying only
that a field is missing sends the user to remap columns that are not the problem. Callers
(`evalign run`, `evalign align`) check the scale first, with the dataset's labeled criteria
read by the store, and refuse with the judge, the dataset, its scale and the judges that fit.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from evalign.errors import ConfigError
from evalign.judges.builtin import BuiltinJudge, builtin_judges
from evalign.judges.template import template_fields
from evalign.scores import ScoreConfig, comparable

_SHAPES = {"pairwise": "pairwise (its labels say which of two outputs is better)",
           "numeric": "numeric (its labels are scores)",
           "categorical": "categorical (its labels are named classes)",
           "boolean": "pass/fail (its labels pass or fail one output)"}


def fitting_builtins(label_scales: Mapping[str, ScoreConfig],
                     fields: Collection[str] = ()) -> list[str]:
    """The built-in judges whose scale compares with at least one of `label_scales`: those
    whose template names only the dataset's `fields` first (when given), then those on the
    labels' own family of scales (a numeric judge for numeric labels), each by name."""
    groups = {scale.group for scale in label_scales.values()}
    fits = [b for b in builtin_judges()
            if any(comparable(scale, b.spec.scale) for scale in label_scales.values())]

    def rank(judge: BuiltinJudge) -> tuple[bool, bool]:
        missing = bool(fields) and not set(template_fields(judge.spec.prompt)) <= set(fields)
        return missing, judge.spec.scale.group not in groups

    return [b.name for b in sorted(fits, key=rank)]


def scale_misfit(judge: str, judge_scale: ScoreConfig, dataset: str,
                 label_scales: Mapping[str, ScoreConfig], *, command: str = "run",
                 fields: Collection[str] = ()) -> str | None:
    """Why `judge` cannot be compared with any label of `dataset`, and what to do; None when
    some label fits, when the dataset has no labels, or when every label is text (text labels
    compare with no judge: nothing a choice of judge would fix).

    Args:
        judge: the judge version, `NAME@V`.
        judge_scale: its output scale.
        dataset: the dataset's name.
        label_scales: the dataset's labeled criteria, name → scale.
        command: the evalign command the advice names (`run`, `align`).
        fields: the dataset's item fields; the example names a judge whose template they fill.
    """
    scored = {name: s for name, s in label_scales.items() if s.group != "text"}
    if not scored or any(comparable(s, judge_scale) for s in scored.values()):
        return None
    groups = sorted({s.group for s in scored.values()})
    shape = " and ".join(_SHAPES.get(g, g) for g in groups)
    labels = "; ".join(f"criterion {name}, scale {s.spec()}"
                       for name, s in sorted(scored.items()))
    fits = fitting_builtins(scored, fields)
    if fits:
        todo = (f"use a judge whose scale fits: the built-in {', '.join(fits)} (e.g. "
                f"`evalign {command} {fits[0]} --dataset {dataset}`), or fork one to edit it "
                f"(`evalign judge fork {fits[0]} --name NAME`)")
    else:
        todo = ("no built-in judge fits: create one on the labels' scale (`evalign judge "
                f"create NAME --scale {next(iter(scored.values())).spec()} --prompt-file "
                "FILE`)")
    return (f"judge {judge} answers on {judge_scale.spec()}, but dataset {dataset!r} is "
            f"{shape}: its labels ({labels}) cannot be compared with a {judge_scale.spec()} "
            f"verdict, so no figure could come of it. Nothing was started; {todo}")


def check_scale_fits(judge: str, judge_scale: ScoreConfig, dataset: str,
                     label_scales: Mapping[str, ScoreConfig], *, command: str = "run",
                     fields: Collection[str] = ()) -> None:
    """Refuse a judge whose verdicts compare with none of the dataset's labels.

    Raises:
        ConfigError: `scale_misfit`'s words (the judge, the dataset and its scale, the
            built-in judges that fit).
    """
    why = scale_misfit(judge, judge_scale, dataset, label_scales, command=command,
                       fields=fields)
    if why is not None:
        raise ConfigError(why)
