"""The ``deltaprop`` command line: a thin shell over the library.

``main(argv=None) -> int`` runs a command and returns its exit code, so tests drive it
in-process; every deltaprop error becomes one line on stderr.
"""

from __future__ import annotations

import sys

import click
import numpy as np

from . import __version__
from .errors import DeltapropError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deltaprop")
def cli() -> None:
    """Multilayer perceptrons trained by backpropagation, exactly as derived."""


@cli.command()
@click.option("--hidden", default=30, show_default=True, help="Number of hidden sigmoid units m.")
@click.option("--epochs", default=1000, show_default=True, help="Full-batch gradient-descent epochs.")
@click.option("--eta", default=3.0, show_default=True,
              help="Learning rate per example; the summed-gradient step is eta / N.")
@click.option("--seed", default=0, show_default=True, help="Seed of the initial weights and the split.")
def train(hidden: int, epochs: int, eta: float, seed: int) -> None:
    """Train the notes' network on scikit-learn's bundled digits and report test accuracy.

    \b
    Example:
      deltaprop train --hidden 30 --epochs 1000
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from .network import Network, gradient_descent

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    net = Network([X.shape[1], hidden, 10], seed=seed)
    J = gradient_descent(net, X_tr, np.eye(10)[y_tr], learning_rate=eta / len(X_tr), epochs=epochs)
    acc = float((net.forward(X_te).argmax(axis=1) == y_te).mean())
    click.echo(f"digits: {net!r}")
    click.echo(f"trained {epochs} epochs of gradient descent (eta = {eta:g}/N), final J = {J[-1]:.4f}")
    click.echo(f"test accuracy: {acc:.4f} on {len(y_te)} held-out examples")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    try:
        cli.main(args=argv, prog_name="deltaprop", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("deltaprop: interrupted", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (DeltapropError, ValueError, OSError) as exc:
        click.echo(f"deltaprop: error: {exc}", err=True)
        return EXIT_ERROR
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
