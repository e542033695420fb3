"""``deltaprop info``: a model file's architecture, preparation of inputs, training settings
(with the batch size the run used), history, data, metrics and versions."""

from __future__ import annotations

import math

import click

from .. import modelfile
from ._model import CLASSIFICATION, model_argument
from ._output import console, echo_json, fmt, user_text


@click.command(short_help="Describe MODEL: layers, settings, classes, metrics.", epilog="""
\b
Examples:
  deltaprop info model.safetensors
  deltaprop info model.safetensors --json""")
@model_argument
@click.option("--json", "as_json", is_flag=True, help="Print the file's metadata as JSON.")
def info(model: str, as_json: bool) -> None:
    """Describe MODEL: architecture, training settings, data fingerprint, metrics, versions.

    Works for files of 'deltaprop train', of the estimators saved from Python, of bare
    networks and for checkpoints. The batch size is what the run used: all examples for a
    full-batch solver (gd, rprop, quickprop, lbfgs); for sgd and adam the size, or
    min(200, N) with N the examples fitted (less a validation set) when the file says.
    --json prints the whole metadata as strict JSON (a NaN, such as the learning rate a
    solver does not use, is written as null), with "resolved": that batch size, its rule
    and N.
    """
    from rich.table import Table

    _, meta = modelfile.read(model)
    if as_json:
        used = _batch_used(meta)
        echo_json(meta if used is None else {**meta, "resolved": used})
        return
    t = Table(title=user_text(f"{model} ({meta['kind']}, format version {meta['format_version']})"), show_header=False)
    t.add_column(style="bold")
    t.add_column()
    for name, value in _info_rows(meta):
        t.add_row(name, user_text(value))
    console().print(t)


def _info_rows(meta: dict) -> list[tuple[str, str]]:
    """(name, value) rows of ``info``: every value is plain text, shown as it is (never as markup)."""
    rows = []
    arch = meta.get("architecture") or meta.get("network") or {}
    if arch:
        sizes = arch["layer_sizes"]
        n_params = sum((int(a) + 1) * int(b) for a, b in zip(sizes, sizes[1:]))  # weights and biases
        rows.append(("layers", " -> ".join(map(str, sizes)) + f"  ({n_params} parameters)"))
        hidden = ", ".join(map(str, sizes[1:-1])) or "none"
        rows.append(("hidden layers", f"{hidden} ({', '.join(arch.get('activation', [])) or '-'})"))
        units = "1 unit" if sizes[-1] == 1 else f"{sizes[-1]} units"
        rows.append(("output", f"{units}, {arch['output_activation']}"))
        rows.append(("loss, dtype", f"{arch['loss']}, {arch['dtype']}"))
    if meta["kind"] == "checkpoint":
        state = meta.get("trainer_state", {})
        rows.append(("checkpoint", f"epoch {state.get('epoch')}, solver {state.get('solver')}"))
    task = meta.get("task") or {"MLPClassifier": CLASSIFICATION, "MLPRegressor": "regression"}.get(meta["kind"])
    if task:
        rows.append(("task", task))
    classes = (meta.get("preprocessing") or {}).get("label_map") or meta.get("label_map") or meta.get("classes")
    if classes:
        values = classes["values"] if "values" in classes else classes["classes"]
        more = ", ..." if len(values) > 20 else ""
        rows.append(("classes", f"{len(values)}: " + ", ".join(map(str, values[:20])) + more))
    features = meta.get("features") or meta.get("feature_names_in")
    if features:
        rows.append(("features", f"{len(features)}: " + ", ".join(map(str, features[:8]))
                     + (", ..." if len(features) > 8 else "")))
    if meta.get("target"):
        rows.append(("target", str(meta["target"])))
    rows += _input_rows(meta, features)
    rows += _settings_rows(meta)
    history = meta.get("history") or {}
    if history.get("loss"):
        loss, best, restored = history["loss"], history.get("best_epoch"), history.get("restored_epoch")
        line = f"{len(loss)} epochs, stopped: {history.get('stop_reason')}, "
        if restored is not None and 0 <= restored < len(loss):  # the saved model is the restored epoch's
            line += f"weights of epoch {restored + 1} restored (its loss {fmt(loss[restored], 6)})"
        else:
            line += f"final loss {fmt(loss[-1], 6)}"
        if best is not None:
            line += f", best epoch {best + 1}"  # counted from 1, as train's progress and summary count
        rows.append(("history", line))
    elif history.get("loss_curve_"):
        rows.append(("history", f"{len(history['loss_curve_'])} epochs, final loss "
                                f"{fmt(history['loss_curve_'][-1], 6)}"))
    if meta.get("data"):
        d = meta["data"]
        rows.append(("data", f"{d['source']}: {d['n_examples']} examples ({d['n_train']} train, {d['n_test']} test)"))
    if meta.get("data_fingerprint"):
        rows.append(("data fingerprint", meta["data_fingerprint"]))
    for part, m in (meta.get("metrics") or {}).items():
        line = (f"accuracy {fmt(m['accuracy'])}, macro F1 {fmt(m['macro']['f1'])}" if m["task"] == CLASSIFICATION
                else f"MSE {fmt(m['mse'])}, MAE {fmt(m['mae'])}, R^2 {fmt(m['r2'])}")
        rows.append((f"{part} metrics", f"{line} ({m['n_examples']} examples)"))
    if "seed" in meta:
        rows.append(("seed", str(meta["seed"])))
    rows.append(("versions", ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())))
    return rows


def _input_rows(meta: dict, features) -> list[tuple[str, str]]:
    """How the model prepares its raw inputs: the standardisation, and for a table (text columns
    or missing values: ``preprocessing.table`` of a CLI model, ``table`` of an estimator) its
    one-hot text columns and the imputation of missing values."""
    table = (meta.get("preprocessing") or {}).get("table") or meta.get("table")
    if not table:
        std = (meta.get("preprocessing") or {}).get("standardize")
        return [("standardised inputs", "yes (training mean and deviation)" if std else "no")]

    def named(index: list) -> list[str]:
        return [str(features[j]) if features and j < len(features) else f"column {j}" for j in index]

    numeric, text = table.get("numeric") or [], table.get("text") or []
    if table.get("mean") is not None and numeric:
        columns = "the numeric column" if len(numeric) == 1 else f"the {len(numeric)} numeric columns"
        rows = [("standardised inputs", f"yes, {columns} (training mean and deviation)")]
    else:
        rows = [("standardised inputs", "no")]
    if text:
        shown = [f"{name} ({len(c)} categories)" for name, c in zip(named(text), table.get("categories") or [])]
        rows.append(("text columns", "one-hot: " + ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "")
                     + "; an unseen category encodes as all zeros"))
    fills = []
    if numeric and table.get("median") is not None:
        fills.append("numeric: the training median")
    if text and table.get("most_frequent") is not None:
        fills.append("text: the most frequent category")
    rows.append(("missing values", "imputed (" + ", ".join(fills) + ")" if fills else "refused"))
    return rows


def _training_settings(meta: dict) -> dict | None:
    """The training settings that change the result, from ``deltaprop train``'s trainer record
    (``training.trainer``) or an estimator's ``params`` (scikit-learn's names); None for a file
    without them (a bare network, a checkpoint)."""
    training = meta.get("training") or {}
    trainer, params = training.get("trainer"), meta.get("params")
    if trainer:
        s = {k: trainer.get(k) for k in ("solver", "learning_rate", "reduction", "weight_decay", "epochs",
                                          "batch_size", "early_stopping", "validation_fraction", "tol")}
        s["patience"] = trainer.get("n_iter_no_change")
        return s
    if params:
        # An estimator's "auto" parameters as its fit resolved them (settings_, in the history).
        resolved = (meta.get("history") or {}).get("settings_") or {}
        params = {**params, **{k: v for k, v in resolved.items() if k in params}}
        return {"solver": params.get("solver"), "learning_rate": params.get("learning_rate_init"),
                "reduction": params.get("reduction"), "weight_decay": params.get("alpha"),
                "epochs": params.get("max_iter"), "batch_size": params.get("batch_size"),
                "early_stopping": params.get("early_stopping"),
                "validation_fraction": params.get("validation_fraction"), "tol": params.get("tol"),
                "patience": params.get("n_iter_no_change")}
    return None


def _optimizer(solver):
    """The solver's registry record, or None for a name this version does not know."""
    from ..optimizers import get_optimizer

    try:
        return get_optimizer(solver)[0]
    except (ValueError, TypeError):
        return None


def _fit_examples(meta: dict) -> int | None:
    """N, the examples the solver stepped through: the training rows less the validation set held
    out of them (``ceil(fraction * rows)``, as scikit-learn's split); None when the file does not say."""
    training = meta.get("training") or {}
    trainer = training.get("trainer")
    if trainer:  # deltaprop train: data.n_train rows, a validation fraction when one was held out
        n = (meta.get("data") or {}).get("n_train")
        fraction = training.get("validation_fraction") or (trainer.get("validation_fraction")
                                                           if trainer.get("early_stopping") else None)
    else:  # an estimator: its last fit's examples, less early stopping's validation set
        fit = (meta.get("history") or {}).get("settings_") or {}
        n = fit.get("n_examples")
        fraction = fit.get("validation_fraction") if fit.get("early_stopping") else None
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        return None
    return n - math.ceil(fraction * n) if isinstance(fraction, (int, float)) and 0 < fraction < 1 else n


def _batch_used(meta: dict) -> dict | None:
    """The examples one step of the run took, where the file may record only a rule.

    A full-batch solver (gd, rprop, quickprop, lbfgs) takes all N examples; sgd and adam take
    ``batch_size``, or min(AUTO_BATCH_SIZE, N) for None (scikit-learn's ``"auto"``), never
    more than N (an estimator clips a larger one). ``batch_size`` is None where N is unknown.
    """
    from .._stepper import AUTO_BATCH_SIZE

    s = _training_settings(meta)
    if s is None:
        return None
    n, size, opt = _fit_examples(meta), s["batch_size"], _optimizer(s["solver"])
    used = {"full_batch": None if opt is None else opt.full_batch, "n_fit_examples": n}
    if opt is not None and opt.full_batch:
        return {**used, "batch_size": n, "batch_size_rule": "all examples"}
    if size in (None, "auto"):
        rule = f"min({AUTO_BATCH_SIZE}, N)"
        return {**used, "batch_size": None if n is None else min(AUTO_BATCH_SIZE, n), "batch_size_rule": rule}
    clipped = n is not None and isinstance(size, int) and size > n
    return {**used, "batch_size": n if clipped else size, "batch_size_rule": None}


def _batch_text(used: dict, asked) -> str:
    """``info``'s batch size: "all examples", "min(200, N) = 200" (or the rule alone), or the size."""
    if used["full_batch"]:
        return "all examples"
    if used["batch_size_rule"] is not None:
        return used["batch_size_rule"] + ("" if used["batch_size"] is None else f" = {used['batch_size']}")
    if used["batch_size"] != asked:
        return f"{used['batch_size']} (all N examples; {asked} was asked)"
    return str(asked)


def _settings_rows(meta: dict) -> list[tuple[str, str]]:
    """The training settings that change the result (:func:`_training_settings`), then all of them."""
    s = _training_settings(meta)
    if s is None:
        return []
    training, params = meta.get("training") or {}, meta.get("params")
    trainer = training.get("trainer")
    opt = _optimizer(s["solver"])
    batch = _batch_text(_batch_used(meta), s["batch_size"])
    rows = [("solver", f"{s['solver']}, {s['epochs']} epochs, batch size {batch}")]
    lr, reduction = s["learning_rate"], s["reduction"] or (opt.reduction if opt else None)
    if isinstance(lr, float) and lr != lr:  # NaN: recorded for a solver without a learning rate
        lr = None
    if opt is not None and opt.learning_rate is None and lr is None:
        rate = f"not used by {s['solver']}"
    else:
        rate = f"{fmt(lr) if lr is not None else fmt(opt.learning_rate) if opt else '-'}"
        if lr is None and opt is not None:
            rate += " (the solver's default)"
    rows.append(("learning rate", rate))
    if reduction is not None:
        rows.append(("loss over a batch", {"sum": "sum over its examples (the notes' rule)",
                                           "mean": "mean over its examples"}.get(reduction, str(reduction))))
    decay = s["weight_decay"]
    rows.append(("weight decay", f"{fmt(decay)} (alpha/2 sum of squared weights)" if decay else "none"))
    if s["early_stopping"]:
        rows.append(("early stopping", f"yes: {fmt(s['validation_fraction'])} of the training data held out, "
                                       f"patience {s['patience']} epochs, best weights kept"))
    else:
        stop = "no" if s["tol"] is None else f"no; stops when the loss improves by less than {fmt(s['tol'])} " \
                                             f"for {s['patience']} epochs"
        rows.append(("early stopping", stop))
    shown = {k: v for k, v in ({**training, **(params or {})}).items() if k != "trainer" and v is not None}
    if trainer:
        shown.update({k: v for k, v in trainer.items() if v is not None})
    rows.append(("all settings", ", ".join(f"{k}={v}" for k, v in shown.items())))
    return rows
