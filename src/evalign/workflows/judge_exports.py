"""Exporting a stored judge version to a peer tool: resolve it, export it, write the files."""

from __future__ import annotations

from pathlib import Path

from evalign.errors import ConfigError
from evalign.judges.exports import export_judge
from evalign.judges.exports.common import Exported
from evalign.judges.exports.mlflow_store import DEFAULT_EXPERIMENT, register
from evalign.store import Store
from evalign.store.repo_judges import resolve


def export_to_peer(store: Store, ref: str, target: str, out: str | Path | None = None, *,
                   tracking_uri: str | None = None,
                   experiment: str | None = None) -> Exported:
    """Export `NAME[@V]` to `target`; with `out` (a folder), write its files there.

    With `tracking_uri` (MLflow only), also register the judge as a scorer of `experiment`
    (default `evalign-judges`) in that tracking store.

    Raises:
        NotFoundError: no such judge.
        ConfigError: the target cannot hold the judge (see `export_judge`), or a tracking URI
            for another target than mlflow.
        MissingExtraError: registering without the mlflow SDK.
    """
    if tracking_uri is not None and target != "mlflow":
        raise ConfigError("--tracking-uri registers an MLflow judge: use it with --to mlflow")
    with store.session() as session:
        info = resolve(session, ref)
    exported = export_judge(info.judge, info.spec, target)
    exported.notes.insert(0, f"exported {info.ref} to {target}")
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in exported.files.items():
            (folder / name).write_text(text, encoding="utf-8")
    if tracking_uri is not None:
        names = register(exported, tracking_uri, experiment or DEFAULT_EXPERIMENT)
        exported.notes.append(f"registered {', '.join(names)} in {tracking_uri} "
                              f"(experiment {experiment or DEFAULT_EXPERIMENT})")
    return exported
