"""``deltaprop train``'s option types and the checks made before any data is read.

Each option's click type declares what it allows (numbers in ASCII only, with their
ranges), so click refuses a bad value with a usage error (exit 2) naming the option, the
value and what is allowed; :func:`check_together` checks the options that depend on each
other, :func:`check_files` the output paths. A checkpoint's recorded options go through the
same types and checks on ``--resume`` (``deltaprop.cli.train``).
"""

from __future__ import annotations

import inspect
import math
import os
import re

import click

from .._memory import check_network_fits
from .._schema import MAX_LAYER_SIZE
from ..activations import ACTIVATIONS
from ..data import BUILTIN_DATASETS
from ..errors import MissingFileError
from ..optimizers import OPTIMIZERS
from ..schedules import SCHEDULES
from ._model import is_table

#: The most epochs a run may ask for (a billion epochs of one example each is days of work).
MAX_EPOCHS = 10**9
#: Hidden units' activations: those whose derivative is a function of the unit's own output
#: (softmax couples its units and serves only as an output activation).
HIDDEN_ACTIVATIONS = sorted(name for name, record in ACTIVATIONS.items() if record.grad is not None)
#: A whole number as the command line and config files may write it: ASCII digits only
#: (Python's int() also takes "1_000" and Arabic-Indic digits).
ASCII_INT = re.compile(r"[+-]?[0-9]+")
ASCII_REAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


# ------------------------------------------------------------------------------ option types
class Whole(click.ParamType):
    """A whole number written in ASCII digits, from ``lo`` to ``hi``."""

    name = "INTEGER"

    def __init__(self, lo: int, hi: int = MAX_LAYER_SIZE):
        self.lo, self.hi = lo, hi
        self.allowed = f"a whole number from {lo} to {hi}" if hi < 2**62 else f"a whole number of at least {lo}"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and ASCII_INT.fullmatch(value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            self.fail(f"{value!r} is not {self.allowed}", param, ctx)
        return value


class Real(click.ParamType):
    """A finite number written in ASCII, in the interval ``lo .. hi`` (ends open or closed)."""

    name = "FLOAT"

    def __init__(self, lo: float = -math.inf, hi: float = math.inf, *, lo_open: bool = False, hi_open: bool = False):
        self.lo, self.hi, self.lo_open, self.hi_open = lo, hi, lo_open, hi_open
        if hi == math.inf:
            self.allowed = f"a finite number {'above' if lo_open else 'of at least'} {lo:g}"
        else:
            self.allowed = f"a number in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and ASCII_REAL.fullmatch(value.strip()):
            value = float(value)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok:
            ok = (value > self.lo if self.lo_open else value >= self.lo) and \
                 (value < self.hi if self.hi_open else value <= self.hi)
        if not ok:
            self.fail(f"{value!r} is not {self.allowed}", param, ctx)
        return float(value)


class BatchSize(click.ParamType):
    name = "INTEGER|auto"

    def convert(self, value, param, ctx):
        if value is None or value == "auto":
            return value
        if not _is_size(value):
            self.fail(f"{value!r} is not a positive whole number (ASCII digits) or 'auto'", param, ctx)
        return int(value)


class Hidden(click.ParamType):
    """``30,30`` (or a list of sizes from a config file or checkpoint) as a tuple of positive sizes."""

    name = "SIZES"

    def convert(self, value, param, ctx):
        parts = list(value) if isinstance(value, (list, tuple)) else str(value).replace(" ", "").split(",")
        sizes = tuple(int(p) if _is_size(p) else None for p in parts)
        if not parts or parts == [""] or None in sizes:
            self.fail(f"{value!r} is not a list of layer sizes: give positive whole numbers in ASCII digits such "
                      f"as 30 or 30,30 (at most {MAX_LAYER_SIZE} units each)", param, ctx)
        return sizes


def _is_size(part) -> bool:
    if isinstance(part, bool):
        return False
    if isinstance(part, int):
        return 1 <= part <= MAX_LAYER_SIZE
    return isinstance(part, str) and ASCII_INT.fullmatch(part) is not None and 1 <= int(part) <= MAX_LAYER_SIZE


class Delimiter(click.ParamType):
    """One character separating a table's fields; ``\\t`` or ``tab`` for a tab."""

    name = "CHAR"

    def convert(self, value, param, ctx):
        text = {"\\t": "\t", "tab": "\t"}.get(value, value)
        if not isinstance(text, str) or len(text) != 1 or text in "\r\n\"" or text.isalnum():
            self.fail(f"{value!r} is not one separator character such as ';', '|' or '\\t' (tab)", param, ctx)
        return text


def _option_types(init) -> dict:
    """``name -> default`` of an optimizer's or schedule's keyword options (their types come from it)."""
    return {k: p.default for k, p in inspect.signature(init).parameters.items() if p.default is not p.empty}


def _key_values(pairs, option: str, defaults: dict, owner: str) -> dict | None:
    """``KEY=VALUE`` options (or a TOML table) as a dict, each value of its option's type.

    The type is the one of the option's default in ``defaults`` (a float takes any finite
    ASCII number, an int whole numbers, a bool true/false); an unknown key or a value of
    the wrong type is a usage error naming ``option``, the key and what it takes.
    """
    items = list(pairs.items()) if isinstance(pairs, dict) else []
    for pair in () if isinstance(pairs, dict) else pairs or ():
        key, sep, value = str(pair).partition("=")
        if not sep or not key.strip():
            usage_error(f"{option} {pair!r} is not KEY=VALUE, such as {option} {next(iter(defaults), 'key')}=...")
        items.append((key.strip(), value.strip()))
    out = {}
    for key, value in items:
        if key not in defaults:
            usage_error(f"{option} {key}={value}: {key!r} is not an option of {owner}; valid: "
                        f"{', '.join(defaults) or 'none'}")
        out[key] = _typed(value, defaults[key], f"{option} {key}={value}", f"{key} of {owner}")
    return out or None


def _typed(value, default, shown: str, what: str):
    if isinstance(default, bool):
        text = str(value).lower()
        if text not in ("true", "false", "1", "0"):
            usage_error(f"{shown}: {what} takes true or false")
        return text in ("true", "1")
    if isinstance(default, int):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole or isinstance(value, str) and ASCII_INT.fullmatch(value):
            return int(value)
        usage_error(f"{shown}: {what} takes a whole number such as {default}")
    if isinstance(default, float) or default is None:
        try:
            return Real().convert(value, None, None)
        except click.BadParameter:
            usage_error(f"{shown}: {what} takes a finite number such as {default if default is not None else 1.0}")
    return str(value)


def usage_error(message: str):
    """A bad option value: click's usage error (exit 2), one line."""
    raise click.UsageError(message, ctx=click.get_current_context(silent=True))


def check_together(opts: dict, *, solver_known: bool = True, given: frozenset = frozenset()) -> None:
    """The checks that involve more than one option (each option's own range is its type's).

    Parses ``schedule_options`` into a dict of typed values (in place). The checks against
    the solver (:func:`check_solver`) run here when it is known: named, recorded, or the
    quick start's; with DATA and no ``--solver`` the defaults rule chooses it from the
    data's rows, and ``deltaprop train`` runs them once it has (``solver_known=False``).
    ``given``: the options the user set (for the solver checks).

    Raises
    ------
    click.UsageError
        Naming the options, the values and what is allowed (exit 2).
    InputError
        The hidden layers alone would not fit in memory (the estimate of ``check_network_fits``).
    """
    if opts["early_stopping"] and opts["validation_fraction"] == 0:
        usage_error(f"--validation-fraction {opts['validation_fraction']:g} with --early-stopping: early stopping "
                    "needs a validation set; give a fraction in (0, 1) such as 0.1, or leave the option out (0.1)")
    schedule = SCHEDULES[opts["schedule"]]
    defaults = {k: v for k, v in _option_types(schedule.init).items() if k in schedule.options}
    opts["schedule_options"] = _key_values(opts["schedule_options"], "--schedule-option", defaults,
                                           f"schedule {schedule.name!r}")
    if solver_known:
        check_solver(opts, given=given)
    delimiter = opts.get("delimiter")
    if delimiter is not None and opts["data"] is not None and not is_table(opts["data"]):
        usage_error(f"--delimiter {delimiter!r} applies to CSV/TSV tables and '-' only, not to {opts['data']!r}")
    hidden = hidden_sizes(opts["hidden"])
    # The hidden layers alone, before the data says the sizes of the first and last layers.
    check_network_fits([1, *hidden, 1], opts["dtype"], option="--hidden", shown=",".join(map(str, hidden)))


def check_solver(opts: dict, *, rule_rows: int | None = None, given: frozenset = frozenset()) -> None:
    """The checks against the solver: ``--batch-size``, ``--schedule``, ``--solver-option`` keys,
    and a ``--learning-rate`` or ``--momentum`` the user set (``given``) that it would not use.

    ``rule_rows``: the solver was not named but chosen by the defaults rule for this many
    training rows, and the messages say so (and how to name another). Parses
    ``solver_options`` into a dict of typed values (in place).

    Raises
    ------
    click.UsageError
        Naming the options, the values, the solver and what is allowed (exit 2).
    """
    solver = OPTIMIZERS[opts["solver"]]
    if rule_rows is None:
        said, owner = f" with --solver {solver.name}: {solver.name}", f"solver {solver.name!r}"
    else:
        said = f": the default solver for {rule_rows} training rows is {solver.name}, which"
        owner = f"solver {solver.name!r} (the default for {rule_rows} training rows; name another with --solver)"
    if isinstance(opts["batch_size"], int) and solver.full_batch:
        usage_error(f"--batch-size {opts['batch_size']}{said} uses the full batch every step; leave --batch-size out, "
                    f"or name --solver {_solvers(lambda o: not o.full_batch)} to train on mini-batches")
    if "learning_rate" in given and solver.learning_rate is None and solver.name != "rprop":
        usage_error(f"--learning-rate {opts['learning_rate']:g}{said} takes its own steps; leave --learning-rate "
                    f"out, or name --solver {_solvers(lambda o: o.learning_rate is not None)}")
    if "momentum" in given and opts["momentum"] > 0 and "momentum" not in solver.options:
        usage_error(f"--momentum {opts['momentum']:g}{said} takes no momentum; leave --momentum out, or name "
                    f"--solver {_solvers(lambda o: 'momentum' in o.options)}")
    if opts["schedule"] != "constant" and solver.learning_rate is None:
        usage_error(f"--schedule {opts['schedule']}{said} has no learning rate to schedule; use --schedule constant, "
                    f"or name --solver {_solvers(lambda o: o.learning_rate is not None)}")
    init = solver.init or solver.minimize
    defaults = {k: v for k, v in _option_types(init).items() if k in solver.options}
    opts["solver_options"] = _key_values(opts["solver_options"], "--solver-option", defaults, owner)
    if "learning_rate" in given:  # rprop's initial step delta0, as the estimators take learning_rate_init
        from ..estimators._defaults import trainer_learning_rate  # (the package brings in scikit-learn)

        options = dict(opts["solver_options"] or {})
        opts["learning_rate"] = trainer_learning_rate(solver.name, opts["learning_rate"], options)
        opts["solver_options"] = options or None  # as parsed: None for no options


def _solvers(has) -> str:
    """The solvers whose record ``has`` a property, as a message lists them ("sgd or adam")."""
    names = [name for name, record in OPTIMIZERS.items() if has(record)]
    return " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]


def hidden_sizes(values) -> list[int]:
    """``--hidden`` as converted by :class:`Hidden` (one tuple per use of the option), as one list."""
    return [int(n) for group in values for n in (group if isinstance(group, (list, tuple)) else (group,))]


def check_files(opts: dict) -> None:
    """Refuse before reading anything when an output would replace an input or another output."""
    for option in ("output", "checkpoint"):  # fail now, not after training
        if opts[option]:
            folder = os.path.dirname(os.path.abspath(opts[option]))
            if not os.path.isdir(folder):
                raise MissingFileError(f"cannot write --{option} {opts[option]!r}: the directory {folder!r} "
                                       "does not exist; create it first")
    data = opts["data"]
    inputs = [("DATA", data)] if data not in (None, "-", *BUILTIN_DATASETS) else []
    inputs += [(name, opts[key]) for name, key in (("--config", "config"), ("--resume", "resume")) if opts[key]]
    pairs = [("-o", opts["output"], name, path) for name, path in inputs]
    pairs += [("--checkpoint", opts["checkpoint"], name, path) for name, path in inputs if name != "--resume"]
    pairs.append(("-o", opts["output"], "--checkpoint", opts["checkpoint"]))
    for out_name, out, in_name, path in pairs:
        if out and path and _same_file(out, path):
            usage_error(f"{out_name} {out!r} is the same file as {in_name} {path!r}; writing it would replace "
                        f"{'the data' if in_name == 'DATA' else 'it'}: choose another file for {out_name}")


def _same_file(a: str, b: str) -> bool:
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def check_enough(kept: int, n: int, fraction: float, option: str, classes) -> None:
    """Refuse a split that leaves too few examples to train on (fewer than 2, or than the classes)."""
    need = max(2, 0 if classes is None else len(classes))
    if kept < need:
        usage_error(f"{option} {fraction:g} leaves {kept} of {n} examples to train on; at least {need} are needed "
                    f"({'one per class' if classes is not None and len(classes) > 2 else 'two'}): use a smaller "
                    "fraction such as 0.1")
