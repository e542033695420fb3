"""The ``deltaprop`` command line: a thin shell over the library.

``main(argv=None) -> int`` runs a command and returns its exit code, so tests drive it
in-process. Every failure becomes one line ``deltaprop: error: ...`` on stderr and a named
exit code; ``deltaprop --debug COMMAND`` prints the traceback instead. That holds for
errors no check foresaw too (a hostile model file, ``MemoryError``, a closed standard
input or output): :func:`main` is the one place that turns them into a line. It is also
the one place that prints every command's warnings (a category not seen in training, a
short fit) as one line each, ``deltaprop: warning: ...``; ``train --quiet`` silences them.

Commands live in :mod:`deltaprop.cli.train` (``train``), :mod:`deltaprop.cli._info` (``info``) and
:mod:`deltaprop.cli.commands` (``evaluate``, ``predict``, ``gradcheck``, ``explain``, ``plot``, ``export``).
"""

from __future__ import annotations

import contextlib
import sys
import traceback

import click

from .._version import __version__
from ..errors import DeltapropError, DivergenceError, InputError, MissingDependencyError
from ._exit import (EXIT_DIVERGED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_MISSING_DEPENDENCY, EXIT_OK,
                    EXIT_USAGE)
from ._output import warnings_as_lines

__all__ = ["main", "cli", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_DIVERGED", "EXIT_MISSING_DEPENDENCY",
           "EXIT_INTERRUPTED"]



class _Interrupted(Exception):
    """Ctrl-C during a command (click would turn a KeyboardInterrupt into a bare Abort)."""


class _Group(click.Group):
    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # Ctrl-C while the command line is parsed (start-up): click would print an empty line first.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            raise _Interrupted() from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog="Run 'deltaprop COMMAND --help' for a command's options and examples.")
@click.version_option(__version__, "-V", "--version", prog_name="deltaprop")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Multilayer perceptrons trained by backpropagation, exactly as derived.

    \b
    Quick start:
      deltaprop train               # the notes' network on the built-in digits
      deltaprop train data.csv --target label -o model.safetensors
      deltaprop evaluate model.safetensors test.csv
      deltaprop predict model.safetensors new.csv -o predictions.csv
    """
    ctx.obj["debug"] = debug


def _register() -> None:
    from ._info import info
    from .commands import evaluate, explain, export, gradcheck, plot, predict
    from .train import train

    for command in (train, evaluate, predict, gradcheck, explain, plot, info, export):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Without arguments it prints the usage (on stderr, exit code 2, as click does).

    Examples
    --------
    >>> from deltaprop.cli import main
    >>> main(["--version"])  # doctest: +ELLIPSIS
    deltaprop, version ...
    0
    """
    state = {"debug": False}
    try:
        with _closed_streams_named():
            return _run(argv, state)
    except KeyboardInterrupt:  # Ctrl-C before click took over, or while closing
        click.echo("deltaprop: interrupted", err=True)
        return EXIT_INTERRUPTED


def _run(argv: list[str] | None, state: dict) -> int:
    try:
        with warnings_as_lines(action="default"):
            result = cli.main(args=argv, prog_name="deltaprop", standalone_mode=False, obj=state)
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.exceptions.Abort:  # Ctrl-C while click itself was prompting or parsing
        click.echo("deltaprop: interrupted", err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as exc:  # plain "deltaprop": the usage, as written
        click.echo(exc.format_message(), err=True)
        return exc.exit_code
    except click.ClickException as exc:
        hint = ""
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        click.echo(f"deltaprop: error: {_one_line(exc.format_message())}{hint}", err=True)
        return exc.exit_code
    except _Interrupted:
        if state["debug"]:
            traceback.print_exc()
        click.echo("deltaprop: interrupted", err=True)
        return EXIT_INTERRUPTED
    except (DeltapropError, ValueError, OSError, ImportError, ArithmeticError) as exc:
        if state["debug"]:
            traceback.print_exc()
        click.echo(f"deltaprop: error: {_one_line(exc)}", err=True)
        if isinstance(exc, DivergenceError):
            return EXIT_DIVERGED
        if isinstance(exc, (MissingDependencyError, ImportError)):
            return EXIT_MISSING_DEPENDENCY
        return EXIT_ERROR
    except MemoryError as exc:
        if state["debug"]:
            traceback.print_exc()
        detail = f" ({_one_line(exc)})" if str(exc) else ""
        click.echo(f"deltaprop: error: out of memory{detail}; use less data, a smaller network or --dtype float32",
                   err=True)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the last net: a file or input no check foresaw
        if state["debug"]:
            traceback.print_exc()
        click.echo(f"deltaprop: error: unexpected {type(exc).__name__}: {_one_line(exc)} (a damaged or hostile "
                   f"file, or a bug: 'deltaprop --debug ...' shows where)", err=True)
        return EXIT_ERROR
    return result if isinstance(result, int) else EXIT_OK


class _ClosedStream:
    """Stands in for ``sys.stdin``/``sys.stdout`` when the process was started with it closed
    (``<&-``, ``>&-``; Python then sets it to None): any use is an :class:`InputError` naming it."""

    def __init__(self, name: str, fix: str):
        self._name, self._fix = name, fix

    def __getattr__(self, attribute: str):
        raise InputError(f"{self._name} is closed; {self._fix}")

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _closed_streams_named():
    """Within: a closed standard input or output is a :class:`_ClosedStream`, restored after."""
    saved = sys.stdin, sys.stdout
    if sys.stdin is None:
        sys.stdin = _ClosedStream("standard input", "pipe the data in, or give a file instead of '-'")
    if sys.stdout is None:
        sys.stdout = _ClosedStream("standard output", "redirect it to a file, or write with -o FILE")
    try:
        yield
    finally:
        sys.stdin, sys.stdout = saved


def _one_line(exc: BaseException | str) -> str:
    """The error's message on one line (an OSError without a deltaprop message names its file)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and not isinstance(exc, DeltapropError) and exc.filename and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
