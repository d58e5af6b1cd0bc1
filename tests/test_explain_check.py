"""Check my answer, with real student answers: right, honestly rounded, and each usual mistake.

The answers are worked in this file by a student's own arithmetic (plain NumPy, written
independently of the package), with the mistake made on purpose, and typed as a student
types them: decimals to 4 or 6 places, rows by ``;``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.explain import solve

F = Fraction


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-t))


def _typed(a: Any, places: int = 6) -> str:
    """A matrix as a student types it: rows by ``;``, entries by ``,``, ``places`` decimals."""
    rows = np.atleast_2d(np.asarray(a, dtype=float))
    return ";".join(",".join(f"{x:.{places}f}" for x in row) for row in rows)


# -- Masha's network, worked by a student --------------------------------------------------
#
# y_hat = f(f(X·W1)·W2)·W3, f = σ, L = 1/(2n)·Σ (ŷ − y)², η = 1/2, from explicit decimals.

X = np.array([[1.0, 2.0], [3.0, 4.0]])
Y = np.array([[1.0], [0.0]])
W1 = np.array([[0.1, 0.2], [0.3, 0.4]])
W2 = np.array([[0.5, -0.5], [0.25, 0.75]])
W3 = np.array([[1.0], [-1.0]])
ETA = 0.5


def _masha(order: str = "batch") -> mb.Network:
    return mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init=[W1, W2, W3])


def _masha_solution(order: str = "batch", steps: int = 1) -> Any:
    return solve(_masha(), X, Y, learning_rate=ETA, steps=steps, order=order)


def _student(
    rows: list[int] | None = None,
    *,
    mean: bool = True,
    half: bool = True,
    sign: float = 1.0,
    fp: str = "right",
    plus: bool = False,
    updated_first: bool = False,
    W: tuple[np.ndarray, ...] = (W1, W2, W3),
    round_to: int | None = None,
) -> dict[str, np.ndarray]:
    """One step of Masha's network as a student works it, with the mistakes asked for."""
    r = (lambda a: np.round(a, round_to)) if round_to is not None else (lambda a: a)
    Xs, ys = (X, Y) if rows is None else (X[rows], Y[rows])
    n = Xs.shape[0]
    w1, w2, w3 = W
    v: dict[str, np.ndarray] = {}
    v["H1"] = r(Xs @ w1)
    v["O1"] = r(_sigmoid(v["H1"]))
    v["H2"] = r(v["O1"] @ w2)
    v["O2"] = r(_sigmoid(v["H2"]))
    v["y_hat"] = r(v["O2"] @ w3)
    c = (0.5 if half else 1.0) / (n if mean else 1)
    v["L"] = r(np.array(c * np.sum((v["y_hat"] - ys) ** 2)))
    v["d3"] = r(sign * 2 * c * (v["y_hat"] - ys))
    v["dW3"] = r(v["O2"].T @ v["d3"])

    def f_prime(H: np.ndarray, O: np.ndarray) -> np.ndarray:
        if fp == "at_O":
            s = _sigmoid(O)
            return s * (1 - s)
        if fp == "f_itself":
            return O
        return O * (1 - O)

    step = (1.0 if plus else -1.0) * ETA
    v["fp2"] = r(f_prime(v["H2"], v["O2"]))
    w3_used = w3 + step * v["dW3"] if updated_first else w3
    v["d2"] = r(v["d3"] @ w3_used.T * v["fp2"])
    v["dW2"] = r(v["O1"].T @ v["d2"])
    v["fp1"] = r(f_prime(v["H1"], v["O1"]))
    w2_used = w2 + step * v["dW2"] if updated_first else w2
    v["d1"] = r(v["d2"] @ w2_used.T * v["fp1"])
    v["dW1"] = r(Xs.T @ v["d1"])
    for k, (w, g) in enumerate(zip(W, (v["dW1"], v["dW2"], v["dW3"])), start=1):
        v[f"W{k}"] = r(w + step * g)
    return v


def test_a_right_answer_typed_to_six_places_matches_everywhere() -> None:
    mine = _student()
    res = _masha_solution().check({name: _typed(a) for name, a in mine.items()})
    assert res.ok, str(res)
    assert len(res.matched) == len(mine)


@pytest.mark.parametrize(
    ("mistake", "name", "diagnosis"),
    [
        ({"mean": False}, "d3", "no_mean"),
        ({"mean": False}, "L", "no_mean"),
        ({"mean": False}, "dW2", "no_mean"),
        ({"half": False}, "d3", "no_half"),
        ({"half": False}, "dW1", "no_half"),
        ({"sign": -1.0}, "d3", "sign"),
        ({"sign": -1.0}, "dW3", "sign"),
        ({"sign": -1.0}, "W3", "plus_update"),  # −(−η·g) is the update with +
        ({"fp": "at_O"}, "fp2", "fp_at_O"),
        ({"fp": "at_O"}, "d2", "fp_at_O"),
        ({"fp": "at_O"}, "dW1", "fp_at_O"),
        ({"fp": "f_itself"}, "fp1", "f_for_fp"),
        ({"fp": "f_itself"}, "dW2", "f_for_fp"),
        ({"plus": True}, "W2", "plus_update"),
        ({"updated_first": True}, "d2", "updated_before_used"),
        ({"updated_first": True}, "dW1", "updated_before_used"),
        ({"rows": [1]}, "dW3", "wrong_row"),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={v[k]}" for k in v),
)
def test_each_usual_mistake_is_named(mistake: dict[str, Any], name: str, diagnosis: str) -> None:
    wrong = _student(**mistake)
    res = _masha_solution().check({name: _typed(wrong[name])})
    (verdict,) = res.verdicts
    assert verdict.status == "differs"
    assert diagnosis in verdict.diagnoses, str(res)
    assert not res


def test_mistakes_that_give_the_same_numbers_are_both_named() -> None:
    # With n = 2 rows, leaving out the 1/n and leaving out the ½ both double d3.
    res = _masha_solution().check({"d3": _typed(_student(half=False)["d3"])})
    assert res.verdicts[0].diagnoses == ["no_mean", "no_half"]
    assert "without the 1/n of the mean (a sum over the 2 rows); or it is what the step " in (
        " ".join(str(res).split())
    )


def test_a_transposed_gradient_is_named_never_accepted() -> None:
    right = _student()
    sol = _masha_solution()
    # dW3 is 2×1; the student writes the row (1×2): the old check reshaped it and passed it
    res = sol.check({"dW3": _typed(right["dW3"].T)})
    (v,) = res.verdicts
    assert (v.status, v.diagnosis) == ("differs", "transposed")
    assert "your ∂L/∂W3 is the transpose of the correct one" in str(res)
    assert v.typed is not None
    assert v.typed.shape == (1, 2)
    # a square one: dW2ᵀ has the right shape and still differs
    res = sol.check({"dW2": _typed(right["dW2"].T)})
    assert (res.verdicts[0].status, res.verdicts[0].diagnosis) == ("differs", "transposed")


def test_a_wrong_shape_says_both_shapes_and_never_reshapes() -> None:
    sol = _masha_solution()
    res = sol.check({"dW1": "13,26,39;26,52,78"})
    (v,) = res.verdicts
    assert (v.status, v.diagnosis) == ("differs", "shape")
    assert "∂L/∂W1 has shape 2×2, yours has shape 2×3" in str(res)
    assert "[ 13  26  39 ]" in str(res)  # what was typed, row by row


def test_a_wrong_row_in_stochastic_steps() -> None:
    sol = _masha_solution(order="row", steps=2)  # step 1 uses row 1, step 2 row 2
    wrong = _student(rows=[1])  # the student used row 2 in step 1
    res = sol.check({"dW3@1": _typed(wrong["dW3"]), "H1@1": _typed(wrong["H1"])})
    by_name = {v.name: v for v in res.verdicts}
    assert by_name["dW3"].diagnosis == "wrong_row"
    assert by_name["dW3"].details == {"row": 2, "rows": "1"}
    assert by_name["H1"].diagnosis == "wrong_row"


def test_every_value_is_reported_in_order_with_a_summary() -> None:
    right = _student()
    sol = _masha_solution()
    res = sol.check(
        [
            ("W3", _typed(right["W3"])),
            ("dW3", "abc;1"),  # could not be read
            ("H1", _typed(right["H1"])),
            ("L", _typed(right["L"])),
            ("L", "0.5"),  # the same name twice is judged twice
            ("Q7", "1"),
            ("d2", _typed(_student(half=False)["d2"])),
        ]
    )
    assert [(v.label, v.status) for v in res.verdicts] == [
        ("H1@1", "match"),
        ("L@1", "match"),
        ("L@1", "differs"),
        ("dW3@1", "unreadable"),
        ("d2@1", "differs"),
        ("W3@1", "match"),
        ("Q7", "unreadable"),
    ]
    assert res.verdicts[3].diagnosis == "not_a_number"
    assert "no_half" in res.verdicts[4].diagnoses
    text = str(res)
    assert text.startswith("Checked 7 value(s): 3 match, 2 differ, 2 could not be read.")
    assert "abc (row 1, column 1) is not a number" in text
    assert "Q7 names no value of step 1" in text
    assert res.matched == ["H1@1", "L@1", "W3@1"]
    assert res.first is not None
    assert res.first.label == "L@1"


@pytest.mark.parametrize(
    "name",
    ["d2", "dL/dH2", "∂L/∂H2", "δ2", r"\partial L/\partial H_{2}", "dH2", "delta2"],
)
def test_every_documented_name_of_the_accumulator(name: str) -> None:
    res = _masha_solution().check({name: _typed(_student()["d2"])})
    assert [(v.name, v.status) for v in res.verdicts] == [("d2", "match")]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("dW3", "dW3"),
        ("dL/dW3", "dW3"),
        ("∂L/∂W3", "dW3"),
        ("dL/dW_3", "dW3"),
        ("fp2", "fp2"),
        ("f'(H2)", "fp2"),
        ("σ'(H2)", "fp2"),
        ("sigmoid'(H_2)", "fp2"),
        ("yhat", "y_hat"),
        ("ŷ", "y_hat"),
        ("y_hat", "y_hat"),
        ("O3", "y_hat"),
        (r"\hat{y}", "y_hat"),
        ("loss", "L"),
        ("L", "L"),
        ("w1", "W1"),
        ("W_{2}", "W2"),
        ("h1", "H1"),
        ("dL/dyhat", "d3"),  # an identity output: ∂L/∂ŷ is d3 itself
        ("∂L/∂ŷ", "d3"),
    ],
)
def test_names_in_every_form(name: str, canonical: str) -> None:
    right = _student()
    res = _masha_solution().check({name: _typed(right[canonical])})
    assert [(v.name, v.status) for v in res.verdicts] == [(canonical, "match")], str(res)


# -- rounding ------------------------------------------------------------------------------


def _masha_zeros() -> mb.Network:
    return mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")


def test_the_printed_value_and_either_rounding_of_a_tie_match() -> None:
    # From zeros, X = [1 2], y = 1, η = 1: step 3 has H2 = O1·W2 = 1/2·1/32·2 = 1/32 = 0.03125
    # exactly (W2 = 1/32 after step 2), in a float step (σ(1/32) is irrational).
    sol = solve(_masha_zeros(), "1,2", "1", learning_rate=1, steps=3)
    assert "H2 = O1·W2 = [ 0.03125  0.03125 ]" in sol.to_text()
    for typed in ("0.03125,0.03125", "0.0312,0.0312", "0.0313,0.0313", "0.031,0.031", "0.03,0.03"):
        assert sol.check({"H2@3": typed}).ok, typed
    for typed in ("0.0314,0.0314", "0.0311,0.0311", "0.04,0.04", "1/32,1/33", "0,0"):
        assert not sol.check({"H2@3": typed}).ok, typed
    assert sol.check({"H2@3": "1/32,1/32"}).ok  # a fraction claims the exact value


def test_exact_values_need_exact_or_honestly_rounded_answers() -> None:
    sol = solve(_masha_zeros(), "1,2", "1", learning_rate=1, steps=2)
    assert sol.check(
        {"W3@1": "1/2;1/2", "W3@2": "0.75;0.75", "dW2@2": "-0.031,-0.031;-0.031,-0.031"}
    )
    # 3/4 to one place: 0.8 rounding half up, 0.7 rounding half to even; never 0.6
    assert sol.check({"W3@2": "0.8;0.7"})
    assert not sol.check({"W3@2": "0.6;0.6"})
    assert not sol.check({"W3@2": "1;1"})  # an integer is exact
    assert sol.check({"W3@2": "7.5e-1;0.750"})  # 7.5e-1 gives 2 places
    assert not sol.check({"W3@2": "6e-1;0.750"})  # 6e-1 gives 1 place: 0.75 is not 0.6


def test_a_student_who_keeps_four_decimals_passes_with_error_carried_forward() -> None:
    # She rounds every intermediate to 4 places and goes on from her rounded numbers: the
    # correct values, rounded once, differ from hers in the last place further down.
    mine = _student(round_to=4)
    answers = {name: _typed(a, 4) for name, a in mine.items()}
    sol = _masha_solution()
    strict = sol.check(answers)
    assert not strict.ok
    assert {v.diagnosis for v in strict.verdicts if not v.ok} == {None}  # no mistake to name
    carried = sol.check(answers, carry_forward=True)
    assert carried.ok, str(carried)
    assert "Error carried forward" in str(carried)
    # or with a tolerance of one unit in the 4th place
    assert sol.check(answers, tolerance=2e-4).ok


def test_error_carried_forward_still_catches_a_mistake_after_a_slip() -> None:
    # One slip early (the 1/n of the mean left out of L and d3), every later value right
    # *from her own numbers*, and then + in W3's update. She writes 6 places and goes on
    # from what she wrote.
    slip = _student(mean=False, round_to=6)
    answers = {name: _typed(a) for name, a in slip.items()}
    answers["W3"] = _typed(_student(mean=False, plus=True, round_to=6)["W3"])
    strict = _masha_solution().check(answers)
    wrong = [v.name for v in strict.verdicts if not v.ok]
    assert {"L", "d3", "dW3", "d2", "dW2", "d1", "dW1", "W1", "W2", "W3"} <= set(wrong)
    carried = _masha_solution().check(answers, carry_forward=True)
    assert [(v.name, v.diagnosis) for v in carried.verdicts if not v.ok] == [
        ("L", "no_mean"),
        ("d3", "no_mean"),
        ("W3", "plus_update"),
    ], str(carried)


def test_tolerance_is_absolute_or_relative_and_checked() -> None:
    sol = _masha_solution()
    right = _student()["dW2"]
    off = _typed(right + 1e-3)
    assert not sol.check({"dW2": off}).ok
    assert sol.check({"dW2": off}, tolerance=2e-3).ok
    assert not sol.check({"dW2": off}, tolerance="0.0001").ok
    assert sol.check({"dW3": _typed(_student()["dW3"] * 1.004)}, tolerance="1%").ok
    for bad in (-1, "abc", "-2%", float("nan")):
        with pytest.raises(mb.ConfigError, match="tolerance must be a number"):
            sol.check({"dW2": off}, tolerance=bad)


# -- a ReLU network with biases and log-loss -------------------------------------------------
#
# 2-3-1, relu hidden, sigmoid output fused with log-loss, b_k on, three rows.

RX = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 0.0]])
RY = np.array([[1.0], [0.0], [1.0]])
RW1 = np.array([[0.5, -1.0, 0.25], [0.25, 0.5, -0.5]])
Rb1 = np.array([0.1, 0.0, -0.2])
RW2 = np.array([[1.0], [-0.5], [0.75]])
Rb2 = np.array([0.05])


def _relu_solution() -> Any:
    net = mb.Network([2, 3, 1], activation="relu", output_activation="sigmoid", bias=True)
    return solve(
        net, RX, RY, loss="logloss", learning_rate=0.5, weights=[RW1, RW2], biases=[Rb1, Rb2]
    )


def _relu_student(*, mean: bool = True, fp: str = "right") -> dict[str, np.ndarray]:
    n = RX.shape[0]
    v: dict[str, np.ndarray] = {}
    v["H1"] = RX @ RW1 + Rb1
    v["O1"] = np.maximum(v["H1"], 0)
    v["H2"] = v["O1"] @ RW2 + Rb2
    v["y_hat"] = _sigmoid(v["H2"])
    p = v["y_hat"]
    v["L"] = np.array(-np.mean(RY * np.log(p) + (1 - RY) * np.log(1 - p)))
    v["d2"] = (p - RY) / (n if mean else 1)  # σ + log-loss: ∂L/∂H2 = (ŷ − y)/n
    v["dW2"] = v["O1"].T @ v["d2"]
    v["db2"] = v["d2"].sum(axis=0)
    v["fp1"] = (v["H1"] > 0).astype(float) if fp == "right" else v["O1"]
    v["d1"] = v["d2"] @ RW2.T * v["fp1"]
    v["dW1"] = RX.T @ v["d1"]
    v["db1"] = v["d1"].sum(axis=0)
    v["W1"], v["W2"] = RW1 - 0.5 * v["dW1"], RW2 - 0.5 * v["dW2"]
    v["b1"], v["b2"] = Rb1 - 0.5 * v["db1"], Rb2 - 0.5 * v["db2"]
    return v


def test_relu_logloss_right_answers_rounded_to_four_places_match() -> None:
    mine = _relu_student()
    res = _relu_solution().check({name: _typed(a, 4) for name, a in mine.items()})
    assert res.ok, str(res)


def test_relu_logloss_mistakes_are_named() -> None:
    sol = _relu_solution()
    right, no_mean, f_itself = _relu_student(), _relu_student(mean=False), _relu_student(fp="f")
    res = sol.check(
        [
            ("d2", _typed(no_mean["d2"])),
            ("db1", _typed(no_mean["db1"])),
            ("fp1", _typed(f_itself["fp1"])),
            ("dW1", _typed(f_itself["dW1"])),
            ("dW1", _typed(right["dW1"].T)),
            ("db2", _typed(-right["db2"])),
            ("db1", _typed(right["db1"])),  # a bias as the row it is added as
            ("b1", _typed(right["b1"][:, None])),  # ... or as a column: the transpose
        ]
    )
    got = [(v.name, v.status, v.diagnosis) for v in res.verdicts]
    assert got == [
        ("d2", "differs", "no_mean"),
        ("db2", "differs", "sign"),
        ("fp1", "differs", "f_for_fp"),
        ("dW1", "differs", "f_for_fp"),
        ("dW1", "differs", "transposed"),
        ("db1", "differs", "no_mean"),
        ("db1", "match", None),
        ("b1", "differs", "transposed"),
    ], str(res)


def test_the_report_in_russian_and_as_html() -> None:
    net = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init=[W1, W2, W3])
    sol = solve(net, X, Y, learning_rate=ETA, lang="ru")
    res = sol.check({"dW3": _typed(_student()["dW3"].T), "L": _typed(_student()["L"])})
    text = sol.to_text()
    assert "Проверка вашего ответа" in text
    assert "Проверено значений: 2; совпало 1, не совпало 1" in text
    assert "транспонированное верное значение" in text
    page = res._repr_html_()
    assert page.count("<tr>") == 3
    assert "dW3@1" in page
    assert "не совпадает" in page
    assert "<script" not in page
    assert repr(res).startswith("<CheckResult: Проверено значений: 2")


def test_the_report_goes_into_every_format() -> None:
    sol = _masha_solution()
    sol.check({"dW3": _typed(_student()["dW3"].T)})
    assert "the transpose of the correct one" in sol.to_markdown()
    latex = sol.to_latex()
    assert "the transpose of the correct one" in latex
    assert r"\frac{\partial L}{\partial W_{3}}\ (\text{yours, step 1})" in latex


def test_check_needs_pairs_and_a_boolean_carry_forward() -> None:
    sol = _masha_solution()
    with pytest.raises(mb.ConfigError, match="NAME: VALUE pairs"):
        sol.check(["dW3=1"])  # type: ignore[list-item]
    with pytest.raises(mb.ConfigError, match="carry_forward must be True or False"):
        sol.check({"L": "1"}, carry_forward="yes")  # type: ignore[arg-type]
    assert not sol.check({})  # nothing checked is not a pass


def test_a_minus_sign_copied_from_a_printed_page_reads_as_minus() -> None:
    sol = solve(_masha_zeros(), "1,2", "1", learning_rate=1, steps=2)
    assert sol.check({"d2@2": "−1/16, −0.0625"}).ok  # U+2212, as LaTeX and the text print it
