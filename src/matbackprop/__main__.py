"""``python -m matbackprop``: the same command line as the ``matbackprop`` script."""

from matbackprop.cli import run

if __name__ == "__main__":
    run()
