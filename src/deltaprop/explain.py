"""The derivation made visible: one example, one step of gradient descent, every number.

:func:`explain` runs the notes' computation for one example ``(x, y)`` and returns an
:class:`Explanation` holding, layer by layer and in the notes' notation,

* each unit's ``net_r = sum_q w_rq u_rq + b_r``, ``o_r = f(net_r)`` and
  ``delta_r = -dJ/dnet_r`` (from :meth:`Network.trace`),
* each weight's gradient ``dJ/dw_rq = -delta_r u_rq`` (and the bias's ``dJ/db_r = -delta_r``),
* the updated weights ``w_rq - eta dJ/dw_rq`` after one step, and ``J`` before and after.

It renders as a terminal table (``rich``), plain text (``str``), Markdown
(:meth:`Explanation.to_markdown`), LaTeX (:meth:`Explanation.to_latex`) and in Jupyter.

Numbering follows the notes: hidden units are ``j = 1..m``, output units ``l = 1..k``, and
``r``/``q`` stand for any unit and its input, all counted from 1 (the arrays count from 0,
so unit ``j = 1`` is row 0 of ``net.weights[0]``). The notes fold the bias into ``w_r`` as
the weight of a constant input ``u = 1``; the tables list it as the input ``q = bias``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ._validation import check_positive
from .activations import Activation
from .errors import InputError
from .losses import Loss
from .network import Network, network_of

__all__ = ["explain", "Explanation", "LayerStep"]

#: Networks with more parameters than this are refused unless ``max_weights`` is raised.
MAX_WEIGHTS = 2000


@dataclass(frozen=True)
class LayerStep:
    """One layer of an :class:`Explanation`: its units, weights and the step.

    Attributes
    ----------
    index : int
        1-based layer number: 1 is the first hidden layer, the last is the output layer.
    name : str
        ``"hidden"`` / ``"hidden 2"`` ... or ``"output"``.
    unit : str
        The notes' index letter of the layer's units: ``"j"`` (hidden) or ``"l"`` (output).
    activation : str
    u : ndarray (inputs,)
        The layer's input ``u_rq`` (``x`` for the first layer, the layer below's ``o`` after).
    net, o, delta : ndarray (units,)
        ``net_r``, ``o_r = f(net_r)`` and ``delta_r = -dJ/dnet_r``.
    W, b : ndarray (units, inputs) and (units,)
        The weights ``w_rq`` and biases before the step.
    dW, db : ndarray (units, inputs) and (units,)
        ``dJ/dw_rq = -delta_r u_rq`` and ``dJ/db_r = -delta_r``.
    W_new, b_new : ndarray (units, inputs) and (units,)
        ``w_rq - eta dJ/dw_rq`` and ``b_r - eta dJ/db_r``.
    """

    index: int
    name: str
    unit: str
    activation: str
    u: np.ndarray
    net: np.ndarray
    o: np.ndarray
    delta: np.ndarray
    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray
    db: np.ndarray
    W_new: np.ndarray
    b_new: np.ndarray


def explain(
    net,
    x,
    y,
    *,
    learning_rate: float,
    digits: int | None = 6,
    max_weights: int = MAX_WEIGHTS,
) -> "Explanation":
    """One step of the notes' gradient descent on one example, with every quantity shown.

    Parameters
    ----------
    net : Network
        The network (not modified). An object with a ``network_`` attribute (a fitted
        estimator) is explained through that network; ``x`` is then the network's input,
        i.e. already standardised.
    x : array (n_inputs,) or (1, n_inputs)
        One example.
    y : array (n_outputs,) or (1, n_outputs)
        Its target (one-hot for a classifier).
    learning_rate : float
        eta, the step size of ``w_rq <- w_rq - eta dJ/dw_rq``.
    digits : int or None, default 6
        Significant digits printed; ``None`` prints each number's full (shortest
        round-trip) representation. The held arrays are never rounded.
    max_weights : int, default 2000
        Refuse networks with more parameters (weights and biases) than this: the tables
        would be unreadable. Raise it to print a larger network anyway.

    Returns
    -------
    Explanation

    Raises
    ------
    InputError
        If the network has more than ``max_weights`` parameters, or ``x``/``y`` do not fit it.

    Examples
    --------
    >>> import deltaprop as dp
    >>> net = dp.Network([2, 2, 1], seed=0)
    >>> ex = dp.explain(net, [0.6, -0.3], [1.0], learning_rate=0.5)
    >>> [layer.unit for layer in ex.layers]
    ['j', 'l']
    >>> bool(ex.J_new < ex.J)
    True
    >>> print(ex.to_markdown())  # doctest: +ELLIPSIS
    **deltaprop explain**...
    """
    net = network_of(net, caller="explain")
    check_positive(learning_rate, name="learning_rate")
    check_positive(max_weights, name="max_weights", integer=True)
    _check_digits(digits)
    if net.n_parameters > max_weights:
        raise InputError(
            f"the network has {net.n_parameters} weights and biases, more than max_weights={max_weights} "
            f"that explain prints readably; explain a smaller network or pass max_weights={net.n_parameters}"
        )
    records = net.trace(x, y)  # validates x and y
    X = records[0].u[None, :]
    Y = net.check_Y(np.reshape(y, (1, -1)), 1, "y")
    eta = net.dtype.type(learning_rate)
    n_hidden = net.n_layers - 1
    layers = []
    for t, (rec, W, b, f) in enumerate(zip(records, net.weights, net.biases, net.activations)):
        is_output = t == n_hidden
        name = "output" if is_output else ("hidden" if n_hidden == 1 else f"hidden {t + 1}")
        layers.append(
            LayerStep(
                index=t + 1, name=name, unit="l" if is_output else "j", activation=f.name,
                u=rec.u, net=rec.net, o=rec.o, delta=rec.delta,
                W=W.copy(), b=b.copy(), dW=rec.dW, db=rec.db,
                W_new=W - eta * rec.dW, b_new=b - eta * rec.db,
            )
        )  # fmt: skip
    stepped = net.copy()
    stepped.set_parameters([s.W_new for s in layers], [s.b_new for s in layers])
    return Explanation(
        network=net.copy(),
        x=X[0],
        y=Y[0],
        learning_rate=float(learning_rate),
        J=net.loss(X, Y),
        J_new=stepped.loss(X, Y),
        layers=tuple(layers),
        digits=digits,
    )


def _check_digits(digits) -> None:
    if digits is not None:
        check_positive(digits, name="digits", integer=True)


# --------------------------------------------------------------------------- formulas
# Text inside formulas uses \mbox, which plain LaTeX and MathJax (Jupyter) both accept.

# The formulas come from the records: an activation's ``formula`` is f'(net) written with
# the output placeholder {o} (the notes' o (1 - o)), a loss's ``formula`` is J_i.


def _fprime(f: Activation, o: str) -> tuple[str, str]:
    """f'(net) of ``f`` written with the output symbol ``o``: (plain, LaTeX)."""
    if f.formula is None:  # no formula on the record: name the derivative generically
        return f"{f.name}'(net)", rf"\mbox{{{_tex_escape(f.name)}}}'(\mathit{{net}})"
    return tuple(form.replace("{o}", o) for form in f.formula)


def _output_delta_formula(f: Activation, loss: Loss) -> tuple[str, str]:
    if f.name == loss.canonical_activation:
        return "delta_l = y_l - o_l", r"\delta_l = y_l - o_l"
    if loss.name == "squared_error" and f.elementwise:
        p, t = _fprime(f, "o_l")
        return f"delta_l = (y_l - o_l) {p}", rf"\delta_l = (y_l - o_l)\, {t}"
    return "delta_l = -dJ/dnet_l", r"\delta_l = -\partial J / \partial \mathit{net}_l"


def _hidden_delta_formula(f: Activation, above: str) -> tuple[str, str]:
    p, t = _fprime(f, "o_j")
    if above == "l":
        return f"delta_j = {p} sum_l delta_l w_lj", rf"\delta_j = {t} \sum_l \delta_l w_{{lj}}"
    return (
        f"delta_j = {p} sum_r delta_r w_rj (r: the units of the layer above)",
        rf"\delta_j = {t} \sum_r \delta_r w_{{rj}} \mbox{{ ($r$: the units of the layer above)}}",
    )


# --------------------------------------------------------------------------- rendering model
@dataclass(frozen=True)
class _Text:
    """A non-numeric table cell or summary item: plain text and math-mode LaTeX."""

    plain: str
    latex: str


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "_": r"\_", "{": r"\{", "}": r"\}", "$": r"\$",
                "&": r"\&", "%": r"\%", "#": r"\#", "^": r"\^{}", "~": r"\~{}"}  # fmt: skip


def _tex_escape(s: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in s)


def _word(plain: str) -> _Text:
    return _Text(plain, r"\mbox{" + _tex_escape(plain) + "}")


_UNIT_COLUMNS = (
    _word("layer"),
    _Text("unit r", r"\mbox{unit } r"),
    _Text("net_r", r"\mathit{net}_r"),
    _Text("o_r", "o_r"),
    _Text("delta_r", r"\delta_r"),
)
_WEIGHT_COLUMNS = (
    _word("layer"),
    _Text("unit r", r"\mbox{unit } r"),
    _Text("input q", r"\mbox{input } q"),
    _Text("u_rq", "u_{rq}"),
    _Text("w_rq", "w_{rq}"),
    _Text("dJ/dw_rq", r"\partial J/\partial w_{rq}"),
    _Text("w_rq - eta dJ/dw_rq", r"w_{rq} - \eta\, \partial J/\partial w_{rq}"),
)
_TITLE = "one step of gradient descent on one example, in the notes' notation"
_CONVENTIONS = (
    _Text(
        "units are numbered from 1 as in the notes: hidden units j, output units l",
        r"\mbox{units are numbered from 1 as in the notes: hidden units $j$, output units $l$}",
    ),
    _Text(
        "r is any unit and q its input: u_rq = x_q in the first layer, the layer below's o_q after; "
        "the bias is the weight of a constant input u = 1",
        r"\mbox{$r$ is any unit and $q$ its input: $u_{rq} = x_q$ in the first layer, "
        r"the layer below's $o_q$ after; the bias is the weight of a constant input $u = 1$}",
    ),
)


class _Default:
    def __repr__(self) -> str:
        return "<the Explanation's digits>"


_DEFAULT = _Default()  # "digits omitted": use Explanation.digits (None means full precision)


class Explanation:
    """The result of :func:`explain`: every quantity of one backpropagation step.

    Attributes
    ----------
    network : Network
        A copy of the network before the step.
    x, y : ndarray (n_inputs,), (n_outputs,)
    learning_rate : float
        eta.
    J, J_new : float
        The example's loss before and after the step.
    layers : tuple of LayerStep
        Hidden layers first, the output layer last.
    digits : int or None
        Default significant digits of the renderings (``None``: full precision).

    Notes
    -----
    ``str(e)`` is a plain-text table; ``rich.print(e)`` a terminal table;
    :meth:`to_markdown` and :meth:`to_latex` the same tables for documents; in Jupyter
    it displays as Markdown (and offers LaTeX).
    """

    def __init__(self, *, network, x, y, learning_rate, J, J_new, layers, digits):
        self.network: Network = network
        self.x: np.ndarray = x
        self.y: np.ndarray = y
        self.learning_rate: float = learning_rate
        self.J: float = J
        self.J_new: float = J_new
        self.layers: tuple[LayerStep, ...] = layers
        self.digits: int | None = digits

    def updated_network(self) -> Network:
        """A new network holding the weights after the step (``w_rq - eta dJ/dw_rq``)."""
        net = self.network.copy()
        net.set_parameters([s.W_new for s in self.layers], [s.b_new for s in self.layers])
        return net

    def __repr__(self) -> str:
        return (
            f"<Explanation of one step, eta={self.learning_rate:g}, on {self.network!r}: "
            f"J={self.J:.6g} -> {self.J_new:.6g}>"
        )

    # ----------------------------------------------------------------- table contents
    def _summary(self) -> list[tuple[_Text, object]]:
        """(label, value) pairs: value is a number, a vector, a _Text, or None for a formula line."""
        net = self.network
        loss = net.loss_function.name
        J_p, J_t = net.loss_function.formula
        hidden = ", ".join(f.name for f in net.activations[:-1]) or "none"
        arch = f"layers {net.sizes}, hidden {hidden}, output {net.output_activation}, loss {loss}, {net.dtype.name}"
        items: list[tuple[_Text, object]] = [
            (_word("network"), _word(arch.replace("_", " "))),
            (_Text("x", "x"), self.x),
            (_Text("y", "y"), self.y),
            (_Text("eta", r"\eta"), self.learning_rate),
            (_Text(f"J = {J_p}", rf"J = {J_t}"), self.J),
            (_Text("J after the step", r"J \mbox{ after the step}"), self.J_new),
            (_Text(*_output_delta_formula(net.activations[-1], net.loss_function)), None),
        ]
        for below, above, f in zip(self.layers[:-1], self.layers[1:], net.activations):
            p, t = _hidden_delta_formula(f, above.unit)
            if len(self.layers) > 2:
                p, t = f"{below.name}: {p}", rf"\mbox{{{below.name}: }} {t}"
            items.append((_Text(p, t), None))
        items.append(
            (_Text("dJ/dw_rq = -delta_r u_rq,  w_rq <- w_rq - eta dJ/dw_rq",
                   r"\partial J/\partial w_{rq} = -\delta_r u_{rq}, \quad "
                   r"w_{rq} \leftarrow w_{rq} - \eta\, \partial J/\partial w_{rq}"), None)
        )  # fmt: skip
        items += [(c, None) for c in _CONVENTIONS]
        return items

    def _unit_rows(self) -> list[list]:
        rows = []
        for s in self.layers:
            for r in range(len(s.net)):
                unit = _Text(f"{s.unit} = {r + 1}", f"{s.unit} = {r + 1}")
                rows.append([_word(s.name), unit, s.net[r], s.o[r], s.delta[r]])
        return rows

    def _weight_rows(self) -> list[list]:
        rows = []
        for s in self.layers:
            for r in range(s.W.shape[0]):
                unit = _Text(f"{s.unit} = {r + 1}", f"{s.unit} = {r + 1}")
                for q in range(s.W.shape[1]):
                    rows.append([_word(s.name), unit, _Text(str(q + 1), str(q + 1)),
                                 s.u[q], s.W[r, q], s.dW[r, q], s.W_new[r, q]])  # fmt: skip
                rows.append([_word(s.name), unit, _word("bias"),
                             s.u.dtype.type(1), s.b[r], s.db[r], s.b_new[r]])  # fmt: skip
        return rows

    def _tables(self) -> list[tuple[str, tuple[_Text, ...], int, list[list]]]:
        """(title, columns, number of leading text columns, rows) of each table."""
        return [
            ("units: forward and backward pass", _UNIT_COLUMNS, 2, self._unit_rows()),
            ("weights: gradient and one step of gradient descent", _WEIGHT_COLUMNS, 3, self._weight_rows()),
        ]

    def _digits(self, digits) -> int | None:
        if digits is _DEFAULT:
            return self.digits
        _check_digits(digits)
        return digits

    # ----------------------------------------------------------------- renderers
    def to_markdown(self, digits=_DEFAULT) -> str:
        """The explanation as Markdown: a summary list and two pipe tables.

        Parameters
        ----------
        digits : int or None, optional
            Significant digits; omitted uses :attr:`digits`, ``None`` prints full precision.

        Returns
        -------
        str
        """
        d = self._digits(digits)
        lines = [f"**deltaprop explain**: {_TITLE}", ""]
        for label, value in self._summary():
            lines.append(f"- {label.plain}" + ("" if value is None else f" = {_plain(value, d)}"))
        for title, columns, n_text, rows in self._tables():
            lines += ["", f"**{title}**", ""]
            lines.append("| " + " | ".join(f"`{c.plain}`" if i >= n_text else c.plain
                                            for i, c in enumerate(columns)) + " |")  # fmt: skip
            lines.append("|" + "|".join(":--" if i < n_text else "--:" for i in range(len(columns))) + "|")
            lines += ["| " + " | ".join(_plain(c, d) for c in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"

    def to_latex(self, digits=_DEFAULT, *, math: bool = False) -> str:
        """The explanation as LaTeX that compiles without extra packages.

        Parameters
        ----------
        digits : int or None, optional
            Significant digits; omitted uses :attr:`digits`, ``None`` prints full precision.
        math : bool, default False
            False: three ``tabular`` environments for a document, every cell in ``$...$``.
            True: the same as ``array`` environments inside one ``$$ ... $$`` display, for
            MathJax (Jupyter's ``_repr_latex_``).

        Returns
        -------
        str
        """
        d = self._digits(digits)
        env = "array" if math else "tabular"

        def cell(value) -> str:
            tex = _tex_value(value, d)
            return tex if math else f"${tex}$"

        def table(spec: str, body: list[str]) -> list[str]:
            return [rf"\begin{{{env}}}{{{spec}}}", *body, rf"\end{{{env}}}"]

        summary = [
            rf"\multicolumn{{2}}{{l}}{{{cell(label)}}} \\" if value is None else rf"{cell(label)} & {cell(value)} \\"
            for label, value in self._summary()
        ]
        blocks = [table("ll", summary)]
        for title, columns, n_text, rows in self._tables():
            body = [rf"\multicolumn{{{len(columns)}}}{{l}}{{{cell(_word(title))}}} \\", r"\hline",
                    " & ".join(cell(c) for c in columns) + r" \\", r"\hline",
                    *(" & ".join(cell(c) for c in row) + r" \\" for row in rows), r"\hline"]  # fmt: skip
            blocks.append(table("l" * n_text + "r" * (len(columns) - n_text), body))
        out = [f"% deltaprop explain: {_TITLE}"]
        if math:  # one display: an outer one-column array stacks the three tables
            out += ["$$", r"\begin{array}{l}"]
            for i, block in enumerate(blocks):
                out += block + ([r"\\[2ex]"] if i < len(blocks) - 1 else [])
            out += [r"\end{array}", "$$"]
        else:
            for i, block in enumerate(blocks):
                out += ([r"\par\medskip"] if i else []) + block
        return "\n".join(out) + "\n"

    def to_rich(self, digits=_DEFAULT, *, box=None):
        """A ``rich`` renderable (summary and two tables) for a terminal.

        Parameters
        ----------
        digits : int or None, optional
            As in :meth:`to_markdown`.
        box : rich.box.Box, optional
            The tables' border style (default ``rich.box.SIMPLE_HEAD``).

        Returns
        -------
        rich.console.Group
        """
        from rich import box as rich_box
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        d = self._digits(digits)
        parts = [Text(f"deltaprop explain: {_TITLE}", style="bold")]
        for label, value in self._summary():
            parts.append(Text(f"  {label.plain}" + ("" if value is None else f" = {_plain(value, d)}")))
        for title, columns, n_text, rows in self._tables():
            table = Table(title=title, box=box or rich_box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
            for i, c in enumerate(columns):
                # Headers may wrap on a narrow terminal; numbers fold rather than lose digits.
                table.add_column(c.plain, justify="left" if i < n_text else "right", overflow="fold")
            for row in rows:
                table.add_row(*(Text(_plain(c, d)) for c in row))
            parts += [Text(""), table]
        return Group(*parts)

    def __rich_console__(self, console, options) -> Iterator:
        yield self.to_rich()

    def __str__(self) -> str:
        from rich import box
        from rich.console import Console
        from rich.table import Table

        buf = io.StringIO()
        console = Console(file=buf, width=100_000, color_system=None, force_terminal=False,
                          highlight=False, emoji=False, soft_wrap=False)  # fmt: skip
        group = self.to_rich(box=box.ASCII)
        for part in group.renderables:
            if isinstance(part, Table):
                part.pad_edge = True  # a space between each border "|" and the value next to it
        console.print(group)
        return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex(math=True)


def _number(v, digits: int | None) -> str:
    if v == 0:
        v = abs(v)  # -0.0 (dJ/dw_rq = -delta_r u_rq with u_rq = 0, delta_r > 0) prints as 0
    if digits is None:
        return str(v)  # numpy's shortest repr that round-trips in the value's own dtype
    return f"{float(v):.{digits}g}"


def _plain(value, digits: int | None) -> str:
    if isinstance(value, _Text):
        return value.plain
    if isinstance(value, np.ndarray):
        return "(" + ", ".join(_number(v, digits) for v in value) + ")"
    return _number(value, digits)


def _tex_value(value, digits: int | None) -> str:
    """Math-mode LaTeX of a cell: a _Text's LaTeX, a vector, or a number (1.5e-05 -> 1.5 \\times 10^{-5})."""
    if isinstance(value, _Text):
        return value.latex
    if isinstance(value, np.ndarray):
        return "(" + ", ".join(_tex_value(v, digits) for v in value) + ")"
    s = _number(value, digits)
    if "e" in s:
        mantissa, exponent = s.split("e")
        s = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return s
