"""The playground's JSON API, through FastAPI's TestClient, against the library itself.

Every number the page shows must be ``mb.solve``'s, every verdict ``Solution.check``'s,
every training curve ``Network.fit``'s; bad input gets the command line's messages, field
by field; the caps hold; the command serves on 127.0.0.1 and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.cli import main
from matbackprop.data import read_table
from matbackprop.errors import DataError
from matbackprop.explain._doc import plain
from matbackprop.playground.limits import LIMITS

with warnings.catch_warnings():  # starlette's notice about httpx's successor
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from matbackprop.playground.app import create_app

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.fixture(scope="module")
def masha(client: TestClient) -> dict[str, Any]:
    """The problem the page starts with."""
    problem: dict[str, Any] = client.get("/api/defaults").json()["problem"]
    return problem


def masha_solution(steps: int = 2) -> Any:
    net = mb.Network([2, 2, 2, 1], activation="sigmoid", bias=False, init="zeros")
    return mb.solve(net, "1,2;3,4", "1;0", loss="mse_half", learning_rate=1, steps=steps)


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    out: dict[str, str] = response.json()["errors"]
    return out


def as_matrix(v: Any) -> np.ndarray:
    arr = np.asarray(v, dtype=object)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr.reshape(1, 1) if arr.ndim == 0 else arr


# -- the defaults -----------------------------------------------------------------------


def test_defaults_are_mashas_zero_init_problem(masha: dict[str, Any], client: TestClient) -> None:
    d = client.get("/api/defaults").json()
    assert masha["layers"] == [2, 2, 2, 1]
    assert (masha["activation"], masha["output_activation"], masha["bias"]) == (
        "sigmoid",
        "identity",
        False,
    )
    assert (masha["loss"], masha["init"], masha["X"], masha["y"]) == (
        "mse_half",
        "zeros",
        "1,2;3,4",
        "1;0",
    )
    assert "typed" in d["choices"]["init"]
    assert "relu" in d["choices"]["activations"]
    assert {s["name"] for s in d["datasets"]} >= {"masha", "xor", "demo"}
    assert d["limits"] == LIMITS.as_dict()


# -- every number of two steps equals mb.solve's ----------------------------------------------


def test_every_number_of_two_steps_is_mb_solves(client: TestClient, masha: dict[str, Any]) -> None:
    r = client.post("/api/steps", json={"problem": masha, "steps": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    sol = masha_solution()
    for given in body["given"]:
        want = as_matrix(sol.given[given["name"]])
        assert given["text"] == [[str(v) for v in row] for row in want]
    assert [g["name"] for g in body["given"]] == list(sol.given)
    for s, page in zip(sol.steps, body["steps"], strict=True):
        assert page["exact"]
        assert page["rows"] == [1, 2]
        ops = {op["name"]: op for op in page["operations"]}
        # the page shows the values in the solution's own order; H3 is ŷ itself (linear output)
        assert list(ops) == [n for n in s.values if n != "H3"]
        np.testing.assert_array_equal(s.values["H3"], s.values["y_hat"])
        for name, op in ops.items():
            want = as_matrix(s.values[name])
            assert all(isinstance(v, Fraction) for v in want.flat)  # zero init stays rational
            assert op["text"] == [[str(v) for v in row] for row in want], name
            assert op["floats"] == [[float(v) for v in row] for row in want], name
            assert op["shape"] == list(want.shape)
            assert op["relation"] == "="
            assert op["exact"]
    # Worked by hand (the seed's problem, W = 0): H1 = 0, O1 = σ(0) = 1/2, ŷ = O2·W3 = 0,
    # L = 1/(2·2)·(1² + 0²) = 1/4, d = (ŷ − y)/n = (−1/2, 0), ∂L/∂W3 = O2ᵀ·d = (−1/4, −1/4),
    # W3 ← 0 − 1·(−1/4) = 1/4; step 2: ŷ = 1/2·1/4·2 = 1/4, L = ((3/4)² + (1/4)²)/4 = 5/32.
    step1 = {op["name"]: op["text"] for op in body["steps"][0]["operations"]}
    step2 = {op["name"]: op["text"] for op in body["steps"][1]["operations"]}
    assert step1["O1"] == [["1/2", "1/2"], ["1/2", "1/2"]]
    assert step1["L"] == [["1/4"]]
    assert step1["d3"] == [["-1/2"], ["0"]]
    assert step1["dW3"] == [["-1/4"], ["-1/4"]]
    assert step1["W3"] == [["1/4"], ["1/4"]]
    assert step2["L"] == [["5/32"]]


def test_each_operation_has_its_phase_layer_equation_and_shapes(
    client: TestClient, masha: dict[str, Any]
) -> None:
    ops = client.post("/api/steps", json={"problem": masha, "steps": 1}).json()["steps"][0]
    by = {op["name"]: op for op in ops["operations"]}
    assert [op["phase"] for op in ops["operations"]] == ["forward"] * 6 + ["backward"] * 8 + [
        "update"
    ] * 3
    assert by["H1"]["equation"]["text"] == "H1 = X·W1"
    assert by["H1"]["layer"] == 1
    assert by["H1"]["equation"]["latex"] == r"H_{1} = X \cdot W_{1}"
    assert by["H1"]["shapes"]["text"] == "[2×2]·[2×2] = [2×2]"
    assert by["O1"]["equation"]["text"] == "O1 = f(H1)"
    assert by["d3"]["equation"]["text"].startswith("d = ∂L/∂ŷ")
    assert by["dW3"]["equation"]["text"] == "∂L/∂W3 = O2ᵀ·d"
    assert by["dW3"]["layer"] == 3
    assert by["dW3"]["shapes"]["text"] == "[2×2]·[2×1] = [2×1]"
    assert by["d2"]["equation"]["text"] == "d = d·W3ᵀ * f'(H2)"
    assert by["d2"]["shapes"]["text"] == "[2×1]·[1×2] * [2×2] = [2×2]"
    assert by["W1"]["equation"]["text"] == "W1 ← W1 − η·∂L/∂W1"
    assert by["L"]["layer"] == 3
    assert by["y_hat"]["layer"] == 3
    assert by["H2"]["latex"] == r"\begin{pmatrix} 0 & 0 \\ 0 & 0 \end{pmatrix}"


def test_decimals_after_the_rationals_as_solve_prints_them(client: TestClient) -> None:
    # W1 = I makes H1 = X, and σ(1) is irrational: every step in decimals, 3 digits
    problem = {"init": "typed", "weights": ["1,0;0,1", "1/2,0;0,1/2", "1;-1"]}
    r = client.post("/api/steps", json={"problem": problem, "steps": 1, "precision": 3})
    assert r.status_code == 200, r.text
    net = mb.Network([2, 2, 2, 1], bias=False, init="zeros")
    sol = mb.solve(net, "1,2;3,4", "1;0", learning_rate=1, weights=problem["weights"], precision=3)
    op = {o["name"]: o for o in r.json()["steps"][0]["operations"]}
    assert not sol.steps[0].exact
    assert op["O1"]["relation"] == "≈"
    assert not op["O1"]["exact"]
    assert op["O1"]["floats"] == np.asarray(sol.steps[0].values["O1"], dtype=float).tolist()
    assert op["O1"]["text"][0][0] == "0.731"  # σ(1) = 0.7310585...


def test_russian_notes(client: TestClient, masha: dict[str, Any]) -> None:
    r = client.post("/api/steps", json={"problem": masha, "steps": 1, "lang": "ru"})
    assert "Все числа — точные дроби." in r.json()["notes"]


# -- check my answer -----------------------------------------------------------------------


def test_verdicts_are_solution_checks(client: TestClient, masha: dict[str, Any]) -> None:
    answers = [
        ["dW3", "-1/4,-1/4"],  # transposed
        ["d2@2", "-0.0234,-0.0234;0.0078,0.0078"],  # -3/128 = -0.0234375 rounded: a match
        ["L@2", "0.157"],  # 5/32 = 0.15625 is 0.156 to three places
        ["W3@1", "1/4;1/4"],
        ["Q7", "1"],
    ]
    r = client.post("/api/check", json={"problem": masha, "steps": 2, "answers": answers})
    assert r.status_code == 200, r.text
    body = r.json()
    result = masha_solution().check([tuple(a) for a in answers])
    assert body["ok"] is result.ok is False
    assert body["summary"] == result.summary()
    assert len(body["verdicts"]) == len(result.verdicts)
    for page, v in zip(body["verdicts"], result.verdicts, strict=True):
        assert (page["key"], page["status"], page["step"], page["name"]) == (
            v.key,
            v.status,
            v.step,
            v.name,
        )
        assert page["message"] == plain(result.describe(v))
        assert page["diagnoses"] == (v.diagnoses if v.status == "differs" else [])
    statuses = {v["label"]: (v["status"], v["diagnoses"]) for v in body["verdicts"]}
    assert statuses["dW3@1"] == ("differs", ["transposed"])
    assert statuses["d2@2"] == ("match", [])
    assert statuses["W3@1"] == ("match", [])
    assert statuses["L@2"][0] == "differs"


def test_check_carries_errors_forward_as_solve_does(
    client: TestClient, masha: dict[str, Any]
) -> None:
    # a wrong d3 (the ½ kept twice) and the dW3 that follows from it: with error carried
    # forward the second is judged from the first
    answers = [["d3", "-1/4;0"], ["dW3", "-1/8;-1/8"]]
    body = client.post(
        "/api/check",
        json={"problem": masha, "steps": 1, "answers": answers, "carry_forward": True},
    ).json()
    result = masha_solution(1).check([tuple(a) for a in answers], carry_forward=True)
    assert [v["status"] for v in body["verdicts"]] == [v.status for v in result.verdicts]
    assert [v["status"] for v in body["verdicts"]] == ["differs", "match"]


def test_check_with_a_bad_tolerance_names_it(client: TestClient, masha: dict[str, Any]) -> None:
    r = client.post(
        "/api/check",
        json={"problem": masha, "answers": [["L", "1/4"]], "tolerance": "-1"},
    )
    assert errors_of(r) == {
        "tolerance": "tolerance must be a number ≥ 0 (absolute) or a percentage like '1%', got '-1'"
    }


# -- bad input: the command line's messages, field by field ----------------------------------


def cli_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line ``matbackprop`` prints for a mistake, without its prefix."""
    assert main(args) != 0
    err = capsys.readouterr().err.strip()
    return err.removeprefix("matbackprop: error: ")


def test_bad_fields_get_the_cli_messages_each_under_its_field(
    client: TestClient, masha: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {**masha, "X": "1,2;3", "learning_rate": "-1", "loss": "hinge", "y": "1;zero"}
    got = errors_of(client.post("/api/steps", json={"problem": bad}))
    assert set(got) == {"X", "learning_rate", "loss", "y"}  # none hides another
    solve = ["solve", "--init", "zeros", "--lr", "1", "--X", "1,2;3,4", "--y", "1;0"]
    ragged = cli_error([*solve, "--X", "1,2;3"], capsys)
    assert got["X"] == ragged.replace("--X", "X")
    assert got["learning_rate"] == cli_error([*solve, "--lr", "-1"], capsys).replace(
        "--lr", "learning_rate"
    )
    assert got["y"] == cli_error([*solve, "--y", "1;zero"], capsys).replace("--y", "y")
    assert got["loss"].startswith("loss must be one of mse, logloss, cross_entropy")


def test_a_check_between_fields_goes_to_the_field_that_is_off(
    client: TestClient, masha: dict[str, Any]
) -> None:
    wide = {**masha, "X": "1,2,3;4,5,6"}
    assert errors_of(client.post("/api/steps", json={"problem": wide})) == {
        "X": "X must have 2 column(s), got shape (2, 3)"
    }
    typed = {**masha, "init": "typed", "weights": ["1,0;0,1", "1,2", "1;1"]}
    assert errors_of(client.post("/api/steps", json={"problem": typed})) == {
        "weights[1]": "weights[1] (W2) expects shape (2, 2), got (1, 2)"
    }
    short = {**masha, "init": "typed", "weights": ["1,0;0,1"]}
    assert errors_of(client.post("/api/steps", json={"problem": short})) == {
        "weights": "weights must hold 3 matrices, got 1"
    }
    layers = {**masha, "layers": [2, 0, 1]}
    assert errors_of(client.post("/api/steps", json={"problem": layers})) == {
        "layers": "layer_sizes[1] must be a positive integer, got 0"
    }


def test_malformed_requests_are_422_with_a_field(client: TestClient, masha: dict[str, Any]) -> None:
    got = errors_of(client.post("/api/steps", json={"problem": {**masha, "layers": "2,2"}}))
    assert list(got) == ["layers"]
    got = errors_of(client.post("/api/steps", json={"problem": masha, "lang": "de"}))
    assert got == {"lang": "lang must be one of en, ru; got 'de'"}
    got = errors_of(client.post("/api/steps", json={"problem": masha, "numbers": "roman"}))
    assert got == {"numbers": "numbers must be one of auto, exact, decimal, got 'roman'"}
    got = errors_of(client.post("/api/steps", json={"problem": {**masha, "colour": "red"}}))
    assert list(got) == ["colour"]
    r = client.post(
        "/api/steps", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert list(errors_of(r)) == ["request"]


# -- the caps ---------------------------------------------------------------------------------


def test_limits_give_one_clear_message(client: TestClient, masha: dict[str, Any]) -> None:
    wide = {**masha, "layers": [2, 2000, 1]}
    assert errors_of(client.post("/api/steps", json={"problem": wide})) == {
        "layers": "each layer size must be at most 1024 in the playground, got 2000"
    }
    deep = {**masha, "layers": [2] * 12 + [1]}
    assert (
        "the number of weight layers must be at most 8"
        in errors_of(client.post("/api/steps", json={"problem": deep}))["layers"]
    )
    assert errors_of(client.post("/api/steps", json={"problem": masha, "steps": 50})) == {
        "steps": "steps per request must be at most 10 in the playground, got 50"
    }
    rows = {**masha, "X": ";".join(["1,2"] * 65), "y": ";".join(["1"] * 65)}
    assert list(errors_of(client.post("/api/steps", json={"problem": rows}))) == ["X"]
    r = client.post("/api/train", json={"problem": masha, "steps": 6000, "grid": 500})
    got = errors_of(r)
    assert got["steps"] == "steps per request must be at most 5000 in the playground, got 6000"
    assert got["grid"] == "grid must be in 2..64 in the playground, got 500"
    answers = [["L", "1"]] * 101
    assert list(
        errors_of(client.post("/api/check", json={"problem": masha, "answers": answers}))
    ) == ["answers"]
    big = b"{" + b" " * (LIMITS.max_body_bytes + 1) + b"}"
    r = client.post("/api/steps", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert list(r.json()["errors"]) == ["request"]


def test_the_work_of_exact_arithmetic_is_capped(client: TestClient) -> None:
    # Fractions cost ~1 µs a product: 784-128-10 on 16 rows is 1.6 M products a step
    X = ";".join([",".join(["1"] * 784)] * 16)
    y = ";".join([",".join(["0"] * 9 + ["1"])] * 16)
    problem = {"layers": [784, 128, 10], "X": X, "y": y}
    assert errors_of(client.post("/api/steps", json={"problem": problem, "steps": 1})) == {
        "steps": "rows × parameters × steps of a worked solution must be at most 1000000 in "
        "the playground, got 1626112"
    }
    problem = {**problem, "X": ";".join(X.split(";")[:3]), "y": ";".join(y.split(";")[:3])}
    r = client.post("/api/check", json={"problem": problem, "steps": 1, "answers": [["L", "0"]]})
    assert errors_of(r) == {
        "X": "rows × parameters × steps of a check must be at most 120000 in the playground, "
        "got 304896"
    }


def test_784_128_10_fits(client: TestClient) -> None:
    rng = np.random.default_rng(0)
    X = ";".join(",".join(str(v) for v in row) for row in rng.integers(0, 2, (3, 784)))
    y = ";".join(",".join(str(v) for v in row) for row in np.eye(10, dtype=int)[:3])
    problem = {"layers": [784, 128, 10], "X": X, "y": y, "init": "normal", "seed": 1}
    r = client.post("/api/train", json={"problem": problem, "steps": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["loss"]) == 5
    assert body["plane"] is None
    assert [np.shape(W) for W in body["weights"]] == [(784, 128), (128, 10)]


# -- train -----------------------------------------------------------------------------------


def test_training_is_network_fits_and_the_loss_falls(client: TestClient) -> None:
    problem = {"init": "normal", "seed": 3, "X": "0,0;0,1;1,0;1,1", "y": "0;1;1;0"}
    r = client.post("/api/train", json={"problem": problem, "steps": 200, "grid": 9})
    assert r.status_code == 200, r.text
    body = r.json()
    net = mb.Network([2, 2, 2, 1], bias=False, init="normal", seed=3)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    history = net.fit(X, y, loss="mse_half", optimizer="sgd", learning_rate=1.0, epochs=200,
                      progress=False, track_gradients=True)  # fmt: skip
    assert body["loss"] == history.loss
    assert body["loss"][-1] < body["loss"][0]
    assert body["gradient_norms"]["W2"] == [g[1] for g in history.grad_norms]
    np.testing.assert_array_equal(body["weights"][0], net.weights[0])
    assert body["final_loss"] == net.loss(X, y, "mse_half")
    plane = body["plane"]
    assert len(plane["x0"]) == len(plane["x1"]) == 9
    grid = np.array([[a, b] for b in plane["x1"] for a in plane["x0"]])
    np.testing.assert_allclose(np.array(plane["output"]).ravel(), net.predict(grid)[:, 0])
    hidden = net.forward(grid).O[1][:, 1]  # layer 1, neuron 2
    (h,) = [h for h in plane["hidden"] if (h["layer"], h["neuron"]) == (1, 2)]
    np.testing.assert_allclose(np.array(h["values"]).ravel(), hidden)
    assert len(plane["hidden"]) == 4


def test_training_continues_from_where_it_stopped(client: TestClient) -> None:
    problem = {"init": "normal", "seed": 3}
    whole = client.post("/api/train", json={"problem": problem, "steps": 20}).json()
    first = client.post("/api/train", json={"problem": problem, "steps": 12}).json()
    start = {"weights": first["weights"], "biases": first["biases"]}
    rest = client.post("/api/train", json={"problem": problem, "steps": 8, "start": start}).json()
    assert first["loss"] + rest["loss"] == whole["loss"]


def test_zero_init_training_warns_of_symmetry(client: TestClient, masha: dict[str, Any]) -> None:
    body = client.post("/api/train", json={"problem": masha, "steps": 3}).json()
    assert any("starts identical" in w for w in body["warnings"])


def test_a_diverging_run_names_the_learning_rate(client: TestClient) -> None:
    problem = {"activation": "identity", "learning_rate": "900", "init": "normal", "seed": 0,
               "X": "10,20;30,40", "y": "1;0"}  # fmt: skip
    got = errors_of(client.post("/api/train", json={"problem": problem, "steps": 50}))
    assert list(got) == ["learning_rate"]


# -- export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "latex", "text"])
def test_export_command_reproduces_the_file(
    client: TestClient,
    masha: dict[str, Any],
    fmt: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = [["dW3", "-1/4,-1/4"]]
    r = client.post(
        "/api/export",
        json={"problem": masha, "steps": 2, "format": fmt, "lang": "ru", "answers": answers},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    args = shlex.split(body["command"])
    assert args[:2] == ["matbackprop", "solve"]
    monkeypatch.chdir(tmp_path)
    assert main(args[1:]) == 1  # a --check value differs
    assert (tmp_path / body["filename"]).read_text(encoding="utf-8") == body["content"]


def test_export_trace_and_figure(client: TestClient, masha: dict[str, Any]) -> None:
    sol = masha_solution()
    trace = client.post("/api/export", json={"problem": masha, "format": "json"}).json()
    assert trace["content"] == sol.to_json()
    assert trace["media_type"] == "application/json"
    fig = client.post(
        "/api/export",
        json={"problem": masha, "format": "figure", "what": "backward", "figure_format": "png"},
    ).json()
    assert fig["encoding"] == "base64"
    assert fig["filename"].endswith(".png")
    import base64

    assert base64.b64decode(fig["content"])[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.post("/api/figure", json={"problem": masha, "step": 2, "what": "forward"})
    assert svg.status_code == 200
    assert svg.json()["svg"].lstrip().startswith("<?xml")


# -- an uploaded CSV ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x1,x2,y\n1,2,1\n3,abc,0\n",  # not a number
        "x1,x2,y\n1,2,1\n3,4\n",  # a short row
        "1,2,1\n3,4,0\n",  # no header
        "",  # empty
        "x1,x2,y\n",  # no rows
    ],
    ids=["non-number", "short-row", "no-header", "empty", "header-only"],
)
def test_a_bad_csv_gets_the_cli_readers_message(client: TestClient, text: str) -> None:
    got = errors_of(client.post("/api/csv", json={"text": text, "name": "data.csv"}))
    with pytest.raises(DataError) as exc:
        read_table(text.encode(), "data.csv")
    assert got == {"text": str(exc.value)}


def test_a_csv_becomes_x_and_y(client: TestClient) -> None:
    text = "x1;x2;y\r\n1;0.5;1\r\n3;4;0\r\n"
    body = client.post("/api/csv", json={"text": text}).json()
    assert body == {"columns": ["x1", "x2", "y"], "X": "1,0.5;3,4", "y": "1;0", "rows": 2}


# -- serving -----------------------------------------------------------------------------------


def test_mb_playground_serves_from_a_thread_and_stops() -> None:
    import httpx

    net = mb.Network([2, 3, 1], activation="tanh", bias=True, init="normal", seed=2)
    X, y = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([1.0, 0.0])
    pg = mb.playground(net, X, y, learning_rate="1/2")
    try:
        assert pg.url.startswith("http://127.0.0.1:")
        assert pg.running
        problem = httpx.get(pg.url + "api/defaults", timeout=10).json()["problem"]
        assert problem["layers"] == [2, 3, 1]
        assert problem["init"] == "typed"
        assert problem["X"] == "1,2;0.5,-1"
        assert problem["y"] == "1;0"
        r = httpx.post(pg.url + "api/steps", json={"problem": problem, "steps": 1}, timeout=30)
        sol = mb.solve(net, X, y, learning_rate="1/2")
        op = {o["name"]: o for o in r.json()["steps"][0]["operations"]}
        for name, value in sol.steps[0].values.items():  # solve rounds the random init alike
            if name in op:
                assert op[name]["floats"] == as_matrix(value).astype(float).tolist(), name
        assert "iframe" in pg._repr_html_()
    finally:
        pg.stop()
    assert not pg.running


def test_the_command_binds_localhost_and_stops_cleanly_on_ctrl_c() -> None:
    import httpx

    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "matbackprop", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        r = httpx.get(url + "api/defaults", timeout=30)
        assert r.status_code == 200
        assert r.json()["problem"]["layers"] == [2, 2, 2, 1]
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped" in err


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from matbackprop.playground.server import bind

    taken = bind()
    try:
        port = taken.getsockname()[1]
        assert main(["playground", "--no-browser", "--port", str(port)]) == 2
        assert capsys.readouterr().err.startswith(f"matbackprop: error: --port {port} on host")
    finally:
        taken.close()
