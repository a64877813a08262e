"""Headless render time of every widget figure, and of one whole widget update (issue 9).

Part 1, per figure: build the figure with convlab.plotting and render it to PNG bytes
(``plotting.to_png``), as the widgets do on every update, with each widget's default inputs.
Part 2, per widget: one slider step in Python (``slider.value = ...``: the callback computes,
updates the text and renders the PNG), i.e. the kernel's share of the browser latency that
bench/bench_widgets_browser.py measures. Median (and min) of N repetitions, in ms.
Only public API is used, by the module names kept for released notebooks (convlab.plotting,
convlab.sliding, ...; issue 15 moved them into the chapter packages), so the same script runs on
any branch: compare before/after with

    python bench/bench_figures.py [--repeat 30] [--no-tf]

(--no-tf skips chapter 6's widget update, which needs TensorFlow and a Keras model.)
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import io
import warnings
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from convlab import (batchnorm, data, fraud, kernels, padding, plotting, pooling,  # noqa: E402
                     sliding, variants)


def timed(fn, repeat: int) -> np.ndarray:
    fn()                                   # warm-up: imports, font cache, first-call costs
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return np.array(out)


@functools.lru_cache(maxsize=None)
def _fraud_split():
    with contextlib.redirect_stdout(io.StringIO()):      # the "SYNTHETIC stand-in" note
        return fraud.prepare(fraud.load_creditcard())


# --- part 1: one figure, built and rendered to PNG -----------------------------------------------
def figure_cases():
    """name -> a function returning the Figure, built as the widget builds it by default."""
    img = data.sample_image("grid", size=24)
    sobel = kernels.get("vertical edge (Sobel x)")
    ref = sliding.window_sums(img.image, sobel)
    finite = ref[np.isfinite(ref)]
    g7 = padding.geometry(7, 3, 2, 1, "SAME")
    g16 = padding.geometry(16, 7, 1, 2, "SAME")
    fmap, ftitle = pooling.feature_map("photo")
    pooled = pooling.pool(fmap[None, :, :, None], 2, 2, "max", "VALID")[0, :, :, 0]
    win = pooling.window_at(fmap, 2, 2, "max", "VALID", 0)
    z = batchnorm.digits_preactivations(8, seed=0)
    x = batchnorm.draw_batch(z, 64, 0)
    y, _, _ = batchnorm.normalize(x, np.ones(8), np.zeros(8))
    spread = batchnorm.batch_mean_spread(z, 64)
    counts = variants.overlap_counts(4, 3, 2)
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(10))
    maps = [("conv2d", rng.random((28, 28, 32))), ("conv2d_1", rng.random((14, 14, 64)))]
    filt = rng.standard_normal((5, 5, 1, 32))
    split = _fraud_split()
    errors = fraud.errors_of(split.x_val, split.x_val + 0.3 * rng.standard_normal(split.x_val.shape)
                             * (1 + 3 * split.y_val[:, None]))
    prec, rec = fraud.pr_curve(errors, split.y_val)
    t = float(np.quantile(errors, 0.99))
    op = fraud.operating_point(errors, split.y_val, t)
    return {
        "01 sliding_figure": lambda: plotting.sliding_figure(
            img.image, sobel, sliding.filled(ref, 1), 0, 1, title=img.title,
            output_title="conv2d_single(image, kernel), 22x22",
            limits=(float(finite.min()), float(finite.max()))),
        "02 padding_figure i=7": lambda: plotting.padding_figure(g7),
        "02 padding_figure i=16": lambda: plotting.padding_figure(g16),
        "03 pooling_figure": lambda: plotting.pooling_figure(
            fmap, pooled, win, title=ftitle,
            pooled_title=f"your pool2d {pooled.shape[0]}x{pooled.shape[1]} (max, VALID)"),
        "04 batchnorm_figure": lambda: plotting.batchnorm_figure(
            x, y, spread, z[:, 0].mean(), 1.0, 0.0, batchnorm.SATURATED, 2.0 * float(z[:, 0].std())),
        "05 transposed_figure": lambda: plotting.transposed_figure(counts, 3, 2, counts),
        "06 cnn_prediction_figure": lambda: plotting.cnn_prediction_figure(
            rng.random((28, 28, 1)), probs, maps, 3, title="digits: test image 1"),
        "06 filters_figure": lambda: plotting.filters_figure(filt),
        "07 threshold_figure": lambda: plotting.threshold_figure(
            errors, split.y_val, t, prec, rec, (op.recall, op.precision), "SYNTHETIC data"),
    }


# --- part 2: one widget update (a slider step) in Python -----------------------------------------
def _stepper(slider, lo=None, hi=None):
    """A function that moves ``slider`` one step right, or back left at the end (as the browser
    bench does); the value change runs the widget's callback synchronously."""
    state = {"dir": 1}

    def step():
        if hasattr(slider, "options"):                       # SelectionSlider
            opts = list(slider.options)
            i = opts.index(slider.value)
            if not 0 <= i + state["dir"] < len(opts):
                state["dir"] *= -1
            slider.value = opts[i + state["dir"]]
            return
        s = slider.step
        top = slider.max if hi is None else hi
        bottom = slider.min if lo is None else lo
        if not bottom <= slider.value + state["dir"] * s <= top:
            state["dir"] *= -1
        slider.value = slider.value + state["dir"] * s
    return step


def widget_cases(with_tf: bool):
    from convlab import widgets as Wd

    def conv2d_single(image, kernel):
        return sliding.window_sums(image, kernel)

    def pool2d(images, size=2, stride=None, mode="max", padding="VALID"):
        return pooling.pool(images, size, stride, mode, padding)

    def bn(x, gamma, beta):
        return batchnorm.normalize(x, gamma, beta)

    cases = {}
    w1 = Wd.FilterSlider(conv_fn=conv2d_single)
    # drawn in the browser now: a step costs the kernel nothing; a new kernel recomputes all frames
    cases["01 FilterSlider next kernel (all frames)"] = _stepper(w1.kernel_picker)
    def conv_output_size(i, k, p=0, s=1, d=1):
        return padding.output_size(i, k, p, None, s, d)

    w2 = Wd.PaddingExplorer(size_fn=conv_output_size, padding_fn=padding.tf_same_padding)
    cases["02 PaddingExplorer input size i"] = _stepper(w2.i)
    w3 = Wd.PoolingExplorer(pool_fn=pool2d)
    cases["03 PoolingExplorer window size"] = _stepper(w3.size, hi=4)
    w4 = Wd.BatchNormExplorer(bn_fn=bn)
    cases["04 BatchNormExplorer batch size"] = _stepper(w4.batch_size)
    w5 = Wd.TransposedConvExplorer(i=4, k=3, s=2)
    cases["05 TransposedConvExplorer kernel size k"] = _stepper(w5.k)
    if with_tf:
        from convlab.testing import keras
        k = keras()
        k.utils.set_random_seed(0)
        L = k.layers
        model = k.Sequential([k.Input((28, 28, 1)), L.Conv2D(32, 5, padding="same", activation="relu"),
                              L.MaxPooling2D(2), L.Conv2D(64, 5, padding="same", activation="relu"),
                              L.MaxPooling2D(2), L.Flatten(), L.Dense(1024, activation="relu"),
                              L.Dropout(0.4), L.Dense(10, activation="softmax")])
        from convlab import cnn
        w6 = Wd.CNNExplorer(model, cnn.digits_data(limit=200))
        cases["06 CNNExplorer test image"] = _stepper(w6.index)
    split = _fraud_split()
    rng = np.random.default_rng(0)
    x_hat = split.x_val + 0.3 * rng.standard_normal(split.x_val.shape) * (1 + 3 * split.y_val[:, None])
    w7 = Wd.ThresholdExplorer(split.x_val, x_hat, split.y_val, synthetic=split.synthetic)
    # the threshold slider is drawn by the browser (canvas frames); the target recall rebuilds them
    cases["07 ThresholdExplorer target recall"] = _stepper(w7.target)
    return cases


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--no-tf", action="store_true", help="skip chapter 6's widget update")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", message="The structure of `inputs`")
    print(f"figure built + plotting.to_png (ms, {args.repeat} repetitions)")
    print(f"{'figure':34s} {'median':>7s} {'min':>7s} {'PNG kB':>7s}")
    for name, build in figure_cases().items():
        ts = timed(lambda: plotting.to_png(build()), args.repeat)
        kb = len(plotting.to_png(build())) / 1024
        print(f"{name:34s} {np.median(ts):7.1f} {ts.min():7.1f} {kb:7.1f}")
    print()
    print(f"one widget update in Python: slider step -> text and PNG set (ms, {args.repeat} steps)")
    print(f"{'widget, slider':42s} {'median':>7s} {'min':>7s}")
    for name, step in widget_cases(not args.no_tf).items():
        ts = timed(step, args.repeat)
        print(f"{name:42s} {np.median(ts):7.1f} {ts.min():7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
