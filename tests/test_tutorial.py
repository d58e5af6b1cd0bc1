"""The tutorial pages run top to bottom, and every printed output on the page is what the
code prints today (English and Russian).

A ```python block is a cell; a ```text block right after it is that cell's output, compared
line by line (trailing spaces ignored). Cells share one namespace, as in a notebook, and run
in a temporary folder, so the figures they save land there.
"""

from __future__ import annotations

import contextlib
import io
import re
import tokenize
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ["tutorial.md", "tutorial.ru.md"]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


def cells(page: str) -> list[tuple[str, str | None]]:
    """``(code, expected output or None)`` for each python block, in page order."""
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = list(FENCE.finditer(text))
    found = []
    for i, block in enumerate(blocks):
        if block.group(1) != "python":
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        adjacent = after is not None and not text[block.end() : after.start()].strip()
        output = after.group(2) if after and adjacent and after.group(1) == "text" else None
        found.append((block.group(2), output))
    return found


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.mark.parametrize("page", PAGES)
def test_tutorial_runs_top_to_bottom_and_prints_what_it_shows(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__tutorial__"}
    page_cells = cells(page)
    assert len(page_cells) >= 6
    for i, (code, expected) in enumerate(page_cells, start=1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"{page} cell {i}", "exec"), namespace)
        if expected is not None:
            assert lines(printed.getvalue()) == lines(expected), f"{page} cell {i}"
    # the figures the page shows are the ones its code draws
    shown = {Path(src).name for src in IMAGE.findall((DOCS / page).read_text(encoding="utf-8"))}
    assert shown, "the tutorial shows no figure"
    for name in shown:
        assert (tmp_path / name).is_file(), f"{name} is shown but the code does not save it"


def code_tokens(code: str) -> list[str]:
    """The code without its words for people: comments and string literals are dropped."""
    prose = {tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE}
    prose |= {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}  # Python >= 3.12
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return [t.string for t in tokens if t.type not in prose]


def test_both_languages_run_the_same_cells() -> None:
    english, russian = (cells(page) for page in PAGES)
    assert len(english) == len(russian)
    for i, ((en, _), (ru, _)) in enumerate(zip(english, russian), start=1):
        assert code_tokens(ru) == code_tokens(en), f"cell {i}"
        assert ('lang="ru"' in ru) == ('lang="en"' in en), f"cell {i}"


def test_figures_shown_are_in_the_docs() -> None:
    for page in PAGES:
        for src in IMAGE.findall((DOCS / page).read_text(encoding="utf-8")):
            assert (DOCS / src).is_file(), f"{page} shows {src}, which is not in docs/"
