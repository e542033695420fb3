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
    FileAccessDeniedError,
    FileAccessError,
    InputError,
    InputTypeError,
    MissingDependencyError,
    MissingFileError,
    ModelFileError,
    NotAFileError,
)
from .explain import Explanation, explain  # eager: the function shadows its module's name
from .gradcheck import gradcheck, numerical_gradient
from .losses import LOSSES, get_loss
from .modelfile import load, save
from .network import LayerTrace, Network, gradient_descent
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES
from .training import ArrayData, History, Trainer, train

# The layers around the core load on first use, so ``import deltaprop`` stays quick (the
# estimators bring in scikit-learn, the plots matplotlib); ``dp.MLPClassifier`` works as usual.
_LAZY = {
    "MLPClassifier": "estimators",
    "MLPRegressor": "estimators",
    "export_onnx": "export",
    "plot_history": "plotting",
    "plot_decision_boundary": "plotting",
    "plot_network": "plotting",
}


#: Subpackages loaded on first use as attributes (``dp.estimators.default_settings``), as
#: ``import deltaprop.estimators`` would.
_LAZY_MODULES = ("estimators", "export", "plotting")


def __getattr__(name: str):
    if name in _LAZY or name in _LAZY_MODULES:
        import importlib

        if name in _LAZY_MODULES:
            value = importlib.import_module(f".{name}", __name__)
        else:
            value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'deltaprop' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))

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
    "MLPClassifier",
    "MLPRegressor",
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
    "MissingDependencyError",
    "explain",
    "Explanation",
    "export_onnx",
    "plot_history",
    "plot_decision_boundary",
    "plot_network",
    "FileAccessError",
    "MissingFileError",
    "NotAFileError",
    "FileAccessDeniedError",
    "save",
    "load",
]
