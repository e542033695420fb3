"""Interrupted training loses nothing.

* ``deltaprop train --checkpoint P --checkpoint-every 1`` killed with SIGKILL in the middle
  of a run, then ``--resume P``, ends with weights bitwise identical to an uninterrupted
  run with the same seed; the same for Ctrl-C (SIGINT), which also saves a checkpoint and
  exits cleanly with a message.
* A process killed in the middle of writing a checkpoint or a model file leaves the last
  good file in place (the write is made to fail halfway through, deterministically).
* The Python API does the same through :class:`deltaprop.callbacks.Checkpoint` (killed
  for real here; ``tests/test_callbacks.py`` covers in-process crashes and signals).

The killed runs are real subprocesses (``python -m deltaprop``); the uninterrupted and the
resumed runs go through the same ``main`` in-process, which is the same code without the
interpreter's start-up time. A kill is made deterministic enough by waiting for the
progress line of a given epoch (printed just before that epoch's checkpoint is written);
the test then checks that the checkpoint it resumes from is a mid-run one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import deltaprop as dp
from deltaprop.callbacks import Checkpoint, LambdaCallback, load_checkpoint
from deltaprop.cli import EXIT_INTERRUPTED, main

SRC = Path(__file__).resolve().parents[1] / "src"
EPOCHS = 100  # ~1.5 s of training after the kill point: room for a slow parent to react
KILL_AFTER = 10


def write_data(path: Path) -> str:
    """240 examples, 4 features, 3 string labels."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5)
    rows = "".join(",".join(f"{v:.6f}" for v in x) + f",k{label}\n" for x, label in zip(X, y))
    path.write_text("a,b,c,d,label\n" + rows)
    return str(path)


def train_argv(data: str, checkpoint: str | None = None) -> list[str]:
    # adam on shuffled mini-batches: the resume must restore the optimizer state *and*
    # the random generator that shuffles each epoch.
    argv = ["train", data, "--target", "label", "--solver", "adam", "--batch-size", "16", "--hidden", "8",
            "--epochs", str(EPOCHS), "--seed", "3", "--log-every", "1"]
    if checkpoint:
        argv += ["--checkpoint", checkpoint, "--checkpoint-every", "1"]
    return argv


def spawn_python(code: str) -> subprocess.Popen:
    """``python -c CODE`` with this tree's deltaprop, its output piped back unbuffered."""
    env = dict(os.environ, PYTHONPATH=str(SRC), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def spawn(argv: list[str], *, prelude: str = "") -> subprocess.Popen:
    """``python -m deltaprop ARGV`` (after running ``prelude`` in the same interpreter)."""
    return spawn_python(f"{prelude}\nimport sys\nfrom deltaprop.cli import main\nsys.exit(main({argv!r}))")


def wait_for_epoch(proc: subprocess.Popen, epoch: int) -> None:
    """Read the child's plain progress lines until ``epoch N/...`` appears."""
    for line in proc.stdout:
        if line.startswith(f"epoch {epoch}/"):
            return
    proc.wait()
    pytest.fail(f"training ended (exit code {proc.returncode}) before epoch {epoch}: {proc.stderr.read()}")


def sigkill_after_epoch(proc: subprocess.Popen, epoch: int) -> None:
    try:
        wait_for_epoch(proc, epoch)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def weights_bytes(path) -> list[bytes]:
    net = dp.load(path)
    return [p.tobytes() for p in net.weights + net.biases]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The data file and the model of a run that nothing interrupted."""
    folder = tmp_path_factory.mktemp("uninterrupted")
    data = write_data(folder / "three.csv")
    model = folder / "model.safetensors"
    assert main(train_argv(data) + ["-q", "-o", str(model)]) == 0
    return data, weights_bytes(model)


def resume(data: str, checkpoint: Path, output: Path, capsys) -> list[bytes]:
    """Resume in-process; check it ran only the epochs after the checkpoint's; the final weights."""
    start = load_checkpoint(checkpoint).epoch
    capsys.readouterr()
    assert main(["train", data, "--resume", str(checkpoint), "-o", str(output), "--log-every", "1"]) == 0
    epochs_run = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch ")]
    # A run restarted from scratch with the same seed would end with the same weights too.
    assert epochs_run[0].startswith(f"epoch {start + 1}/{EPOCHS} ") and len(epochs_run) == EPOCHS - start
    return weights_bytes(output)


# ------------------------------------------------------------------------------ CLI: SIGKILL, SIGINT
def test_sigkill_mid_run_then_resume_gives_bitwise_the_uninterrupted_weights(uninterrupted, tmp_path, capsys):
    data, expected = uninterrupted
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "model.safetensors"
    sigkill_after_epoch(spawn(train_argv(data, str(ckpt)) + ["-o", str(out)]), KILL_AFTER)
    saved = load_checkpoint(ckpt)
    assert KILL_AFTER - 1 <= saved.epoch < EPOCHS, "the kill did not land in the middle of the run"
    assert len(saved.state["history"]["loss"]) == saved.epoch
    assert not out.exists()
    assert resume(data, ckpt, out, capsys) == expected


def test_ctrl_c_saves_a_checkpoint_exits_cleanly_and_resumes_bitwise(uninterrupted, tmp_path, capsys):
    data, expected = uninterrupted
    ckpt, out = tmp_path / "run.ckpt", tmp_path / "model.safetensors"
    proc = spawn(train_argv(data, str(ckpt)) + ["-o", str(out)])
    try:
        wait_for_epoch(proc, KILL_AFTER)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == EXIT_INTERRUPTED
    saved = load_checkpoint(ckpt)
    assert KILL_AFTER <= saved.epoch < EPOCHS
    assert saved.state["history"]["stop_reason"] == "interrupted"
    assert err == (f"deltaprop: interrupted after epoch {saved.epoch}; checkpoint saved to {str(ckpt)!r}; "
                   f"continue with: deltaprop train {data} --resume {ckpt}\n")
    assert not out.exists()
    assert resume(data, ckpt, out, capsys) == expected


# ------------------------------------------------------------------------------ a crash during a save
#: Runs in the child before the CLI: the ``nth`` atomic write of ``what`` writes half of
#: its bytes to the temporary file and then the process kills itself, as a power cut or
#: an OOM kill in the middle of a save would.
DIE_MID_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    _real_fdopen, _seen = os.fdopen, [0]

    class _HalfThenDie:
        def __init__(self, f):
            self.f = f
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return False
        def write(self, data):
            self.f.write(data[: len(data) // 2])
            self.f.flush()
            os.fsync(self.f.fileno())
            os.kill(os.getpid(), signal.SIGKILL)

    def fdopen(fd, *args, **kwargs):
        f = _real_fdopen(fd, *args, **kwargs)
        caller = sys._getframe(1)  # deltaprop's atomic writer opening its temporary file
        if caller.f_globals.get("__name__") == "deltaprop._files" and caller.f_locals.get("what") == {what!r}:
            _seen[0] += 1
            if _seen[0] == {nth}:
                return _HalfThenDie(f)
        return f

    os.fdopen = fdopen
    """
)


def test_a_crash_while_writing_a_checkpoint_leaves_the_previous_one_resumable(uninterrupted, tmp_path, capsys):
    data, expected = uninterrupted
    ckpt = tmp_path / "run.ckpt"
    proc = spawn(train_argv(data, str(ckpt)), prelude=DIE_MID_WRITE.format(what="checkpoint", nth=6))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and leftovers[0].startswith(".run.ckpt."), "the kill did not land in a write"
    assert load_checkpoint(ckpt).epoch == 5  # the 5th save, whole; the 6th never replaced it
    assert resume(data, ckpt, tmp_path / "model.safetensors", capsys) == expected


def test_a_crash_while_writing_the_model_leaves_the_old_model_in_place(uninterrupted, tmp_path):
    data, _ = uninterrupted
    out = tmp_path / "model.safetensors"
    old = dp.Network([4, 2, 3], seed=9)
    dp.save(old, out)
    before = out.read_bytes()
    argv = train_argv(data)
    argv[argv.index("--epochs") + 1] = "3"
    proc = spawn(argv + ["-o", str(out)], prelude=DIE_MID_WRITE.format(what="model file", nth=1))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), "the kill did not land in a write"
    assert out.read_bytes() == before
    assert [p.tobytes() for p in dp.load(out).weights] == [W.tobytes() for W in old.weights]


# ------------------------------------------------------------------------------ the Python API
# tests/test_callbacks.py resumes the Checkpoint callback bitwise after in-process crashes
# and signals for every solver; here the process running it is killed for real.
API_EPOCHS = 400
X_API = np.random.default_rng(1).normal(size=(64, 3))
Y_API = (X_API @ np.array([[1.0], [-1.0], [0.5]]) > 0).astype(float)


def api_fit(checkpoint: str | None = None) -> dp.Network:
    """The run the child process makes (with a checkpoint and a progress line per epoch)."""
    callbacks = []
    if checkpoint:
        say = LambdaCallback(on_epoch_end=lambda trainer, net, epoch, logs: print(f"epoch {epoch + 1}/", flush=True))
        callbacks = [Checkpoint(checkpoint, every=1), say]
    net = dp.Network([3, 5, 1], seed=2)
    dp.Trainer(solver="sgd", learning_rate=0.1, momentum=0.9, batch_size=8, epochs=API_EPOCHS, seed=5,
               callbacks=callbacks).fit(net, X_API, Y_API)
    return net


def test_python_checkpoint_callback_survives_sigkill_and_resumes_bitwise(tmp_path):
    path = tmp_path / "api.ckpt"
    here = str(Path(__file__).resolve().parent)
    script = f"import sys; sys.path.insert(0, {here!r}); from test_interrupts import api_fit; api_fit({str(path)!r})"
    sigkill_after_epoch(spawn_python(script), KILL_AFTER)
    saved = load_checkpoint(path)
    assert KILL_AFTER <= saved.epoch < API_EPOCHS

    epochs_run = []
    count = LambdaCallback(on_epoch_end=lambda trainer, net, epoch, logs: epochs_run.append(epoch))
    trainer = dp.Trainer(**saved.settings, callbacks=[count])
    trainer.load_state_dict(saved.state)
    trainer.fit(saved.network, X_API, Y_API, resume=True)
    assert epochs_run == list(range(saved.epoch, API_EPOCHS))  # continued, not restarted
    expected = api_fit()
    for a, b in zip(saved.network.weights + saved.network.biases, expected.weights + expected.biases):
        assert a.tobytes() == b.tobytes()
