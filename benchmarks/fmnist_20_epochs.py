"""Fashion-MNIST, all 60000 training images, 20 epochs of each library's defaults: test accuracy.

Run: ``python benchmarks/fmnist_20_epochs.py sk 2 3 4 5 6`` and ``... dp 2 3 4 5 6`` (the
library, then the seeds; one BLAS thread, CPU time). The seeds beside the budget study's in
``benchmarks/results/fmnist_budget.md``: ``MLPClassifier(random_state=seed, max_iter=20)`` of
scikit-learn or deltaprop on the standardised images, scored on the 10000 test images.
"""

import sys
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import deltaprop as dp
from deltaprop.data import load_dataset


def main(argv):
    lib, seeds = argv[0], [int(s) for s in argv[1:]]
    if lib not in ("sk", "dp") or not seeds:
        raise SystemExit("usage: fmnist_20_epochs.py {sk,dp} SEED [SEED ...]")
    train, test = load_dataset("fashion-mnist", part="train"), load_dataset("fashion-mnist", part="test")
    scaler = StandardScaler().fit(train.X.astype(float))
    X, X_test = scaler.transform(train.X.astype(float)), scaler.transform(test.X.astype(float))
    warnings.simplefilter("ignore", ConvergenceWarning)  # 20 epochs stop before the tol rule
    with threadpool_limits(1):
        for seed in seeds:
            est = (SklearnClassifier if lib == "sk" else dp.MLPClassifier)(random_state=seed, max_iter=20)
            start = time.process_time()
            est.fit(X, train.y)
            cpu = time.process_time() - start
            print(lib, seed, round(float((est.predict(X_test) == test.y).mean()), 4), round(cpu, 1), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
