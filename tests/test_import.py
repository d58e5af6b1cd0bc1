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


def test_dir_lists_each_public_name_once_and_nothing_internal() -> None:
    code = (
        "import matbackprop as mb\n"
        "before = dir(mb)\n"
        "mb.explain, mb.diagram  # loading the lazy names must not add them twice\n"
        "import matbackprop.sklearn  # nor a submodule imported since\n"
        "print(before == dir(mb) == sorted(mb.__all__), len(set(mb.__all__)) == len(mb.__all__))\n"
        "print(' '.join(n for n in dir(mb) if n.startswith('_') and n != '__version__'))\n"
        "print(' '.join(n for n in mb._LAZY if n not in mb.__all__))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    same, internal, lazy_but_private = out.stdout.split("\n")[:3]
    assert same == "True True"
    assert internal == ""  # no helper, import or submodule
    assert lazy_but_private == ""  # every lazy name is public
