"""The Sphinx docs build with warnings as errors, and say what the code says."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

import matbackprop
from matbackprop.cli import cli
from matbackprop.losses import LOSSES

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make docs``'s command, into a temporary folder (a few seconds)."""
    out = tmp_path_factory.mktemp("html")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    done = subprocess.run(
        [*cmd, str(DOCS), str(out)], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def text_of(page: Path) -> str:
    """The page's words, tags dropped and white space collapsed."""
    words = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
    return " ".join(words.split())


def test_every_page_is_built(built: Path) -> None:
    # a page left out of every toctree is a warning, so -W already fails on it
    for page in DOCS.glob("*.md"):
        assert (built / f"{page.stem}.html").is_file(), page.name


def test_cli_reference_lists_every_command_with_its_example(built: Path) -> None:
    page = text_of(built / "cli.html")
    assert cli.commands, "no CLI command registered"
    for name, command in cli.commands.items():
        assert f"matbackprop {name} [OPTIONS]" in page, name
        assert command.epilog, f"{name} --help has no example"
        # click's \b (keep line breaks) and shell line continuations are not printed
        example = command.epilog.replace("\b", "").replace("\\\n", " ")
        assert " ".join(example.split()) in page, name


def test_api_reference_documents_the_engine(built: Path) -> None:
    page = (built / "api.html").read_text(encoding="utf-8")
    for target in (
        "matbackprop.network.Network.forward",
        "matbackprop.network.Network.backward",
        "matbackprop.training.fit",
        "matbackprop.losses.MSE",
        "matbackprop.sklearn.MLPRegressor.partial_fit",
        "matbackprop.sklearn.MLPClassifier.predict_proba",
    ):
        assert f'id="{target}"' in page, target


def _symbols_in_network_docstring() -> list[str]:
    """The first column of the notation table in network.py's docstring."""
    lines = (matbackprop.network.__doc__ or "").splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("======")]
    return [line.split()[0] for line in lines[rules[1] + 1 : rules[2]] if line.strip()]


def test_notation_page_has_every_symbol_of_the_engine() -> None:
    notation = (DOCS / "notation.md").read_text(encoding="utf-8")
    symbols = _symbols_in_network_docstring()
    assert {"X", "W_k", "H_k", "O_k", "d", "dW_k"} <= set(symbols)
    for symbol in symbols:
        assert f"| `{symbol}` |" in notation, symbol


def test_conventions_page_covers_every_loss() -> None:
    conventions = (DOCS / "conventions.md").read_text(encoding="utf-8")
    for cls in LOSSES.values():
        assert f"`{cls.__name__}()`" in conventions, cls.__name__
    assert "`MSE(half=True)`" in conventions
    for cls in LOSSES.values():  # the pairing table, from matbackprop.losses.PAIRS
        assert f"\n| `{cls.__name__}` | " in conventions, cls.__name__
    assert "the ×n rule" in conventions
    assert "the ×m rule" in conventions


def test_conventions_page_examples_run() -> None:
    import matbackprop as mb

    text = (DOCS / "conventions.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL))
    assert "rows=" in code
    exec(compile(code, "conventions.md", "exec"), {"mb": mb})


def test_sklearn_page_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / "sklearn.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL))
    assert "MLPClassifier" in code
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exec(compile(code, "sklearn.md", "exec"), {"__name__": "__docs__"})
    accuracy, worked = capsys.readouterr().out.split("\n", 1)
    assert float(accuracy) > 0.9  # held-out accuracy on breast cancer
    assert "2-3-1" in worked  # the fitted network_, explained and worked by hand
