"""``deltaprop train``: options and config file -> data, preprocessing, Network, Trainer -> model file.

Training goes straight through :class:`~deltaprop.training.Trainer` on a
:class:`~deltaprop.network.Network`: every option is one Trainer or Network argument, and
checkpoints hold the trainer's own state, so a resumed run is bitwise the uninterrupted one.

Every option value is checked before any data is read: each option's click type declares
what it allows (ASCII numbers only, with their ranges), and :func:`_check_together` checks
the options that depend on each other; a bad value is a usage error (exit 2) naming the
option, the value and what is allowed. The same checks read a checkpoint's recorded options
on ``--resume``, where a failure is one :class:`~deltaprop.errors.ModelFileError`.

A checkpoint never decides where a resumed run writes or what it reads: ``-o``,
``--checkpoint`` (default: back into the checkpoint given to ``--resume``), DATA (a recorded
built-in data set name is the one exception: it is a name, not a path), ``--quiet`` and
``--json`` come from the command line only.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import inspect
import math
import os
import re
import shlex
import sys
import time
import warnings

import click
import numpy as np

from .. import _threads, modelfile
from .._json import to_json
from .._memory import check_network_fits
from .._schema import MAX_LAYER_SIZE
from ..activations import ACTIVATIONS
from ..callbacks import Checkpoint, StopOnSignal, load_checkpoint
from ..data import BUILTIN_DATASETS, load_dataset
from ..encoding import ClassEncoder, Encoding
from ..errors import DataFileError, DivergenceError, InputError, MissingFileError, ModelFileError
from ..losses import LOSSES
from ..network import Network
from ..optimizers import OPTIMIZERS
from ..schedules import SCHEDULES
from ..training import Trainer
from ._exit import EXIT_INTERRUPTED
from ._model import CLASSIFICATION, REGRESSION, Model, is_table, read_data
from ._output import ProgressDisplay, echo_json, headline, metrics

#: What ``deltaprop train`` without DATA does: the notes' network (sigmoid units, squared
#: error, 30 hidden units, gradient descent) on the built-in digits, tested on a held-out quarter.
QUICK_START = {"data": "digits", "solver": "gd", "reduction": "mean", "learning_rate": 3.0, "epochs": 100,
               "standardize": True, "test_fraction": 0.25}
#: Options a resumed run may set to another value than the checkpoint recorded (the rest are
#: the run's settings: given again, they must equal the recorded values).
RESUME_MAY_CHANGE = ("epochs", "checkpoint_every", "delimiter")
#: Options a checkpoint does not record and a resumed run never takes from it: where to read
#: and write, and how to print. They come from this command line (or its config file) only.
NOT_RECORDED = ("output", "checkpoint", "quiet", "json", "resume", "config", "data_dir", "log_every", "threads")
#: Config-file spellings of the flags whose parameter name differs.
CONFIG_ALIASES = {"beta1": "beta_1", "beta2": "beta_2", "patience": "n_iter_no_change", "eta": "learning_rate"}
#: Options that are not settings of the run and are never read from a config file.
NOT_IN_CONFIG = ("config", "resume")
#: The most epochs a run may ask for (a billion epochs of one example each is days of work).
MAX_EPOCHS = 10**9
#: Hidden units' activations: those whose derivative is a function of the unit's own output
#: (softmax couples its units and serves only as an output activation).
HIDDEN_ACTIVATIONS = sorted(name for name, record in ACTIVATIONS.items() if record.grad is not None)
#: A whole number as the command line and config files may write it: ASCII digits only
#: (Python's int() also takes "1_000" and Arabic-Indic digits).
ASCII_INT = re.compile(r"[+-]?[0-9]+")
ASCII_REAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: From this many training values (examples x features), a float64 run gets a note that
#: --dtype float32 is faster (README "Command line": Fashion-MNIST measured with both).
FLOAT32_NOTE_VALUES = 10_000_000


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
            _usage(f"{option} {pair!r} is not KEY=VALUE, such as {option} {next(iter(defaults), 'key')}=...")
        items.append((key.strip(), value.strip()))
    out = {}
    for key, value in items:
        if key not in defaults:
            _usage(f"{option} {key}={value}: {key!r} is not an option of {owner}; valid: "
                   f"{', '.join(defaults) or 'none'}")
        out[key] = _typed(value, defaults[key], f"{option} {key}={value}", f"{key} of {owner}")
    return out or None


def _typed(value, default, shown: str, what: str):
    if isinstance(default, bool):
        text = str(value).lower()
        if text not in ("true", "false", "1", "0"):
            _usage(f"{shown}: {what} takes true or false")
        return text in ("true", "1")
    if isinstance(default, int):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole or isinstance(value, str) and ASCII_INT.fullmatch(value):
            return int(value)
        _usage(f"{shown}: {what} takes a whole number such as {default}")
    if isinstance(default, float) or default is None:
        try:
            return Real().convert(value, None, None)
        except click.BadParameter:
            _usage(f"{shown}: {what} takes a finite number such as {default if default is not None else 1.0}")
    return str(value)


def _usage(message: str):
    """A bad option value: click's usage error (exit 2), one line."""
    raise click.UsageError(message, ctx=click.get_current_context(silent=True))


def _load_config(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """``--config FILE`` (eager): the TOML file's settings become click's ``default_map``.

    Click then takes each option from the command line if given there, else from the file,
    else its own default. Keys may be spelled with dashes and by the flags' names (``beta1``,
    ``patience``, ``eta``); a table such as ``[solver-option]`` reads as KEY=VALUE options.
    """
    if path is None:
        return None
    import tomllib

    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except FileNotFoundError:
        raise InputError(f"config file {path!r} does not exist; check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"config file {path!r} is not valid TOML: {exc}") from None
    params = {p.name: p for p in ctx.command.params}
    valid = sorted(n for n in params if n not in NOT_IN_CONFIG and n != "json_")
    defaults = {}
    for key, value in table.items():
        name = CONFIG_ALIASES.get(key.replace("-", "_"), key.replace("-", "_"))
        if name not in valid:
            raise InputError(f"config file {path!r} has an unknown key {key!r}; valid keys: {', '.join(valid)}")
        option = params[name]
        if isinstance(value, dict):
            value = [f"{k}={v}" for k, v in value.items()]
        elif option.multiple and not isinstance(value, list):
            value = [value]
        try:
            defaults[name] = option.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise InputError(f"config file {path!r}: {key} = {value!r}: {exc.message}") from None
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return path


EXAMPLES = """
\b
Examples:
  deltaprop train                                   # the notes' network on the built-in digits
  deltaprop train iris -o iris.safetensors --hidden 8 --solver adam --epochs 300
  deltaprop train data.csv --target species --standardize -o model.safetensors
  deltaprop train data.csv --target 3                # the target by index (0 = first column)
  deltaprop train data.csv --delimiter ';' --target price --task regress --solver lbfgs
  deltaprop train data.csv --config run.toml --epochs 50        # flags override the file
  deltaprop train data.csv --checkpoint run.ckpt --checkpoint-every 10 -o model.safetensors
  deltaprop train data.csv --checkpoint run.ckpt --resume run.ckpt -o model.safetensors
                                                    # the same command again continues the run
"""


@click.command(epilog=EXAMPLES)
@click.argument("data", required=False)
@click.option("--target", help="The target column of a table: its name, or its index (0 = first, -1 = last; "
                                "default: the last column).")
@click.option("--delimiter", type=Delimiter(), help="The field separator of a CSV table [default: ',', tab for .tsv].")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the trained model to this file.")
@click.option("--task", type=click.Choice(["classify", "regress"]),
              help="Default: classify string or integer targets, regress on real-valued ones.")
@click.option("--hidden", type=Hidden(), multiple=True, default=("30",), show_default=True,
              help="Hidden layer sizes: --hidden 30,30 or repeat the option.")
@click.option("--activation", type=click.Choice(HIDDEN_ACTIVATIONS), default="sigmoid", show_default=True,
              help="Hidden units' activation.")
@click.option("--output-activation", type=click.Choice(sorted(ACTIVATIONS)),
              help="Output units' activation [default: sigmoid to classify, identity to regress].")
@click.option("--loss", type=click.Choice(sorted(LOSSES)), default="squared_error", show_default=True)
@click.option("--solver", type=click.Choice(sorted(OPTIMIZERS)), default="rprop", show_default=True)
@click.option("--learning-rate", "--eta", "learning_rate", type=Real(0.0, lo_open=True),
              help="eta [default: the solver's].")
@click.option("--epochs", type=Whole(1, MAX_EPOCHS), default=200, show_default=True, help="Total epochs of the run.")
@click.option("--batch-size", type=BatchSize(), help="Mini-batch size for sgd/adam, or 'auto' = min(200, N).")
@click.option("--reduction", type=click.Choice(["sum", "mean"]),
              help="Sum or average a batch's gradient [default: sum for gd, mean otherwise].")
@click.option("--momentum", type=Real(0.0, 1.0), default=0.0, show_default=True, help="Momentum of gd/sgd.")
@click.option("--nesterov/--no-nesterov", default=False, show_default=True, help="Nesterov momentum.")
@click.option("--beta1", "beta_1", type=Real(0.0, 1.0, hi_open=True), default=0.9, show_default=True,
              help="Adam's beta_1.")
@click.option("--beta2", "beta_2", type=Real(0.0, 1.0, hi_open=True), default=0.999, show_default=True,
              help="Adam's beta_2.")
@click.option("--epsilon", type=Real(0.0, lo_open=True), default=1e-8, show_default=True, help="Adam's epsilon.")
@click.option("--weight-decay", type=Real(0.0), default=0.0, show_default=True, help="L2 penalty alpha on the weights.")
@click.option("--clip-norm", type=Real(0.0, lo_open=True), help="Clip the gradient to this Euclidean norm.")
@click.option("--schedule", type=click.Choice(sorted(SCHEDULES)), default="constant", show_default=True,
              help="Learning-rate schedule.")
@click.option("--power-t", type=Real(0.0), default=0.5, show_default=True, help="Exponent of the invscaling schedule.")
@click.option("--schedule-option", "schedule_options", multiple=True, metavar="KEY=VALUE",
              help="step_size, drop (step); factor, min_learning_rate (adaptive).")
@click.option("--solver-option", "solver_options", multiple=True, metavar="KEY=VALUE",
              help="e.g. delta0=0.1 (rprop), mu=1.75 (quickprop), max_fun=15000 (lbfgs).")
@click.option("--tol", type=Real(0.0), help="Stop when the loss (or validation score) stalls by this much.")
@click.option("--patience", "n_iter_no_change", type=Whole(1, MAX_EPOCHS), default=10, show_default=True,
              help="Epochs without improvement before stopping (n_iter_no_change).")
@click.option("--early-stopping/--no-early-stopping", default=False, show_default=True,
              help="Stop when the validation score stalls; keep the best epoch's weights.")
@click.option("--validation-fraction", type=Real(0.0, 1.0, hi_open=True),
              help="Hold out this fraction of the training data for validation [default: 0.1 with early stopping].")
@click.option("--shuffle/--no-shuffle", default=True, show_default=True, help="Reshuffle mini-batches each epoch.")
@click.option("--test-fraction", type=Real(0.0, 1.0, hi_open=True), default=0.0, show_default=True,
              help="Hold out this fraction as a test set, reported and stored in the model file.")
@click.option("--standardize/--no-standardize", default=False, show_default=True,
              help="Standardise the inputs with the training data's mean and deviation (saved with the model).")
@click.option("--seed", type=Whole(0, 2**128), default=0, show_default=True,
              help="Seed of the weights, splits and shuffling.")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64", show_default=True,
              help="Precision of the network; float32 is several times faster on large data.")
@click.option("--threads", type=Whole(1, 1024),
              help="BLAS threads for the matrix products [default: chosen from the size of the work].")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the Fashion-MNIST IDX files.")
@click.option("--config", type=click.Path(dir_okay=False), is_eager=True, callback=_load_config,
              help="A TOML file with these options (flags override it).")
@click.option("--checkpoint", type=click.Path(dir_okay=False),
              help="Save the training state to this file [with --resume: the checkpoint resumed from].")
@click.option("--checkpoint-every", type=Whole(1, MAX_EPOCHS), default=10, show_default=True,
              help="Epochs between checkpoints.")
@click.option("--resume", type=click.Path(dir_okay=False),
              help="Continue the run saved in this checkpoint (the same command again, or fewer options).")
@click.option("--log-every", type=Whole(1, MAX_EPOCHS),
              help="Print every N-th epoch when output is not a terminal [default: about 10 lines a run].")
@click.option("--json", "json_", is_flag=True, help="Print the final metrics as JSON.")
@click.option("-q", "--quiet/--no-quiet", default=False, help="Print nothing but errors (no warnings either).")
@click.pass_context
def train(ctx: click.Context, **options) -> int:
    """Train a network on DATA and save it.

    DATA is a CSV/TSV file with a header, .npy, .npz, Parquet, IDX, '-' for CSV on
    standard input, or a built-in data set (xor, moons, circles, digits, iris,
    breast-cancer, wine, diabetes, fashion-mnist). Without DATA, the notes' network
    (sigmoid units, squared error, gradient descent with eta = 3) learns the built-in
    digits and its test accuracy is printed.

    Ctrl-C finishes the epoch and exits with code 130: with --checkpoint the checkpoint is
    saved and --resume continues bitwise as if never interrupted; without it, -o keeps the
    weights reached (marked as interrupted in the file).
    """
    options["json"] = options.pop("json_")
    source = {name: ctx.get_parameter_source(name if name != "json" else "json_") for name in options}
    given = {name for name, where in source.items()
             if where in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.DEFAULT_MAP)}
    saved = None
    if options["resume"]:
        saved = load_checkpoint(options["resume"])
        options = _resumed_options(ctx, saved, options, given)
    elif options["data"] is None:  # the quick start, unless the command line or the config file says otherwise
        options.update({k: v for k, v in QUICK_START.items() if k not in given})
    _check_together(options)
    _check_files(options)
    return run(options, saved)


def _check_together(opts: dict) -> None:
    """The checks that involve more than one option (each option's own range is its type's).

    Parses ``solver_options`` / ``schedule_options`` into dicts of typed values (in place).

    Raises
    ------
    click.UsageError
        Naming the options, the values and what is allowed (exit 2).
    InputError
        The hidden layers alone would not fit in memory (the estimate of ``check_network_fits``).
    """
    if opts["early_stopping"] and opts["validation_fraction"] == 0:
        _usage(f"--validation-fraction {opts['validation_fraction']:g} with --early-stopping: early stopping needs a "
             "validation set; give a fraction in (0, 1) such as 0.1, or leave the option out (0.1)")
    solver = OPTIMIZERS[opts["solver"]]
    if isinstance(opts["batch_size"], int) and solver.full_batch:
        _usage(f"--batch-size {opts['batch_size']} with --solver {solver.name}: {solver.name} uses the full batch "
               "every step; leave --batch-size out or use --solver sgd or adam for mini-batches")
    if opts["schedule"] != "constant" and solver.learning_rate is None:
        _usage(f"--schedule {opts['schedule']} with --solver {solver.name}: {solver.name} has no learning rate to "
             "schedule; use --schedule constant")
    init = solver.init or solver.minimize
    defaults = {k: v for k, v in _option_types(init).items() if k in solver.options}
    opts["solver_options"] = _key_values(opts["solver_options"], "--solver-option", defaults, f"solver {solver.name!r}")
    schedule = SCHEDULES[opts["schedule"]]
    defaults = {k: v for k, v in _option_types(schedule.init).items() if k in schedule.options}
    opts["schedule_options"] = _key_values(opts["schedule_options"], "--schedule-option", defaults,
                                           f"schedule {schedule.name!r}")
    delimiter = opts.get("delimiter")
    if delimiter is not None and opts["data"] is not None and not is_table(opts["data"]):
        _usage(f"--delimiter {delimiter!r} applies to CSV/TSV tables and '-' only, not to {opts['data']!r}")
    hidden = _hidden(opts["hidden"])
    # The hidden layers alone, before the data says the sizes of the first and last layers.
    check_network_fits([1, *hidden, 1], opts["dtype"], option="--hidden")


def _hidden(values) -> list[int]:
    """``--hidden`` as converted by :class:`Hidden` (one tuple per use of the option), as one list."""
    return [int(n) for group in values for n in (group if isinstance(group, (list, tuple)) else (group,))]


def _check_files(opts: dict) -> None:
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
            _usage(f"{out_name} {out!r} is the same file as {in_name} {path!r}; writing it would replace "
                   f"{'the data' if in_name == 'DATA' else 'it'}: choose another file for {out_name}")


def _same_file(a: str, b: str) -> bool:
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


# ------------------------------------------------------------------------------ resuming
def _resumed_options(ctx: click.Context, saved, options: dict, given: set) -> dict:
    """The run's options: the checkpoint's recorded settings, then what this command line says.

    Settings given again must equal the recorded ones (except :data:`RESUME_MAY_CHANGE`);
    :data:`NOT_RECORDED` options come from this command line only, and the checkpoint is
    written back to the file resumed from unless ``--checkpoint`` names another.
    """
    path = options["resume"]
    recorded = _recorded_settings(ctx, saved, path)
    merged = dict(options)
    changed = []
    for name, value in recorded.items():
        if name in NOT_RECORDED or name == "data":
            continue
        if name not in given:
            merged[name] = value
        elif name not in RESUME_MAY_CHANGE and _normal(name, options[name]) != _normal(name, value):
            changed.append(f"--{name.replace('_', '-')} cannot change when resuming (the checkpoint has "
                           f"{_shown(name, value)}, the command line {_shown(name, options[name])})")
    if changed:
        raise InputError(f"{'; '.join(changed)}: the run continues with the settings in the checkpoint; give the "
                         "same values or leave them out (only --epochs, --checkpoint-every and where to read and "
                         "write may change)")
    if options["data"] is None:
        data = recorded.get("data")
        if data not in BUILTIN_DATASETS:  # a path: never taken from a file someone may have edited
            shown = f" (it trained on {data!r})" if isinstance(data, str) else ""
            raise InputError(f"--resume {path!r} needs the DATA the run trained on{shown}: pass it again, as in "
                             f"deltaprop train DATA --resume {path}; a checkpoint's recorded paths are never used")
        merged["data"] = data
    merged["checkpoint"] = options["checkpoint"] or path
    return merged


def _recorded_settings(ctx: click.Context, saved, path: str) -> dict:
    """The checkpoint's ``cli`` section, checked: each option through its own click type."""

    def fail(field: str, problem: str):
        raise ModelFileError(f"cannot resume from checkpoint {path!r}: its field 'metadata.cli{field}' {problem}; it "
                             "was not written by deltaprop train or was edited; use an unedited checkpoint")

    cli = saved.metadata.get("cli")
    if cli is None:
        raise InputError(f"checkpoint {path!r} was not written by deltaprop train; "
                         "resume it from Python with deltaprop.callbacks.load_checkpoint")
    if not isinstance(cli, dict) or set(cli) != {"options", "fingerprint"}:
        fail("", "is not an object holding exactly 'options' and 'fingerprint'")
    if not isinstance(cli["fingerprint"], str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", cli["fingerprint"]):
        fail(".fingerprint", "is not a data fingerprint 'sha256:' + 64 hex digits")
    if not isinstance(cli["options"], dict):
        fail(".options", "is not an object")
    params = {("json" if p.name == "json_" else p.name): p for p in ctx.command.params}
    out = {}
    for name, value in cli["options"].items():
        if name not in params:
            fail(f".options.{name}", "is not an option of deltaprop train")
        if name in NOT_RECORDED:
            continue  # older checkpoints recorded them; they are never used
        if name in ("data", "target"):
            if value is not None and not (isinstance(value, str) and 0 < len(value) <= 4096):
                fail(f".options.{name}", f"is {value!r}; expected a name")
            out[name] = value
            continue
        try:
            out[name] = params[name].type_cast_value(ctx, value)
        except (click.BadParameter, TypeError) as exc:
            fail(f".options.{name}", getattr(exc, "message", str(exc)))
    missing = sorted(set(params) - set(out) - set(NOT_RECORDED) - {"delimiter"})
    if missing:
        fail(".options", f"lacks {', '.join(missing)}")
    try:
        _check_together({"delimiter": None, **out})
    except (click.UsageError, InputError) as exc:
        fail(".options", f"do not hold together: {getattr(exc, 'message', exc)}")
    return out


def _normal(name: str, value):
    """A setting in one comparable form (hidden sizes as one list, KEY=VALUE options as a dict)."""
    if name == "hidden":
        return _hidden(value)
    if name in ("solver_options", "schedule_options"):
        pairs = value.items() if isinstance(value, dict) else (str(p).partition("=")[::2] for p in value or ())
        return {k.strip(): _number_or_text(v) for k, v in pairs} or None
    if name == "target" and value is not None:
        return str(value)
    return to_json(value)


def _number_or_text(value):
    text = str(value).strip()
    return float(text) if ASCII_REAL.fullmatch(text) else text


def _shown(name: str, value) -> str:
    if name == "hidden":
        return ",".join(map(str, _hidden(value)))
    return repr(_normal(name, value))


# ------------------------------------------------------------------------------ the run
def run(opts: dict, saved=None) -> int:
    """Read the data, train, report and save, with the options already checked by :func:`train`.

    Warnings of the library and its dependencies print as one line each on stderr
    (``deltaprop: warning: ...``), silenced by ``--quiet``; Ctrl-C finishes the epoch.
    """
    with _warnings_as_lines(opts["quiet"]):
        return _run(opts, saved)


def _run(opts: dict, saved) -> int:
    quiet = opts["quiet"]
    say = (lambda *a, **k: None) if quiet or opts["json"] else click.echo
    ds = _read(opts)
    if ds.y is None:
        index_hint = " (for a .npy array: its column index, such as --target -1)" if opts["target"] is None else ""
        raise InputError(f"data {opts['data']!r} has no target; name the target column with --target{index_hint}")
    X, y = np.asarray(ds.X, dtype=np.float64), np.asarray(ds.y)
    fingerprint = modelfile.data_fingerprint(X, y)
    if saved is not None and saved.metadata["cli"]["fingerprint"] != fingerprint:
        raise InputError(f"data {opts['data']!r} is not the data the checkpointed run trained on (their "
                         "fingerprints differ); resume with the same DATA and --target")
    task = _task(opts["task"], ds, y)
    classify = task == CLASSIFICATION
    output_activation = opts["output_activation"] or ("sigmoid" if classify else "identity")
    train_i, test_i = _split(len(y), opts["test_fraction"], opts["seed"], y if classify else None, "--test-fraction")
    if classify and np.unique(y[train_i]).size < 2:
        raise InputError(f"the target has only one class ({np.unique(y[train_i]).tolist()[0]!r}); a classifier needs "
                         "at least two")
    # The one place where the preprocessing is fitted (on the training part only).
    pre = Encoding.fit(X[train_i], y[train_i], standardize=opts["standardize"], classify=classify,
                       output_activation=output_activation)
    Xn, Yn = pre.transform_inputs(X[train_i]), pre.transform_targets(y[train_i])
    # One generator draws, in the estimators' order, the weights, the validation split's seed and
    # the trainer's shuffles: the same seed gives the network MLPClassifier/MLPRegressor would fit.
    rng = np.random.default_rng(opts["seed"])
    sizes = [X.shape[1], *_hidden(opts["hidden"]), Yn.shape[1]]
    check_network_fits(sizes, opts["dtype"], option="--hidden")
    net = Network(sizes, activation=opts["activation"], output_activation=output_activation, loss=opts["loss"],
                  seed=rng, dtype=opts["dtype"])
    if saved is not None:
        net = saved.network
    fraction = opts["validation_fraction"]
    if fraction is None and opts["early_stopping"]:
        fraction = 0.1
    validation = None
    if fraction:
        stratify = y[train_i] if classify and y.ndim == 1 else None
        fit_i, val_i = _split(len(Yn), fraction, int(rng.integers(2**31 - 1)), stratify, "--validation-fraction",
                              sort=False)
        validation = (Xn[val_i], Yn[val_i])
        Xn, Yn = Xn[fit_i], Yn[fit_i]
    metric_name = "accuracy" if classify else "R^2"
    log_every = opts["log_every"] or max(1, opts["epochs"] // 10)
    progress = _Progress(opts["epochs"], metric_name=metric_name, quiet=quiet or opts["json"], every=log_every)
    stop = StopOnSignal()  # Ctrl-C finishes the epoch and stops cleanly
    callbacks = [progress, stop]
    checkpoint = None
    if opts["checkpoint"]:
        checkpoint = Checkpoint(opts["checkpoint"], every=opts["checkpoint_every"],
                                metadata={"cli": {"options": _recorded_options(opts), "fingerprint": fingerprint}})
        callbacks.append(checkpoint)
    trainer = Trainer(
        solver=opts["solver"], learning_rate=opts["learning_rate"], epochs=opts["epochs"],
        batch_size=opts["batch_size"], reduction=opts["reduction"], momentum=opts["momentum"],
        nesterov=opts["nesterov"], beta_1=opts["beta_1"], beta_2=opts["beta_2"], epsilon=opts["epsilon"],
        weight_decay=opts["weight_decay"], clip_norm=opts["clip_norm"], schedule=opts["schedule"],
        power_t=opts["power_t"], schedule_options=opts["schedule_options"], solver_options=opts["solver_options"],
        tol=opts["tol"], n_iter_no_change=opts["n_iter_no_change"], early_stopping=opts["early_stopping"],
        validation_fraction=fraction or 0.1, metric=_accuracy(pre.classes) if classify else _r2,
        shuffle=opts["shuffle"], callbacks=callbacks, seed=rng,
    )  # fmt: skip
    if saved is not None:
        trainer.load_state_dict(saved.state)
        say(f"resuming {opts['data']} from epoch {saved.epoch} of {opts['epochs']} ({opts['resume']})")
    else:
        say(f"{ds.name}: {net!r}")
    first_epoch = trainer.epoch
    t0 = time.perf_counter()
    try:
        with _threads.blas_threads(net.sizes, _batch_rows(opts["batch_size"], len(Yn)), threads=opts["threads"]):
            history = trainer.fit(net, Xn, Yn, validation_data=validation, resume=saved is not None)
    except KeyboardInterrupt:  # a second Ctrl-C: the epoch was cut short, its weights are half-updated
        progress.close()
        kept = (f"the checkpoint {opts['checkpoint']!r} holds epoch {checkpoint.last_epoch}; continue with: "
                f"deltaprop train {shlex.quote(opts['data'])} --resume {shlex.quote(opts['checkpoint'])}"
                if checkpoint is not None and checkpoint.last_epoch is not None else
                "nothing was saved; press Ctrl-C only once to stop at the end of an epoch and keep the weights "
                "reached with -o PATH (or --checkpoint PATH to resume)")
        click.echo(f"deltaprop: interrupted at once ({trainer.epoch} epochs completed); {kept}", err=True)
        return EXIT_INTERRUPTED
    finally:
        progress.close()
    seconds = time.perf_counter() - t0
    interrupted = history.stop_reason == "interrupted"
    if interrupted and checkpoint is not None:
        click.echo(f"deltaprop: interrupted after epoch {trainer.epoch}; checkpoint saved to {opts['checkpoint']!r}; "
                   f"continue with: deltaprop train {shlex.quote(opts['data'])} --resume "
                   f"{shlex.quote(opts['checkpoint'])}", err=True)
        return EXIT_INTERRUPTED
    if interrupted and not opts["output"]:
        click.echo(f"deltaprop: interrupted after epoch {trainer.epoch}; nothing was saved: pass -o PATH to keep the "
                   "weights reached, or --checkpoint PATH to be able to continue with --resume", err=True)
        return EXIT_INTERRUPTED

    model = Model(opts["output"] or "(trained)", net, {"features": ds.feature_names, "target": ds.target_name},
                  pre, task)
    parts = {"train": X[train_i], "test": X[test_i]}
    _check_finite_outputs(model, parts, trainer)
    results = {"train": metrics(model, X[train_i], y[train_i])}
    if len(test_i):
        results["test"] = metrics(model, X[test_i], y[test_i])
    settings = {k: opts[k] for k in ("solver", "learning_rate", "epochs", "batch_size", "reduction", "seed",
                                     "standardize", "test_fraction", "validation_fraction", "dtype")}
    settings["trainer"] = trainer.get_config()
    meta = {
        "task": task, "features": list(ds.feature_names), "target": ds.target_name,
        "preprocessing": pre.to_meta(), "training": settings, "history": history.to_dict(),
        "data": {"source": opts["data"], "n_examples": int(len(y)), "n_train": int(len(train_i)),
                 "n_test": int(len(test_i))},
        "data_fingerprint": fingerprint, "metrics": results, "seed": opts["seed"],
    }  # fmt: skip
    if interrupted:
        meta["interrupted"] = {"epoch": trainer.epoch, "note": f"Ctrl-C stopped the run after epoch {trainer.epoch} "
                                                               f"of {opts['epochs']}; these are the weights reached"}
    if opts["output"]:
        modelfile.save(net, opts["output"], metadata=meta)
    summary = _summary(opts, trainer, history, len(Yn))
    if opts["json"] and not quiet:
        echo_json({"epochs": history.n_epochs, "stop_reason": history.stop_reason, "loss": summary["loss"],
                   "learning_rate": summary["learning_rate"], "reduction": summary["reduction"],
                   "restored_epoch": summary["restored_epoch"], "metrics": results, "output": opts["output"]})
    else:
        ran = trainer.epoch - first_epoch
        timing = f"in {seconds:.1f} s" + (f" (this process's {ran} epochs; the {first_epoch} before the resume ran "
                                           "in another)" if saved is not None else "")
        say(f"trained {history.n_epochs} epochs ({summary['how']}; stopped: {history.stop_reason}) {timing}")
        say(summary["loss_line"])
        say(f"train {headline(results['train'])} on {len(train_i)} examples")
        if "test" in results:
            m = results["test"]
            if classify:
                say(f"test accuracy: {m['accuracy']:.4f} on {m['n_examples']} held-out examples")
            else:
                say(f"test {headline(m)} on {m['n_examples']} held-out examples")
        if opts["dtype"] == "float64" and Xn.size >= FLOAT32_NOTE_VALUES:
            say(f"note: {Xn.shape[0]} x {Xn.shape[1]} training values in float64; --dtype float32 trains several "
                "times faster with the same accuracy on data like this (see README, Command line)")
        say(f"saved model to {opts['output']}" if opts["output"] else "(model not saved: pass -o PATH to keep it)")
    if interrupted:
        click.echo(f"deltaprop: interrupted after epoch {trainer.epoch}; the weights reached were saved to "
                   f"{opts['output']!r}, marked as interrupted in its metadata", err=True)
        return EXIT_INTERRUPTED
    return 0


def _summary(opts: dict, trainer: Trainer, history, n_fit: int) -> dict:
    """The learning rate used, the loss's reduction and, with early stopping, the restored epoch."""
    solver = OPTIMIZERS[opts["solver"]]
    reduction = opts["reduction"] or solver.reduction
    rates = [r for r in history.learning_rate if math.isfinite(r)]
    if rates:
        how = f"{solver.name}, learning rate {rates[0]:g}" + (f" -> {rates[-1]:g}" if rates[-1] != rates[0] else "")
    else:
        how = f"{solver.name}, its own step sizes (no learning rate)"
    what = (f"per-example mean over the {n_fit} training examples" if reduction == "mean"
            else f"sum over the {n_fit} training examples")
    how += f", loss: {'mean' if reduction == 'mean' else 'sum'}"
    best = history.best_epoch
    restored = opts["early_stopping"] and best is not None and best + 1 < history.n_epochs
    at = best if restored else history.n_epochs - 1
    loss = history.loss[at]
    if restored:
        line = (f"early stopping restored the weights of epoch {best + 1} (its best validation score"
                + (f" {history.val_metric[best]:.4f}" if history.val_metric else "")
                + f"); that model's loss {loss:.6g} ({what}); the metrics below are that model's")
    else:
        line = f"final loss {loss:.6g} ({what})"
    return {"how": how, "loss_line": line, "loss": loss, "learning_rate": rates[0] if rates else None,
            "reduction": reduction, "restored_epoch": best + 1 if restored else None}


def _check_finite_outputs(model: Model, parts: dict, trainer: Trainer) -> None:
    """A run whose trained network gives NaN or infinite outputs diverged, whatever its loss said."""
    for name, X in parts.items():
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the finding, reported below
            finite = np.all(np.isfinite(model.outputs(X))) if len(X) else True
        if not finite:
            raise DivergenceError(
                f"training diverged: the trained network's outputs on the {name} data are NaN or infinite (epoch "
                f"{trainer.epoch}, solver {trainer.solver!r}); use a smaller learning rate or standardise the inputs "
                "(--standardize)", epoch=trainer.epoch)


class _Progress(ProgressDisplay):
    """The progress display, printing every ``every``-th epoch (and the last) when not on a terminal."""

    def __init__(self, total_epochs: int, *, metric_name: str, quiet: bool, every: int):
        super().__init__(total_epochs, metric_name=metric_name, quiet=quiet)
        self.every = every

    def on_epoch_end(self, trainer, net, epoch: int, logs: dict) -> None:
        if self._bar is None and (epoch + 1) % self.every and epoch + 1 != self.total:
            return
        super().on_epoch_end(trainer, net, epoch, logs)


@contextlib.contextmanager
def _warnings_as_lines(quiet: bool):
    """Each distinct warning raised inside as one line ``deltaprop: warning: ...`` on stderr (none when quiet)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if quiet else "default")

        def show(message, category, filename, lineno, file=None, line=None):
            click.echo(f"deltaprop: warning: {' '.join(str(message).split())}", err=True)

        warnings.showwarning = show
        yield


def _batch_rows(batch_size, n: int) -> int:
    """The rows of one step's matrix products: the mini-batch, or all ``n`` examples."""
    if batch_size == "auto":
        return min(200, n)
    return n if batch_size is None else min(int(batch_size), n)


# ------------------------------------------------------------------------------ reading the data
def _read(opts: dict):
    """DATA as a Dataset: ``--target`` by name or index, ``--delimiter``, and hints about the header."""
    source = opts["data"]
    if source in BUILTIN_DATASETS:
        return read_data(source, target=opts["target"], data_dir=opts["data_dir"])
    header = _peek_header(source, opts["delimiter"]) if is_table(source) else None
    target = _target_argument(opts["target"], source, header)
    hints = _header_hints(header, opts["delimiter"], source)
    try:
        ds = load_dataset(source, target=target, delimiter=opts["delimiter"], data_dir=opts["data_dir"])
    except (DataFileError, InputError) as exc:
        if hints:
            raise type(exc)(f"{exc}; {hints[0]}") from None
        raise
    if hints and not opts["quiet"]:
        warnings.warn(hints[-1], UserWarning, stacklevel=1)
    return ds


def _target_argument(target, source: str, header: list[str] | None):
    """``--target 3`` is the column of index 3 unless the table has a column named "3"."""
    if target is None or not ASCII_INT.fullmatch(target.strip()):
        return target
    if header is not None and target in header:
        return target
    name = source.lower().removesuffix(".gz")
    if source == "-" or name.endswith((".csv", ".tsv", ".tab", ".txt", ".npy")):
        return int(target)
    return target


def _peek_header(source: str, delimiter: str | None) -> list[str] | None:
    """The first line's cells of a CSV/TSV table, read without consuming standard input (None if unknown)."""
    head = b""
    try:
        if source == "-":
            stream = sys.stdin
            if stream is None:
                return None
            if stream.seekable():
                at = stream.tell()
                line = stream.readline(1 << 16)
                stream.seek(at)
                head = line.encode("utf-8", "replace")
            elif hasattr(getattr(stream, "buffer", None), "peek"):
                head = stream.buffer.peek(1 << 16)[: 1 << 16]
        elif os.path.isfile(source):
            opener = gzip.open if source.lower().endswith(".gz") else open
            with opener(source, "rb") as f:
                head = f.read(1 << 16)
    except (OSError, ValueError, EOFError):
        return None
    text = head.decode("utf-8-sig", "replace")
    if "\n" not in text:
        return None
    first = text.split("\n", 1)[0].rstrip("\r")
    name = source.lower().removesuffix(".gz")
    sep = delimiter or ("\t" if name.endswith((".tsv", ".tab")) else ",")
    try:
        return [c.strip() for c in next(csv.reader([first], delimiter=sep))]
    except (csv.Error, StopIteration):
        return None


def _header_hints(header: list[str] | None, delimiter: str | None, source: str) -> list[str]:
    """What may be wrong with a table's first row: another separator, or no header at all."""
    if not header:
        return []
    if len(header) == 1 and delimiter is None:
        counts = {c: header[0].count(c) for c in ";\t|:"}
        sep = max(counts, key=counts.get)
        if counts[sep]:
            spelled = "'\\t'" if sep == "\t" else shlex.quote(sep)
            return [f"its header reads as one column; if its fields are separated by {sep!r}, pass --delimiter "
                    f"{spelled}"]
    if len(header) > 1 and all(ASCII_REAL.fullmatch(c) for c in header[:-1]):
        shown = ",".join(header)[:60]
        return [f"the first row of {'standard input' if source == '-' else repr(source)} ({shown}) was read as the "
                "header, but its cells look like values: deltaprop reads column names from the first row; add a "
                "header line such as " + ",".join([f"x{j}" for j in range(min(len(header) - 1, 3))] +
                                                  (["..."] if len(header) > 4 else []) + ["target"])]
    return []


def _check_enough(kept: int, n: int, fraction: float, option: str, classes) -> None:
    """Refuse a split that leaves too few examples to train on (fewer than 2, or than the classes)."""
    need = max(2, 0 if classes is None else len(classes))
    if kept < need:
        _usage(f"{option} {fraction:g} leaves {kept} of {n} examples to train on; at least {need} are needed "
               f"({'one per class' if classes is not None and len(classes) > 2 else 'two'}): use a smaller "
               "fraction such as 0.1")


def _task(forced: str | None, ds, y: np.ndarray) -> str:
    if forced == "classify":
        return CLASSIFICATION
    if forced == "regress":
        if y.dtype.kind not in "biuf":
            raise InputError(f"--task regress needs numeric targets, but column {ds.target_name!r} holds labels "
                             f"such as {y[0]!r}; use --task classify")
        return REGRESSION
    if ds.task is not None:
        return ds.task
    return REGRESSION if y.dtype.kind == "f" else CLASSIFICATION


def _split(n: int, fraction: float, seed: int, stratify, option: str, *, sort: bool = True):
    """Indices ``(kept, held_out)``: a seeded (stratified when possible) random split.

    ``sort=False`` keeps scikit-learn's order, as the estimators' validation split does.
    """
    if not fraction:
        return np.arange(n), np.arange(0)
    classes = np.unique(stratify) if stratify is not None and np.ndim(stratify) == 1 else None
    _check_enough(n - math.ceil(fraction * n), n, fraction, option, classes)  # scikit-learn's test size
    from sklearn.model_selection import train_test_split

    index = np.arange(n)
    try:
        kept, held = train_test_split(index, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError:
        try:  # too few examples of some class to stratify: a plain random split
            kept, held = train_test_split(index, test_size=fraction, random_state=seed)
        except ValueError as exc:
            raise InputError(f"{option} {fraction} cannot split {n} examples ({exc}); change it") from None
    return (np.sort(kept), np.sort(held)) if sort else (kept, held)


def _accuracy(encoder: ClassEncoder):
    """The trainer's validation metric (higher is better): accuracy, the targets decoded by ``encoder``."""

    def accuracy(net, X, Y, sample_weight=None) -> float:
        return float(np.average(encoder.labels(net.forward(X)) == encoder.labels(Y), weights=sample_weight))

    return accuracy


def _r2(net, X, Y, sample_weight=None) -> float:
    """Validation R^2; on scaled targets it is the R^2 of the values (the scaling is affine per output)."""
    from sklearn.metrics import r2_score

    return float(r2_score(Y, net.forward(X), sample_weight=sample_weight)) if len(Y) > 1 else float("nan")


def _recorded_options(opts: dict) -> dict:
    """The run's settings as a checkpoint records them: plain JSON, no output paths or display options.

    DATA is recorded for the messages (a built-in data set's name is reused on resume; a
    path never is).
    """
    out = {}
    for k, v in opts.items():
        if k in NOT_RECORDED:
            continue
        if k in ("solver_options", "schedule_options"):
            v = [f"{key}={value}" for key, value in (v or {}).items()]
        elif k == "hidden":
            v = _hidden(v)
        elif k == "data" and isinstance(v, str) and v not in BUILTIN_DATASETS and os.path.exists(v):
            v = os.path.abspath(v)
        out[k] = v
    return to_json(out)
