"""``deltaprop train``: options and config file -> data, preprocessing, Network, Trainer -> model file.

Training goes straight through :class:`~deltaprop.training.Trainer` on a
:class:`~deltaprop.network.Network`: every option is one Trainer or Network argument, and
checkpoints hold the trainer's own state, so a resumed run is bitwise the uninterrupted one.

Every option value is checked before any data is read: each option's click type declares
what it allows (ASCII numbers only, with their ranges), and ``check_together`` checks the
options that depend on each other (both in :mod:`deltaprop.cli._train_options`); a bad
value is a usage error (exit 2) naming the option, the value and what is allowed. The same
checks read a checkpoint's recorded options on ``--resume``, where a failure is one
:class:`~deltaprop.errors.ModelFileError`.

A checkpoint never decides where a resumed run writes or what it reads: ``-o``,
``--checkpoint`` (default: back into the checkpoint given to ``--resume``), DATA (a recorded
built-in data set name is the one exception: it is a name, not a path), ``--quiet`` and
``--json`` come from the command line only.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import time

import click
import numpy as np

from .. import _threads, modelfile
from .._json import to_json
from .._memory import check_network_fits
from ..activations import ACTIVATIONS
from ..callbacks import Checkpoint, StopOnSignal, load_checkpoint
from ..data import BUILTIN_DATASETS
from ..encoding import ClassEncoder, Encoding
from ..errors import DivergenceError, InputError, ModelFileError
from ..losses import LOSSES
from ..network import Network
from ..optimizers import OPTIMIZERS
from ..schedules import SCHEDULES
from ..training import Trainer
from ._config import load_config
from ._exit import EXIT_INTERRUPTED
from ._model import CLASSIFICATION, REGRESSION, Model, read_data
from ._output import ProgressDisplay, echo_json, fixed, headline, metrics, network_line, warnings_as_lines
from ._train_data import read_training_data
from ._train_options import (ASCII_REAL, HIDDEN_ACTIVATIONS, MAX_EPOCHS, BatchSize, Delimiter, Hidden, Real, Whole,
                             check_enough, check_files, check_solver, check_together, hidden_sizes)
from ._train_rule import RULED, SOLVER_RULED, apply_defaults_rule, fit_batch_size

#: What ``deltaprop train`` without DATA does: the notes' network (sigmoid units, squared
#: error, 30 hidden units) trained by the notes' rule, batch gradient descent on the summed
#: gradient ``w <- w - eta sum_i dJ_i/dw``, on the built-in digits, tested on a held-out quarter.
#: eta suits the sum at that N: eta_sum = eta_mean / N = 3 / 1347 training examples (about
#: 0.0022); a rate such as 0.1 on the sum saturates every unit (issue 12's case 3).
QUICK_START = {"data": "digits", "solver": "gd", "reduction": "sum", "learning_rate": 0.0022, "epochs": 100,
               "standardize": True, "test_fraction": 0.25}
#: An integer target with more distinct values than this, that are also more than this
#: fraction of the rows, is regressed unless --task classify says otherwise (see _task).
MANY_VALUES = 20
MANY_VALUES_FRACTION = 0.05
#: The most classes deltaprop train fits (one output unit each).
MAX_CLASSES = 1000
#: Built-in data sets with a standard train/test split: trained on part "train", tested on part "test".
STANDARD_SPLITS = ("fashion-mnist",)
#: From this many training values (examples x features), a float64 run gets a note that
#: --dtype float32 is faster (README "Command line": Fashion-MNIST measured with both).
FLOAT32_NOTE_VALUES = 10_000_000
#: Options a resumed run may set to another value than the checkpoint recorded (the rest are
#: the run's settings: given again, they must equal the recorded values).
RESUME_MAY_CHANGE = ("epochs", "checkpoint_every", "delimiter")
#: Options a checkpoint does not record and a resumed run never takes from it: where to read
#: and write, and how to print. They come from this command line (or its config file) only.
NOT_RECORDED = ("output", "checkpoint", "quiet", "json", "resume", "config", "data_dir", "log_every", "threads")
#: With DATA, the hidden layer the rule was measured with (the estimators' (100,)).
DATA_HIDDEN = ("100",)
#: The rule's switch from RPROP to Adam (deltaprop.estimators.LARGE_N, named here without importing
#: scikit-learn for --help; a test keeps them equal).
RULE_LARGE_N = 2_000


def _ruled_default(without_data: str) -> str:
    """The ``[default: ...]`` of an option in :data:`RULED`: the rule with DATA, the quick start's value without."""
    return f"chosen from the data by the estimators' rule; {without_data} without DATA"


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
@click.option("--hidden", type=Hidden(), multiple=True, default=("30",),
              help="Hidden layer sizes: --hidden 30,30 or repeat the option [default: 100 with DATA, as the "
                   "estimators; 30 for the quick start].")
@click.option("--activation", type=click.Choice(HIDDEN_ACTIVATIONS), default="sigmoid",
              help=f"Hidden units' activation [default: {_ruled_default('sigmoid')}].")
@click.option("--output-activation", type=click.Choice(sorted(ACTIVATIONS)),
              help="Output units' activation [default: chosen from the data by the estimators' rule (softmax or "
                   "sigmoid to classify, identity to regress); sigmoid without DATA].")
@click.option("--loss", type=click.Choice(sorted(LOSSES)), default="squared_error",
              help=f"The loss J [default: {_ruled_default('squared_error')}].")
@click.option("--solver", type=click.Choice(sorted(OPTIMIZERS)), default="rprop",
              help="The optimizer [default: chosen from the data by the estimators' rule, rprop up to "
                   f"{RULE_LARGE_N} training rows, else adam; the notes' gd without DATA].")
@click.option("--learning-rate", "--eta", "learning_rate", type=Real(0.0, lo_open=True),
              help="eta [default: the solver's, with DATA scikit-learn's 0.001 for sgd and adam as the estimators; "
                   "0.0022 without DATA].")
@click.option("--epochs", type=Whole(1, MAX_EPOCHS), default=200,
              help="Total epochs of the run [default: 200; 100 without DATA].")
@click.option("--batch-size", type=BatchSize(),
              help="Mini-batch size for sgd/adam, or 'auto' = min(200, N) [default: auto]; a size above the N training "
                   "rows uses all N, with a warning, as the estimators.")
@click.option("--reduction", type=click.Choice(["sum", "mean"]),
              help="Sum or average a batch's gradient [default: sum for gd, mean otherwise].")
@click.option("--momentum", type=Real(0.0, 1.0), default=0.0,
              help="Momentum of gd/sgd [default: 0; with DATA and --solver sgd, the estimators' 0.9].")
@click.option("--nesterov/--no-nesterov", default=False,
              help="Nesterov momentum [default: off; with DATA and --solver sgd, on (with a momentum above 0), as "
                   "the estimators].")
@click.option("--beta1", "beta_1", type=Real(0.0, 1.0, hi_open=True), default=0.9, show_default=True,
              help="Adam's beta_1.")
@click.option("--beta2", "beta_2", type=Real(0.0, 1.0, hi_open=True), default=0.999, show_default=True,
              help="Adam's beta_2.")
@click.option("--epsilon", type=Real(0.0, lo_open=True), default=1e-8, show_default=True, help="Adam's epsilon.")
@click.option("--weight-decay", type=Real(0.0), default=0.0,
              help=f"L2 penalty alpha on the weights [default: {_ruled_default('0')}].")
@click.option("--clip-norm", type=Real(0.0, lo_open=True), help="Clip the gradient to this Euclidean norm.")
@click.option("--schedule", type=click.Choice(sorted(SCHEDULES)), default="constant", show_default=True,
              help="Learning-rate schedule.")
@click.option("--power-t", type=Real(0.0), default=0.5, show_default=True, help="Exponent of the invscaling schedule.")
@click.option("--schedule-option", "schedule_options", multiple=True, metavar="KEY=VALUE",
              help="step_size, drop (step); factor, min_learning_rate (adaptive).")
@click.option("--solver-option", "solver_options", multiple=True, metavar="KEY=VALUE",
              help="e.g. delta0=0.1 (rprop), mu=1.75 (quickprop), max_fun=15000 (lbfgs).")
@click.option("--tol", type=Real(0.0), help="Stop when the loss (or validation score) stalls by this much "
                                             f"[default: {_ruled_default('none (every epoch runs)')}].")
@click.option("--patience", "n_iter_no_change", type=Whole(1, MAX_EPOCHS), default=10,
              help=f"Epochs without improvement before stopping (n_iter_no_change) [default: {_ruled_default('10')}].")
@click.option("--early-stopping/--no-early-stopping", default=False,
              help="Stop when the validation score stalls; keep the best epoch's weights "
                   f"[default: {_ruled_default('off')}].")
@click.option("--validation-fraction", type=Real(0.0, 1.0, hi_open=True),
              help="Hold out this fraction of the training data for validation [default: chosen from the data by "
                   "the estimators' rule (0.2 for its own early stopping of small regressions, else 0.1); 0.1 "
                   "without DATA].")
@click.option("--shuffle/--no-shuffle", default=True, show_default=True, help="Reshuffle mini-batches each epoch.")
@click.option("--test-fraction", type=Real(0.0, 1.0, hi_open=True), default=0.0,
              help="Hold out this fraction as a test set, reported and stored in the model file [default: 0; 0.25 "
                   "without DATA].")
@click.option("--standardize/--no-standardize", default=True, show_default=True,
              help="Standardise the inputs (and regression targets of identity outputs) with the training "
                   "data's mean and deviation (saved with the model).")
@click.option("--missing", type=click.Choice(["impute", "error"]), default="impute", show_default=True,
              help="Missing values (empty, NA, ?, NaN) in the inputs: fill with the training median / most "
                   "frequent value, or refuse listing them.")
@click.option("--seed", type=Whole(0, 2**128), default=0, show_default=True,
              help="Seed of the weights, splits and shuffling.")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64", show_default=True,
              help="Precision of the network; float32 is several times faster on large data.")
@click.option("--threads", type=Whole(1, 1024),
              help="BLAS threads for the matrix products [default: chosen from the size of the work].")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the Fashion-MNIST IDX files.")
@click.option("--config", type=click.Path(dir_okay=False), is_eager=True, callback=load_config,
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
    breast-cancer, wine, diabetes, fashion-mnist). With DATA, what the command line leaves
    out follows the estimators' defaults rule (the model MLPClassifier() / MLPRegressor()
    fit). Without DATA, the notes' network (sigmoid units, squared error, gradient descent
    on the summed gradient) learns the built-in digits and its test accuracy is printed.

    Ctrl-C finishes the epoch and exits with code 130: with --checkpoint the checkpoint is
    saved and --resume continues bitwise as if never interrupted; without it, -o keeps the
    weights reached (marked as interrupted in the file).
    """
    options["json"] = options.pop("json_")
    source = {name: ctx.get_parameter_source(name if name != "json" else "json_") for name in options}
    given = {name for name, where in source.items()
             if where in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.DEFAULT_MAP)}
    saved = None
    ruled = ()
    if options["resume"]:
        saved = load_checkpoint(options["resume"])
        options = _resumed_options(ctx, saved, options, given)
    elif options["data"] is None:  # the quick start, unless the command line or the config file says otherwise
        options.update({k: v for k, v in QUICK_START.items() if k not in given})
    else:  # DATA: what the user left out follows the estimators' defaults rule, resolved from the data
        options["hidden"] = options["hidden"] if "hidden" in given else DATA_HIDDEN
        ruled = tuple(name for name in (*RULED, *SOLVER_RULED) if name not in given)
    check_together(options, solver_known="solver" not in ruled, given=frozenset(given))
    check_files(options)
    return run(options, saved, ruled=ruled)


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
        check_together({"delimiter": None, **out})
    except (click.UsageError, InputError) as exc:
        fail(".options", f"do not hold together: {getattr(exc, 'message', exc)}")
    return out


def _normal(name: str, value):
    """A setting in one comparable form (hidden sizes as one list, KEY=VALUE options as a dict)."""
    if name == "hidden":
        return hidden_sizes(value)
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
        return ",".join(map(str, hidden_sizes(value)))
    return repr(_normal(name, value))


# ------------------------------------------------------------------------------ the run
def run(opts: dict, saved=None, *, ruled: tuple = ()) -> int:
    """Read the data, train, report and save, with the options already checked by :func:`train`.

    Warnings of the library and its dependencies print as one line each on stderr
    (``deltaprop: warning: ...``), silenced by ``--quiet``; Ctrl-C finishes the epoch.
    """
    with warnings_as_lines(quiet=opts["quiet"], action="default"):
        return _run(opts, saved, ruled)


def _run(opts: dict, saved, ruled: tuple = ()) -> int:
    quiet = opts["quiet"]
    say = (lambda *a, **k: None) if quiet or opts["json"] else click.echo
    standard_split = opts["data"] in STANDARD_SPLITS  # fashion-mnist: train on part "train", test on "test"
    if standard_split and opts["test_fraction"]:
        raise InputError(f"{opts['data']} has its own test set (part 'test'), which deltaprop train reports; "
                         "leave --test-fraction out")
    ds = read_training_data(opts, part="train" if standard_split else None)
    if ds.y is None:
        index_hint = " (for a .npy array: its column index, such as --target -1)" if opts["target"] is None else ""
        raise InputError(f"data {opts['data']!r} has no target; name the target column with --target{index_hint}")
    X, y = np.asarray(ds.X), np.asarray(ds.y)
    if X.dtype != object:  # text columns stay as read, for the table encoder
        X = X.astype(np.float64, copy=False)
    fingerprint = modelfile.data_fingerprint(X, y)
    if saved is not None and saved.metadata["cli"]["fingerprint"] != fingerprint:
        raise InputError(f"data {opts['data']!r} is not the data the checkpointed run trained on (their "
                         "fingerprints differ); resume with the same DATA and --target")
    task, note = _task(opts["task"], ds, y)
    if note:
        say(note)
    classify = task == CLASSIFICATION
    train_i, test_i = _split(len(y), opts["test_fraction"], opts["seed"], y if classify else None, "--test-fraction")
    init = apply_defaults_rule(opts, ruled, task, y[train_i]) if ruled else "auto"
    if "solver" in ruled:  # chosen by the rule from the rows: the options that depend on it are checked now
        set_by_user = frozenset(name for name in ("learning_rate", "momentum") if name not in ruled)
        check_solver(opts, rule_rows=len(train_i), given=set_by_user)
    output_activation = opts["output_activation"] or ("sigmoid" if classify else "identity")
    if classify and np.unique(y[train_i]).size < 2:
        raise InputError(f"the target has only one class ({np.unique(y[train_i]).tolist()[0]!r}); a classifier needs "
                         "at least two")
    # The one place where the preprocessing is fitted (on the training part only).
    pre = Encoding.fit(X[train_i], y[train_i], standardize=opts["standardize"], classify=classify,
                       output_activation=output_activation, missing=opts.get("missing", "impute"),
                       scale_targets=opts["standardize"], feature_names=ds.feature_names)
    Xn, Yn = pre.transform_inputs(X[train_i]), pre.transform_targets(y[train_i])
    # One generator draws, in the estimators' order, the weights, the validation split's seed and
    # the trainer's shuffles: the same seed gives the network MLPClassifier/MLPRegressor would fit.
    rng = np.random.default_rng(opts["seed"])
    sizes = [Xn.shape[1], *hidden_sizes(opts["hidden"]), Yn.shape[1]]
    check_network_fits(sizes, opts["dtype"], option="--hidden")
    net = Network(sizes, activation=opts["activation"], output_activation=output_activation, loss=opts["loss"],
                  seed=rng, dtype=opts["dtype"], init=init)
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
    batch_size = fit_batch_size(opts["batch_size"], len(Yn))
    trainer = Trainer(
        solver=opts["solver"], learning_rate=opts["learning_rate"], epochs=opts["epochs"],
        batch_size=batch_size, reduction=opts["reduction"], momentum=opts["momentum"],
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
        say(network_line(ds.name, net))
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
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported as divergence just below
        results = {"train": metrics(model, X[train_i], y[train_i])}
        if len(test_i):
            results["test"] = metrics(model, X[test_i], y[test_i])
        elif standard_split:
            test = read_data(opts["data"], data_dir=opts["data_dir"], part="test")
            results["test"] = metrics(model, test.X, test.y)
    _check_finite_metrics(results, trainer)
    settings = {k: opts[k] for k in ("solver", "learning_rate", "epochs", "batch_size", "reduction", "seed",
                                     "standardize", "test_fraction", "validation_fraction", "dtype")}
    settings["trainer"] = trainer.get_config()
    meta = {
        "task": task, "features": list(ds.feature_names), "target": ds.target_name,
        "preprocessing": pre.to_meta(), "training": settings, "history": history.to_dict(),
        "data": {"source": opts["data"], "n_examples": int(len(y)), "n_train": int(len(train_i)),
                 "n_test": int(results["test"]["n_examples"]) if "test" in results else 0},
        "data_fingerprint": fingerprint, "metrics": results, "seed": opts["seed"],
    }  # fmt: skip
    if interrupted:
        meta["interrupted"] = {"epoch": trainer.epoch, "note": f"Ctrl-C stopped the run after epoch {trainer.epoch} "
                                                               f"of {opts['epochs']}; these are the weights reached"}
    if opts["output"]:
        modelfile.save(net, opts["output"], metadata=meta)
    targets = pre.targets
    scaled = None if targets is None else ("standardised" if getattr(targets, "mean", None) is not None else
                                           "scaled" if getattr(targets, "target_range", None) is not None else None)
    summary = _summary(opts, trainer, history, len(Yn), 0 if validation is None else len(validation[1]), scaled)
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
            held = f"test examples (part 'test' of {opts['data']})" if standard_split else "held-out examples"
            if classify:
                say(f"test accuracy: {m['accuracy']:.4f} on {m['n_examples']} {held}")
            else:
                say(f"test {headline(m)} on {m['n_examples']} {held}")
        if opts["dtype"] == "float64" and Xn.size >= FLOAT32_NOTE_VALUES:
            say(f"note: {Xn.shape[0]} x {Xn.shape[1]} training values in float64; --dtype float32 trains several "
                "times faster with the same accuracy on data like this (see README, Command line)")
        say(f"saved model to {opts['output']}" if opts["output"] else "(model not saved: pass -o PATH to keep it)")
    if interrupted:
        click.echo(f"deltaprop: interrupted after epoch {trainer.epoch}; the weights reached were saved to "
                   f"{opts['output']!r}, marked as interrupted in its metadata", err=True)
        return EXIT_INTERRUPTED
    return 0


def _summary(opts: dict, trainer: Trainer, history, n_fit: int, n_held_out: int = 0,
             scaled_targets: str | None = None) -> dict:
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
    if n_held_out:  # the metrics below count the held-out rows too: say why the numbers differ
        what += f" fitted; {n_held_out} more held out for early stopping"
    if scaled_targets:  # the loss is the network's, on its targets; the metrics below are in the data's units
        what += f"; on the {scaled_targets} target"
    how += f", loss: {'mean' if reduction == 'mean' else 'sum'}"
    best = history.best_epoch
    restored = opts["early_stopping"] and best is not None and best + 1 < history.n_epochs
    at = best if restored else history.n_epochs - 1
    loss = history.loss[at]
    if restored:
        line = (f"early stopping restored the weights of epoch {best + 1} (its best validation score"
                + (f" {fixed(history.val_metric[best])}" if history.val_metric else "")
                + f"); that model's loss {loss:.6g} ({what}); the metrics below are that model's")
    else:
        line = f"final loss {loss:.6g} ({what})"
    return {"how": how, "loss_line": line, "loss": loss, "learning_rate": rates[0] if rates else None,
            "reduction": reduction, "restored_epoch": best + 1 if restored else None}


def _check_finite_outputs(model: Model, parts: dict, trainer: Trainer) -> None:
    """A run whose trained network gives NaN or infinite outputs diverged, whatever its loss said."""
    for name, X in parts.items():
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the finding, reported below
            # The network's outputs, and the predictions they map back to (a standardised
            # regression target multiplies them by its deviation, which can overflow on its own).
            finite = not len(X) or (np.all(np.isfinite(model.outputs(X)))
                                    and (model.task != REGRESSION or np.all(np.isfinite(model.predict(X)))))
        if not finite:
            raise DivergenceError(
                f"training diverged: the trained network's outputs on the {name} data are NaN or infinite (epoch "
                f"{trainer.epoch}, solver {trainer.solver!r}); use a smaller learning rate or standardise the inputs "
                "(--standardize)", epoch=trainer.epoch)


def _check_finite_metrics(results: dict, trainer: Trainer) -> None:
    """Finite outputs so large that the metrics overflow (an MSE of inf) are a blow-up too."""
    for part, m in results.items():
        bad = [k for k, v in m.items() if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise DivergenceError(
                f"training diverged: the trained network's predictions on the {part} data are so large that its "
                f"{', '.join(bad)} overflow (epoch {trainer.epoch}, solver {trainer.solver!r}); use a smaller "
                "learning rate", epoch=trainer.epoch)


class _Progress(ProgressDisplay):
    """The progress display, printing every ``every``-th epoch (and the last) when not on a terminal."""

    def __init__(self, total_epochs: int, *, metric_name: str, quiet: bool, every: int):
        super().__init__(total_epochs, metric_name=metric_name, quiet=quiet)
        self.every = every

    def on_epoch_end(self, trainer, net, epoch: int, logs: dict) -> None:
        if self._bar is None and (epoch + 1) % self.every and epoch + 1 != self.total:
            return
        super().on_epoch_end(trainer, net, epoch, logs)


def _batch_rows(batch_size, n: int) -> int:
    """The rows of one step's matrix products: the mini-batch, or all ``n`` examples."""
    if batch_size == "auto":
        return min(200, n)
    return n if batch_size is None else min(int(batch_size), n)


def _task(forced: str | None, ds, y: np.ndarray) -> tuple[str, str | None]:
    """The task and a one-line note when it was decided from the data rather than obvious.

    An integer target with more than :data:`MANY_VALUES` distinct values that are also more
    than :data:`MANY_VALUES_FRACTION` of the rows (prices, counts, years) is regressed: as
    classes, each would have fewer than 1 / MANY_VALUES_FRACTION = 20 examples on average
    and the network one output per value. Small sets of codes (digits, grades, 3 species in
    a thousand rows) stay classes. ``--task classify`` forces classes, up to :data:`MAX_CLASSES`.
    """
    if forced == "regress":
        if y.dtype.kind not in "biuf":
            raise InputError(f"--task regress needs numeric targets, but column {ds.target_name!r} holds labels "
                             f"such as {y[0]!r}; use --task classify")
        return REGRESSION, None
    if forced is None and ds.task is not None:
        return ds.task, None
    if forced is None and y.dtype.kind == "f":
        return REGRESSION, None
    n_classes = np.unique(y).size
    if forced is None and y.dtype.kind in "iu" and n_classes > MANY_VALUES and n_classes > MANY_VALUES_FRACTION * len(y):
        return REGRESSION, (f"note: the target {ds.target_name!r} has {n_classes} distinct integer values in "
                            f"{len(y)} rows, so it is regressed; pass --task classify to treat each value as a class")
    if n_classes > MAX_CLASSES:
        hint = "; pass --task regress if it is a quantity" if y.dtype.kind in "biuf" else ""
        raise InputError(f"the target {ds.target_name!r} has {n_classes} distinct values, more than the "
                         f"{MAX_CLASSES} classes deltaprop train fits (one output unit each){hint}")
    return CLASSIFICATION, None


def _split(n: int, fraction: float, seed: int, stratify, option: str, *, sort: bool = True):
    """Indices ``(kept, held_out)``: a seeded (stratified when possible) random split.

    ``sort=False`` keeps scikit-learn's order, as the estimators' validation split does.
    """
    if not fraction:
        return np.arange(n), np.arange(0)
    classes = np.unique(stratify) if stratify is not None and np.ndim(stratify) == 1 else None
    check_enough(n - math.ceil(fraction * n), n, fraction, option, classes)  # scikit-learn's test size
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
            v = hidden_sizes(v)
        elif k == "data" and isinstance(v, str) and v not in BUILTIN_DATASETS and os.path.exists(v):
            v = os.path.abspath(v)
        out[k] = v
    return to_json(out)
