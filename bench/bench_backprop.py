"""Chapter 8's capstone: time per training step of the tiny CNN (conv 3x3x8 SAME -> ReLU -> max
pool 2x2 -> dense 10, Adam, float64, on 8x8 digits), in NumPy and in Keras, for the same model,
start and batches.

    NumPy, solution notebook   train_tiny_cnn from solutions/08_backprop (the reference solution)
    NumPy, convlab reference   convlab.ch08_backprop.compute.train_tiny_cnn
    Keras, eager               GradientTape + Adam.apply, one batch at a time (as compute.keras_train)
    Keras, train_on_batch      the compiled model (tf.function)

Each is timed over ``--steps`` steps (after one warm-up run; building and tracing the Keras model
is not timed); the median of ``--repeat`` runs, in ms per step. Usage: python bench/bench_backprop.py [--steps 50] [--batch-size 32] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from convlab.ch08_backprop import compute as C  # noqa: E402


def solution_namespace() -> dict:
    """The setup and solution cells of the chapter's source notebook, executed."""
    import nbformat
    nb = nbformat.read(REPO / "solutions" / "08_backprop" / "08_backprop.ipynb", as_version=4)
    ns: dict = {"__name__": "bench"}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade_id") == "setup"):
            source = cell.source.replace("from convlab.ch08_backprop.widgets import TrainingExplorer\n", "")
            exec(compile(source, f"<{meta.get('grade_id')}>", "exec"), ns)
    return ns


def per_step_ms(train, steps: int, repeat: int) -> float:
    train(1)                                        # warm-up: imports, first-call costs
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        train(steps)
        times.append((time.perf_counter() - start) * 1e3 / steps)
    return float(np.median(times))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    images, labels = C.digits()
    images, labels = images[:512], labels[:512]
    start = C.init_params(0)
    bs = args.batch_size
    solution = solution_namespace()["train_tiny_cnn"]

    def keras_timed(steps, compiled):
        """Seconds for ``steps`` Keras steps; building (and tracing) the model is not timed."""
        from convlab.testing import keras, tensorflow
        k, tf = keras(), tensorflow()
        model = C.keras_tiny_cnn(start)
        optimizer = k.optimizers.Adam(1e-3)
        if compiled:
            model.compile(optimizer=optimizer,
                          loss=k.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.train_on_batch(images[:bs], labels[:bs])          # tracing
        t0 = time.perf_counter()
        for step in range(steps):
            rows = C.batch_rows(step, bs, len(images))
            if compiled:
                model.train_on_batch(images[rows], labels[rows])
                continue
            x, y = tf.constant(images[rows]), tf.constant(labels[rows])
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, model(x)))
            optimizer.apply(tape.gradient(loss, model.trainable_variables),
                            model.trainable_variables)
        return time.perf_counter() - t0

    def keras_ms(compiled):
        keras_timed(1, compiled)
        return float(np.median([keras_timed(args.steps, compiled) * 1e3 / args.steps
                                for _ in range(args.repeat)]))

    rows = [
        ("NumPy, solution notebook", per_step_ms(
            lambda n: solution(images, labels, start, steps=n, batch_size=bs), args.steps, args.repeat)),
        ("NumPy, convlab reference", per_step_ms(
            lambda n: C.train_tiny_cnn(images, labels, start, steps=n, batch_size=bs), args.steps,
            args.repeat)),
        ("Keras, eager (GradientTape)", keras_ms(compiled=False)),
        ("Keras, train_on_batch (compiled)", keras_ms(compiled=True)),
    ]
    mine, theirs = (C.train_tiny_cnn(images, labels, start, steps=20, batch_size=bs)[0],
                    C.keras_train(images, labels, start, steps=20, batch_size=bs)[0])
    print(f"Tiny CNN (1,370 parameters), float64, batch {bs}, {os.cpu_count()} CPU cores; "
          f"median of {args.repeat} runs of {args.steps} steps")
    print(f"{'implementation':<34} {'ms per step':>12}")
    for name, ms in rows:
        print(f"{name:<34} {ms:>12.2f}")
    print(f"(same losses: NumPy vs Keras over 20 steps, largest relative difference "
          f"{np.max(np.abs(mine / theirs - 1)):.1e})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
