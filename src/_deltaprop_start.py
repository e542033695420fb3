"""The ``deltaprop`` command's entry point: Ctrl-C while the library loads ends in one line.

A console script imports its target module before calling it, and importing anything of
``deltaprop`` first runs ``deltaprop/__init__.py`` (NumPy and the core): a Ctrl-C in that
second printed a traceback. This module is outside the package, so importing it costs
nothing; it loads the command line itself, inside the handler.
"""

import sys

EXIT_INTERRUPTED = 130  # the value of deltaprop.cli.EXIT_INTERRUPTED, which is not loaded yet here


def main() -> int:
    """Load and run ``deltaprop.cli.main``; a Ctrl-C while loading exits 130 with one line."""
    try:
        from deltaprop.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("deltaprop: interrupted while starting\n")
        return EXIT_INTERRUPTED
    return run()
