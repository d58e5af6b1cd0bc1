"""Problem variants: reproducible, distinct, nice numbers checked by hand arithmetic.

Every value of a variant is worked again here with plain ``Fraction`` lists (no NumPy, not
the solver): the forward pass, the loss, each ``d``, each gradient and each update, in the
seed's equations. The sheet must hold no answer; the key and ``solve --variant`` must agree.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import matbackprop as mb
from matbackprop.cli import main

if TYPE_CHECKING:
    from matbackprop.explain.problems import Variant


# Imported when a test runs, not when the file is collected: importing the subpackage binds
# mb.explain to it, and tests/test_defaults.py reads mb.explain's signature at collection.
def parse_id(text: str) -> Any:
    from matbackprop.explain.problems import parse_id as parse

    return parse(text)


def variant(text: str) -> Any:
    from matbackprop.explain.problems import variant as regenerate

    return regenerate(text)


Matrix = list[list[Fraction]]

# -- hand arithmetic ----------------------------------------------------------------------


def _mat(v: Any) -> Matrix:
    rows = [list(r) for r in (v if hasattr(v[0], "__len__") else [v])]
    return [[Fraction(x) for x in r] for r in rows]


def _mul(A: Matrix, B: Matrix) -> Matrix:
    return [[sum((a * b for a, b in zip(r, c)), Fraction(0)) for c in zip(*B)] for r in A]


def _T(A: Matrix) -> Matrix:
    return [list(c) for c in zip(*A)]


def _map(f: Any, *As: Matrix) -> Matrix:
    return [[f(*xs) for xs in zip(*rs)] for rs in zip(*As)]


def _sigmoid(h: Fraction) -> Fraction:
    assert h == 0, f"σ({h}) is irrational: a variant must feed sigmoid 0"
    return Fraction(1, 2)  # σ(0) = 1/(1 + e⁰)


F = {
    "identity": (lambda h: h, lambda h, o: Fraction(1)),
    "relu": (lambda h: max(h, Fraction(0)), lambda h, o: Fraction(int(h > 0))),
    "sigmoid": (_sigmoid, lambda h, o: o * (1 - o)),
}


def by_hand(v: Variant) -> list[dict[str, Matrix]]:
    """Each step's values, from the seed's equations:
    H_k = O_{k-1}·W_k (+ b_k), O_k = f(H_k); d_L = (ŷ − y)/(n·m) (½·MSE, and log-loss fused
    with its sigmoid: (ŷ − y)/n); ∂L/∂W_k = O_{k-1}ᵀ·d; d = d·W_kᵀ * f'(H_{k-1});
    W_k ← W_k − η·∂L/∂W_k."""
    spec = v.spec
    preset = spec.preset
    L = len(spec.layer_sizes) - 1
    acts = [preset.hidden] * (L - 1) + [preset.output]
    W = [_mat(w) for w in v.W]
    b = [_mat(list(x)) for x in v.b] if spec.bias else []
    X, y = _mat(v.X), _mat(v.y)
    n_all = len(X)
    out = []
    for t in range(1, spec.steps + 1):
        rows = range(n_all) if spec.order == "batch" else [(t - 1) % n_all]
        Xs, ys = [X[i] for i in rows], [y[i] for i in rows]
        n, m = len(Xs), len(ys[0])
        vals: dict[str, Matrix] = {}
        O, H = [Xs], [Xs]
        for k in range(1, L + 1):
            Hk = _mul(O[-1], W[k - 1])
            if b:
                Hk = [[h + c for h, c in zip(r, b[k - 1][0])] for r in Hk]
            Ok = _map(F[acts[k - 1]][0], Hk)
            H.append(Hk)
            O.append(Ok)
            vals[f"H{k}"] = Hk
            vals["y_hat" if k == L else f"O{k}"] = Ok
        err = _map(lambda a, c: a - c, O[L], ys)
        if preset.loss == "mse_half":
            vals["L"] = [[sum((e * e for r in err for e in r), Fraction(0)) / (2 * n * m)]]
            d = _map(lambda e, nm=n * m: e / nm, err)
        else:  # log-loss with its sigmoid output: d = (ŷ − y)/n
            d = _map(lambda e, n=n: e / n, err)
        vals[f"d{L}"] = d
        dW: list[Matrix] = [d] * L
        db: list[Matrix] = [d] * L
        for k in range(L, 0, -1):
            dW[k - 1] = vals[f"dW{k}"] = _mul(_T(O[k - 1]), d)
            if b:
                db[k - 1] = vals[f"db{k}"] = [[sum(c) for c in zip(*d)]]
            if k > 1:
                fp = vals[f"fp{k - 1}"] = _map(F[acts[k - 2]][1], H[k - 1], O[k - 1])
                d = vals[f"d{k - 1}"] = _map(lambda a, c: a * c, _mul(d, _T(W[k - 1])), fp)
        eta = v.learning_rate
        W = [_map(lambda w, g, eta=eta: w - eta * g, W[k], dW[k]) for k in range(L)]
        b = [_map(lambda w, g, eta=eta: w - eta * g, b[k], db[k]) for k in range(L)] if b else []
        vals.update({f"W{k + 1}": W[k] for k in range(L)})
        vals.update({f"b{k + 1}": b[k] for k in range(len(b))})
        out.append(vals)
    return out


def _entries(value: Any) -> list[Fraction]:
    return [x for row in _mat(value if hasattr(value, "__len__") else [value]) for x in row]


SPECS = [
    pytest.param({}, id="masha-sigmoid-pass"),
    pytest.param({"kind": "one_step"}, id="sigmoid-one-step"),
    pytest.param({"bias": True}, id="sigmoid-bias"),
    pytest.param({"activation": "relu"}, id="relu-logloss-pass"),
    pytest.param({"activation": "relu", "kind": "one_step", "bias": True}, id="relu-step-bias"),
    pytest.param({"activation": "relu_mse", "kind": "two_steps", "order": "row"}, id="relu-rows"),
    pytest.param({"activation": "identity", "kind": "two_steps", "bias": True}, id="linear-2"),
    pytest.param(
        {"activation": "identity", "layer_sizes": (3, 2, 2), "max_denominator": 8},
        id="linear-3-2-2-d8",
    ),
    pytest.param({"layer_sizes": (3, 2, 1), "value_range": 3, "rows": 3}, id="sigmoid-3-2-1-r3-n3"),
]


@pytest.mark.parametrize("settings", SPECS)
def test_every_value_is_exact_short_and_what_hand_arithmetic_gives(
    settings: dict[str, Any],
) -> None:
    variants = mb.problems(3, seed=7, **settings)
    bound = settings.get("max_denominator", 16)
    top = settings.get("value_range", 4)
    for v in variants:
        hand = by_hand(v)
        entries: list[Fraction] = []
        for t, name in v.asked:
            mine = hand[t - 1][name]
            assert _entries(v.steps[t - 1].values[name]) == [x for r in mine for x in r], (
                v.id,
                t,
                name,
            )
            entries += [x for r in mine for x in r]
        for x in entries + [x for g in v.givens().values() for x in _entries(g)]:
            assert x.denominator <= bound, (v.id, x)
            assert abs(x) <= top, (v.id, x)
        # the difficulty the sheet states: distinct numbers, largest denominator, entries
        assert v.difficulty.numbers == len(set(entries))
        assert v.difficulty.largest_denominator == max(x.denominator for x in entries)
        assert v.difficulty.entries == len(entries)
        # every layer learns in the first step: no gradient is all zeros
        for k in range(1, len(v.W) + 1):
            assert any(x != 0 for r in hand[0][f"dW{k}"] for x in r), (v.id, k)


def test_sigmoid_is_only_ever_evaluated_at_zero() -> None:
    # by_hand's σ asserts its input is 0 (σ(0) = 1/2, σ'(0) = 1/4: the only rational case)
    for v in mb.problems(5, seed=3, bias=True):
        for step in by_hand(v):
            for k in (1, 2):
                assert all(h == 0 for r in step[f"H{k}"] for h in r)
                assert all(o == Fraction(1, 2) for r in step[f"O{k}"] for o in r)
    for v in mb.problems(3, seed=3, activation="relu"):  # the sigmoid output of log-loss
        assert all(x == Fraction(1, 2) for x in _entries(v.steps[0].values["y_hat"]))


def test_the_same_seed_gives_the_same_variants_and_another_seed_others() -> None:
    a = mb.problems(4, seed=11, kind="one_step")
    b = mb.problems(4, seed=11, kind="one_step")
    c = mb.problems(4, seed=12, kind="one_step")
    assert a.key_lines == b.key_lines
    assert [line.split()[1:] for line in a.key_lines] != [line.split()[1:] for line in c.key_lines]
    # a prefix of the variants is the variants of a smaller count
    assert mb.problems(2, seed=11, kind="one_step").key_lines == a.key_lines[:2]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"kind": "two_steps", "activation": "identity", "order": "row", "bias": True},
        {"activation": "relu", "layer_sizes": (3, 3, 1), "max_denominator": 32, "rows": 3},
        {"value_range": 6, "kind": "one_step"},
    ],
    ids=["defaults", "every-token", "relu-3-3-1", "range"],
)
def test_the_id_alone_regenerates_the_variant(settings: dict[str, Any]) -> None:
    vs = mb.problems(3, seed=5, **settings)
    for v in vs:
        spec, index = parse_id(v.id)
        assert spec == vs.spec
        assert index == v.index
        again = variant(v.id)
        assert again.key_line == v.key_line
        assert {k: _entries(g) for k, g in again.givens().items()} == {
            k: _entries(g) for k, g in v.givens().items()
        }
    assert vs[0].id.startswith("v1-")
    assert vs[0].id.endswith("-s5-1")
    if not settings:
        assert vs[2].id == "v1-s5-3"  # the defaults add no token


def _tiny_space() -> set[tuple[Fraction, Fraction, Fraction]]:
    """The problems ŷ = x·w on one row with every number in [−1, 1] and a gradient:
    x, y, w in {0, ±1/2, ±1}; d = ŷ − y, ∂L/∂w = x·d, L = d²/2, every one at most 1 in size,
    and x·d ≠ 0."""
    pool = [Fraction(k, 2) for k in range(-2, 3)]
    out = set()
    for x in pool:
        for y in pool:
            for w in pool:
                d = x * w - y
                if x * d != 0 and abs(d) <= 1 and abs(x * d) <= 1 and d * d / 2 <= 1:
                    out.add((x, y, w))
    return out


def test_no_two_variants_are_alike() -> None:
    tiny = {"activation": "identity", "layer_sizes": (1, 1), "rows": 1, "value_range": 1}
    space = _tiny_space()
    # 30 draws from so few problems repeat one many times over: each repeat is skipped
    vs = mb.problems(30, seed=1, **tiny)
    contents = {(v.X[0, 0], v.y[0, 0], v.W[0][0, 0]) for v in vs}
    assert len(contents) == 30
    assert contents <= space
    assert len({v.id for v in vs}) == 30
    # there is no variant beyond the space (the rarest, of three halves, may take longer to
    # draw than the sampler tries): the refusal says what to loosen
    with pytest.raises(mb.ConfigError, match=r"no variant \d+ .* ask for fewer") as info:
        mb.problems(len(space) + 1, seed=1, **tiny)
    assert int(str(info.value).split()[2]) <= len(space) + 1


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"kind": "forward_backward"}, ("kind", "sigmoid")),
        ({"kind": "two_steps"}, ("kind", "'two_steps'", "'sigmoid'")),
        ({"kind": "three_steps"}, ("kind", "forward_backward", "'three_steps'")),
        ({"activation": "tanh"}, ("activation", "relu_mse", "'tanh'")),
        ({"layer_sizes": (2, 9, 1)}, ("layer_sizes", "1..6", "[2, 9, 1]")),
        ({"max_denominator": 1}, ("max_denominator", "2..", "1")),
        ({"activation": "relu", "layer_sizes": (2, 2, 2)}, ("one output", "2")),
        ({"order": "random"}, ("order", "'random'")),
    ],
    ids=["ok", "two-steps-sigmoid", "kind", "activation", "sizes", "denominator", "logloss-2",
         "order"],
)  # fmt: skip
def test_bad_settings_name_the_argument_and_the_value(
    settings: dict[str, Any], words: tuple[str, ...]
) -> None:
    if settings == {"kind": "forward_backward"}:
        assert len(mb.problems(1, **settings)) == 1
        return
    with pytest.raises(mb.ConfigError) as info:
        mb.problems(1, **settings)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    "bad", ["v2-s1-1", "v1-s1", "v1-s1-0", "v1-zz-s1-1", "v1-L2-s1-1", "v1-sx-1", "junk"]
)
def test_a_bad_id_is_refused_with_the_id(bad: str) -> None:
    with pytest.raises(mb.ConfigError) as info:
        variant(bad)
    assert repr(bad) in str(info.value)


# -- the documents -------------------------------------------------------------------------


def _numbers(text: str) -> set[Fraction]:
    return {Fraction(t) for t in re.findall(r"-?\d+(?:/\d+)?", text.replace("−", "-"))}


@pytest.mark.parametrize("kind", ["forward_backward", "one_step"])
def test_the_sheet_holds_no_answer(kind: str) -> None:
    for v in mb.problems(3, seed=2, kind=kind, activation="relu_mse"):
        given = {x for g in v.givens().values() for x in _entries(g)} | {v.learning_rate}
        answers: set[Fraction] = set()
        for t, name in v.asked:
            if name.startswith(("dW", "db", "W", "b")):
                answers |= set(_entries(v.steps[t - 1].values[name]))
        secret = answers - given - {Fraction(k) for k in range(-9, 10)}  # digits of labels
        sheet = v.sheet()
        for text in (sheet.to_text(), sheet.to_markdown(), sheet.to_latex()):
            shown = _numbers(text)
            assert not secret & shown, (v.id, secret & shown)
        data = json.loads(sheet.to_json())["variants"][0]
        assert "answers" not in data
        assert "key_line" not in data
        key = v.key()
        for x in secret:
            assert x in _numbers(key.to_text())


def test_the_key_shows_every_value_and_the_one_line_key() -> None:
    v = mb.problems(1, seed=4, kind="one_step", bias=True)[0]
    text = v.key().to_text()
    assert " ".join(v.key_line.split()) in " ".join(text.split())  # a long line wraps
    for word in ("H1 = X·W1 + b1", "∂L/∂W1 = Xᵀ·d", "W1 ← W1 − η·∂L/∂W1", "Difficulty"):
        assert word in text
    data = json.loads(v.key().to_json())["variants"][0]
    assert data["key_line"] == v.key_line
    assert set(data["answers"]) == {name for name, _ in v.answers().items()}
    # forward_backward asks no update, and its key shows none
    fb = mb.problems(1, seed=4)[0]
    assert "←" not in fb.key().to_text()
    assert "η" not in fb.sheet().to_text()


def test_russian_documents() -> None:
    v = mb.problems(1, seed=4, kind="one_step")[0]
    sheet, key = v.sheet("ru").to_text(), v.key("ru").to_text()
    for word in ("Вариант", "Дано", "Задание", "Прямой проход", "Сложность", "скорость обучения"):
        assert word in sheet, word
    for word in ("Ответы", "Обратный проход", "Шаг спуска", "Ответ в одну строчку"):
        assert word in key, word
    assert "Given" not in sheet + key


def _has_tex(lang: str) -> bool:
    if shutil.which("pdflatex") is None:
        return False
    if lang == "en":
        return True
    found = subprocess.run(["kpsewhich", "t2aenc.def"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_latex_of_sheets_and_keys_compiles(tmp_path: Path, lang: str) -> None:
    if not _has_tex(lang):
        pytest.skip("needs pdflatex (with texlive-lang-cyrillic for Russian)")
    vs = mb.problems(2, seed=9, kind="one_step", activation="relu", bias=True)
    for name, doc in (("sheet", vs.sheet(lang)), ("key", vs.key(lang))):
        path = doc.save(tmp_path / f"{name}.tex")
        assert path.read_text(encoding="utf-8").count("\\newpage") == 1  # a page per variant
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-2000:]


def test_save_by_suffix(tmp_path: Path) -> None:
    vs = mb.problems(2, seed=9)
    md = vs.sheet().save(tmp_path / "s.md").read_text(encoding="utf-8")
    assert md.startswith("# Variant v1-s9-1")
    data = json.loads(vs.key().save(tmp_path / "k.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in data["variants"]] == ["v1-s9-1", "v1-s9-2"]
    if shutil.which("pdflatex") or shutil.which("lualatex"):
        assert vs.key().save(tmp_path / "k.pdf").read_bytes().startswith(b"%PDF")


# -- the command line ----------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_prints_one_key_line_per_variant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sheet = tmp_path / "sheets.tex"
    code, out, err = _run(capsys, "problems", "--count", "3", "--seed", "42", "-o", str(sheet))
    assert code == 0, err
    assert out.splitlines() == mb.problems(3, seed=42).key_lines
    assert sheet.is_file()
    assert (tmp_path / "sheets-key.tex").is_file()
    code, out, err = _run(
        capsys, "problems", "--count", "1", "--lang", "ru", "--kind", "one_step",
        "--activation", "relu", "--bias", "--layers", "2,3,1", "--max-denominator", "32",
        "--range", "5", "--rows", "3", "-o", str(tmp_path / "v.md"),
        "--key", str(tmp_path / "answers.json"),
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("v1-gd1-relu-b-L2x3x1-d32-r5-n3-s0-1 ")
    assert "Вариант" in (tmp_path / "v.md").read_text(encoding="utf-8")
    json.loads((tmp_path / "answers.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--kind", "bogus"], ["--kind", "forward_backward", "bogus"]),
        (["--count", "0"], ["--count", "0"]),
        (["--activation", "softmax"], ["--activation", "softmax"]),
        (["--kind", "two_steps"], ["--kind", "'two_steps'", "'sigmoid'"]),
        (["--layers", "2,x"], ["--layers", "2,x"]),
        (["--key", "k.md"], ["--key", "--output"]),
    ],
    ids=["kind", "count", "activation", "sigmoid-two-steps", "layers", "key-alone"],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: list[str]
) -> None:
    code, out, err = _run(capsys, "problems", *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    for word in words:
        assert word in err


def _nonsymmetric_gradient() -> tuple[str, str, str]:
    """An id, a gradient's name and the text of its transpose, where the two differ."""
    for v in mb.problems(10, seed=21, activation="relu_mse"):
        for name in ("dW1", "dW2"):
            g = [[str(x) for x in r] for r in v.steps[0].values[name]]
            t = [list(c) for c in zip(*g)]
            if t != g:
                return v.id, name, ";".join(",".join(r) for r in t)
    raise AssertionError("no non-symmetric gradient in 10 variants")


def test_solve_variant_checks_a_students_answers(capsys: pytest.CaptureFixture[str]) -> None:
    vid, name, transposed = _nonsymmetric_gradient()
    line = variant(vid).key_line
    right = dict(cell.split("=", 1) for cell in line.split()[1:])
    code, out, err = _run(capsys, "solve", "--variant", vid, "--check", f"{name}={right[name]}")
    assert code == 0, err
    assert "match" in out
    code, out, err = _run(capsys, "solve", "--variant", vid, "--check", f"{name}={transposed}")
    assert code == 1
    assert "differs" in out
    assert "transpose" in out
    # every cell of the one-line key is a --check that matches
    checks = [a for cell in line.split()[1:] for a in ("--check", cell)]
    code, out, err = _run(capsys, "solve", "--variant", vid, *checks)
    assert code == 0, out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--variant", "v1-s1-1", "--X", "1,2"], ["--variant", "--X"]),
        (["--variant", "v1-s1-1", "--lr", "1", "--no-bias"], ["--lr", "--bias"]),
        (["--variant", "v1-nope-s1-1"], ["--variant", "'v1-nope-s1-1'"]),
        (["--y", "1"], ["--X", "--variant"]),
    ],
    ids=["with-X", "with-lr-bias", "bad-id", "no-givens"],
)
def test_solve_variant_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: list[str]
) -> None:
    code, _, err = _run(capsys, "solve", *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err


def test_the_docs_show_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    page = (Path(__file__).parent.parent / "docs" / "problems.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n(.*?)```", page, re.S)
    assert shown is not None
    code, out, _ = _run(capsys, "problems", "--count", "3", "--seed", "42")
    assert code == 0
    assert out == shown.group(1)
    # the page's --check example: dW3 right, dW2 transposed
    example = re.search(
        r"matbackprop solve --variant (\S+) --check \"(.*?)\" --check \"(.*?)\"", page
    )
    assert example is not None
    vid, right, transposed = example.groups()
    code, out, _ = _run(capsys, "solve", "--variant", vid, "--check", right, "--check", transposed)
    assert code == 1
    assert "matches" in out
    assert "transpose" in out


def test_cli_format_overrides_the_suffix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "v.out"
    code, _, err = _run(capsys, "problems", "--count", "2", "--format", "json", "-o", str(out))
    assert code == 0, err
    sheet = json.loads(out.read_text(encoding="utf-8"))
    key = json.loads((tmp_path / "v-key.out").read_text(encoding="utf-8"))
    assert [v["id"] for v in sheet["variants"]] == ["v1-s0-1", "v1-s0-2"]
    assert all("answers" not in v for v in sheet["variants"])
    assert all(v["key_line"].startswith(v["id"] + " ") for v in key["variants"])
    code, _, err = _run(capsys, "problems", "--count", "1", "-o", str(tmp_path / "v.docx"))
    assert code == 2
    assert "v.docx" in err
