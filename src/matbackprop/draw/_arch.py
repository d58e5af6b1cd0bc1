"""What a diagram needs to know about a network: sizes, activations, biases, weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..network import Network
from ._tex import activation_tex
from ._words import word

MAX_FULL_LAYERS = 6  # weight layers drawn neuron by neuron; above that, one box per layer
MAX_FULL_WIDTH = 10  # neurons per layer drawn one by one; above that, one box per layer


@dataclass(frozen=True)
class Arch:
    """A network's architecture with the seed's symbols for its activations."""

    sizes: tuple[int, ...]  # n_0, ..., n_L
    activations: tuple[str, ...]  # layers 1..L, the last one is the output activation
    bias: bool
    net: Network | None = None

    @property
    def L(self) -> int:
        return len(self.sizes) - 1

    @property
    def collapsed(self) -> bool:
        return self.L > MAX_FULL_LAYERS or max(self.sizes) > MAX_FULL_WIDTH

    def f(self, k: int) -> str:
        """The symbol of layer ``k``'s activation: the seed's ``f`` when every hidden layer
        shares it, ``f_k`` when they differ, the function's own name at the output."""
        if k == self.L:
            return activation_tex(self.activations[-1])
        if len(set(self.activations[:-1])) == 1:
            return "f"
        return f"f_{{{k}}}"

    @property
    def output_is_identity(self) -> bool:
        return self.activations[-1] == "identity"

    def legend(self, lang: str = "en") -> str:
        """``$f = \\sigma$ (sigmoid)``: what each symbol stands for, as text with ``$…$`` math
        (Matplotlib and LaTeX read it alike; the words are in ``lang``)."""
        hidden = self.activations[:-1]
        parts: list[str] = []
        if hidden and len(set(hidden)) == 1:
            tex = activation_tex(hidden[0])
            named = "" if "mathrm" in tex else f" ({word(lang, _word(hidden[0]))})"
            parts.append(f"$f = {tex}${named}")
        else:
            parts += [rf"$f_{{{k}}} = {activation_tex(a)}$" for k, a in enumerate(hidden, 1)]
        out = self.activations[-1]
        if out != "identity":
            parts.append(rf"$\hat{{y}} = {activation_tex(out)}(H_{{{self.L}}})$")
        if not self.bias:
            parts.append(word(lang, "no_biases"))
        return ",   ".join(parts)


def _word(name: str) -> str:
    return name.replace("_", " ")


def arch_of(
    network: Network | Sequence[int],
    activation: str | Sequence[str] | None = None,
    output_activation: str | None = None,
    bias: bool | None = None,
) -> Arch:
    """An :class:`Arch` from a :class:`Network` or from layer sizes and settings."""
    if isinstance(network, Network):
        given = {"activation": activation, "output_activation": output_activation, "bias": bias}
        extra = [k for k, v in given.items() if v is not None]
        if extra:
            raise ConfigError(
                f"{', '.join(extra)} must be left out when a Network is given (it has its "
                f"own), got {', '.join(f'{k}={given[k]!r}' for k in extra)}"
            )
        return Arch(network.layer_sizes, network.activations, network.bias, network)
    # Network's own checks name the argument, the expected and the actual value.
    probe: Any = Network(
        network,
        activation="sigmoid" if activation is None else activation,
        output_activation="identity" if output_activation is None else output_activation,
        bias=False if bias is None else bias,
        init="zeros",
    )
    return Arch(probe.layer_sizes, probe.activations, probe.bias, None)
