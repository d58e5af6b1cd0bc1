"""README.md stays true: its Python example runs and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from matbackprop.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_setup_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make demo", "make test"]


def test_readme_python_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing it writes lands in the repository
    code = re.search(r"```python\n(.*?)```", README, re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "Backpropagation in matrix form" in out  # print(mb.explain(net))
    assert "Worked solution" in out  # print(mb.solve(...))
    assert namespace["history"].epochs == 2000  # type: ignore[attr-defined]


_SHELL = "\n".join(re.findall(r"```bash\n(.*?)```", README, re.S))


@pytest.mark.parametrize(
    "command", sorted(set(re.findall(r"^matbackprop (\S+)", _SHELL, re.M))), ids=str
)
def test_readme_commands_exist(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
