"""Optimizers: ``init`` / ``update`` pairs with plain-data state, from the notes' rule up.

Every optimizer here works on two lists of arrays of the same shapes (the trainer passes one
flat vector of all parameters, ``net.weights`` then ``net.biases``; any layout works):

``params``
    The network's arrays, updated **in place** (so arrays a user holds stay the network's).
``grads``
    The batch's *summed* gradient ``sum_i s_i dJ_i/dw`` (plus the weight-decay term, see
    :mod:`deltaprop.training`), shaped like ``params``. ``update`` may overwrite it: it is
    scratch space that the next batch refills.

and takes two scalars: ``lr`` (eta, the current learning rate) and ``scale``, a positive
factor that multiplies the gradient (``1/n`` for ``reduction="mean"`` over a batch of n
examples, times the clipping factor; ``1.0`` for the notes' summed gradient). Folding the
reduction into ``scale`` keeps the notes' rule exact: with ``scale == 1`` the ``"gd"``
update is ``w <- w - eta * sum_i dJ_i/dw`` to the last bit.

``init(params, **options)`` returns the optimizer's state: a ``dict`` of plain data
(floats, ints, bools, strings and lists of ndarrays) that :meth:`Trainer.state_dict
<deltaprop.training.Trainer.state_dict>` saves and restores unchanged, so a resumed run
continues bitwise identically.

The optimizers, in order of increasing complexity (``OPTIMIZERS`` maps names to them):

==========  =====================================================================
``gd``      the notes' full-batch gradient descent (with optional momentum)
``sgd``     the same rule on mini-batches (momentum, Nesterov momentum)
``adam``    Kingma and Ba (2015)
``rprop``   Riedmiller and Braun (1993); variants ``"irprop-"`` (Igel and Huesken
            2000; FANN's default algorithm) and ``"rprop+"`` (R neuralnet's default)
``quickprop``  Fahlman (1988), as FANN implements it
``lbfgs``   limited-memory BFGS (Nocedal 1980; Byrd et al. 1995) through
            :func:`scipy.optimize.minimize`; a driver, not an init/update pair
==========  =====================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .errors import InputError, InputTypeError

__all__ = [
    "Optimizer",
    "OPTIMIZERS",
    "SOLVER_ALIASES",
    "get_optimizer",
    "sgd_init",
    "sgd_update",
    "sgd_is_plain",
    "sgd_update_compiled",
    "adam_update_compiled",
    "sgd_bind_compiled",
    "adam_bind_compiled",
    "adam_init",
    "adam_step_size",
    "adam_update",
    "rprop_init",
    "rprop_update",
    "quickprop_init",
    "quickprop_update",
    "lbfgs_minimize",
]


# ----------------------------------------------------------------------------- gd / sgd
def sgd_init(params, *, momentum: float = 0.0, nesterov: bool = False) -> dict:
    """State of gradient descent with (optionally) momentum: the velocities ``v``, zero.

    Parameters
    ----------
    params : list of ndarray
    momentum : float in [0, 1)
        mu. 0 gives the notes' plain rule (and no velocity arrays are kept).
    nesterov : bool
        Use Nesterov's accelerated gradient (needs ``momentum > 0``).
    """
    momentum = float(momentum)
    if not 0.0 <= momentum < 1.0:
        raise InputError(f"momentum must be in [0, 1), got {momentum!r}")
    if nesterov and momentum == 0.0:
        raise InputError("nesterov=True needs momentum > 0 (e.g. momentum=0.9)")
    velocity = [np.zeros_like(p) for p in params] if momentum > 0 else []
    return {"momentum": momentum, "nesterov": bool(nesterov), "velocity": velocity}


def sgd_update(state: dict, params, grads, lr: float, scale: float) -> None:
    """One step of gradient descent, in place.

    Without momentum this is the notes' rule ``w <- w - eta * g`` with ``g = scale * sum_i
    dJ_i/dw``. With momentum mu it is the rule of Rumelhart, Hinton and Williams (1986,
    eq. 16), ``dw(t) = -eta g + mu dw(t-1)``, kept as the velocity ``v``:

        v <- mu v - eta g;   w <- w + v

    and with Nesterov momentum (Sutskever et al. 2013, in the reformulation of Bengio,
    Boulanger-Lewandowski and Pascanu 2013, eq. 7):

        v <- mu v - eta g;   w <- w + mu v - eta g

    These are scikit-learn's ``SGDOptimizer`` updates, so its steps are reproduced.
    """
    step = lr * scale  # == lr exactly when scale == 1 (the notes' summed rule)
    mu = state["momentum"]
    if mu == 0.0:
        for p, g in zip(params, grads):
            g *= step  # eta * g
            p -= g  # w <- w - eta * g
        return
    nesterov = state["nesterov"]
    for p, g, v in zip(params, grads, state["velocity"]):
        g *= step  # eta * g
        v *= mu
        v -= g  # v <- mu v - eta g
        if nesterov:
            np.subtract(mu * v, g, out=g)  # mu v - eta g
            p += g
        else:
            p += v


def sgd_update_compiled(state: dict, params, grads, lr: float, scale: float, *, alpha: float = 0.0,
                        n_decay: int = 0) -> None:
    """:func:`sgd_update` as one compiled pass per array (``_numba.momentum_loop``), bitwise the same.

    ``alpha``, ``n_decay``: the weight-decay term ``alpha * w`` is first added to the gradient
    of the first ``n_decay`` entries of each array (the stepper's flat vector holds the weights
    first), bitwise as ``g[:n] += alpha * w[:n]`` in NumPy would. Every scalar is passed in
    the arrays' dtype, as NumPy casts a Python float beside them. Needs Numba (the ``fast``
    extra). The per-call form of :func:`sgd_bind_compiled`.
    """
    sgd_bind_compiled(state, params, grads, alpha=alpha, n_decay=n_decay)(lr, scale)


def _flat_views(arrays) -> list[np.ndarray]:
    """1-D views of C-contiguous arrays (the compiled passes write through them)."""
    if not all(a.flags.c_contiguous for a in arrays):
        raise InputError("the compiled updates need C-contiguous parameter, gradient and state arrays "
                         "(np.ascontiguousarray); a flattened copy would lose the update")
    return [a.reshape(-1) for a in arrays]


def sgd_bind_compiled(state: dict, params, grads, *, alpha: float = 0.0, n_decay: int = 0):
    """:func:`sgd_update_compiled` with everything fixed for a fit bound once: ``update(lr, scale)``.

    The stepper calls the update once per step: for a small network (784-30-10, batches of
    10) resolving the arrays, dtypes and options on every call was a tenth of the step.
    The same compiled pass, so the same bits.

    Raises
    ------
    InputError
        An array is not C-contiguous (its flattened copy would not receive the update).
    """
    from ._numba import momentum_loop

    mu, nesterov = state["momentum"], state["nesterov"]
    velocity = state["velocity"] if mu else params  # not read without momentum
    flat = [_flat_views(params), _flat_views(grads), _flat_views(velocity)]
    parts = [(p, g, v, p.dtype.type, p.dtype.type(mu), p.dtype.type(alpha)) for p, g, v in zip(*flat)]

    def update(lr: float, scale: float) -> None:
        for p, g, v, t, mu_t, alpha_t in parts:
            momentum_loop(p, g, v, t(lr * scale), mu_t, nesterov, alpha_t, n_decay)

    return update


def sgd_epoch_kernel(state: dict, params, lr: float, scales: tuple[float, float], n_steps: int) -> tuple:
    """What the compiled whole-epoch loop needs to apply :func:`sgd_update` (one flat vector).

    Returns ``(code, s1, s2, consts, steps)``: ``_numba.EPOCH_SGD``, the velocity (twice; the
    parameters when there is no momentum, as it is not read then), ``(mu, nesterov)``, and
    the step ``lr * scale`` of a full and of the last batch, the products the per-step update
    forms. Needs Numba.
    """
    from ._numba import EPOCH_SGD

    velocity = state["velocity"][0] if state["momentum"] else params[0]
    return (EPOCH_SGD, velocity, velocity, (state["momentum"], 1.0 if state["nesterov"] else 0.0),
            [lr * scales[0], lr * scales[1]])


def sgd_is_plain(state: dict) -> bool:
    """True when :func:`sgd_update` is the notes' plain rule ``w <- w - lr * scale * g`` (no momentum)."""
    return state["momentum"] == 0.0


# ----------------------------------------------------------------------------- adam
def adam_init(params, *, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8) -> dict:
    """Adam's state: first and second moment estimates ``m``, ``v`` (zero) and the step ``t``."""
    for name, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
        if not 0.0 <= float(beta) < 1.0:
            raise InputError(f"{name} must be in [0, 1), got {beta!r}")
    if not float(epsilon) > 0:
        raise InputError(f"epsilon must be > 0, got {epsilon!r}")
    return {
        "beta_1": float(beta_1),
        "beta_2": float(beta_2),
        "epsilon": float(epsilon),
        "t": 0,
        "m": [np.zeros_like(p) for p in params],
        "v": [np.zeros_like(p) for p in params],
    }


def adam_step_size(state: dict, lr: float) -> float:
    """Advance Adam's step count ``t`` in ``state`` and return ``eta_t = eta sqrt(1 - b2^t) / (1 - b1^t)``."""
    b1, b2 = state["beta_1"], state["beta_2"]
    state["t"] = t = state["t"] + 1
    return lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)


def adam_update(state: dict, params, grads, lr: float, scale: float) -> None:
    """One Adam step (Kingma and Ba 2015, Algorithm 1 with the step of section 2), in place.

        t <- t + 1;  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
        eta_t = eta sqrt(1 - b2^t) / (1 - b1^t);  w <- w - eta_t m / (sqrt(v) + eps)

    the form scikit-learn's ``AdamOptimizer`` uses (epsilon added to ``sqrt(v)`` without
    bias correction), so its steps are reproduced.
    """
    b1, b2, eps = state["beta_1"], state["beta_2"], state["epsilon"]
    eta_t = adam_step_size(state, lr)
    for p, g, m, v in zip(params, grads, state["m"], state["v"]):
        if scale != 1.0:
            g *= scale
        m *= b1
        m += (1.0 - b1) * g  # m <- b1 m + (1 - b1) g
        v *= b2
        g *= g
        g *= 1.0 - b2
        v += g  # v <- b2 v + (1 - b2) g^2
        denom = np.sqrt(v)
        denom += eps
        np.multiply(m, eta_t, out=g)
        g /= denom
        p -= g  # w <- w - eta_t m / (sqrt(v) + eps)


def adam_update_compiled(state: dict, params, grads, lr: float, scale: float, *, alpha: float = 0.0,
                         n_decay: int = 0) -> None:
    """:func:`adam_update` as one compiled pass per array (``_numba.adam_loop``), bitwise the same.

    ``alpha``, ``n_decay`` as for :func:`sgd_update_compiled`. Needs Numba (the ``fast`` extra).
    The per-call form of :func:`adam_bind_compiled`.
    """
    adam_bind_compiled(state, params, grads, alpha=alpha, n_decay=n_decay)(lr, scale)


def adam_bind_compiled(state: dict, params, grads, *, alpha: float = 0.0, n_decay: int = 0):
    """:func:`adam_update_compiled` with everything fixed for a fit bound once: ``update(lr, scale)``
    (as :func:`sgd_bind_compiled`; the step count ``t`` still advances in ``state`` each call)."""
    from ._numba import adam_loop

    b1, b2, eps = state["beta_1"], state["beta_2"], state["epsilon"]
    flat = [_flat_views(params), _flat_views(grads), _flat_views(state["m"]), _flat_views(state["v"])]
    parts = []
    for p, g, m, v in zip(*flat):
        t = p.dtype.type
        parts.append((p, g, m, v, t, t(b1), t(1.0 - b1), t(b2), t(1.0 - b2), t(eps), t(alpha)))

    def update(lr: float, scale: float) -> None:
        eta_t = adam_step_size(state, lr)
        for p, g, m, v, t, b1_t, c1_t, b2_t, c2_t, eps_t, alpha_t in parts:
            adam_loop(p, g, m, v, t(scale), scale != 1.0, b1_t, c1_t, b2_t, c2_t, eps_t, t(eta_t), alpha_t, n_decay)

    return update


def adam_epoch_kernel(state: dict, params, lr: float, scales: tuple[float, float], n_steps: int) -> tuple:
    """What the compiled whole-epoch loop needs to apply :func:`adam_update` (one flat vector).

    Returns ``(code, m, v, (b1, 1 - b1, b2, 1 - b2, eps), steps)`` with ``code``
    ``_numba.EPOCH_ADAM`` and ``steps`` the epoch's ``eta_t`` one per step, computed here by
    :func:`adam_step_size` (which advances ``t`` in ``state`` as the per-step updates would),
    then the two scales. Needs Numba.
    """
    from ._numba import EPOCH_ADAM

    b1, b2 = state["beta_1"], state["beta_2"]
    etas = [adam_step_size(state, lr) for _ in range(n_steps)]
    return (EPOCH_ADAM, state["m"][0], state["v"][0], (b1, 1.0 - b1, b2, 1.0 - b2, state["epsilon"]),
            etas + [scales[0], scales[1]])


# ----------------------------------------------------------------------------- rprop
#: Rprop variants: ``"irprop-"`` (Igel and Huesken 2000), ``"rprop+"`` (Riedmiller and Braun 1993).
RPROP_VARIANTS = ("irprop-", "rprop+")


def rprop_init(
    params,
    *,
    variant: str = "irprop-",
    eta_plus: float = 1.2,
    eta_minus: float = 0.5,
    delta0: float = 0.1,
    delta_min: float = 1e-6,
    delta_max: float = 50.0,
) -> dict:
    """Rprop's state: one step size per weight (all ``delta0``), the previous gradient (zero)
    and, for ``"rprop+"``, the previous weight change (zero).

    Defaults are the papers' (and FANN's, except FANN's ``delta_min = 0``); R's neuralnet
    uses ``delta_max = 0.1`` and ``delta_min = 1e-10`` for networks with hidden layers.
    """
    if variant not in RPROP_VARIANTS:
        raise InputError(f"unknown rprop variant {variant!r}; choose one of {', '.join(map(repr, RPROP_VARIANTS))}")
    if not (0.0 < eta_minus < 1.0 < eta_plus):
        raise InputError(f"rprop needs 0 < eta_minus < 1 < eta_plus, got eta_minus={eta_minus}, eta_plus={eta_plus}")
    if not (0.0 <= delta_min <= delta0 <= delta_max):
        raise InputError(
            f"rprop needs 0 <= delta_min <= delta0 <= delta_max, got {delta_min}, {delta0}, {delta_max}"
        )
    state = {
        "variant": variant,
        "eta_plus": float(eta_plus),
        "eta_minus": float(eta_minus),
        "delta_min": float(delta_min),
        "delta_max": float(delta_max),
        "delta": [np.full_like(p, delta0) for p in params],
        "prev_grad": [np.zeros_like(p) for p in params],
    }
    if variant == "rprop+":
        state["prev_change"] = [np.zeros_like(p) for p in params]
    return state


def rprop_update(state: dict, params, grads, lr: float, scale: float) -> None:
    """One Rprop step, in place. Only the gradient's sign is used, so ``lr`` and ``scale`` are ignored.

    Per weight, with ``g`` the gradient and ``g'`` the previous one (Riedmiller and Braun
    1993; Igel and Huesken 2000, "Improving the Rprop learning algorithm"):

    * step size: ``Delta <- min(eta_plus Delta, Delta_max)`` if ``g' g > 0``,
      ``Delta <- max(eta_minus Delta, Delta_min)`` if ``g' g < 0``, unchanged if ``g' g == 0``.
    * ``"irprop-"``: if ``g' g < 0`` set ``g = 0``; then ``w <- w - sign(g) Delta``.
    * ``"rprop+"`` (with weight-backtracking): if ``g' g < 0`` undo the previous change,
      ``w <- w - dw'``, and set ``g = 0``; otherwise ``dw = -sign(g) Delta`` and ``w <- w + dw``.

    ``g'`` is stored (with the zeros) for the next step. A zero gradient moves nothing
    (FANN's code moves such a weight by ``+Delta``; this follows the papers).
    """
    ep, em, dmin, dmax = state["eta_plus"], state["eta_minus"], state["delta_min"], state["delta_max"]
    backtrack = state["variant"] == "rprop+"
    changes = state.get("prev_change")
    for k, (p, g, delta, prev) in enumerate(zip(params, grads, state["delta"], state["prev_grad"])):
        same = g * prev
        grow, shrink = same > 0, same < 0
        delta[grow] *= ep
        delta[shrink] *= em
        np.clip(delta, dmin, dmax, out=delta)  # only the changed entries can leave [dmin, dmax]
        if backtrack:
            dw = changes[k]
            undo = -dw[shrink]
            np.sign(g, out=dw)
            dw *= delta
            np.negative(dw, out=dw)  # dw = -sign(g) Delta
            dw[shrink] = undo  # weight-backtracking: w <- w - dw'
            p += dw
        else:
            g[shrink] = 0.0
            step = np.sign(g)
            step *= delta
            p -= step  # w <- w - sign(g) Delta
        g[shrink] = 0.0
        prev[...] = g


# ----------------------------------------------------------------------------- quickprop
def quickprop_init(params, *, mu: float = 1.75, decay: float = 1e-4, weight_limit: float | None = 1500.0) -> dict:
    """Quickprop's state: previous steps and slopes (zero), and FANN's constants.

    Parameters
    ----------
    mu : float
        The maximum growth factor (Fahlman's mu; FANN's ``quickprop_mu``, 1.75).
    decay : float
        A weight decay inside the slope, ``dJ/dw + decay * w`` (FANN stores it as
        ``quickprop_decay = -0.0001`` in its slope convention).
    weight_limit : float or None
        FANN clips every weight to ``[-1500, 1500]`` after each step; None disables it.
    """
    if not float(mu) > 0:
        raise InputError(f"quickprop mu must be > 0, got {mu!r}")
    return {
        "mu": float(mu),
        "decay": float(decay),
        "weight_limit": None if weight_limit is None else float(weight_limit),
        "prev_step": [np.zeros_like(p) for p in params],
        "prev_slope": [np.zeros_like(p) for p in params],
    }


def quickprop_update(state: dict, params, grads, lr: float, scale: float) -> None:
    """One Quickprop step (Fahlman 1988) exactly as FANN's ``fann_update_weights_quickprop``, in place.

    FANN works with the *slope* ``s = -(scale * (dJ/dw + decay * w))`` (the negative
    gradient) and its previous value ``s'``, the previous step ``dw'``, ``eps = lr`` and
    ``shrink = mu / (1 + mu)``:

    * ``dw' > 0.001``: ``dw = eps s`` if ``s > 0`` (else 0), plus ``mu dw'`` if
      ``s > shrink s'``, else the parabola's step ``dw' s / (s' - s)``;
    * ``dw' < -0.001``: the mirror image (``s < 0``, ``s < shrink s'``);
    * otherwise ``dw = eps s`` (plain gradient descent: the first step).

    then ``w <- clip(w + dw, -limit, limit)``. FANN's ``epsilon`` is its learning rate divided
    by N, which is what ``reduction="mean"`` (``scale = 1/N``) gives here. Where FANN would
    divide 0 by 0 (``s = s'`` on the parabola branch) the parabola term is 0 here.
    """
    mu, decay, limit = state["mu"], state["decay"], state["weight_limit"]
    shrink = mu / (1.0 + mu)
    for p, g, prev_step, prev_slope in zip(params, grads, state["prev_step"], state["prev_slope"]):
        slope = g
        if decay:
            slope += decay * p
        slope *= -scale  # s = -scale (dJ/dw + decay w)
        up, down = prev_step > 0.001, prev_step < -0.001
        flat = ~(up | down)
        linear = flat | (up & (slope > 0)) | (down & (slope < 0))
        step = np.where(linear, lr * slope, 0.0).astype(p.dtype, copy=False)
        limit_slope = shrink * prev_slope
        grow = (up & (slope > limit_slope)) | (down & (slope < limit_slope))
        step += np.where(grow, mu * prev_step, 0.0).astype(p.dtype, copy=False)
        parabola = (up | down) & ~grow
        denom = prev_slope - slope
        parabola &= denom != 0
        quad = np.zeros_like(p)
        np.divide(prev_step * slope, denom, out=quad, where=parabola)
        step += quad
        prev_step[...] = step
        prev_slope[...] = slope
        p += step
        if limit is not None:
            np.clip(p, -limit, limit, out=p)


# ----------------------------------------------------------------------------- lbfgs
def lbfgs_minimize(fun, theta0: np.ndarray, *, max_iter: int, max_fun: int = 15000, gtol: float | None = None,
                   callback: Callable | None = None):
    """Minimise ``fun(theta) -> (J, grad)`` with L-BFGS-B (Byrd, Lu, Nocedal and Zhu 1995).

    A thin wrapper over :func:`scipy.optimize.minimize` with ``method="L-BFGS-B"`` and
    ``jac=True``, with scikit-learn's option names (``max_iter``, ``max_fun``, and ``tol``
    as the projected-gradient tolerance ``gtol``). ``callback(intermediate_result)`` runs
    after every iteration and may raise ``StopIteration`` to stop.

    Returns
    -------
    scipy.optimize.OptimizeResult
    """
    from scipy.optimize import minimize

    options = {"maxiter": int(max_iter), "maxfun": int(max_fun)}
    if gtol is not None:
        options["gtol"] = float(gtol)
    return minimize(fun, np.asarray(theta0, dtype=np.float64), jac=True, method="L-BFGS-B", callback=callback,
                    options=options)


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Optimizer:
    """A named optimizer: its ``init`` / ``update`` pair and how the trainer should drive it.

    Attributes
    ----------
    name : str
    init, update : callables (see the module docstring); None for ``lbfgs``
    full_batch : bool
        True when every step must see all examples (the notes' gd, Rprop, Quickprop, L-BFGS).
    reduction : {"sum", "mean"}
        The default gradient reduction.
    learning_rate : float or None
        The default learning rate; None when the optimizer does not use one.
    options : tuple of str
        Keyword options ``init`` accepts (the Trainer passes them from its arguments and
        ``solver_options``).
    reference : str
        Where the update rule comes from.
    is_plain : callable or None
        The capability to be fused: ``is_plain(state) -> bool`` is True when ``update`` is
        exactly ``w <- w - lr * scale * g`` for this state, so the stepper
        (:mod:`deltaprop._stepper`) may apply the step inside the gradient computation
        instead. None: never.
    compiled : callable or None
        This ``update``'s compiled form (same signature plus the keywords ``alpha``,
        ``n_decay`` that fold in the weight-decay term; bitwise the same result, one pass over
        the parameters instead of several, through :mod:`deltaprop._numba`). None: NumPy only.
    epoch_kernel : callable or None
        ``epoch_kernel(state, params, lr, scales, n_steps) -> (code, s1, s2, consts, steps)``:
        the arrays and scalars with which the compiled whole-epoch loop of a small network
        (``_numba.small_epoch``, Numba) applies this update; None: no such loop.
    bind_compiled : callable or None
        ``bind_compiled(state, params, grads, *, alpha, n_decay) -> update(lr, scale)``: the
        compiled form with the per-fit arguments bound once, which the stepper takes when
        Numba is installed (the same bits as ``compiled``). None: NumPy only.
    minimize : callable or None
        For a driver that runs its own loop instead of ``init`` / ``update`` (``lbfgs``):
        :func:`lbfgs_minimize`'s signature. None for the init/update optimizers.
    """

    name: str
    init: Callable | None
    update: Callable | None
    full_batch: bool
    reduction: str
    learning_rate: float | None
    options: tuple[str, ...] = field(default=())
    reference: str = ""
    is_plain: Callable[[dict], bool] | None = None
    minimize: Callable | None = None
    compiled: Callable | None = None
    bind_compiled: Callable | None = None
    epoch_kernel: Callable | None = None


OPTIMIZERS: dict[str, Optimizer] = {
    "gd": Optimizer("gd", sgd_init, sgd_update, True, "sum", 0.1, ("momentum", "nesterov"),
                    "the notes; Rumelhart, Hinton and Williams (1986) for momentum", is_plain=sgd_is_plain,
                    compiled=sgd_update_compiled, bind_compiled=sgd_bind_compiled,
                    epoch_kernel=sgd_epoch_kernel),
    "sgd": Optimizer("sgd", sgd_init, sgd_update, False, "mean", 0.01, ("momentum", "nesterov"),
                     "Robbins and Monro (1951); Sutskever et al. (2013) for Nesterov momentum",
                     is_plain=sgd_is_plain, compiled=sgd_update_compiled, bind_compiled=sgd_bind_compiled,
                     epoch_kernel=sgd_epoch_kernel),
    "adam": Optimizer("adam", adam_init, adam_update, False, "mean", 0.001, ("beta_1", "beta_2", "epsilon"),
                      "Kingma and Ba (2015), Adam: a method for stochastic optimization", compiled=adam_update_compiled,
                      bind_compiled=adam_bind_compiled, epoch_kernel=adam_epoch_kernel),
    "rprop": Optimizer("rprop", rprop_init, rprop_update, True, "mean", None,
                       ("variant", "eta_plus", "eta_minus", "delta0", "delta_min", "delta_max"),
                       "Riedmiller and Braun (1993); Igel and Huesken (2000)"),
    "quickprop": Optimizer("quickprop", quickprop_init, quickprop_update, True, "mean", 0.7,
                           ("mu", "decay", "weight_limit"),
                           "Fahlman (1988), An empirical study of learning speed in back-propagation networks"),
    "lbfgs": Optimizer("lbfgs", None, None, True, "mean", None, ("max_fun",),
                       "Nocedal (1980); Byrd, Lu, Nocedal and Zhu (1995), through scipy.optimize",
                       minimize=lbfgs_minimize),
}

#: Names that select an optimizer with a preset option: ``"irprop-"`` and ``"rprop+"``.
SOLVER_ALIASES: dict[str, tuple[str, dict]] = {
    "irprop-": ("rprop", {"variant": "irprop-"}),
    "rprop+": ("rprop", {"variant": "rprop+"}),
}


def get_optimizer(name) -> tuple[Optimizer, dict]:
    """The :class:`Optimizer` called ``name`` and the options an alias presets.

    Raises
    ------
    InputError
        For an unknown name, listing the valid ones.
    """
    if not isinstance(name, str):
        raise InputTypeError(f"solver must be a name (str), got {name!r}")
    if name in SOLVER_ALIASES:
        base, preset = SOLVER_ALIASES[name]
        return OPTIMIZERS[base], dict(preset)
    if name not in OPTIMIZERS:
        valid = ", ".join(map(repr, list(OPTIMIZERS) + list(SOLVER_ALIASES)))
        raise InputError(f"unknown solver {name!r}; choose one of {valid}")
    return OPTIMIZERS[name], {}
