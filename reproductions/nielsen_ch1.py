"""Nielsen, *Neural Networks and Deep Learning*, chapter 1, run on Fashion-MNIST.

The book trains the seed's model (sigmoid hidden and output units, quadratic cost) with
mini-batch SGD: mini-batches of 10, ``w <- w - (eta / m) sum_x dC_x/dw`` (deltaprop's
``reduction="mean"``), eta = 3.0, 30 epochs, on 50,000 MNIST training images, with weights
and biases drawn from N(0, 1). It reports a best test accuracy of 95.42% for 784-30-10
and 96.59% for 784-100-10, and shows two failure cases on 784-100-10: eta = 0.001 learns
very slowly and eta = 100 does not learn at all.

MNIST is not installable here, so the same settings run on Fashion-MNIST, which has the
same format and split sizes but is harder (about 10 points lower for these models): the
first 50,000 training images train, the last 10,000 are the validation set (the book's
split), and the 10,000 test images are scored after every epoch. Pixels are scaled to
[0, 1], as the book's loader does.

Run (about 3 minutes on one core)::

    python reproductions/nielsen_ch1.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS_DIR,
    AccuracyPerEpoch,
    load_fashion_mnist,
    markdown_table,
    one_hot,
    plot_curves,
    run_info,
    write_results,
)

import deltaprop as dp  # noqa: E402

NAME = "nielsen_ch1"

#: The book's runs and what it reports for them on MNIST.
RUNS = (
    {"hidden": 30, "eta": 3.0, "book": "95.42% best"},
    {"hidden": 100, "eta": 3.0, "book": "96.59% best"},
    {"hidden": 100, "eta": 0.001, "book": "learns very slowly (failure case)"},
    {"hidden": 100, "eta": 100.0, "book": "does not learn (failure case)"},
    {"hidden": 100, "eta": 3.0, "init": "glorot", "book": "not in the book: deltaprop's default initialisation"},
)
BOOK_BEST = {30: 95.42, 100: 96.59}


def book_network(hidden: int, seed: int, init: str) -> dp.Network:
    """784-hidden-10 sigmoid network with quadratic cost.

    ``init="book"`` draws every weight and bias from N(0, 1) as the book's ``network.py``
    does; ``init="glorot"`` keeps deltaprop's default initialisation.
    """
    net = dp.Network([784, hidden, 10], seed=seed)  # sigmoid units, squared error: the seed's model
    if init == "book":
        rng = np.random.default_rng(seed)
        net.set_parameters([rng.standard_normal(W.shape) for W in net.weights],
                           [rng.standard_normal(b.shape) for b in net.biases])
    return net


def run(hidden: int, eta: float, data, *, epochs: int = 30, seed: int = 0, init: str = "book") -> dict:
    """Train one configuration; per-epoch validation and test accuracy in percent."""
    X_train, Y_train, X_val, y_val, X_test, y_test = data
    net = book_network(hidden, seed, init)
    record = AccuracyPerEpoch(validation=(X_val, y_val), test=(X_test, y_test))
    trainer = dp.Trainer(solver="sgd", learning_rate=eta, batch_size=10, epochs=epochs,
                         reduction="mean", seed=seed, callbacks=[record])
    start = time.perf_counter()
    stopped, loss = None, []
    try:
        loss = list(trainer.fit(net, X_train, Y_train).loss)
    except dp.DivergenceError as exc:  # recorded, not hidden: the table says so
        stopped = f"diverged at epoch {exc.epoch}"
    return {
        "train_loss": loss,  # the trainer's per-epoch mean of J_i = 1/2 sum_l (y_l - o_l)^2
        "hidden": hidden, "eta": eta, "epochs": epochs, "seed": seed, "init": init,
        "validation": [100 * a for a in record.curves["validation"]],
        "test": [100 * a for a in record.curves["test"]],
        "seconds": time.perf_counter() - start, "stopped": stopped,
    }


def prepare(n_train: int = 50_000):
    """The book's split, pixels scaled to [0, 1]: (X_train, Y_train, X_val, y_val, X_test, y_test)."""
    X, y, X_test, y_test = load_fashion_mnist()
    X, X_test = X / 255.0, X_test / 255.0
    return (X[:n_train], one_hot(y[:n_train]), X[50_000:], y[50_000:], X_test, y_test)


def _label(r: dict) -> str:
    return f"784-{r['hidden']}-10, eta={r['eta']:g}" + (", glorot init" if r["init"] == "glorot" else "")


def report(results: list[dict], command: str, wall_s: float) -> str:
    rows = []
    for r in results:
        test, val = r["test"], r["validation"]
        best_val = int(np.argmax(val)) if val else 0
        rows.append([
            f"784-{r['hidden']}-10", f"{r['eta']:g}", r["init"],
            f"{max(test):.2f}% (epoch {int(np.argmax(test)) + 1})" if test else "-",
            f"{test[best_val]:.2f}% (epoch {best_val + 1})" if test else "-",
            f"{test[-1]:.2f}%" if test else "-",
            f"{r['train_loss'][0]:.4f} → {r['train_loss'][-1]:.4f}" if r["train_loss"] else "-",
            r["book"],
            r["stopped"] or "",
        ])
    per_epoch = [[e + 1] + [f"{r['test'][e]:.2f}" if e < len(r["test"]) else "" for r in results]
                 for e in range(max(len(r["test"]) for r in results))]
    epochs = results[0]["epochs"]
    return "\n\n".join([
        "# Nielsen, chapter 1, on Fashion-MNIST",
        "The book's settings: sigmoid units, quadratic cost, mini-batch SGD with mini-batches "
        f"of 10 and the per-example mean (`reduction=\"mean\"`), {epochs} epochs, weights and "
        f"biases from N(0, 1) (init `{results[0]['init']}`; one extra row uses deltaprop's default "
        f"Glorot initialisation), seed {results[0]['seed']}; trained on "
        f"the first {results[0].get('n_train', 50_000):,} training images, validated on the last "
        "10,000, tested on the 10,000 test images, pixels scaled to [0, 1]. The book's numbers "
        "are on **MNIST**; Fashion-MNIST is the harder drop-in replacement, so the comparison is "
        "of behaviour, not of the exact figure.",
        markdown_table(
            ["network", "eta", "init", "best test accuracy", "test at best validation epoch",
             "final test accuracy", "training loss, first → last epoch", "book (MNIST)", "note"], rows),
        "## Test accuracy (%) per epoch",
        markdown_table(["epoch"] + [_label(r) for r in results], per_epoch),
        f"![test accuracy per epoch]({NAME}.png)",
        run_info(command, wall_s),
    ]) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--n-train", type=int, default=50_000, help="training images used (the book: 50,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", choices=("book", "glorot"), default="book")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    data = prepare(args.n_train)
    results = []
    for cfg in RUNS:
        r = run(cfg["hidden"], cfg["eta"], data, epochs=args.epochs, seed=args.seed, init=cfg.get("init", args.init))
        r.update(n_train=args.n_train, book=cfg["book"])
        results.append(r)
    wall = time.perf_counter() - start
    command = " ".join([f"python reproductions/{NAME}.py", *(sys.argv[1:] if argv is None else argv)])
    write_results(NAME, report(results, command, wall), {"runs": results}, args.out)
    panels = [
        ("eta = 3.0 (the book's setting)",
         {_label(r).replace(", eta=3", ""): r["test"] for r in results if r["eta"] == 3.0},
         {f"book, MNIST, 784-{h}-10: {a}%": a for h, a in BOOK_BEST.items()}),
        ("784-100-10: the book's failure cases",
         {_label(r).replace("784-100-10, ", ""): r["test"] for r in results if r["hidden"] == 100},
         {"chance: 10%": 10.0}),
    ]
    plot_curves(args.out / f"{NAME}.png", panels,
                title="Nielsen ch. 1 settings on Fashion-MNIST: test accuracy per epoch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
