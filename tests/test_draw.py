"""Diagrams (matbackprop.draw): every format, the seed's labels, no clipping, no overlaps."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import matbackprop as mb
from matbackprop.draw import FORMATS, WHAT, Diagram, diagram, draw
from matbackprop.draw.scene import svg_text

MASHA = [2, 2, 2, 1]
SUFFIX = {"png": ".png", "svg": ".svg", "pdf": ".pdf", "tikz": ".tex", "dot": ".dot"}


def _svg_labels(d: Diagram) -> list[str]:
    """The mathtext source of every text in the SVG (Matplotlib writes it as a comment)."""
    return re.findall(r"<!-- (.*?) -->", svg_text(d.figure()))


def _worked_step() -> tuple[mb.Network, mb.Cache, mb.Gradients]:
    net = mb.Network(MASHA, bias=False, init="glorot", seed=0)
    X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])  # (3, 2)
    y = np.array([[1.0], [0.0], [0.5]])  # (3, 1)
    _, grads = net.gradients(X, y, "mse")
    return net, net.forward(X), grads


# -- files in every format ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("what", WHAT)
def test_every_format_writes_a_non_empty_file(tmp_path: Path, what: str, fmt: str) -> None:
    path = diagram(MASHA, what, bias=True).save(tmp_path / f"d{SUFFIX[fmt]}")
    data = path.read_bytes()
    assert len(data) > 500
    magic = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml", "tikz": b"% matbackprop"}
    assert data.startswith(magic.get(fmt, b"// matbackprop"))


def test_format_argument_beats_the_suffix(tmp_path: Path) -> None:
    path = diagram(MASHA).save(tmp_path / "figure.txt", format="svg")
    assert path.read_text().lstrip().startswith("<?xml")


# -- the seed's labels in the SVG ---------------------------------------------------------


def test_network_svg_has_every_weight_and_shape_of_mashas_network() -> None:
    labels = _svg_labels(diagram(MASHA, "network"))
    weights = [f"$w^{{1}}_{{{i}{j}}}$" for i in (1, 2) for j in (1, 2)]
    weights += [f"$w^{{2}}_{{{i}{j}}}$" for i in (1, 2) for j in (1, 2)]
    weights += ["$w^{3}_{1}$", "$w^{3}_{2}$"]  # one output: the seed writes w^3_1, w^3_2
    for label in [*weights, "$x_{1}$", "$x_{2}$", r"$\hat{y}$", "$X$"]:
        assert label in labels, label
    for shape in [r"$W_{1}\ [2\times2]$", r"$W_{2}\ [2\times2]$", r"$W_{3}\ [2\times1]$"]:
        assert shape in labels, shape
    assert labels.count(r"$[n\times2]$") == 3  # under X, O_1, O_2
    assert r"$[n\times1]$" in labels
    assert not any("b^" in lab for lab in labels)  # Masha's network has no biases


def test_network_with_biases_labels_each_bias_edge() -> None:
    labels = _svg_labels(diagram(MASHA, "network", bias=True))
    for label in ["$b^{1}_{1}$", "$b^{1}_{2}$", "$b^{2}_{2}$", "$b^{3}_{1}$", "$1$"]:
        assert label in labels, label


def test_forward_svg_is_the_seed_chain_with_shapes() -> None:
    d = diagram(MASHA, "forward")
    assert [n.tex for n in d.nodes] == ["X", "H_{1}", "O_{1}", "H_{2}", "O_{2}", r"\hat{y}", "L"]
    labels = _svg_labels(d)
    # W_k on the edge with its shape [a×b] over it; f on the activation edges
    for label in ["$W_{1}$", "$W_{3}$", r"$[2\times1]$", "$f$", r"$[n\times1]$"]:
        assert label in labels, label
    assert labels.count(r"$[2\times2]$") == 2  # W1, W2
    assert labels.count(r"$[n\times2]$") == 5  # X, H1, O1, H2, O2
    assert [(e.src, e.dst) for e in d.edges][:2] == [("X", "H1"), ("H1", "O1")]


def test_backward_svg_has_every_derivative_of_the_seed() -> None:
    d = diagram(MASHA, "backward")
    labels = _svg_labels(d)
    # Each dashed arrow: the derivative above it, its value below it.
    arrows = [
        (r"\dfrac{\partial L}{\partial \hat{y}}", None),
        (r"\dfrac{\partial \hat{y}}{\partial O_{2}}", r"= W_{3}^{\mathsf{T}}"),
        (r"\dfrac{\partial O_{2}}{\partial H_{2}}", r"= f'(H_{2})"),
        (r"\dfrac{\partial H_{2}}{\partial O_{1}}", r"= W_{2}^{\mathsf{T}}"),
        (r"\dfrac{\partial O_{1}}{\partial H_{1}}", r"= f'(H_{1})"),
        (r"\dfrac{\partial H_{1}}{\partial X}", r"= W_{1}^{\mathsf{T}}"),
    ]
    for above, below in arrows:
        edge = next(e for e in d.edges if e.label is not None and e.label.tex == above)
        assert (edge.below.tex if edge.below else None) == below
        assert f"${above}$" in labels
        assert below is None or f"${below}$" in labels
    branches = [  # the three branches down to W3, W2, W1
        r"\dfrac{\partial \hat{y}}{\partial W_{3}} = O_{2}^{\mathsf{T}}",
        r"\dfrac{\partial H_{2}}{\partial W_{2}} = O_{1}^{\mathsf{T}}",
        r"\dfrac{\partial H_{1}}{\partial W_{1}} = X^{\mathsf{T}}",
    ]
    for tex in branches:
        assert f"${tex}$" in labels, tex
    assert all(e.dashed for e in d.edges)
    branch_edges = [(e.src, e.dst) for e in d.edges if e.dst.startswith("P")]
    assert branch_edges == [("H1", "P1"), ("H2", "P2"), ("yhat", "P3")]


def test_per_layer_activations_and_output_activation_get_their_own_symbols() -> None:
    d = diagram([3, 4, 4, 2], "backward", activation=["tanh", "relu"], output_activation="sigmoid")
    values = [e.below.tex for e in d.edges if e.below is not None]
    assert r"= f_{1}'(H_{1})" in values
    assert r"= f_{2}'(H_{2})" in values
    assert r"= \sigma'(H_{3})" in values
    assert r"f_{1} = \mathrm{tanh}" in d.legend
    assert r"f_{2} = \mathrm{ReLU}" in d.legend


def test_large_networks_collapse_into_one_box_per_layer() -> None:
    wide = diagram([784, 100, 10], "network", output_activation="softmax")
    assert [n.shape for n in wide.nodes] == ["box"] * 3
    assert len(wide.edges) == 2
    deep = diagram([2] + [3] * 7 + [1], "network")  # 8 weight layers > 6
    assert all(n.shape == "box" for n in deep.nodes)
    full = diagram([10] * 7, "network")  # 6 layers of 10: still neuron by neuron
    assert sum(n.shape == "circle" for n in full.nodes) == 70
    assert len(full.edges) == 600


def test_deep_chains_elide_the_middle_layers() -> None:
    sizes = [2, 3, 3, 3, 3, 1]  # L = 5 weight layers
    d = diagram(sizes, "backward")
    keys = [n.key for n in d.nodes if n.style != "param"]
    assert keys == ["X", "H1", "O1", "dots2", "H4", "O4", "yhat", "L"]
    back_to_dots = next(e for e in d.edges if e.src == "H4" and e.dst == "dots2")
    assert back_to_dots.label is not None
    assert back_to_dots.label.tex == r"\dfrac{\partial H_{4}}{\partial O_{3}}"
    assert [n.key for n in d.nodes if n.style == "param"] == ["P1", "P4", "P5"]
    full = diagram(sizes, "forward", max_layers=None)
    assert [n.key for n in full.nodes][1:9:2] == ["H1", "H2", "H3", "H4"]
    assert len(diagram(sizes, "forward", max_layers=5).nodes) == len(full.nodes)


# -- numbers of a worked step -------------------------------------------------------------


def test_forward_with_a_cache_carries_the_matrices_of_the_step() -> None:
    net, cache, _ = _worked_step()
    d = diagram(net, "forward", cache=cache)
    blocks = ["\n".join(" ".join(r) for r in m.cells) for m in d.matrices]
    H1 = cache.H[1]
    assert H1 is not None
    assert any(f"{H1[0, 0]:.3f}" in b and f"{H1[2, 1]:.3f}" in b for b in blocks)
    assert any(f"{cache.y_hat[1, 0]:.3f}" in b for b in blocks)
    # W_1..W_3 above their edges, X, H_k, O_k and y_hat under the nodes
    assert len(d.matrices) == 3 + 6


def test_backward_with_gradients_carries_d_and_every_dW() -> None:
    net, _, grads = _worked_step()
    d = diagram(net, "backward", gradients=grads)
    shapes = sorted((len(m.cells), len(m.cells[0])) for m in d.matrices)
    # d for H1, H2 (3×2) and y_hat (3×1); dW1, dW2 (2×2), dW3 (2×1)
    assert shapes == [(2, 1), (2, 2), (2, 2), (3, 1), (3, 2), (3, 2)]
    top = float(np.max(np.abs(grads.weights[2])))
    text = "\n".join(" ".join(r) for m in d.matrices for r in m.cells)
    assert (f"{grads.weights[2][0, 0]:.3f}" if top >= 1e-2 else "e-") in text


def test_more_rows_than_max_rows_end_in_a_row_of_dots() -> None:
    net = mb.Network(MASHA, bias=False, seed=0)
    cache = net.forward(np.ones((9, 2)))
    d = diagram(net, "forward", cache=cache, max_rows=2)
    x_block = d.matrices[-6]  # X is the first node block; W blocks come last
    assert len(x_block.cells) == 3
    assert x_block.cells[-1] == ["...", "..."]


# -- pixels: not blank, not clipped, no overlapping text ----------------------------------


def _figure_cases() -> list[Any]:
    net, cache, grads = _worked_step()
    layouts = [  # (layer sizes, bias, which diagrams)
        ([2, 2, 2, 1], False, WHAT),
        ([2, 2, 2, 1], True, WHAT),
        ([3, 3, 2], True, WHAT),
        ([1, 3, 3, 1], False, ("network",)),
        ([4, 10, 10, 3], True, ("network",)),
        ([10] * 7, False, ("network", "forward")),  # the largest drawn neuron by neuron
        ([10] * 7, True, ("network", "backward")),
        ([3, 5, 5, 5, 2], False, ("forward", "backward")),
    ]
    cases: list[Any] = []
    for sizes, bias, whats in layouts:
        for what in whats:
            name = f"{what}-{'-'.join(map(str, sizes))}{'-bias' if bias else ''}"
            cases.append(pytest.param(sizes, what, {"bias": bias}, id=name))
    cases.append(pytest.param(net, "forward", {"cache": cache}, id="forward-numbers"))
    cases.append(pytest.param(net, "backward", {"gradients": grads}, id="backward-numbers"))
    cases.append(pytest.param([784, 100, 10], "network", {}, id="network-collapsed"))
    return cases


def _text_problems(fig: Any) -> list[str]:
    """Texts that leave the figure, and pairs of texts that overlap, after drawing ``fig``."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.axes[0].texts]
    problems = [
        f"outside: {text}"
        for text, box in boxes
        if box.x0 < page.x0 or box.x1 > page.x1 or box.y0 < page.y0 or box.y1 > page.y1
    ]
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        # Touching is allowed (a shared edge); overlapping by more than a pixel is not.
        overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
        overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
        if overlap_x > 1 and overlap_y > 1:
            problems.append(f"overlap: {ta} / {tb}")
    return problems


@pytest.mark.parametrize(("network", "what", "options"), _figure_cases())
def test_no_text_overlaps_and_none_leaves_the_figure(
    network: Any, what: str, options: dict[str, Any]
) -> None:
    fig = diagram(network, what, **options).figure()
    assert len(fig.axes[0].texts) >= 8
    assert _text_problems(fig) == []


def test_the_overlap_check_sees_an_overlap() -> None:
    from matbackprop.draw.scene import Label

    d = diagram(MASHA, "forward")
    d.labels.append(Label(d.nodes[0].x + 0.05, d.nodes[0].y, "X_{overlapping}"))
    problems = _text_problems(d.figure())
    assert any("overlap" in p and "X_{overlapping}" in p for p in problems)


@pytest.mark.parametrize("what", WHAT)
def test_png_is_neither_blank_nor_clipped(tmp_path: Path, what: str) -> None:
    from matplotlib.image import imread

    path = diagram(MASHA, what, bias=True).save(tmp_path / "d.png")
    rgb = imread(str(path))[..., :3]  # (h, w, 3) floats in [0, 1]
    ink = np.any(rgb < 0.9, axis=2)  # (h, w)
    assert ink.mean() > 0.01  # something is drawn
    margin = 10  # pixels of pure background on every side: nothing runs off the page
    assert not ink[:margin].any()
    assert not ink[-margin:].any()
    assert not ink[:, :margin].any()
    assert not ink[:, -margin:].any()
    rows, cols = np.nonzero(ink)
    assert rows.max() - rows.min() > 0.5 * ink.shape[0]  # the content fills the figure
    assert cols.max() - cols.min() > 0.8 * ink.shape[1]


def test_text_in_svg_stays_text() -> None:
    svg = svg_text(diagram(MASHA).figure())
    assert "<text" in svg
    assert "<tspan" in svg


# -- the notebook and the public surface ---------------------------------------------------


def test_net_draw_returns_a_figure_and_the_network_displays_as_svg(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    net = mb.Network(MASHA, bias=False, seed=0)
    for what in WHAT:
        assert isinstance(net.draw(what), Figure)
    fig = net.draw("network", path=tmp_path / "n.pdf")
    assert isinstance(fig, Figure)
    assert (tmp_path / "n.pdf").stat().st_size > 0
    svg = net._repr_svg_()
    assert svg.lstrip().startswith("<?xml")
    assert "$w^{3}_{2}$" in svg


def test_top_level_names_load_lazily() -> None:
    assert mb.diagram is diagram
    assert callable(mb.plot_history)
    assert callable(mb.plot_function)
    assert callable(mb.plot_gradient_norms)
    assert draw(MASHA, "forward").get_label() == "forward pass 2-2-2-1"


# -- bad input: project errors that name the argument ---------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (lambda: diagram(MASHA, "sideways"), mb.ConfigError, ["what", "sideways"]),
        (lambda: diagram([2, 0, 1]), mb.ConfigError, ["layer_sizes[1]", "0"]),
        (lambda: diagram(MASHA, activation="nope"), mb.ConfigError, ["activation", "nope"]),
        (lambda: diagram(MASHA, max_rows=0), mb.ConfigError, ["max_rows", "0"]),
        (lambda: diagram(MASHA, "forward", max_layers=1), mb.ConfigError, ["max_layers", "1"]),
        (
            lambda: diagram(mb.Network(MASHA), bias=True),
            mb.ConfigError,
            ["bias", "Network"],
        ),
        (
            lambda: diagram(MASHA, "forward", cache=mb.Network([3, 1]).forward(np.ones((2, 3)))),
            mb.ShapeError,
            ["cache", "2-2-2-1", "[3, 1]"],
        ),
        (lambda: diagram(MASHA, "network", cache=object()), mb.ConfigError, ["cache"]),  # type: ignore[arg-type]
        (lambda: diagram(MASHA).save("d.xyz"), mb.ConfigError, ["d.xyz", "png"]),
        (lambda: diagram(MASHA).save("d.png", format="gif"), mb.ConfigError, ["format", "gif"]),
        (lambda: diagram(MASHA).save("/no/such/dir/d.png"), mb.MissingFileError, ["/no/such"]),
    ],
    ids=[
        "what", "layer-sizes", "activation", "max-rows", "max-layers", "network-and-bias",
        "foreign-cache", "cache-on-network", "unknown-suffix", "unknown-format", "missing-folder",
    ],
)  # fmt: skip
def test_bad_input_raises_a_project_error(call: Any, error: type, fragments: list[str]) -> None:
    with pytest.raises(error) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value)
