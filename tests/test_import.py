"""``import matbackprop`` loads NumPy and nothing heavy."""

import subprocess
import sys


def test_import_is_light() -> None:
    code = (
        "import sys, matbackprop, matbackprop.cli\n"
        "heavy = [m for m in ('sympy', 'matplotlib', 'torch', 'jax', 'dask', 'sklearn', "
        "'scipy') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_resolve() -> None:
    import matbackprop as mb

    for name in mb.__all__:
        assert getattr(mb, name) is not None
