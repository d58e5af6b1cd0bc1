"""docs/defaults.md says what the code's defaults are, and where they differ, why.

The page's reference part is checked against ``inspect.signature`` of every public function
and the parameters of every click command, so that it cannot drift: run this file and paste
the rows its failure prints. The page's first table (one row per setting) is checked against
the same values here: a place not listed as an exception must have the common default.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

import matbackprop as mb
from matbackprop import dask as mb_dask
from matbackprop import draw as mb_draw
from matbackprop import sklearn as mb_sklearn
from matbackprop.cli import cli

PAGE = Path(__file__).resolve().parent.parent / "docs" / "defaults.md"

# Every public callable that takes settings, by the name the page gives it.
API: dict[str, Callable[..., Any]] = {
    "Network": mb.Network,
    "Network.fit": mb.training.fit,  # Network.fit(X, y, **settings) passes them on
    "Network.step": mb.Network.step,
    "Network.gradients": mb.Network.gradients,
    "Network.loss": mb.Network.loss,
    "Network.draw": mb_draw.draw,  # Network.draw(what, **options) passes them on
    "check_gradients": mb.check_gradients,
    "numerical_gradients": mb.numerical_gradients,
    "explain": mb.explain,
    "solve": mb.solve,
    "problems": mb.problems,
    "diagram": mb.diagram,
    "plot_function": mb.plot_function,
    "plot_gradient_norms": mb.plot_gradient_norms,
    "plot_history": mb.plot_history,
    "playground": mb.playground,
    "demo_data": mb.demo_data,
    "read_csv": mb.read_csv,
    "SGD": mb.SGD,
    "Adam": mb.Adam,
    "RMSprop": mb.RMSprop,
    "AdaGrad": mb.AdaGrad,
    "MSE": mb.MSE,
    "LogLoss": mb.LogLoss,
    "CrossEntropy": mb.CrossEntropy,
    "dask.fit_full_batch": mb_dask.fit_full_batch,
    "dask.fit_streaming": mb_dask.fit_streaming,
    "sklearn.MLPRegressor": mb_sklearn.MLPRegressor,
    "sklearn.MLPClassifier": mb_sklearn.MLPClassifier,
}
# The rest of matbackprop.__all__: errors, data holders and registries, which take no settings
NO_SETTINGS = {
    "ACTIVATIONS", "Activation", "Cache", "ConfigError", "DTypeError",
    "DataError", "Gradients", "History", "Loss", "MatbackpropError",
    "MissingFileError", "ModelFileError", "Optimizer", "ShapeError", "SymmetryWarning",
    "TrainingDivergedError", "__version__",
}  # fmt: skip


def _show(value: Any) -> str:
    return repr(value.__name__ if isinstance(value, type) else value)


def api_defaults() -> dict[str, dict[str, str]]:
    """``{place: {argument: repr(default)}}`` for every argument that has a default."""
    table: dict[str, dict[str, str]] = {}
    for place, fn in API.items():
        params = inspect.signature(fn).parameters.values()
        table[place] = {
            p.name: _show(p.default)
            for p in params
            if p.default is not inspect.Parameter.empty and p.name != "self"
        }
    return table


def _long(param: click.Option) -> str:
    return next(o for o in param.opts if o.startswith("--"))


def _flag(param: click.Option) -> str:
    long = _long(param)
    return f"{long}/{param.secondary_opts[0]}" if param.secondary_opts else long


def _cli_default(param: click.Option, ctx: click.Context) -> str:
    value = param.get_default(ctx, call=False)
    if value is getattr(click.core, "UNSET", None):  # click >= 8.2: no default given
        value = None
    if param.required:
        return "required"
    if value is None or (param.multiple and not value):
        return "none"
    if param.secondary_opts and isinstance(value, bool):
        return _long(param) if value else param.secondary_opts[0]
    if param.is_flag:
        return "off" if not value else "on"
    return ",".join(map(str, value)) if param.multiple else str(value)


def cli_defaults() -> dict[str, dict[str, str]]:
    """``{"matbackprop COMMAND": {flag: default as the user types it}}``."""
    table: dict[str, dict[str, str]] = {}
    for name, command in sorted(cli.commands.items()):
        ctx = click.Context(command, info_name=name)
        table[f"matbackprop {name}"] = {
            _flag(p): _cli_default(p, ctx)
            for p in command.params
            if isinstance(p, click.Option) and p.name != "help" and p.opts[0].startswith("-")
        }
    return table


def reference() -> dict[str, dict[str, str]]:
    return {**api_defaults(), **cli_defaults()}


def page_reference() -> dict[str, dict[str, str]]:
    """The page's ``### `place``` sections: ``{place: {option: default}}``."""
    text = PAGE.read_text(encoding="utf-8")
    part = text.split("## Every default", 1)[1]
    table: dict[str, dict[str, str]] = {}
    for section in re.split(r"^### ", part, flags=re.MULTILINE)[1:]:
        heading, _, body = section.partition("\n")
        place = heading.strip().strip("`")
        rows = re.findall(r"^\| `([^`]+)` \| `([^`]*)` \|", body, flags=re.MULTILINE)
        table[place] = dict(rows)
    return table


def _markdown(place: str, defaults: dict[str, str]) -> str:
    rows = "\n".join(f"| `{k}` | `{v}` | |" for k, v in defaults.items())
    return f"### `{place}`\n\n| option | default | note |\n|---|---|---|\n{rows}\n"


def test_every_public_callable_is_in_the_reference_or_takes_no_settings() -> None:
    listed = {name.split(".")[0] for name in API}
    unaccounted = set(mb.__all__) - listed - NO_SETTINGS
    assert not unaccounted, f"add these to API (and the page) or NO_SETTINGS: {unaccounted}"


def test_page_lists_every_default_of_every_function_and_command() -> None:
    code, page = reference(), page_reference()
    wrong = [place for place in code if code[place] != page.get(place)]
    fix = "\n".join(_markdown(place, code[place]) for place in wrong)
    assert not wrong, f"docs/defaults.md is out of date; these sections should read:\n\n{fix}"
    assert set(page) == set(code), f"sections for nothing: {set(page) - set(code)}"


# -- the first table: one default per setting, and the places that differ ------------------

# setting -> (the common default, {place: option}, {place: (option, its own default)})
# Each exception is a row of the page's first table; every other place has the common value.
SETTINGS: dict[str, tuple[str, dict[str, str], dict[str, tuple[str, str]]]] = {
    "bias": (
        "True",
        {
            "Network": "bias",
            "matbackprop train": "--bias/--no-bias",
            "matbackprop train-dask": "--bias/--no-bias",
            "matbackprop check": "--bias/--no-bias",
            "sklearn.MLPRegressor": "bias",
            "sklearn.MLPClassifier": "bias",
        },
        {
            "matbackprop explain": ("--bias/--no-bias", "--no-bias"),
            "matbackprop solve": ("--bias/--no-bias", "--no-bias"),
            "problems": ("bias", "False"),
            "matbackprop problems": ("--bias/--no-bias", "--no-bias"),
            "matbackprop draw": ("--bias/--no-bias", "none"),
            "diagram": ("bias", "None"),
            "Network.draw": ("bias", "None"),
        },
    ),
    "optimizer": (
        "sgd",
        {
            "Network.fit": "optimizer",
            "dask.fit_full_batch": "optimizer",
            "dask.fit_streaming": "optimizer",
            "matbackprop train": "--optimizer",
            "matbackprop train-dask": "--optimizer",
            "solve": "optimizer",
            "matbackprop solve": "--optimizer",
        },
        {
            "sklearn.MLPRegressor": ("solver", "'adam'"),
            "sklearn.MLPClassifier": ("solver", "'adam'"),
        },
    ),
    "learning rate": (
        "0.01",
        {
            "Network.fit": "learning_rate",
            "dask.fit_full_batch": "learning_rate",
            "dask.fit_streaming": "learning_rate",
            "matbackprop train": "--lr",
            "matbackprop train-dask": "--lr",
        },
        {
            "Network.step": ("learning_rate", "0.1"),
            "solve": ("learning_rate", "0.1"),
            "matbackprop solve": ("--lr", "0.1"),
            "matbackprop demo": ("--lr", "0.05"),
            "sklearn.MLPRegressor": ("learning_rate_init", "0.001"),
            "sklearn.MLPClassifier": ("learning_rate_init", "0.001"),
        },
    ),
    "seed": (
        "None",
        {
            "Network": "seed",
            "Network.fit": "seed",
            "dask.fit_streaming": "seed",
            "sklearn.MLPRegressor": "random_state",
            "sklearn.MLPClassifier": "random_state",
        },
        {
            "matbackprop train": ("--seed", "0"),
            "matbackprop train-dask": ("--seed", "0"),
            "matbackprop check": ("--seed", "0"),
            "matbackprop solve": ("--seed", "0"),
            "matbackprop demo": ("--seed", "0"),
            "demo_data": ("seed", "0"),
            "problems": ("seed", "0"),
            "matbackprop problems": ("--seed", "0"),
        },
    ),
    "epochs": (
        "100",
        {"Network.fit": "epochs", "dask.fit_full_batch": "epochs", "matbackprop train": "--epochs"},
        {
            "dask.fit_streaming": ("epochs", "10"),
            "matbackprop train-dask": ("--epochs", "none"),
            "matbackprop demo": ("--epochs", "2000"),
            "matbackprop solve": ("--steps", "1"),
            "sklearn.MLPRegressor": ("max_iter", "200"),
            "sklearn.MLPClassifier": ("max_iter", "200"),
        },
    ),
    "batch size": (
        "None",
        {
            "Network.fit": "batch_size",
            "matbackprop train": "--batch-size",
            "solve": "batch_size",
            "matbackprop solve": "--batch-size",
        },
        {
            "dask.fit_streaming": ("batch_size", "32"),
            "matbackprop train-dask": ("--batch-size", "32"),
            "sklearn.MLPRegressor": ("batch_size", "'auto'"),
            "sklearn.MLPClassifier": ("batch_size", "'auto'"),
        },
    ),
    "loss": (
        "mse",
        {
            "Network.fit": "loss",
            "Network.step": "loss",
            "Network.gradients": "loss",
            "Network.loss": "loss",
            "check_gradients": "loss",
            "numerical_gradients": "loss",
            "dask.fit_full_batch": "loss",
            "dask.fit_streaming": "loss",
            "matbackprop train": "--loss",
            "matbackprop train-dask": "--loss",
            "matbackprop check": "--loss",
        },
        {
            "solve": ("loss", "'mse_half'"),
            "matbackprop solve": ("--loss", "mse_half"),
            "explain": ("loss", "None"),
            "matbackprop explain": ("--loss", "none"),
            "sklearn.MLPRegressor": ("loss", "None"),
            "sklearn.MLPClassifier": ("loss", "None"),
        },
    ),
    "activation": (
        "sigmoid",
        {
            "Network": "activation",
            "matbackprop train": "--activation",
            "matbackprop train-dask": "--activation",
            "matbackprop check": "--activation",
            "matbackprop explain": "--activation",
            "matbackprop solve": "--activation",
            "problems": "activation",
            "matbackprop problems": "--activation",
        },
        {
            "sklearn.MLPRegressor": ("activation", "'relu'"),
            "sklearn.MLPClassifier": ("activation", "'relu'"),
        },
    ),
    "init": (
        "auto",
        {
            "Network": "init",
            "matbackprop train": "--init",
            "matbackprop train-dask": "--init",
            "sklearn.MLPRegressor": "init",
            "sklearn.MLPClassifier": "init",
        },
        {"matbackprop solve": ("--init", "none")},
    ),
}


def _bare(value: str) -> str:
    """``'sgd'`` and ``sgd``, ``True`` and ``--bias``, ``None`` and ``none`` compare equal."""
    return {"--bias": "True", "--no-bias": "False", "none": "None"}.get(value, value.strip("'"))


@pytest.mark.parametrize("setting", SETTINGS)
def test_one_default_per_setting_and_the_exceptions(setting: str) -> None:
    common, places, exceptions = SETTINGS[setting]
    code = reference()
    for place, option in places.items():
        assert _bare(code[place][option]) == common, (setting, place, code[place][option])
    for place, (option, value) in exceptions.items():
        assert code[place][option] == value, (setting, place, code[place][option])


def test_first_table_names_every_exception() -> None:
    text = PAGE.read_text(encoding="utf-8")
    glance = text.split("## Every default", 1)[0]
    for setting, (common, _, exceptions) in SETTINGS.items():
        row = next(
            (line for line in glance.splitlines() if line.startswith(f"| {setting} |")), None
        )
        assert row is not None, f"the first table has no row for {setting}"
        assert f"`{common}`" in row, (setting, common)
        for place in exceptions:
            assert f"`{place}`" in row, (setting, place)
