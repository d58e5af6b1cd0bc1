"""``matbackprop draw``, ``train --plot`` and ``demo --figures`` end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.cli import main


def _one_line_error(capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(("matbackprop: error:", "Error:")), err
    for fragment in fragments:
        assert fragment in err[0], (fragment, err[0])


def test_draw_through_the_console_script(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "matbackprop", "draw", "--layers", "2,2,2,1", "--what",
         "backward", "-o", "backward.svg"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "wrote backward.svg" in out.stdout
    svg = (tmp_path / "backward.svg").read_text()
    assert r"\dfrac{\partial O_{2}}{\partial H_{2}}" in svg
    assert "= f'(H_{2})" in svg


@pytest.mark.parametrize(
    ("fmt", "suffix", "magic"),
    [
        ("png", ".png", b"\x89PNG"),
        ("svg", ".svg", b"<?xml"),
        ("pdf", ".pdf", b"%PDF"),
        ("tikz", ".tex", b"% matbackprop"),
        ("dot", ".dot", b"// matbackprop"),
    ],
    ids=["png", "svg", "pdf", "tikz", "dot"],
)
@pytest.mark.parametrize("explicit", [False, True], ids=["from-suffix", "with-format"])
def test_draw_every_format(
    tmp_path: Path, fmt: str, suffix: str, magic: bytes, explicit: bool
) -> None:
    path = tmp_path / (f"out{suffix}" if not explicit else "out.figure")
    args = ["draw", "--layers", "3,4,2", "--activation", "tanh", "--bias", "-o", str(path)]
    assert main(args + (["--format", fmt] if explicit else [])) == 0
    assert path.read_bytes().startswith(magic)


def test_draw_per_layer_activations_and_a_saved_model(tmp_path: Path) -> None:
    tex = tmp_path / "f.tex"
    args = ["draw", "--layers", "2,3,3,1", "--activation", "tanh,relu", "--what", "forward"]
    assert main([*args, "--output-activation", "sigmoid", "-o", str(tex)]) == 0
    assert r"f_{1} = \mathrm{tanh}" in tex.read_text()
    net = mb.Network([2, 3, 1], activation="tanh", bias=True, seed=0)
    net.save(tmp_path / "m.npz")
    dot = tmp_path / "m.dot"
    assert main(["draw", "--model", str(tmp_path / "m.npz"), "-o", str(dot)]) == 0
    assert 'label="b¹₃"' in dot.read_text()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["draw", "-o", "d.gif"], ["d.gif", "png"]),
        (["draw", "--what", "sideways", "-o", "d.png"], ["--what", "sideways"]),
        (["draw", "--format", "jpg", "-o", "d.png"], ["--format", "jpg"]),
        (["draw", "--layers", "2,x", "-o", "d.png"], ["--layers", "2,x"]),
        (["draw", "--activation", "nope", "-o", "d.png"], ["activation", "nope"]),
        (["draw", "-o", "no/such/folder/d.png"], ["no/such/folder"]),
        (["draw", "--model", "m.npz", "--layers", "2,1", "-o", "d.png"], ["--model", "--layers"]),
        (["draw", "--model", "missing.npz", "-o", "d.png"], ["missing.npz"]),
        (["draw"], ["--output"]),
    ],
    ids=[
        "unknown-suffix", "unknown-what", "unknown-format", "bad-layers", "bad-activation",
        "missing-folder", "model-and-layers", "missing-model", "no-output",
    ],
)  # fmt: skip
def test_draw_mistakes_exit_2_with_one_line(
    args: list[str],
    fragments: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    mb.Network([2, 1]).save("m.npz")
    assert main(args) == 2
    _one_line_error(capsys, *fragments)
    assert not list(tmp_path.glob("d.*"))


def test_train_plot_writes_the_loss_curve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    X, y = mb.demo_data(40, seed=0)
    data = tmp_path / "data.csv"
    np.savetxt(data, np.hstack([X, y]), delimiter=",", header="x1,x2,y", comments="")
    plot = tmp_path / "loss.svg"
    args = ["train", str(data), "-t", "y", "--layers", "2,3,1", "--epochs", "20", "--no-progress"]
    assert main([*args, "--validation-split", "0.25", "--plot", str(plot)]) == 0
    assert f"loss curve written to {plot}" in capsys.readouterr().out
    svg = plot.read_text()
    assert "training loss" in svg
    assert "validation loss" in svg
    assert main([*args, "--plot", str(tmp_path / "loss.csv")]) == 2
    _one_line_error(capsys, "--plot", "loss.csv")


def test_demo_writes_its_figures_into_the_folder_it_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "figs"
    assert main(["demo", "--epochs", "30", "--no-progress", "--figures", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"7 figures in {folder}/" in out
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([
        "network.png", "forward.png", "backward.png", "loss.png", "learned_function.png",
        "gradient_norms.png", "vanishing_gradients.png",
    ])  # fmt: skip


def test_demo_no_figures_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--epochs", "5", "--no-progress", "--no-figures"]) == 0
    assert "figures" not in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "taken").write_text("a file")
    assert main(["demo", "--epochs", "5", "--no-progress", "--figures", "taken"]) == 2
    _one_line_error(capsys, "taken")
