"""``Explanation.save`` and ``Solution.save``: the format from the suffix, another language
on request, written atomically; ``explain``/``solve --output`` follow the same rule."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import matbackprop as mb
from matbackprop.cli import main
from matbackprop.explain import _doc

MASHA = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def _solution(lang: str = "en") -> Any:
    sol = mb.solve(MASHA, "1,2;3,4", "1;0", learning_rate=1, steps=2, lang=lang)
    sol.check({"W3@2": "1/2;1/2"})  # wrong: the check is part of every document
    return sol


def _has_tex(lang: str) -> bool:
    if shutil.which("pdflatex") is None:
        return False
    if lang == "en":
        return True
    found = subprocess.run(["kpsewhich", "t2aenc.def"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("kind", ["explanation", "solution"])
def test_each_suffix_writes_its_format(tmp_path: Path, kind: str, lang: str) -> None:
    doc: Any = _solution() if kind == "solution" else mb.explain(MASHA, loss="mse_half")
    ref = doc.in_lang(lang)
    assert doc.save(tmp_path / "a.txt", lang=lang).read_text(encoding="utf-8") == ref.to_text()
    assert doc.save(tmp_path / "a.md", lang=lang).read_text(encoding="utf-8") == ref.to_markdown()
    tex = doc.save(tmp_path / "a.TEX", lang=lang).read_text(encoding="utf-8")  # case-blind
    assert tex == ref.to_latex()
    assert tex.startswith("\\documentclass")
    assert ("\\usepackage[russian]{babel}" in tex) == (lang == "ru")
    if kind == "solution":
        trace = json.loads(doc.save(tmp_path / "a.json", lang=lang).read_text(encoding="utf-8"))
        assert trace["settings"]["steps"] == 2
        assert trace["trace"][0]["name"] == "X"
        csv = doc.save(tmp_path / "a.csv").read_text(encoding="utf-8")
        assert csv.startswith("step,name,row,col,value,fraction\n")
    if _has_tex(lang):
        pdf = doc.save(tmp_path / "a.pdf", lang=lang).read_bytes()
        assert pdf.startswith(b"%PDF-")
        assert b"%%EOF" in pdf[-64:]
        assert len(pdf) > 5000


def test_the_language_of_a_save_is_the_documents_own_by_default(tmp_path: Path) -> None:
    sol = _solution("ru")
    text = sol.save(tmp_path / "ru.txt").read_text(encoding="utf-8")
    assert "Решение с числами" in text
    assert "не совпадает" in text
    english = sol.save(tmp_path / "en.txt", lang="en").read_text(encoding="utf-8")
    assert "Worked solution" in english
    assert "differs" in english
    assert sol.lang == "ru"  # saving in English changed nothing
    assert english == _solution("en").to_text()


def test_the_latex_of_a_save_compiles(tmp_path: Path) -> None:
    if not _has_tex("ru"):
        pytest.skip("needs pdflatex with texlive-lang-cyrillic")
    for lang in ("en", "ru"):
        path = _solution().save(tmp_path / f"sol-{lang}.tex", lang=lang)
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-2000:]


@pytest.mark.parametrize("name", ["out.html", "out.docx", "out"])
def test_an_unknown_suffix_lists_the_known_ones(tmp_path: Path, name: str) -> None:
    with pytest.raises(mb.ConfigError) as info:
        _solution().save(tmp_path / name)
    message = str(info.value)
    assert name in message
    for suffix in (".txt", ".md", ".tex", ".pdf", ".json", ".csv"):
        assert suffix in message
    with pytest.raises(mb.ConfigError, match=r"Explanation.save knows .txt, .md, .tex, .pdf$"):
        mb.explain(MASHA).save(tmp_path / "out.json")  # an explanation has no trace
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments_name_themselves(tmp_path: Path) -> None:
    with pytest.raises(mb.ConfigError, match="lang must be one of en, ru; got 'de'"):
        _solution().save(tmp_path / "a.md", lang="de")
    with pytest.raises(mb.ConfigError, match=r"format must be one of .*got 'html'"):
        _solution().save(tmp_path / "a.md", "html")
    with pytest.raises(mb.MissingFileError, match="does not exist"):
        _solution().save(tmp_path / "no" / "a.md")


def test_no_tex_engine_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(mb.ConfigError, match=r"a \.pdf needs a TeX engine .*save as \.tex"):
        _solution().save(tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.parametrize("suffix", [".md", ".txt", ".json", ".pdf"])
def test_a_failing_render_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    path = tmp_path / f"kept{suffix}"
    path.write_bytes(b"the previous version")
    sol = _solution()

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("the renderer broke half-way")

    if suffix == ".pdf":  # LaTeX that no engine can compile, or no engine at all
        monkeypatch.setattr(type(sol), "to_latex", lambda self: "\\documentclass{article}\\bad")
        error: type[Exception] = mb.MatbackpropError
    else:
        monkeypatch.setattr(_doc, "to_markdown", broken)
        monkeypatch.setattr(_doc, "to_text", broken)
        monkeypatch.setattr(type(sol), "to_json", broken)
        error = RuntimeError
    with pytest.raises(error):
        sol.save(path)
    assert path.read_bytes() == b"the previous version"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


# -- the command line ---------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


SOLVE = ["solve", "--X", "1,2;3,4", "--y", "1;0", "--init", "zeros", "--lr", "1", "--steps", "2"]


@pytest.mark.parametrize(
    ("suffix", "start"),
    [(".md", "# "), (".tex", "\\documentclass"), (".txt", "Worked solution"), (".json", "{")],
    ids=["md", "tex", "txt", "json"],
)
def test_solve_output_takes_its_format_from_the_suffix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str, start: str
) -> None:
    path = tmp_path / f"sol{suffix}"
    code, out, err = _cli(capsys, *SOLVE, "-o", str(path))
    assert code == 0, err
    assert out == ""
    assert f"written to {path}" in err
    assert path.read_text(encoding="utf-8").startswith(start)


def test_explain_output_suffix_and_an_explicit_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _cli(capsys, "explain", "--lang", "ru", "-o", str(tmp_path / "a.md"))
    assert code == 0, err
    assert (tmp_path / "a.md").read_text(encoding="utf-8").startswith("# Бэкпроп")
    code, _, err = _cli(capsys, "explain", "--format", "latex", "-o", str(tmp_path / "a.txt"))
    assert code == 0, err  # --format wins over the suffix
    assert (tmp_path / "a.txt").read_text(encoding="utf-8").startswith("\\documentclass")
    code, _, err = _cli(capsys, "explain", "-o", str(tmp_path / "a.html"))
    assert code == 2
    assert "a.html" in err
    assert ".md" in err
    assert len(err.strip().splitlines()) == 1
