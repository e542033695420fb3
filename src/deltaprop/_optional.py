"""Lazy imports of the optional dependencies (the extras in pyproject.toml).

Plotting, ONNX export and the other extras import their packages only when used, so
``import deltaprop`` stays light and works without them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError


def import_optional(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra to install.

    Examples
    --------
    >>> import_optional("numpy", extra="core", purpose="arrays").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the package {module.split('.')[0]!r}, which is not installed; "
            f"install it with: pip install 'deltaprop[{extra}]'"
        ) from exc
