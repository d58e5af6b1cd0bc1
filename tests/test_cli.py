"""The command line end to end: exit codes, stdout, and one-line errors on stderr.

A few runs go through a real subprocess (the installed entry point, as a user types it);
the many bad-input cases call ``matbackprop.cli.main`` in-process, which is the same code
path minus the interpreter start-up.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from click.testing import CliRunner

import matbackprop as mb
from matbackprop.cli import cli, main


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "matbackprop", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def _assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("matbackprop: error:") or lines[0].startswith("Error:"), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    X, y = mb.demo_data(n=40)
    path = tmp_path / "data.csv"
    rows = ["x1,x2,y", *(",".join(repr(float(v)) for v in row) for row in np.hstack([X, y]))]
    path.write_text("\n".join(rows) + "\n")
    return path


# -- end to end, through a subprocess ---------------------------------------------------


def test_demo_end_to_end(tmp_path: Path) -> None:
    # (the figures are test_draw's business; here only the report)
    out = _run("demo", "--epochs", "300", "--no-progress", "--no-figures", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Masha's network" in out.stdout
    assert "2-2-2-1" in out.stdout
    before, after = (float(w) for w in out.stdout.split("before")[1].split()[:3:2])
    assert after < before
    assert "predictions" in out.stdout
    assert out.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_train_then_predict_end_to_end(tmp_path: Path, data_csv: Path) -> None:
    model, history = tmp_path / "model.npz", tmp_path / "history.csv"
    out = _run(
        "train", str(data_csv), "--target", "y", "--layers", "2,3,1", "--activation", "tanh",
        "--epochs", "20", "--lr", "0.05", "--seed", "1", "--save", str(model),
        "--history", str(history), "--no-progress", cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "20 epoch(s)" in out.stdout
    assert f"model saved to {model}" in out.stdout
    with history.open() as f:
        assert len(list(csv.reader(f))) == 21  # header + one row per epoch

    net = mb.Network.load(model)
    assert net.layer_sizes == (2, 3, 1)
    assert net.metadata["features"] == ["x1", "x2"]

    out = _run("predict", "--model", str(model), str(data_csv), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(out.stdout.splitlines()))
    assert rows[0] == ["y"]
    X = mb.read_csv(data_csv).select(["x1", "x2"])
    np.testing.assert_array_equal([[float(r[0])] for r in rows[1:]], net.predict(X))


def test_check_end_to_end(tmp_path: Path) -> None:
    out = _run("check", "--layers", "3,4,1,2", "--activation", "tanh", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "OK" in out.stdout
    error = float(out.stdout.split("max relative error")[1].split()[0])
    assert error < 1e-6


def test_user_mistake_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = _run("train", "missing.csv", "--target", "y", "--layers", "2,1", cwd=tmp_path)
    assert out.returncode == 2
    _assert_one_line_error(out.stderr, "missing.csv", "does not exist")
    assert out.stdout == ""


def test_bad_data_is_one_line_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,2\n3,four\n")
    out = _run("train", str(path), "--target", "y", "--layers", "1,1", cwd=tmp_path)
    assert out.returncode == 1
    _assert_one_line_error(out.stderr, "line 3", "'four' is not a number")


# -- in-process: every command's mistakes -----------------------------------------------


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


BAD_TRAIN = [
    pytest.param(["--layers", "2,x,1"], 2, ["--layers", "2,x,1"], id="layers-not-numbers"),
    pytest.param(["--layers", "2"], 2, ["at least two"], id="layers-one-size"),
    pytest.param(["--layers", "3,1"], 2, ["--layers must start with 2", "got 3"], id="layers-in"),
    pytest.param(["--layers", "2,2"], 2, ["--layers must end with 1", "got 2"], id="layers-out"),
    pytest.param(["--activation", "gelu"], 2, ["--activation must be one of", "'gelu'"],
                 id="unknown-activation"),
    pytest.param(["--output-activation", "gelu"], 2, ["--output-activation must be one of"],
                 id="unknown-output-activation"),
    pytest.param(["--seed", "-1"], 2, ["--seed", "-1"], id="negative-seed"),
    pytest.param(["--loss", "hinge"], 2, ["--loss", "hinge"], id="unknown-loss"),
    pytest.param(["--lr", "-1"], 2, ["--lr", "-1"], id="negative-lr"),
    pytest.param(["--epochs", "0"], 2, ["--epochs", "0"], id="zero-epochs"),
    pytest.param(["--target", "z"], 2, ["--target column 'z' is not in the CSV header"],
                 id="unknown-target"),
    pytest.param(["--init", "gaussian"], 2, ["--init must be one of", "'gaussian'"],
                 id="unknown-init"),
    pytest.param(["--lr", "1000", "--activation", "identity", "--optimizer", "gd",
                  "--epochs", "50"], 1, ["diverged", "smaller learning rate"], id="diverges"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "code", "fragments"), BAD_TRAIN)
def test_train_mistakes(
    capsys: pytest.CaptureFixture[str],
    data_csv: Path,
    extra: list[str],
    code: int,
    fragments: list[str],
) -> None:
    args = {"--target": "y", "--layers": "2,3,1", "--epochs": "3"}
    for flag, value in zip(extra[::2], extra[1::2]):
        args[flag] = value
    argv = ["train", str(data_csv), "--no-progress", *(s for kv in args.items() for s in kv)]
    got, _, err = _main(capsys, *argv)
    assert got == code
    _assert_one_line_error(err, *fragments)


def test_diverged_run_does_not_overwrite_a_model(
    capsys: pytest.CaptureFixture[str], data_csv: Path, tmp_path: Path
) -> None:
    model = tmp_path / "m.npz"
    mb.Network([2, 3, 1], init="zeros").save(model)
    before = model.read_bytes()
    code, _, err = _main(
        capsys, "train", str(data_csv), "--target", "y", "--layers", "2,3,1", "--lr", "1000",
        "--activation", "identity", "--optimizer", "gd", "--epochs", "50", "--save", str(model),
        "--no-progress",
    )  # fmt: skip
    assert code == 1
    assert "diverged" in err
    assert model.read_bytes() == before


def test_predict_mistakes(
    capsys: pytest.CaptureFixture[str], data_csv: Path, tmp_path: Path
) -> None:
    code, _, err = _main(capsys, "predict", "--model", str(tmp_path / "nope.npz"), str(data_csv))
    assert code == 2
    _assert_one_line_error(err, "nope.npz", "does not exist")

    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file")
    code, _, err = _main(capsys, "predict", "--model", str(junk), str(data_csv))
    assert code == 1
    _assert_one_line_error(err, "junk.npz")

    model = tmp_path / "m.npz"
    net = mb.Network([2, 1])
    net.metadata["features"] = ["x1", "x3"]
    net.save(model)
    code, _, err = _main(capsys, "predict", "--model", str(model), str(data_csv))
    assert code == 1
    _assert_one_line_error(err, "lacks column 'x3'")


def test_predict_to_a_file(
    capsys: pytest.CaptureFixture[str], data_csv: Path, tmp_path: Path
) -> None:
    model, out_csv = tmp_path / "m.npz", tmp_path / "pred.csv"
    net = mb.Network([2, 1], seed=0)
    net.metadata.update(features=["x1", "x2"], targets=["y"])
    net.save(model)
    code, out, err = _main(
        capsys, "predict", "--model", str(model), str(data_csv), "-o", str(out_csv)
    )
    assert (code, out, err) == (0, "", "")
    rows = list(csv.reader(out_csv.read_text().splitlines()))
    assert rows[0] == ["y"]
    assert len(rows) == 41


def test_check_reports_failure_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(capsys, "check", "--tolerance", "1e-30")
    assert code == 1
    assert "FAILED" in out


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["check", "--loss", "hinge"], ["--loss"]),
        (["check", "--layers", "0,1"], ["--layers"]),
        (["check", "--rows", "0"], ["--rows"]),
        (["check", "--seed", "-1"], ["--seed", "-1"]),
        (["check", "--tolerance", "-1"], ["--tolerance must be a finite number > 0, got -1.0"]),
        (["check", "--tolerance", "nan"], ["--tolerance must be a finite number > 0, got nan"]),
        (["check", "--activation", "gelu"], ["--activation must be one of", "'gelu'"]),
        (["check", "--layers", "2,2,1", "--activation", "relu,relu"],
         ["--activation must be one name or a list of 1"]),
        (["demo", "--epochs", "0"], ["--epochs"]),
        (["demo", "--lr", "-1", "--no-figures"], ["--lr must be > 0, got -1.0"]),
        (["demo", "--lr", "1e9", "--no-figures"], ["--lr must be at most 1000"]),
        (["draw", "-o", "x.png", "--activation", "relu,relu,relu"],
         ["--activation must be one name or a list of 2"]),
        (["draw", "-o", "x.png", "--output-activation", "gelu"], ["--output-activation must"]),
        (["explain", "--activation", "gelu"], ["--activation must be one of", "'gelu'"]),
        (["explain", "--activation", "softmax"],
         ["--activation of hidden layer 1 must be element-wise", "only as --output-activation"]),
        (["solve", "--X", "1,2", "--y", "1", "--init", "zeros", "--lr", "-1"],
         ["--lr must be > 0, got -1.0"]),
        (["solve", "--X", "1,2", "--y", "1", "--init", "zeros", "--lr", "abc"],
         ["--lr must hold finite numbers, got 'abc'"]),
        (["solve", "--X", "a,2", "--y", "1", "--init", "zeros"], ["--X must hold finite"]),
        (["solve", "--X", "1,2", "--y", "1;2", "--init", "zeros"], ["--y must have 1 rows"]),
        (["solve", "--X", "1,2", "--y", "1", "--W", "1,2"], ["--W must hold 3 matrices, got 1"]),
        (["solve", "--X", "1,2", "--y", "1", "--W", "1,2;3,4", "--W", "1,2", "--W", "1;2"],
         ["--W #2 (W2) expects shape (2, 2), got (1, 2)"]),
        (["solve", "--X", "1,2", "--y", "1", "--init", "zeros", "--bias", "--b", "1,2"],
         ["--b must hold 3 vectors, got 1"]),
        (["solve", "--X", "1,2", "--y", "1", "--init", "normal", "--init-scale", "nan"],
         ["--init-scale must be a finite number, got nan"]),
        (["solve", "--X", "1,2", "--y", "1", "--init", "gaussian"], ["--init must be one of"]),
        (["solve", "--X", "1,2", "--y", "1", "--init", "zeros", "--lr", "1e9"],
         ["--lr must be at most 1000"]),
        (["nonsense"], ["nonsense"]),
    ],
    ids=["check-loss", "check-layers", "check-rows", "check-seed", "check-tolerance",
         "check-tolerance-nan", "check-activation", "check-activations", "demo-epochs",
         "demo-lr", "demo-lr-huge", "draw-activations", "draw-output-activation",
         "explain-activation", "explain-softmax-hidden", "solve-lr", "solve-lr-text", "solve-X",
         "solve-y", "solve-W-count", "solve-W-shape", "solve-b", "solve-init-scale",
         "solve-init", "solve-lr-huge", "unknown-command"],
)  # fmt: skip
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    fragments: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mistake names the flag the user typed (--lr), never the API argument behind it
    (learning_rate)."""
    monkeypatch.chdir(tmp_path)  # draw's -o, should a case ever get that far
    code, _, err = _main(capsys, *args)
    assert code == 2
    _assert_one_line_error(err, *fragments)


def test_every_command_names_its_flags_in_library_errors() -> None:
    """One mechanism for every command, also those added later: each is a FlagCommand, and
    each option's API name (its flag with "_" for "-", and the parameter it fills) maps to
    the flag, whatever the command."""
    from matbackprop.cli._app import API_FLAGS, FlagCommand, flags_of, in_flag_words

    assert cli.commands
    for name, command in cli.commands.items():
        assert isinstance(command, FlagCommand), name
        flags = flags_of(command)
        for param in command.params:
            long = [o for o in param.opts if o.startswith("--")]
            if not long:
                continue  # DATA, a positional argument
            api = long[0][2:].replace("-", "_")
            assert flags[api] == long[0], (name, api)
            said = in_flag_words(f"{api} must be > 0, got -1", command)
            assert said == f"{long[0]} must be > 0, got -1", (name, said)
        for api, flag in API_FLAGS.items():  # an entry applies where the flag exists
            assert (api in flags) == (flag in flags.values()), (name, api)
    solve = cli.commands["solve"]
    assert in_flag_words("learning_rate must be > 0, got -1", solve) == "--lr must be > 0, got -1"
    # only the subject, and later only names no English word spells; quoted values stay
    assert in_flag_words("loss 'mse' became nan (learning_rate=2)", solve) == (
        "--loss 'mse' became nan (--lr=2)"
    )
    assert in_flag_words("the loss became nan", solve) == "the loss became nan"
    assert in_flag_words("X must hold numbers, got 'init_scale'", solve) == (
        "--X must hold numbers, got 'init_scale'"
    )
    # a command without the flag keeps the API's word
    assert in_flag_words("X lacks column 'a'", cli.commands["train"]) == "X lacks column 'a'"


@pytest.mark.parametrize("command", ["demo", "train", "predict", "check"])
def test_every_help_has_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    heading = re.search(r"Examples?:", result.output)
    assert heading is not None
    assert f"matbackprop {command}" in result.output[heading.end() :]


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert mb.__version__ in result.output


def test_check_in_float32(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(capsys, "check", "--dtype", "float32", "--loss", "cross_entropy",
                         "--layers", "2,3,3")  # fmt: skip
    assert code == 0
    assert "OK" in out
    assert "dtype=float32" in out


def test_train_classifier_with_label_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    labels = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    path = tmp_path / "classes.csv"
    path.write_text(
        "a,b,label\n" + "".join(f"{float(p)!r},{float(q)!r},{c}\n" for (p, q), c in zip(X, labels))
    )
    model = tmp_path / "clf.npz"
    code, _, err = _main(
        capsys, "train", str(path), "--target", "label", "--layers", "2,4,3",
        "--loss", "cross_entropy", "--epochs", "5", "--save", str(model), "--no-progress",
    )  # fmt: skip
    assert code == 0, err
    net: Any = mb.Network.load(model)
    assert net.output_activation == "softmax"


@pytest.mark.parametrize("loss", ["mse", "logloss", "cross_entropy"])
@pytest.mark.parametrize(
    "activation", ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "silu"]
)
def test_check_passes_for_every_activation_and_loss(
    capsys: pytest.CaptureFixture[str], activation: str, loss: str
) -> None:
    """Correct gradients must say OK at the default tolerance (ReLU kinks, tiny entries and
    saturated sigmoids once made them say FAILED)."""
    code, out, _ = _main(capsys, "check", "--layers", "4,6,5,3", "--activation", activation,
                         "--loss", loss, "--rows", "8")  # fmt: skip
    assert code == 0, out
    assert out.strip().endswith("OK")


def test_demo_leaves_numpy_print_options_alone() -> None:
    # The demo once set NumPy's global print precision, which changed how every array
    # printed afterwards in the same process (the tutorial's outputs among them).
    before = np.get_printoptions()
    assert main(["demo", "--epochs", "5", "--no-progress", "--no-figures"]) == 0
    assert np.get_printoptions() == before


# -- losses: every name, the pairing rule and its switch ------------------------------------


@pytest.mark.parametrize("command", ["train", "train-dask", "check"])
def test_loss_choices_are_the_registrys(command: str) -> None:
    from matbackprop.losses import LOSS_NAMES

    (option,) = [p for p in cli.commands[command].params if p.name == "loss"]
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == LOSS_NAMES


@pytest.mark.parametrize("name", ["mse_half", "squared_error", "bce", "ce"])
def test_check_takes_every_loss_name(capsys: pytest.CaptureFixture[str], name: str) -> None:
    layers = "2,3,3" if name == "ce" else "2,3,2"
    code, out, _ = _main(capsys, "check", "--loss", name, "--layers", layers)
    assert code == 0
    assert "OK" in out


def test_check_refuses_an_unpaired_loss_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: this printed a relative error of 1.0 and "FAILED", no reason."""
    code, _, err = _main(capsys, "check", "--loss", "logloss", "--output-activation", "identity")
    assert code == 2
    _assert_one_line_error(
        err, "loss 'logloss' needs --output-activation 'sigmoid', got 'identity'",
        "--allow-unpaired",
    )  # fmt: skip
    code, out, _ = _main(capsys, "check", "--loss", "cross_entropy", "--layers", "2,3,3",
                         "--output-activation", "sigmoid", "--allow-unpaired")  # fmt: skip
    assert code == 0
    assert "OK" in out


def test_train_refuses_an_unpaired_loss(capsys: pytest.CaptureFixture[str], data_csv: Path) -> None:
    args = ["train", str(data_csv), "--target", "y", "--layers", "2,3,1", "--loss", "logloss",
            "--output-activation", "identity", "--epochs", "1", "--no-progress"]  # fmt: skip
    code, _, err = _main(capsys, *args)
    assert code == 2
    _assert_one_line_error(err, "--output-activation 'sigmoid'", "--allow-unpaired")


def test_train_with_mse_half_prints_the_exact_loss(
    capsys: pytest.CaptureFixture[str], data_csv: Path, tmp_path: Path
) -> None:
    model = tmp_path / "m.npz"
    code, out, _ = _main(capsys, "train", str(data_csv), "--target", "y", "--layers", "2,3,1",
                         "--loss", "mse_half", "--optimizer", "sgd", "--epochs", "1",
                         "--save", str(model), "--no-progress")  # fmt: skip
    assert code == 0
    net = mb.Network.load(model)
    assert net.training_info is not None
    assert net.training_info["loss"] == {"name": "mse", "half": True}
    assert "loss " in out
