"""deltaprop: multilayer perceptrons trained by backpropagation, exactly as derived.

The core follows the notes in ``shared/seed``: ``W[r, q]`` is w_rq, ``delta`` has the
notes' sign (``dJ/dnet = -delta``), ``J`` is the sum of the per-example losses, and the
default network is sigmoid units with squared error trained by batch gradient descent.

>>> import deltaprop as dp
>>> net = dp.Network([2, 3, 1], seed=0)
>>> net.weights[0].shape
(3, 2)
"""

from ._version import __version__
from .activations import ACTIVATIONS, get_activation
from .errors import (
    DataFileError,
    DeltapropError,
    DivergenceError,
    InputError,
    InputTypeError,
    ModelFileError,
)
from .gradcheck import gradcheck, numerical_gradient
from .losses import LOSSES, get_loss
from .network import LayerTrace, Network, gradient_descent
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES
from .training import ArrayData, History, Trainer, train

__all__ = [
    "__version__",
    "Network",
    "LayerTrace",
    "gradient_descent",
    "Trainer",
    "History",
    "ArrayData",
    "train",
    "OPTIMIZERS",
    "SCHEDULES",
    "gradcheck",
    "numerical_gradient",
    "ACTIVATIONS",
    "LOSSES",
    "get_activation",
    "get_loss",
    "DeltapropError",
    "InputError",
    "InputTypeError",
    "DivergenceError",
    "ModelFileError",
    "DataFileError",
]
