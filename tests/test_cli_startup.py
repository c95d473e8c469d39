"""A fast shell: `import evalign` and `evalign --help` load no heavy library, and the root
command table says what the command modules register."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sklearn", "scipy", "pandas", "fastapi", "starlette", "krippendorff")

PROBE = """
import json, sys
{setup}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _loaded(setup: str) -> list[str]:
    code = PROBE.format(setup=setup, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_import_evalign_loads_no_heavy_library() -> None:
    assert _loaded("import evalign") == []


def test_help_loads_no_heavy_library_and_lists_every_command() -> None:
    setup = ("import contextlib, io\nsys.argv = ['evalign', '--help']\n"
             "from evalign.cli import main\nout = io.StringIO()\n"
             "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit): main()\n"
             "assert 'disagreements' in out.getvalue(), out.getvalue()")
    assert _loaded(setup) == []


def test_importtime_shows_no_heavy_library() -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import evalign"],
                          capture_output=True, text=True, check=True)
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()}
    assert not names & set(HEAVY)


def test_public_names_load_on_first_use() -> None:
    import evalign

    assert set(evalign.__all__) == set(evalign._WHERE)
    for name in ("ScoreConfig", "run_report", "agreement_report", "Store"):
        assert getattr(evalign, name) is not None
    import evalign.align.run  # the package import must not shadow the function

    assert callable(evalign.align) and evalign.align.__module__ == "evalign.align.api"
    with pytest.raises(AttributeError):
        evalign.no_such_name  # noqa: B018


def test_the_command_table_matches_the_modules() -> None:
    from evalign.cli.app import COMMANDS, module_group

    modules = {module for module, _ in COMMANDS.values()}
    registered: dict[str, tuple[str, str]] = {}
    for module in modules:
        group = module_group(module)
        for name, command in group.commands.items():
            registered[name] = (module, command.get_short_help_str(limit=300))
    assert registered == COMMANDS
