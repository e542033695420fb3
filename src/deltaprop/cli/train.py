"""``deltaprop train``: options and config file -> data, preprocessing, Network, Trainer -> model file.

Training goes straight through :class:`~deltaprop.training.Trainer` on a
:class:`~deltaprop.network.Network`: every option is one Trainer or Network argument, and
checkpoints hold the trainer's own state, so a resumed run is bitwise the uninterrupted one.
"""

from __future__ import annotations

import os
import time

import click
import numpy as np

from .. import modelfile
from .._json import to_json
from ..activations import ACTIVATIONS
from ..data import BUILTIN_DATASETS
from ..callbacks import Checkpoint, StopOnSignal, load_checkpoint
from ..errors import InputError, MissingFileError
from ..losses import LOSSES
from ..network import Network
from ..optimizers import OPTIMIZERS
from ..schedules import SCHEDULES
from ..training import Trainer
from ..encoding import ClassEncoder, Encoding
from ._exit import EXIT_INTERRUPTED
from ._model import CLASSIFICATION, REGRESSION, Model, read_data
from ._output import ProgressDisplay, echo_json, headline, metrics, network_line

#: What ``deltaprop train`` without DATA does: the notes' network (sigmoid units, squared
#: error, 30 hidden units, gradient descent) on the built-in digits, tested on a held-out quarter.
QUICK_START = {"data": "digits", "solver": "gd", "reduction": "mean", "learning_rate": 3.0, "epochs": 100,
               "standardize": True, "test_fraction": 0.25}
#: Options a resumed run may change (anything else must stay as the checkpoint recorded it).
RESUME_MAY_CHANGE = ("data", "data_dir", "epochs", "output", "checkpoint", "checkpoint_every", "quiet", "json",
                     "resume", "config")
#: Config-file spellings of the flags whose parameter name differs.
CONFIG_ALIASES = {"beta1": "beta_1", "beta2": "beta_2", "patience": "n_iter_no_change", "eta": "learning_rate"}
#: Options that are not settings of the run and are never read from a config file.
NOT_IN_CONFIG = ("config", "resume")


class BatchSize(click.ParamType):
    name = "INTEGER|auto"

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, int) and not isinstance(value, bool) or value == "auto":
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a positive integer or 'auto'", param, ctx)


def _hidden(values) -> list[int]:
    """``--hidden 30,30`` or ``--hidden 30 --hidden 30`` (or a TOML list) as [30, 30]."""
    sizes = []
    for v in values:
        for part in str(v).replace(" ", "").split(","):
            if part:
                if not part.isdigit() or int(part) < 1:
                    raise InputError(f"--hidden takes positive layer sizes such as 30 or 30,30; got {v!r}")
                sizes.append(int(part))
    return sizes


def _key_values(pairs, option: str) -> dict | None:
    """``KEY=VALUE`` options (or a TOML table) as a dict with numbers parsed."""
    if isinstance(pairs, dict):
        return dict(pairs) or None
    out = {}
    for pair in pairs or ():
        key, sep, value = str(pair).partition("=")
        if not sep or not key:
            raise InputError(f"{option} takes KEY=VALUE, got {pair!r}")
        for cast in (int, float):
            try:
                value = cast(value)
                break
            except ValueError:
                pass
        out[key.strip()] = value
    return out or None


def _names(table) -> list[str]:
    return sorted(table)


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
  deltaprop train data.csv --target price --task regress --solver lbfgs
  deltaprop train data.csv --config run.toml --epochs 50        # flags override the file
  deltaprop train data.csv --checkpoint run.ckpt --checkpoint-every 10 -o model.safetensors
  deltaprop train --resume run.ckpt -o model.safetensors        # continue an interrupted run
"""


@click.command(epilog=EXAMPLES)
@click.argument("data", required=False)
@click.option("--target", help="The target column of a table (name or index; default: the last column).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the trained model to this file.")
@click.option("--task", type=click.Choice(["classify", "regress"]),
              help="Default: classify string or integer targets, regress on real-valued ones.")
@click.option("--hidden", multiple=True, default=("30",), show_default=True,
              help="Hidden layer sizes: --hidden 30,30 or repeat the option.")
@click.option("--activation", type=click.Choice(_names(ACTIVATIONS)), default="sigmoid", show_default=True,
              help="Hidden units' activation.")
@click.option("--output-activation", type=click.Choice(_names(ACTIVATIONS)),
              help="Output units' activation [default: sigmoid to classify, identity to regress].")
@click.option("--loss", type=click.Choice(_names(LOSSES)), default="squared_error", show_default=True)
@click.option("--solver", type=click.Choice(_names(OPTIMIZERS)), default="rprop", show_default=True)
@click.option("--learning-rate", "--eta", "learning_rate", type=float, help="eta [default: the solver's].")
@click.option("--epochs", type=int, default=200, show_default=True, help="Total epochs of the run.")
@click.option("--batch-size", type=BatchSize(), help="Mini-batch size for sgd/adam, or 'auto' = min(200, N).")
@click.option("--reduction", type=click.Choice(["sum", "mean"]),
              help="Sum or average a batch's gradient [default: sum for gd, mean otherwise].")
@click.option("--momentum", type=float, default=0.0, show_default=True, help="Momentum of gd/sgd.")
@click.option("--nesterov/--no-nesterov", default=False, show_default=True, help="Nesterov momentum.")
@click.option("--beta1", "beta_1", type=float, default=0.9, show_default=True, help="Adam's beta_1.")
@click.option("--beta2", "beta_2", type=float, default=0.999, show_default=True, help="Adam's beta_2.")
@click.option("--epsilon", type=float, default=1e-8, show_default=True, help="Adam's epsilon.")
@click.option("--weight-decay", type=float, default=0.0, show_default=True, help="L2 penalty alpha on the weights.")
@click.option("--clip-norm", type=float, help="Clip the gradient to this Euclidean norm.")
@click.option("--schedule", type=click.Choice(_names(SCHEDULES)), default="constant", show_default=True,
              help="Learning-rate schedule.")
@click.option("--power-t", type=float, default=0.5, show_default=True, help="Exponent of the invscaling schedule.")
@click.option("--schedule-option", "schedule_options", multiple=True, metavar="KEY=VALUE",
              help="step_size, drop (step); factor, min_learning_rate (adaptive).")
@click.option("--solver-option", "solver_options", multiple=True, metavar="KEY=VALUE",
              help="e.g. delta0=0.1 (rprop), mu=1.75 (quickprop), max_fun=15000 (lbfgs).")
@click.option("--tol", type=float, help="Stop when the loss (or validation score) stalls by this much.")
@click.option("--patience", "n_iter_no_change", type=int, default=10, show_default=True,
              help="Epochs without improvement before stopping (n_iter_no_change).")
@click.option("--early-stopping/--no-early-stopping", default=False, show_default=True,
              help="Stop when the validation score stalls; keep the best epoch's weights.")
@click.option("--validation-fraction", type=float,
              help="Hold out this fraction of the training data for validation [default: 0.1 with early stopping].")
@click.option("--shuffle/--no-shuffle", default=True, show_default=True, help="Reshuffle mini-batches each epoch.")
@click.option("--test-fraction", type=float, default=0.0, show_default=True,
              help="Hold out this fraction as a test set, reported and stored in the model file.")
@click.option("--standardize/--no-standardize", default=False, show_default=True,
              help="Standardise the inputs with the training data's mean and deviation (saved with the model).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the weights, splits and shuffling.")
@click.option("--dtype", type=click.Choice(["float64", "float32"]), default="float64", show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), help="Folder with the Fashion-MNIST IDX files.")
@click.option("--config", type=click.Path(dir_okay=False), is_eager=True, callback=_load_config,
              help="A TOML file with these options (flags override it).")
@click.option("--checkpoint", type=click.Path(dir_okay=False), help="Save the training state to this file.")
@click.option("--checkpoint-every", type=click.IntRange(min=1), default=10, show_default=True,
              help="Epochs between checkpoints.")
@click.option("--resume", type=click.Path(dir_okay=False), help="Continue the run saved in this checkpoint.")
@click.option("--json", "json_", is_flag=True, help="Print the final metrics as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.pass_context
def train(ctx: click.Context, **options) -> int:
    """Train a network on DATA and save it.

    DATA is a CSV/TSV file with a header, .npy, .npz, Parquet, IDX, '-' for CSV on
    standard input, or a built-in data set (xor, moons, circles, digits, iris,
    breast-cancer, wine, diabetes, fashion-mnist). Without DATA, the notes' network
    (sigmoid units, squared error, gradient descent with eta = 3) learns the built-in
    digits and its test accuracy is printed.

    Ctrl-C with --checkpoint finishes the epoch, saves the checkpoint and exits with
    code 130; --resume continues bitwise as if never interrupted.
    """
    options["json"] = options.pop("json_")
    source = {name: ctx.get_parameter_source(name if name != "json" else "json_") for name in options}
    given = {name for name, where in source.items() if where is click.core.ParameterSource.COMMANDLINE}
    saved = None
    if options["resume"]:
        saved = load_checkpoint(options["resume"])
        options = _resumed_options(saved, options, given)
    elif options["data"] is None:  # the quick start, unless the command line or the config file says otherwise
        chosen = {name for name, where in source.items() if where is not click.core.ParameterSource.DEFAULT}
        options.update({k: v for k, v in QUICK_START.items() if k not in chosen})
    return run(options, saved)


def _resumed_options(saved, options: dict, explicit: set) -> dict:
    recorded = saved.metadata.get("cli", {}).get("options")
    if recorded is None:
        raise InputError(f"checkpoint {options['resume']!r} was not written by deltaprop train; "
                         "resume it from Python with deltaprop.callbacks.load_checkpoint")
    changed = sorted(n for n in explicit if n not in RESUME_MAY_CHANGE)
    if changed:
        flags = ", ".join("--" + n.replace("_", "-") for n in changed)
        raise InputError(f"{flags} cannot change when resuming: the run continues with the settings in the "
                         f"checkpoint; leave {'them' if len(changed) > 1 else 'it'} out (only --epochs, -o, "
                         "--checkpoint, --checkpoint-every and --quiet may change)")
    merged = dict(recorded)
    for name in RESUME_MAY_CHANGE:
        if name in explicit or name not in merged:
            merged[name] = options[name]
    if merged["data"] == "-" and "data" not in explicit:
        raise InputError("the checkpointed run read its data from standard input; pass it again as DATA '-'")
    if merged["checkpoint"] is None:
        merged["checkpoint"] = options["resume"]
    return merged


# ------------------------------------------------------------------------------ the run
def run(opts: dict, saved=None) -> int:
    for option in ("output", "checkpoint"):  # fail now, not after training
        if opts[option]:
            folder = os.path.dirname(os.path.abspath(opts[option]))
            if not os.path.isdir(folder):
                raise MissingFileError(f"cannot write --{option} {opts[option]!r}: the directory {folder!r} "
                                       "does not exist; create it first")
    quiet = opts["quiet"]
    say = (lambda *a, **k: None) if quiet or opts["json"] else click.echo
    ds = read_data(opts["data"], target=opts["target"], data_dir=opts["data_dir"])
    if ds.y is None:
        raise InputError(f"data {opts['data']!r} has no target; name the target column with --target")
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
    pre = Encoding.fit(X[train_i], y[train_i], standardize=opts["standardize"], classify=classify,
                       output_activation=output_activation)
    Xn, Yn = pre.transform_inputs(X[train_i]), pre.transform_targets(y[train_i])
    # One generator draws, in the estimators' order, the weights, the validation split's seed and
    # the trainer's shuffles: the same seed gives the network MLPClassifier/MLPRegressor would fit.
    rng = np.random.default_rng(opts["seed"])
    hidden = _hidden(opts["hidden"])
    net = Network([X.shape[1], *hidden, Yn.shape[1]], activation=opts["activation"],
                  output_activation=output_activation, loss=opts["loss"], seed=rng, dtype=opts["dtype"])
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
    progress = ProgressDisplay(opts["epochs"], metric_name=metric_name, quiet=quiet or opts["json"])
    callbacks = [progress]
    if opts["checkpoint"]:
        # Ctrl-C finishes the epoch and stops cleanly; the checkpoint then saves where it stopped.
        cli_meta = {"options": _recorded_options(opts), "fingerprint": fingerprint}
        callbacks += [StopOnSignal(), Checkpoint(opts["checkpoint"], every=opts["checkpoint_every"],
                                                 metadata={"cli": cli_meta})]
    trainer = Trainer(
        solver=opts["solver"], learning_rate=opts["learning_rate"], epochs=opts["epochs"],
        batch_size=opts["batch_size"], reduction=opts["reduction"], momentum=opts["momentum"],
        nesterov=opts["nesterov"], beta_1=opts["beta_1"], beta_2=opts["beta_2"], epsilon=opts["epsilon"],
        weight_decay=opts["weight_decay"], clip_norm=opts["clip_norm"], schedule=opts["schedule"],
        power_t=opts["power_t"], schedule_options=_key_values(opts["schedule_options"], "--schedule-option"),
        solver_options=_key_values(opts["solver_options"], "--solver-option"), tol=opts["tol"],
        n_iter_no_change=opts["n_iter_no_change"], early_stopping=opts["early_stopping"],
        validation_fraction=fraction or 0.1, metric=_accuracy(pre.classes) if classify else _r2,
        shuffle=opts["shuffle"], callbacks=callbacks, seed=rng,
    )  # fmt: skip
    if saved is not None:
        trainer.load_state_dict(saved.state)
        say(f"resuming {opts['data']} from epoch {saved.epoch} of {opts['epochs']} ({opts['resume']})")
    else:
        say(network_line(ds.name, net))
    t0 = time.perf_counter()
    try:
        history = trainer.fit(net, Xn, Yn, validation_data=validation, resume=saved is not None)
    finally:
        progress.close()
    seconds = time.perf_counter() - t0
    if history.stop_reason == "interrupted":
        click.echo(f"deltaprop: interrupted after epoch {trainer.epoch}; checkpoint saved to {opts['checkpoint']!r}; "
                   f"continue with: deltaprop train --resume {opts['checkpoint']}", err=True)
        return EXIT_INTERRUPTED

    model = Model(opts["output"] or "(trained)", net, {"features": ds.feature_names, "target": ds.target_name},
                  pre, task)
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
    if opts["output"]:
        modelfile.save(net, opts["output"], metadata=meta)
    if opts["json"] and not quiet:
        echo_json({"epochs": history.n_epochs, "stop_reason": history.stop_reason, "loss": history.loss[-1],
                   "metrics": results, "output": opts["output"]})
        return 0
    how = f"{opts['solver']}" + (f", eta = {trainer.learning_rate:g}" if trainer.learning_rate is not None else "")
    say(f"trained {history.n_epochs} epochs ({how}; stopped: {history.stop_reason}) in {seconds:.1f} s, "
        f"final loss {history.loss[-1]:.6g}")
    say(f"train {headline(results['train'])} on {len(train_i)} examples")
    if "test" in results:
        m = results["test"]
        if classify:
            say(f"test accuracy: {m['accuracy']:.4f} on {m['n_examples']} held-out examples")
        else:
            say(f"test {headline(m)} on {m['n_examples']} held-out examples")
    say(f"saved model to {opts['output']}" if opts["output"] else "(model not saved: pass -o PATH to keep it)")
    return 0


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
    if not 0.0 < fraction < 1.0:
        raise InputError(f"{option} must be between 0 and 1, got {fraction}")
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
    """The run's options as a checkpoint records them: plain JSON, file paths made absolute."""
    out = {}
    for k, v in opts.items():
        is_path = isinstance(v, str) and v not in BUILTIN_DATASETS and os.path.exists(v)
        out[k] = os.path.abspath(v) if k in ("data", "config", "data_dir") and is_path else v
    return to_json(out)
