"""The trainer's inner step: loss and summed gradient of one batch into reusable buffers.

:class:`Workspace` is the one place the hot loop spends its time, so it may reuse buffers
and work in place (STYLE principle 9); what it computes is exactly
:func:`deltaprop.network.backward_pass` on the batch, which the tests check.
"""

from __future__ import annotations

import numpy as np

from .network import Network, backward_pass, forward_pass

__all__ = ["Workspace"]


class Workspace:
    """Buffers for the loss and summed gradient of batches of up to ``batch_size`` examples.

    Parameters
    ----------
    net : Network
        The network whose weights the step reads (they may change between calls).
    batch_size : int
        The largest batch that will be passed.

    Attributes
    ----------
    dW, db : lists of ndarray
        After :meth:`loss_and_gradient`, dJ/dW and dJ/db summed over the batch, shaped like
        ``net.weights`` / ``net.biases``. Overwritten by the next call.
    """

    def __init__(self, net: Network, batch_size: int):
        self.net = net
        self.batch_size = int(batch_size)
        self.dW = [np.zeros_like(W) for W in net.weights]
        self.db = [np.zeros_like(b) for b in net.biases]

    def loss_and_gradient(self, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
        """``J = sum_i s_i J_i`` of the batch; fills :attr:`dW` and :attr:`db`.

        ``X`` and ``Y`` must already be validated arrays of the network's dtype.
        """
        net = self.net
        outs = forward_pass(net.weights, net.biases, net.activations, X)
        J = net._J(outs[-1], Y, sample_weight)
        dW, db = backward_pass(net.weights, net.activations, net.loss_function, outs, Y, sample_weight)
        for dst, src in zip(self.dW + self.db, dW + db):
            dst[...] = src
        return J
