"""The schema of a model or checkpoint file's metadata, declared once and checked by one loop.

A file's SHA-256 finds damage, but anyone can recompute it after editing the metadata, so the
checksum is not a signature. What stands between an edited file and the code is this
schema: every section deltaprop reads is declared below (types, lengths, ranges,
finiteness, known names), and :func:`check_meta` walks the declaration before any value is
used. Relations between sections (the label map's classes against the output units, the
standardisation against the inputs, the optimizer state against the layers) are a second
table of small functions. Any failure is reported through ``fail(field, problem)``, which
the loader turns into one :class:`~deltaprop.errors.ModelFileError` naming the file and the
field.

Sections deltaprop does not read (``metrics``, ``data``, ``versions``, ...) are only
bounded: plain JSON, nested at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["MAX_DEPTH", "MAX_COUNTER", "MAX_LAYER_SIZE", "check_meta", "check_trainer_state", "json_depth"]

#: The deepest nesting of lists and objects a file's metadata may have.
MAX_DEPTH = 24
#: The largest epoch, step or example counter accepted (far beyond any real run).
MAX_COUNTER = 2**53
#: The most units a layer may have, and the most layers a network may have.
MAX_LAYER_SIZE = 2**31 - 1
MAX_LAYERS = 1024
#: The longest string (a name, a label) the metadata may hold.
MAX_TEXT = 1 << 16
#: Label dtypes that can be rebuilt without running code: bool, ints, floats, unicode.
SAFE_LABEL_KINDS = "biufU"


# ------------------------------------------------------------------------------ the vocabulary
@dataclass(frozen=True)
class Int:
    lo: int = 0
    hi: int = MAX_COUNTER

    def check(self, v, where, fail):
        if not (isinstance(v, int) and not isinstance(v, bool)) or not self.lo <= v <= self.hi:
            fail(where, f"is {_show(v)}; expected an integer from {self.lo} to {self.hi}")


@dataclass(frozen=True)
class Float:
    lo: float = -math.inf
    hi: float = math.inf
    above: bool = False  # True: strictly greater than lo
    finite: bool = True

    def check(self, v, where, fail):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            fail(where, f"is {_show(v)}; expected a number")
        if self.finite and not math.isfinite(v):
            fail(where, f"is {v}; expected a finite number")
        if not math.isnan(v) and (v < self.lo or (self.above and v == self.lo) or v > self.hi):
            fail(where, f"is {v}; expected a number {'>' if self.above else '>='} {self.lo} and <= {self.hi}")


@dataclass(frozen=True)
class Bool:
    def check(self, v, where, fail):
        if not isinstance(v, bool):
            fail(where, f"is {_show(v)}; expected true or false")


@dataclass(frozen=True)
class Text:
    choices: tuple | None = None

    def check(self, v, where, fail):
        if not isinstance(v, str) or len(v) > MAX_TEXT:
            fail(where, f"is {_show(v)}; expected a string of at most {MAX_TEXT} characters")
        if self.choices is not None and v not in self.choices:
            fail(where, f"is {v!r}; expected one of {', '.join(map(repr, self.choices))}")


@dataclass(frozen=True)
class Maybe:
    """``None`` or what ``spec`` accepts."""

    spec: object

    def check(self, v, where, fail):
        if v is not None:
            self.spec.check(v, where, fail)


@dataclass(frozen=True)
class OneOf:
    """What any of ``specs`` accepts (the message of the one that got furthest is reported)."""

    specs: tuple

    def check(self, v, where, fail):
        problems = []

        def note(w, problem):
            problems.append((w, problem))
            raise _Mismatch

        for spec in self.specs:
            try:
                spec.check(v, where, note)
                return
            except _Mismatch:
                continue
        # Report the alternative that got furthest (a list whose item is wrong, not "not a string").
        fail(*max(problems, key=lambda p: len(p[0])))


@dataclass(frozen=True)
class ListOf:
    item: object
    min_len: int = 0
    max_len: int = MAX_COUNTER

    def check(self, v, where, fail):
        if not isinstance(v, list) or not self.min_len <= len(v) <= self.max_len:
            fail(where, f"is {_show(v)}; expected a list of {self.min_len} to {self.max_len} items")
        for i, x in enumerate(v):
            self.item.check(x, f"{where}[{i}]", fail)


@dataclass(frozen=True)
class Obj:
    """A JSON object with these ``fields`` (``optional`` may be absent; others are ignored)."""

    fields: dict
    optional: tuple = ()

    def check(self, v, where, fail):
        if not isinstance(v, dict):
            fail(where, f"is {_show(v)}; expected an object with {', '.join(self.fields)}")
        for key, spec in self.fields.items():
            if key not in v:
                if key in self.optional:
                    continue
                fail(f"{where}.{key}", "is missing")
            spec.check(v[key], f"{where}.{key}", fail)


@dataclass(frozen=True)
class MapOf:
    """A JSON object whose every value is what ``value`` accepts."""

    value: object

    def check(self, v, where, fail):
        if not isinstance(v, dict):
            fail(where, f"is {_show(v)}; expected an object")
        for key, x in v.items():
            self.value.check(x, f"{where}.{key}", fail)


@dataclass(frozen=True)
class ArrayRef:
    """``{"__array__": name}``: a reference to one of the file's arrays (checked by the relations)."""

    def check(self, v, where, fail):
        if not (isinstance(v, dict) and set(v) == {"__array__"} and isinstance(v["__array__"], str)):
            fail(where, f"is {_show(v)}; expected a reference to an array of the file")


@dataclass(frozen=True)
class Anything:
    """Any plain JSON value (its depth is bounded for the whole metadata)."""

    def check(self, v, where, fail):
        pass


class _Mismatch(Exception):
    pass


def _show(v) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


# ------------------------------------------------------------------------------ the sections
def _vocabulary() -> dict:
    """The names a file may use, read from the registries the API and the CLI share."""
    from . import activations, losses, network, optimizers, schedules

    return {
        "activation": tuple(activations.ACTIVATIONS) + tuple(activations.ALIASES),
        "loss": tuple(losses.LOSSES) + tuple(losses.ALIASES),
        "solver": tuple(optimizers.OPTIMIZERS) + tuple(optimizers.SOLVER_ALIASES),
        "schedule": tuple(schedules.SCHEDULES),
        "init": tuple(network.INIT_SCHEMES),
        "variant": tuple(optimizers.RPROP_VARIANTS),
    }


NUMBER = Float()
#: Values that data are shifted, scaled or mapped with: bounded so that no ordinary input
#: overflows through them (a 1e308 mean would turn every prediction into infinity).
MAX_MAGNITUDE = 1e100
SCALE_VALUE = Float(-MAX_MAGNITUDE, MAX_MAGNITUDE)
NUMBER_OR_NAN = Float(finite=False)
COUNT = Int()
SIZE = Int(1, MAX_LAYER_SIZE)
LABEL = OneOf((Text(), Float(), Bool()))
POSITIVE_SCALE = Float(1 / MAX_MAGNITUDE, MAX_MAGNITUDE)
#: The most categories one text column of a table may have in a model file.
MAX_CATEGORIES = 1 << 20


def _sections(names: dict) -> dict:
    """Every metadata section deltaprop reads, declared: name -> (spec, optional?)."""
    architecture = Obj({
        "layer_sizes": ListOf(SIZE, 2, MAX_LAYERS),
        "activation": OneOf((Text(names["activation"]), ListOf(Text(names["activation"]), 0, MAX_LAYERS))),
        "output_activation": Text(names["activation"]),
        "loss": Text(names["loss"]),
        "dtype": Text(("float32", "float64")),
        "init": Text(names["init"]),
    }, optional=("init",))
    # deltaprop.encoding's sections, shared by the estimators' files and deltaprop train's
    # ``preprocessing`` (files written before that module lack the optional keys).
    label_map = Obj({"classes": ListOf(LABEL, 1), "dtype": Text(), "multilabel": Bool(),
                     "encoding": Text(("one-hot", "one-output")), "low": SCALE_VALUE, "high": SCALE_VALUE},
                    optional=("multilabel", "encoding", "low", "high"))
    # Min-max into a bounded output's interval, or (deltaprop train, identity outputs) standardised.
    target_scaling = Maybe(OneOf((
        Obj({"min": ListOf(SCALE_VALUE, 1), "max": ListOf(SCALE_VALUE, 1),
             "interval": ListOf(SCALE_VALUE, 2, 2)}, optional=("interval",)),
        Obj({"mean": ListOf(SCALE_VALUE, 1), "scale": ListOf(POSITIVE_SCALE, 1)}),
    )))
    # A TableEncoder's learned arrays: column indices, fill values, standardisation, categories.
    table = Obj({
        "n_features": SIZE,
        "numeric": ListOf(Int(0, MAX_LAYER_SIZE)),
        "text": ListOf(Int(0, MAX_LAYER_SIZE)),
        "median": Maybe(ListOf(SCALE_VALUE)),
        "mean": Maybe(ListOf(SCALE_VALUE)),
        "scale": Maybe(ListOf(POSITIVE_SCALE)),
        "most_frequent": Maybe(ListOf(Text())),
        "categories": ListOf(ListOf(Text(), 1, MAX_CATEGORIES)),
    })
    return {
        "architecture": architecture,
        # Estimators (dp.save of MLPClassifier / MLPRegressor).
        "params": MapOf(Anything()),
        "n_features_in": SIZE,
        "feature_names_in": Maybe(ListOf(Text())),
        "history": MapOf(OneOf((NUMBER_OR_NAN, Text(), ListOf(Maybe(NUMBER_OR_NAN)), Maybe(Anything())))),
        "label_map": label_map,
        "target_scaling": target_scaling,
        "table": table,  # MLPClassifier(preprocess=True): the TableEncoder's arrays
        # The CLI's model files (deltaprop train).
        "task": Text(("classification", "regression")),
        "features": ListOf(Text()),
        "target": Maybe(Text()),
        "preprocessing": Obj({
            "standardize": Maybe(Obj({"mean": ListOf(SCALE_VALUE, 1),
                                      "scale": ListOf(Float(1 / MAX_MAGNITUDE, MAX_MAGNITUDE), 1)})),
            "label_map": Maybe(label_map),
            "target_scaling": target_scaling,
            "table": Maybe(table),
        }, optional=("target_scaling", "table")),
        "seed": Maybe(Int(0, 2**128)),
        # Checkpoints.
        "trainer_state": Obj({}),  # declared in full by _trainer_state_spec, checked by check_trainer_state
        "metadata": MapOf(Anything()),
    }


def _trainer_state_spec(names: dict) -> Obj:
    maybe_positive = Maybe(Float(0.0, above=True))
    settings = Obj({
        "solver": Text(names["solver"]),
        "learning_rate": maybe_positive,
        "epochs": Int(1, MAX_COUNTER),
        "batch_size": OneOf((Maybe(SIZE), Text(("auto",)))),
        "reduction": Maybe(Text(("sum", "mean"))),
        "momentum": Float(0.0, 1.0),
        "nesterov": Bool(),
        "beta_1": Float(0.0, 1.0),
        "beta_2": Float(0.0, 1.0),
        "epsilon": Float(0.0, above=True),
        "weight_decay": Float(0.0),
        "clip_norm": maybe_positive,
        "schedule": Text(names["schedule"]),
        "power_t": NUMBER,
        "schedule_options": Maybe(MapOf(Anything())),
        "solver_options": Maybe(MapOf(Anything())),
        "tol": Maybe(Float(0.0)),
        "n_iter_no_change": Int(1, MAX_COUNTER),
        "early_stopping": Bool(),
        "validation_fraction": Float(0.0, 1.0, above=True),
        "shuffle": Bool(),
    }, optional=("reduction", "momentum", "nesterov", "beta_1", "beta_2", "epsilon", "weight_decay",
                 "clip_norm", "schedule", "power_t", "schedule_options", "solver_options", "tol",
                 "n_iter_no_change", "early_stopping", "validation_fraction", "shuffle"))
    history = Obj({
        "loss": ListOf(NUMBER_OR_NAN), "val_loss": ListOf(Maybe(NUMBER_OR_NAN)),
        "val_metric": ListOf(Maybe(NUMBER_OR_NAN)), "time": ListOf(NUMBER),
        "learning_rate": ListOf(Maybe(NUMBER_OR_NAN)),
        "best_epoch": Maybe(COUNT), "stop_reason": Maybe(Text()), "restored_epoch": Maybe(COUNT),
        "solver": Maybe(Text(names["solver"])), "reduction": Maybe(Text(("sum", "mean"))),
    }, optional=("val_loss", "val_metric", "time", "learning_rate", "best_epoch", "stop_reason", "restored_epoch",
                 "solver", "reduction"))
    rng = Obj({
        "bit_generator": Text(("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")),
        "state": Obj({}),
    })
    params = ListOf(ArrayRef(), 2, 2 * MAX_LAYERS)
    return Obj({
        "format": Int(1, 1),
        "solver": Text(names["solver"]),
        "settings": settings,
        "epoch": COUNT,
        "step": COUNT,
        "examples_seen": COUNT,
        "rng": rng,
        "optimizer": MapOf(OneOf((NUMBER, Bool(), Text(), Maybe(ListOf(ArrayRef(), 0, 2 * MAX_LAYERS))))),
        "schedule": MapOf(Maybe(NUMBER_OR_NAN)),  # NaN: a solver without a learning rate
        "history": history,
        "no_improvement": COUNT,
        "best_value": Float(finite=False),
        "best_params": Maybe(params),
        "val_index": Maybe(ArrayRef()),
        "layer_shapes": ListOf(ListOf(SIZE, 1, 2), 2, 2 * MAX_LAYERS),
        # the run's divergence and saturation rules (deltaprop._watch); absent before issue 12
        "watch": Obj({"start_loss": Maybe(Float(finite=False)), "best_loss": Float(finite=False),
                      "warned_saturation": Bool()}),
    }, optional=("watch",))




# ------------------------------------------------------------------------------ the relations
def _n_outputs(meta) -> int | None:
    return meta["architecture"]["layer_sizes"][-1] if "architecture" in meta else None


def _n_inputs(meta) -> int | None:
    return meta["architecture"]["layer_sizes"][0] if "architecture" in meta else None


def _label_dtype(where: str, dtype: str, classes: list, fail) -> None:
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        fail(where, f"is {dtype!r}, which is not a NumPy dtype")
    if dt.kind not in SAFE_LABEL_KINDS or dt.itemsize > 4 * MAX_TEXT:
        fail(where, f"is {dtype!r}; labels are bools, integers, floats or text")
    try:
        with np.errstate(all="raise"):
            rebuilt = np.asarray(classes, dtype=dt)
    except (TypeError, ValueError, OverflowError, FloatingPointError):
        fail(where, f"is {dtype!r}, which cannot hold the classes {_show(classes)}")
    if rebuilt.dtype.kind == "f" and not np.isfinite(rebuilt).all():
        fail(where, "turns the classes into non-finite numbers")
    if len(np.unique(rebuilt)) != len(classes):
        fail(where.rsplit(".", 1)[0] + ".classes", "repeats a class")


def _label_interval(where: str, labels: dict, meta, fail) -> None:
    """The outputs' "no" (low) and "yes" (high) values: probabilities map [low, high] onto [0, 1]."""
    activation = meta["architecture"]["output_activation"] if "architecture" in meta else None
    low, high = (-1.0, 1.0) if activation == "tanh" else (0.0, 1.0)  # encoding.output_targets: files without them
    low, high = labels.get("low", low), labels.get("high", high)
    if not low < high:
        fail(f"{where}.high", f"is {high!r}, not above low={low!r}: the outputs cannot be read as probabilities")


def _estimator_labels(meta, fail) -> None:
    labels = meta.get("label_map")
    if labels is None:
        return
    _label_dtype("label_map.dtype", labels["dtype"], labels["classes"], fail)
    _label_interval("label_map", labels, meta, fail)
    k, n_out = len(labels["classes"]), _n_outputs(meta)
    # A binary single-label classifier has one output unit; otherwise one per class.
    expected = {1, 2} if (k == 2 and not labels["multilabel"]) else {k}
    if n_out is not None and n_out not in expected:
        fail("label_map.classes", f"lists {k} classes but the network has {n_out} output units")


def _cli_preprocessing(meta, fail) -> None:
    pre = meta.get("preprocessing")
    if pre is None:
        return
    std, labels = pre.get("standardize"), pre.get("label_map")
    n_in, n_out = _n_inputs(meta), _n_outputs(meta)
    if std is not None:
        if len(std["mean"]) != len(std["scale"]):
            fail("preprocessing.standardize", f"has {len(std['mean'])} means but {len(std['scale'])} scales")
        if n_in is not None and len(std["mean"]) != n_in:
            fail("preprocessing.standardize.mean", f"has {len(std['mean'])} values for a network of {n_in} inputs")
    if labels is not None:
        _label_dtype("preprocessing.label_map.dtype", labels["dtype"], labels["classes"], fail)
        _label_interval("preprocessing.label_map", labels, meta, fail)
        k = len(labels["classes"])
        # One output unit for two classes ("one-output"), else one per class.
        expected = {1} if labels.get("encoding") == "one-output" else {k}
        if k < 2 and not labels.get("multilabel"):
            fail("preprocessing.label_map.classes", f"lists {k} class; a classifier has at least two")
        if n_out is not None and n_out not in expected:
            fail("preprocessing.label_map.classes", f"lists {k} classes but the network has {n_out} output units")
    _target_scaling("preprocessing.target_scaling", pre.get("target_scaling"), n_out, fail)
    _table("preprocessing.table", pre.get("table"), n_in, fail)
    if std is not None and pre.get("table") is not None:
        fail("preprocessing", "has both standardize and table; a model has one input encoding")


def _target_scaling(where: str, scaling, n_out, fail) -> None:
    if scaling is None or n_out is None:
        return
    a, b = ("mean", "scale") if "mean" in scaling else ("min", "max")
    if not len(scaling[a]) == len(scaling[b]) == n_out:
        fail(where, f"does not give one {a} and {b} per output unit ({n_out})")


def _table(where: str, table, n_in, fail) -> None:
    """The TableEncoder's columns against each other and its width against the network's inputs."""
    if table is None:
        return
    numeric, text = table["numeric"], table["text"]
    if sorted(numeric + text) != list(range(table["n_features"])):
        fail(where, f"numeric and text columns do not cover the {table['n_features']} columns once each")
    k = len(numeric)
    for key in ("median", "mean", "scale"):
        if table[key] is not None and len(table[key]) != k:
            fail(f"{where}.{key}", f"has {len(table[key])} values for {k} numeric columns")
    if len(table["categories"]) != len(text):
        fail(f"{where}.categories", f"lists {len(table['categories'])} columns for {len(text)} text columns")
    if table["most_frequent"] is not None and len(table["most_frequent"]) != len(text):
        fail(f"{where}.most_frequent", f"has {len(table['most_frequent'])} values for {len(text)} text columns")
    width = k + sum(len(c) for c in table["categories"])
    if n_in is not None and width != n_in:
        fail(where, f"encodes {width} inputs for a network of {n_in} inputs")


def _estimator_inputs(meta, fail) -> None:
    n_in = _n_inputs(meta)
    if meta.get("table") is not None:  # preprocess=True: n_features_in raw columns, encoded to n_in
        _table("table", meta["table"], n_in, fail)
        n_in = meta["table"]["n_features"]
    if "n_features_in" in meta and n_in is not None and meta["n_features_in"] != n_in:
        fail("n_features_in", f"is {meta['n_features_in']} but the network has {n_in} inputs")
    names = meta.get("feature_names_in")
    if names is not None and n_in is not None and len(names) != n_in:
        fail("feature_names_in", f"names {len(names)} features for a network of {n_in} inputs")
    _target_scaling("target_scaling", meta.get("target_scaling"), _n_outputs(meta), fail)


def _architecture(meta, fail) -> None:
    arch = meta.get("architecture")
    if arch is None:
        return
    hidden = arch["activation"]
    n_hidden = len(arch["layer_sizes"]) - 2
    if isinstance(hidden, list) and len(hidden) != n_hidden and n_hidden > 0:
        fail("architecture.activation", f"lists {len(hidden)} activations for {n_hidden} hidden layers")


#: Cross-section checks of a model file, in order; each gets the schema-checked metadata.
RELATIONS: tuple[Callable, ...] = (_architecture, _estimator_inputs, _estimator_labels, _cli_preprocessing)


# ------------------------------------------------------------------------------ the loops
def json_depth(value, limit: int = MAX_DEPTH) -> int:
    """The nesting depth of a JSON value (a scalar is 0), counting no deeper than ``limit + 1``.

    Iterative, so a deeply nested value cannot exhaust Python's recursion limit.
    """
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            d += 1
            deepest = max(deepest, d)
            if d > limit:
                return d
            stack.extend((x, d) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def check_meta(meta: dict, fail: Callable[[str, str], None]) -> None:
    """Check a file's metadata against :func:`_sections` and :data:`RELATIONS`.

    Parameters
    ----------
    meta : dict
        The parsed ``"deltaprop"`` metadata (format, version and kind already checked).
    fail : callable (field, problem)
        Called once for the first problem; must raise.
    """
    if json_depth(meta) > MAX_DEPTH:
        fail("metadata", f"is nested more than {MAX_DEPTH} levels deep")
    names = _vocabulary()
    for key, spec in _sections(names).items():
        if key in meta:
            spec.check(meta[key], key, fail)
    for relation in RELATIONS:
        relation(meta, fail)


def check_trainer_state(tree: dict, arrays: dict, sizes: list, fail: Callable[[str, str], None]) -> None:
    """Check a checkpoint's ``trainer_state`` against the schema, the file's arrays and the layers.

    Every array the state refers to must exist; ``params``-like lists (``best_params``) must
    hold one array per parameter array with its shape; an optimizer's state must hold the
    arrays its ``init`` creates (the same keys and types), each either one flat vector of all
    parameters or one array per parameter array, shaped like it.
    """
    _trainer_state_spec(_vocabulary()).check(tree, "trainer_state", fail)
    rng = tree["rng"]
    try:  # numpy checks its own state; the name was checked against the schema's short list
        getattr(np.random, rng["bit_generator"])().state = rng
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        fail("trainer_state.rng", f"is not a valid {rng['bit_generator']} state ({type(exc).__name__}: {exc})")
    shapes = [tuple(n) for n in tree["layer_shapes"]]
    expected = [(b, a) for a, b in zip(sizes[:-1], sizes[1:])] + [(b,) for b in sizes[1:]]
    if shapes != expected:
        fail("trainer_state.layer_shapes", f"is {tree['layer_shapes']} but the architecture {sizes} "
                                           f"needs {[list(s) for s in expected]}")
    n_params = sum(math.prod(s) for s in shapes)

    def array(ref, where):
        a = arrays.get(ref["__array__"])
        if a is None:
            fail(where, f"refers to array {ref['__array__']!r}, which the file does not hold")
        return a

    def per_parameter(refs, where, flat_ok: bool):
        got = [array(r, f"{where}[{i}]").shape for i, r in enumerate(refs)]
        if got == shapes or (flat_ok and got == [(n_params,)]):
            return
        fail(where, f"holds arrays of shapes {got[:6]}{'...' if len(got) > 6 else ''}; expected "
                    + ("one flat vector of " + str(n_params) + " numbers or " if flat_ok else "")
                    + f"one array per parameter array, shaped {shapes}")

    if tree["best_params"] is not None:
        per_parameter(tree["best_params"], "trainer_state.best_params", flat_ok=False)
    if tree["val_index"] is not None:
        index = array(tree["val_index"], "trainer_state.val_index")
        if index.ndim != 1 or index.dtype.kind not in "iu" or (index.size and index.min() < 0):
            fail("trainer_state.val_index", "is not a vector of non-negative row numbers")
    _check_optimizer_state(tree, per_parameter, fail)
    _check_schedule_state(tree, fail)
    if tree["step"] < tree["epoch"] and tree["solver"] != "lbfgs":
        fail("trainer_state.step", f"is {tree['step']}, fewer than the {tree['epoch']} epochs completed")
    if len(tree["history"]["loss"]) != tree["epoch"]:
        fail("trainer_state.history.loss", f"has {len(tree['history']['loss'])} values for {tree['epoch']} epochs")


def _check_like(template: dict, state: dict, where: str, fail) -> None:
    """Every plain value of ``template`` (what ``init`` returns) present in ``state`` with its type."""
    specs = {bool: Bool(), int: Int(0, MAX_COUNTER), float: Float(finite=False), str: Text(), type(None): Maybe(NUMBER)}
    for key, value in template.items():
        if isinstance(value, list):
            continue
        if key not in state:
            fail(f"{where}.{key}", "is missing")
        specs[type(value)].check(state[key], f"{where}.{key}", fail)


def _check_optimizer_state(tree: dict, per_parameter, fail) -> None:
    """The optimizer's own ``init`` declares its state: the same keys, types and valid options."""
    from .errors import InputError
    from .optimizers import get_optimizer

    opt, preset = get_optimizer(tree["solver"])
    state, where = tree["optimizer"], "trainer_state.optimizer"
    if opt.init is None:  # lbfgs keeps only max_fun
        Maybe(Int(1, MAX_COUNTER)).check(state.get("max_fun"), f"{where}.max_fun", fail)
        return
    options = {k: state[k] for k in opt.options if k in state}
    if "delta0" in opt.options:  # Rprop's initial step is not kept; any value in range stands in
        options.setdefault("delta0", options.get("delta_min", 0.0))
    try:
        template = opt.init([np.zeros(1)], **{**preset, **options})
    except (InputError, TypeError, ValueError) as exc:
        fail(where, f"holds options the {opt.name} optimizer refuses ({exc})")
    _check_like(template, state, where, fail)
    for key, value in template.items():
        if isinstance(value, list):
            refs = state.get(key)
            if not isinstance(refs, list):
                fail(f"{where}.{key}", f"is missing; the {opt.name} optimizer's state needs it")
            if not refs and not value:
                continue  # plain gradient descent keeps no velocity
            per_parameter(refs, f"{where}.{key}", flat_ok=True)
    for key, value in state.items():
        if key not in template:
            fail(f"{where}.{key}", f"is not part of the {opt.name} optimizer's state")


def _check_schedule_state(tree: dict, fail) -> None:
    """The schedule's own ``init`` declares its state, as for the optimizer."""
    from .errors import InputError
    from .schedules import get_schedule

    schedule = get_schedule(tree["settings"].get("schedule", "constant"))
    state, where = tree["schedule"], "trainer_state.schedule"
    if "learning_rate" not in state:
        fail(f"{where}.learning_rate", "is missing")
    rate = state.get("learning_rate_init", state["learning_rate"])
    try:
        template = schedule.init(1.0 if rate is None else rate, **{k: state[k] for k in schedule.options if k in state})
    except (InputError, TypeError, ValueError) as exc:
        fail(where, f"holds options the {schedule.name} schedule refuses ({exc})")
    _check_like(template, state, where, fail)
    for key in state:
        if key not in template:
            fail(f"{where}.{key}", f"is not part of the {schedule.name} schedule's state")
