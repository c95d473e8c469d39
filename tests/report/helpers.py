"""Build stores with a labeled dataset and runs, writing the ORM rows directly."""

from __future__ import annotations

from typing import Any

from evalign.scores import ScoreConfig
from evalign.store import Store
from evalign.store import models as m
from evalign.store.content import content_hash


def add_dataset(
    store: Store,
    name: str,
    labels: list[dict[str, Any]],
    *,
    scale: str = "pass_fail",
    criterion: str = "default",
    outputs: list[str] | None = None,
    metadata: list[dict[str, Any]] | None = None,
    reasoning: str = "",
) -> list[int]:
    """A dataset with one item per entry of `labels` ({annotator: value}); returns item ids."""
    config = ScoreConfig.parse(scale)
    with store.session() as s:
        row = s.query(m.ScoreConfigRow).filter_by(spec=config.spec()).one_or_none()
        if row is None:
            row = m.ScoreConfigRow(spec=config.spec(), config=config.to_dict())
            s.add(row)
            s.flush()
        crit = s.query(m.Criterion).filter_by(name=criterion).one_or_none()
        if crit is None:
            crit = m.Criterion(name=criterion, score_config_id=row.id)
            s.add(crit)
        ds = m.Dataset(name=name)
        s.add(ds)
        s.flush()
        ids = []
        for i, per in enumerate(labels):
            inputs = {"question": f"<q{i}> & co"}
            output = outputs[i] if outputs else f"answer {i} <b>bold</b>"
            item = m.Item(dataset_id=ds.id, external_id=f"{name}-{i}", position=i,
                          inputs=inputs, output=output,
                          content_hash=content_hash(inputs, output, None),
                          meta=(metadata[i] if metadata else {"topic": "even" if i % 2 == 0
                                                              else "odd"}))
            s.add(item)
            s.flush()
            ids.append(item.id)
            for annotator, value in per.items():
                s.add(m.Label(item_id=item.id, criterion_id=crit.id, annotator=annotator,
                              value=value, reasoning=reasoning or f"human says {value}"))
        return ids


def add_run(
    store: Store,
    dataset: str,
    verdicts: list[Any],
    *,
    judge: str = "j",
    scale: str = "pass_fail",
    p_pass: list[float | None] | None = None,
    samples: int = 1,
    errors: set[int] | None = None,
) -> int:
    """A completed run with one verdict per item (list of per-sample lists when samples > 1)."""
    config = ScoreConfig.parse(scale)
    with store.session() as s:
        ds = s.query(m.Dataset).filter_by(name=dataset).one()
        items = s.query(m.Item).filter_by(dataset_id=ds.id).order_by(m.Item.position).all()
        jrow = s.query(m.Judge).filter_by(name=judge).one_or_none()
        if jrow is None:
            jrow = m.Judge(name=judge)
            s.add(jrow)
            s.flush()
        version = len(jrow.versions) + 1
        jv = m.JudgeVersion(judge_id=jrow.id, version=version, prompt="p", scale=config.to_dict(),
                            model="scripted/test")
        s.add(jv)
        s.flush()
        run = m.Run(judge_version_id=jv.id, dataset_id=ds.id, status="completed",
                    model="scripted/test", repeat=samples)
        s.add(run)
        s.flush()
        for i, item in enumerate(items):
            values = verdicts[i] if samples > 1 else [verdicts[i]]
            for k, value in enumerate(values):
                failed = errors is not None and i in errors
                s.add(m.Verdict(run_id=run.id, item_id=item.id, sample=k,
                                value=None if failed else value,
                                error="boom" if failed else None,
                                p_pass=p_pass[i] if p_pass else None,
                                reasoning=f"judge says {value} <script>x</script>"))
        return run.id
