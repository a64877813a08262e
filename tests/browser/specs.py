"""What a person does with each chapter's widget, and what they must then see.

SPECS maps a chapter id (a folder of solutions/) to a Spec, or to a tuple of Specs when the
chapter has several widgets (in notebook order; ``specs_of`` gives the tuple either way): the
source text that identifies the widget's cell in the solved notebook, and
``interact(page, widget, shots)``, which operates the widget with keyboard and mouse and asserts
that the visible output changes to the right value. Every chapter in solutions/ needs an entry
(tests/browser/test_widgets_browser.py fails without).
Expected values are computed here with the course's own reference code (convlab), independently
of the kernel that renders the widget.
"""
from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Callable

import numpy as np
from playwright.sync_api import expect

import driver
from convlab import batchnorm, cnn, data, fraud, kernels, padding, pooling, sliding, variants


@dataclass(frozen=True)
class Spec:
    cell: str                      # text that only the widget's code cell contains
    interact: Callable             # interact(page, widget, shot) -> None
    screenshot: str                # file name under artifacts/screenshots/


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def expect_norm_text(locator, expected: str):
    """Wait until the element's whitespace-normalised text equals ``expected`` (the locator is
    re-resolved on every check: the widget replaces its HTML's elements when it updates)."""
    expect(locator).to_have_text(_norm(expected))


def press_slider(page, widget, label: str, key: str = "ArrowRight"):
    """Focus the slider's handle (found by its visible label) and press a key, like a person."""
    slider = widget.locator(".widget-slider").filter(
        has=page.locator("label.widget-label", has_text=label))
    expect(slider).to_have_count(1)
    handle = slider.locator(".noUi-handle")
    handle.focus()
    page.keyboard.press(key)
    return handle


# --- canvas widgets (convlab.widgets.canvas): drawn in the browser, predictions ---------------------
def canvas(widget, n: int = 0):
    """The ``n``-th canvas view (``.convlab-sc``) inside a widget's output."""
    return widget.locator(".convlab-sc").nth(n)


def press_canvas_slider(page, sc, name: str, key: str = "ArrowRight"):
    """Focus the canvas slider ``name`` (its range input) and press a key, like a person."""
    rng = sc.locator(f".convlab-sc-slider[data-slider='{name}'] input[type=range]")
    expect(rng).to_have_count(1)
    rng.focus()
    page.keyboard.press(key)
    return rng


def set_predicting(sc, on: bool):
    """Tick or untick "predict before seeing"."""
    sc.locator(".convlab-sc-predict-toggle input").set_checked(on)


def panel_pixels(sc, panel: str) -> str:
    """What a panel's canvas shows now (a data URL), to check that a press redrew it."""
    return sc.locator(f".convlab-sc-panel[data-panel='{panel}'] canvas").evaluate(
        "c => c.toDataURL()")


@dataclass(frozen=True)
class Prediction:
    """A chapter's prediction check: in the solved notebook, on the widget as the notebook made it
    (before the chapter's Specs operate it), the test reads the question the widget asks,
    computes its answer with ``answer(question_text)`` (the course's reference code, never the
    widget's), answers once wrong and once right and checks the verdict and the session score.
    A question must therefore name everything its answer depends on ("What will output[1, 2]
    be?" on known inputs)."""
    cell: str                       # text only the widget's code cell contains (as Spec.cell)
    answer: Callable                # question text -> the reference answer
    canvas: int = 0                 # which canvas of the cell's output
    slider: str = "step"            # pressed (ArrowRight) when no question is open


_SCORE = re.compile(r"Predictions this session: (\d+) of (\d+) right")


def _score(sc) -> tuple:
    m = _SCORE.search(_norm(sc.locator(".convlab-sc-score").text_content()))
    assert m, sc.locator(".convlab-sc-predict").text_content()
    return int(m.group(1)), int(m.group(2))


def _wrong(value, choices):
    if choices:
        return next(c for c in choices if c.strip().lower() != str(value).strip().lower())
    if isinstance(value, (tuple, list)):
        return tuple(v + 1 for v in value)
    if isinstance(value, (int, np.integer)):
        return int(value) + 1
    return float(value) + 1 + abs(float(value))     # outside any default tolerance


def answer_prediction(page, sc, prediction: Prediction, right: bool):
    """Answer the question open now (or, if none, the one a press of the slider opens)."""
    from convlab.widgets.predict import show_value
    set_predicting(sc, True)
    question = sc.locator(".convlab-sc-question")
    if question.count() == 0:
        press_canvas_slider(page, sc, prediction.slider)
    expect(question).to_have_count(1)
    text = _norm(question.text_content())
    want = prediction.answer(text)
    form = sc.locator(".convlab-sc-ask")
    buttons = form.locator(".convlab-sc-choice")
    choices = [_norm(b) for b in buttons.all_text_contents()]
    said = want if right else _wrong(want, choices)
    right_before, asked_before = _score(sc)
    if choices:
        buttons.filter(has_text=re.compile(rf"^\s*{re.escape(str(said))}\s*$")).click()
    else:
        box = form.locator("input.convlab-sc-answer")
        box.click()
        # key by key, as a person types: JupyterLab's notebook shortcuts must not take them
        box.press_sequentially(show_value(said))
        box.press("Enter")
    verdict = sc.locator(".convlab-sc-verdict")
    if right:
        expect(verdict).to_contain_text(f"✓ Right: {show_value(want)}")
    else:
        expect(verdict).to_contain_text(f"✗ Not quite: it is {show_value(want)}; "
                                        f"you said {show_value(said)}")
    expect(sc.locator(".convlab-sc-score")).to_have_text(
        f"Predictions this session: {right_before + right} of {asked_before + 1} right")
    return text


# --- chapter 1: FilterSlider, ChannelSum ----------------------------------------------------------
def _output_cell(text: str) -> tuple:
    m = re.search(r"output\[(\d+), (\d+)\]", text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def filter_slider_answer(text: str) -> float:
    """FilterSlider's defaults: the grid test pattern and the Sobel x kernel."""
    r, c = _output_cell(text)
    image = data.sample_image("grid").image
    return float(sliding.window_sums(image, kernels.get("vertical edge (Sobel x)"))[r, c])


def channel_sum_answer(text: str) -> float:
    """ChannelSum's photo and filters, summed here with NumPy: a channel's window times its
    filter slice, or all channels plus the bias."""
    from convlab.ch01_filter_sliding.widgets import colour_photo, demo_filters
    image, _ = colour_photo()
    filters, bias, _ = demo_filters()
    m = re.search(r"output\[0, (\d+), (\d+), (\d+)\]", text)
    assert m, text
    r, c, f = map(int, m.groups())
    kh, kw = filters.shape[:2]
    window = image[r:r + kh, c:c + kw, :]
    channel = re.match(r"What will channel (\d)'s sum be", text)
    if channel:
        ch = int(channel.group(1))
        return float(np.sum(window[:, :, ch] * filters[:, :, ch, f]))
    assert text.startswith(f"What will output[0, {r}, {c}, {f}] be"), text
    return float(np.sum(window * filters[:, :, :, f]) + bias[f])


def filter_slider(page, widget, shot):
    sc = canvas(widget)
    detail, frame_status = sc.locator(".convlab-sc-detail"), sc.locator(".convlab-sc-frame-status")
    image = data.sample_image("grid", size=24).image  # the widget's defaults: grid, Sobel x
    sobel, blur = kernels.get("vertical edge (Sobel x)"), kernels.get("box blur 3x3")
    set_predicting(sc, False)                           # see every value
    rng = press_canvas_slider(page, sc, "step", "Home")
    expect(sc).to_have_attribute("data-painted", "0")
    expect(detail).to_contain_text("step 0: window at rows 0..2, columns 0..2")
    expect(frame_status).to_contain_text("conv2d_single agrees with the window sums on all 1 cells")
    before = panel_pixels(sc, "image"), panel_pixels(sc, "output")

    # step 0 -> 1 with the keyboard: the window moves one column right, the sum is output[0, 1]
    press_canvas_slider(page, sc, "step")
    st = sliding.step_at(image, sobel, 1)
    expect(rng).to_have_value("1")
    expect(sc).to_have_attribute("data-painted", "1")
    expect(detail).to_contain_text("step 1: window at rows 0..2, columns 1..3")
    expect(detail.locator(".convlab-sum")).to_have_text(f"{st.total:.4g}")
    expect(detail.locator(".convlab-yours")).to_have_text(f"{st.total:.4g}")
    expect(frame_status).to_contain_text("conv2d_single agrees with the window sums on all 2 cells")
    assert panel_pixels(sc, "image") != before[0] and panel_pixels(sc, "output") != before[1]

    # another kernel (the kernel is a Python control: new frames): same step, the box blur's sum
    widget.locator(".widget-dropdown").filter(has=page.locator("label", has_text="kernel")) \
        .locator("select").select_option("box blur 3x3")
    blurred = sliding.step_at(image, blur, 1)
    assert abs(blurred.total - image[0:3, 1:4].mean()) < 1e-12 and blurred.total != st.total
    expect(detail.locator(".convlab-sum")).to_have_text(f"{blurred.total:.4g}")
    expect(detail).to_contain_text("step 1: window at rows 0..2, columns 1..3")
    # predicting again: the new data's question for this cell is open and its value hidden
    set_predicting(sc, True)
    expect(sc.locator(".convlab-sc-question")).to_have_text("What will output[0, 1] be?")
    expect(detail.locator(".convlab-sum")).to_have_text("?")
    shot(widget)


def channel_sum(page, widget, shot):
    from convlab.ch01_filter_sliding.widgets import colour_photo, demo_filters
    sc = canvas(widget)
    detail = sc.locator(".convlab-sc-detail")
    set_predicting(sc, False)
    press_canvas_slider(page, sc, "step", "Home")
    press_canvas_slider(page, sc, "filter", "End")      # the second filter: red minus blue
    image, _ = colour_photo()
    filters, bias, names = demo_filters()
    out = float(np.sum(image[0:3, 0:3, :] * filters[:, :, :, 1]) + bias[1])
    expect(detail).to_contain_text(f"output[0, 0, 0, 1] ({names[1]})")
    expect(detail.locator(".convlab-sum")).to_have_text(f"{out:.4g}")
    expect(sc.locator(".convlab-sc-frame-status")).to_contain_text(
        "conv2d_multi agrees with the window sums here")
    before = panel_pixels(sc, "in0")
    press_canvas_slider(page, sc, "step")               # the windows move one column right
    out = float(np.sum(image[0:3, 1:4, :] * filters[:, :, :, 1]) + bias[1])
    expect(detail.locator(".convlab-sum")).to_have_text(f"{out:.4g}")
    assert panel_pixels(sc, "in0") != before
    shot(widget)


# --- chapter 2: PaddingExplorer -------------------------------------------------------------------
_SETTINGS = re.compile(r"i = (\d+), k = (\d+), s = (\d+), d = (\d+), padding (SAME|VALID|p = (\d+))")


def padding_explorer_answer(text: str):
    """PaddingExplorer's questions name their settings: the output size, or where the window of
    output[r, c] starts (input coordinates), from the course's reference formulas."""
    m = _SETTINGS.search(text)
    assert m, text
    i, k, s, d = (int(v) for v in m.groups()[:4])
    mode, p = m.group(5), int(m.group(6) or 0)
    if mode == "SAME":
        before, after = padding.tf_same_padding(i, k, s, d)
    else:
        before = after = p
    if text.startswith("How many output rows"):
        return padding.output_size(i, k, before, after, s, d)
    r, c = _output_cell(text)
    assert "Where does the next window" in text, text
    return r * s - before, c * s - before


def padding_explorer(page, widget, shot):
    sc = canvas(widget)
    detail = sc.locator(".convlab-sc-detail")
    set_predicting(sc, False)                           # see every value
    # defaults: i=7, k=3, s=2, d=1, SAME (pads 1 and 1), window 0
    rng = press_canvas_slider(page, sc, "window", "Home")
    expect(sc).to_have_attribute("data-painted", "0")
    g = padding.geometry(7, 3, 2, 1, "SAME")
    assert (g.before, g.after, g.o) == (1, 1, 4)
    expect(detail).to_contain_text(_norm(g.formula))
    expect(detail).to_contain_text("window 0 (output[0, 0]) starts at input row -1, column -1")
    before = panel_pixels(sc, "input"), panel_pixels(sc, "output")

    # window 0 -> 1 with the keyboard, drawn in the browser: s = 2 columns to the right
    press_canvas_slider(page, sc, "window")
    expect(rng).to_have_value("1")
    expect(sc).to_have_attribute("data-painted", "1")
    expect(detail).to_contain_text("window 1 (output[0, 1]) starts at input row -1, column 1")
    assert panel_pixels(sc, "input") != before[0] and panel_pixels(sc, "output") != before[1]

    # input size 7 -> 8 (a Python control: new frames): SAME pads 0 before, 1 after
    handle = press_slider(page, widget, "input size i")
    expect(handle).to_have_attribute("aria-valuenow", "8.0")
    g = padding.geometry(8, 3, 2, 1, "SAME")
    assert (g.before, g.after, g.o) == (0, 1, 4)
    expect(detail).to_contain_text(_norm(g.formula))
    expect(detail).to_contain_text("window 1 (output[0, 1]) starts at input row 0, column 2")
    expect(detail).to_contain_text("same_padding(8, 3, 2, 1) = (0, 1) ✓")
    # asymmetric SAME: the widget calls the student's function with the smaller side, p = 0
    expect(detail).to_contain_text("SAME is asymmetric here")
    expect(detail).to_contain_text("conv_output_size(8, 3, 0, 2, 1) = 3 ✓ (true: 3)")

    # click VALID: the floor drops the last row, the output has 3 cells
    widget.locator(".widget-toggle-buttons button", has_text="VALID").click()
    g = padding.geometry(8, 3, 2, 1, "VALID")
    assert g.o == 3 and g.dropped == (7,)
    expect(detail).to_contain_text(_norm(g.formula))
    expect(detail).to_contain_text("The floor drops 1 row(s)/column(s)")
    expect(detail).to_contain_text("conv_output_size(8, 3, 0, 2, 1) = 3 ✓ (true: 3)")
    expect(widget.locator(".widget-toggle-buttons button.mod-active")).to_have_text("VALID")
    shot(widget)


# --- chapter 3: PoolingExplorer -------------------------------------------------------------------
def pooling_answer(text: str):
    """PoolingExplorer's defaults (photo, 2x2 windows, stride 2, max, VALID, no shift), pooled here
    with the course's reference pooling: the output size, the kept input cell, or a value."""
    fmap, _ = pooling.feature_map("photo")
    m = re.match(r"The input is (\d+)x(\d+)\. With (\d+)x\d+ windows, stride (\d+) and "
                 r"(VALID|SAME) padding", text)
    if m:
        h, w, k, s = map(int, m.groups()[:4])
        return tuple(int(d) for d in pooling.pool(np.zeros((1, h, w, 1)), k, s, "max",
                                                   m.group(5)).shape[1:3])
    r, c = _output_cell(text)
    window = fmap[2 * r:2 * r + 2, 2 * c:2 * c + 2]
    if text.startswith("Which input cell will max pooling keep"):
        i, j = np.unravel_index(int(np.argmax(window)), window.shape)
        return (2 * r + int(i), 2 * c + int(j))
    assert text.startswith(f"What will output[{r}, {c}] be"), text
    return float(pooling.pool(fmap[None, :, :, None], 2, 2, "max", "VALID")[0, r, c, 0])


def pooling_explorer(page, widget, shot):
    info = widget.locator(".widget-html-content").first
    sc = canvas(widget)
    detail, frame_status = sc.locator(".convlab-sc-detail"), sc.locator(".convlab-sc-frame-status")
    fmap, _ = pooling.feature_map("photo")  # defaults: photo, 2x2, stride 2, max, VALID
    h, w = fmap.shape
    oh, ow = pooling.window_at(fmap, 2, 2, "max", "VALID", 0).n_out
    set_predicting(sc, False)                           # see every value
    rng = press_canvas_slider(page, sc, "window", "Home")
    expect(info).to_contain_text(f"{h}x{w} -> {oh}x{ow}.")
    expect(sc.locator(".convlab-sc-status")).to_contain_text(
        f"pool2d matches the true pooled map ✓ ({oh}x{ow})")
    expect(detail).to_contain_text("window 0: output[0, 0] from input rows 0..1, columns 0..1")
    expect(frame_status).to_contain_text("pool2d agrees with the true pooled map on all 1 cells")
    before = panel_pixels(sc, "input"), panel_pixels(sc, "output")

    # window 0 -> 1 with the keyboard: drawn in the browser, the next output cell fills in
    press_canvas_slider(page, sc, "window")
    win = pooling.window_at(fmap, 2, 2, "max", "VALID", 1)
    expect(rng).to_have_value("1")
    expect(detail).to_contain_text("window 1: output[0, 1] from input rows 0..1, columns 2..3")
    ties = int(np.sum(win.values == win.kept))
    where = f"input[{win.argmax[0]}, {win.argmax[1]}]" if ties == 1 else f"{ties} cells tie"
    expect(detail.locator(".convlab-kept")).to_have_text(f"{where} = {win.kept:.4g}")
    expect(frame_status).to_contain_text("pool2d agrees with the true pooled map on all 2 cells")
    assert panel_pixels(sc, "input") != before[0] and panel_pixels(sc, "output") != before[1]

    # window size 2 -> 3 (a Python control: new frames): stride 2 < 3, the windows overlap
    handle = press_slider(page, widget, "window size")
    expect(handle).to_have_attribute("aria-valuenow", "3.0")
    oh, ow = pooling.window_at(fmap, 3, 2, "max", "VALID", 0).n_out
    assert (oh, ow) == ((h - 3) // 2 + 1, (w - 3) // 2 + 1)
    expect(info).to_contain_text(f"{h}x{w} -> {oh}x{ow} (overlapping windows: stride < size).")
    expect(sc.locator(".convlab-sc-status")).to_contain_text(
        f"pool2d matches the true pooled map ✓ ({oh}x{ow})")

    # click avg: the same window keeps the mean of its 9 cells
    widget.locator(".widget-toggle-buttons button", has_text="avg").click()
    avg = pooling.window_at(fmap, 3, 2, "avg", "VALID", 1)
    assert abs(avg.kept - fmap[0:3, 2:5].mean()) < 1e-12
    expect(detail).to_contain_text(f"Average pooling keeps the mean of the 9 real cells: "
                                   f"{avg.kept:.4g}")

    # shift the input one pixel right: how many pooled values survive (translation invariance)
    press_slider(page, widget, "shift right")
    moved = pooling.shift_right(fmap, 1)
    same = np.isclose(pooling.pool(moved[None, :, :, None], 3, 2, "avg", "VALID"),
                      pooling.pool(fmap[None, :, :, None], 3, 2, "avg", "VALID"))
    expect(info).to_contain_text(f"Shifted 1 px right, {int(same.sum())} of {same.size} output "
                                 f"values are the same as before the shift.")
    expect(sc.locator(".convlab-sc-panel[data-panel='before']")).to_have_count(1)
    shot(widget)


# --- chapter 4: BatchNormExplorer -----------------------------------------------------------------
def _batch_line(z, n: int, seed: int) -> str:
    """The widget's statistics line for a batch of ``n`` rows drawn with ``seed`` (gamma = 1,
    beta = 0), computed here with the course's reference batch norm."""
    d = z.shape[1]
    _, mean, var = batchnorm.normalize(batchnorm.draw_batch(z, n, seed), np.ones(d), np.zeros(d))
    spread = batchnorm.batch_mean_spread(z, n)
    return (f"Batch of {n}: unit 0 has batch mean {mean[0]:.2f} and batch variance {var[0]:.2f}; "
            f"over the whole data set {z[:, 0].mean():.2f} and {z[:, 0].var():.2f}. Over 200 "
            f"batches of {n} the batch mean of unit 0 varies with standard deviation "
            f"{spread.std():.2f}.")


def batchnorm_answer(text: str) -> float:
    """BatchNormExplorer's prediction view: y[k, 0] of the batch the question names, or unit 0's
    moving mean after one step with Keras' momentum 0.99 from 0, by the reference batch norm."""
    m = re.match(r"Batch of (\d+) \(seed (\d+)\), gamma (\S+), beta (\S+?): ", text)
    assert m, text
    n, seed, gamma, beta = int(m.group(1)), int(m.group(2)), float(m.group(3)), float(m.group(4))
    z = batchnorm.digits_preactivations(8, seed=0)
    y, mean, _ = batchnorm.normalize(batchnorm.draw_batch(z, n, seed), np.full(8, gamma),
                                     np.full(8, beta))
    k = re.search(r"what will y\[(\d+), 0\] be\?", text)
    if k:
        return float(y[int(k.group(1)), 0])
    assert "moving mean" in text and "momentum 0.99" in text, text
    return float(0.99 * 0.0 + 0.01 * mean[0])


def batchnorm_explorer(page, widget, shot):
    status = widget.locator(".widget-html-content").first
    img = widget.locator("img.widget-image")
    z = batchnorm.digits_preactivations(8, seed=0)  # defaults: gamma 1, beta 0, batch 64, seed 0
    ok = "Your function agrees with batch norm ✓"
    expect_norm_text(status, ok + _batch_line(z, 64, 0))
    src0 = img.get_attribute("src")
    assert src0, "the figure has no image"

    # batch size 64 -> 128 with the keyboard: new batch statistics, a narrower spread of means
    press_slider(page, widget, "batch size")
    line = _batch_line(z, 128, 0)
    assert batchnorm.batch_mean_spread(z, 128).std() < batchnorm.batch_mean_spread(z, 64).std()
    expect_norm_text(status, ok + line)
    src1 = driver.src_changes(img, src0)

    # click "new batch": another batch of 128 (seed 1), same spread, another batch mean
    widget.locator("button", has_text="new batch").click()
    new_line = _batch_line(z, 128, 1)
    assert new_line != line
    expect_norm_text(status, ok + new_line)
    driver.src_changes(img, src1)
    shot(widget)


# --- chapter 5: TransposedConvExplorer, DilationExplorer, ParamCalculator (canvas) -------------------
TRANSPOSED_DEFAULTS = dict(i=4, k=3, s=2)         # the notebook's TransposedConvExplorer(...)
DILATION_DEFAULTS = dict(i=7, k=3, d=2)           # the notebook's DilationExplorer(...)


def transposed_answer(text: str) -> int:
    """The footprint count the question asks for, after input pixels 0 .. (a, b) have scattered,
    from the course's reference step counts (the notebook's i = 4, s = 2)."""
    from convlab.ch05_conv_variants import compute
    m = re.match(r"Input pixel \((\d+), (\d+)\) scatters its (\d+)x\d+ footprint .* How many "
                 r"footprints cover output\[(\d+), (\d+)\] now\?$", text)
    assert m, text
    a, b, k, r, c = map(int, m.groups())
    i, s = TRANSPOSED_DEFAULTS["i"], TRANSPOSED_DEFAULTS["s"]
    return int(compute.scatter_steps(i, k, s)[a * i + b][r, c])


def dilation_answer(text: str) -> int:
    """How many input cells reach one output of L stacked k x k layers with dilation d: from the
    course's reference dilated kernel, paths counted through L layers."""
    from convlab.ch05_conv_variants import compute
    m = re.match(r"(\d+) layers? of (\d+)x\d+ taps with dilation (\d+)", text)
    assert m, text
    layers, k, d = map(int, m.groups())
    kernel = variants.dilated_kernel(np.ones((k, k, 1, 1)), d)[:, :, 0, 0]
    return int((compute.stacked_reach(kernel, layers)[-1] > 0).sum())


_KERAS_LAYER = re.compile(r"^(?:How many parameters does|Is) (\w+)\((.*)\) (?:have|possible) on "
                          r"(\d+) input channels(?: with a bias)?\?$")


def param_answer(text: str):
    """The parameter count of the Keras layer the question names (built by Keras on the stated
    channels), or "impossible" where Keras refuses it."""
    from convlab.testing import keras
    m = _KERAS_LAYER.match(text)
    assert m, text
    name, arguments, c_in = m.group(1), m.group(2), int(m.group(3))
    args, kwargs = [], {}
    for part in arguments.split(", "):
        key, _, value = part.rpartition("=")
        value = {"True": True, "False": False}.get(value, value)
        value = int(value) if isinstance(value, str) else value
        (kwargs.__setitem__(key, value) if key else args.append(value))
    try:
        layer = getattr(keras().layers, name)(*args, **kwargs)
        layer.build((None, 8, 8, c_in))
    except ValueError:
        return "impossible"
    assert text.startswith("How many"), text
    return int(layer.count_params())


def _transposed_info(i: int, k: int, s: int) -> tuple:
    """(formula line, checkerboard line) the widget must show, from the course's footprint
    counts."""
    counts = variants.overlap_counts(i, k, s)
    o = counts.shape[0]
    assert o == s * (i - 1) + k
    inner = counts[k - 1:o - k + 1, k - 1:o - k + 1]
    assert inner.size > 0
    formula = f"output size = s(i - 1) + k = {s}·({i} - 1) + {k} = {o}"
    if inner.min() != inner.max():
        return formula, (f"k = {k} is not a multiple of s = {s}: inside, cells are covered "
                         f"{inner.min():g} to {inner.max():g} times, a checkerboard.")
    return formula, (f"Inside the border every cell is covered equally often: no checkerboard "
                     f"(k = {k} is a multiple of s = {s}, or there is no inside).")


def transposed_explorer(page, widget, shot):
    from convlab.ch05_conv_variants import compute
    info = widget.locator(".widget-html-content").first
    formula, board = info.locator("div").nth(0), info.locator("div").nth(1)
    sc = canvas(widget)
    status, detail = sc.locator(".convlab-sc-status"), sc.locator(".convlab-sc-detail")
    frame_status = sc.locator(".convlab-sc-frame-status")
    ok = "your conv2d_transpose matches the footprint counts ✓"
    f, b = _transposed_info(4, 3, 2)  # the notebook's i=4, k=3, s=2: a checkerboard
    assert "checkerboard." in b and "not a multiple" in b
    expect_norm_text(formula, f)
    expect_norm_text(board, b)
    expect(status).to_have_text(ok)
    set_predicting(sc, False)                           # see every value
    rng = press_canvas_slider(page, sc, "step", "Home")
    expect(rng).to_have_value("0")
    expect(detail).to_contain_text("step 0: input pixel (0, 0) adds the kernel at output (0, 0)")
    before = panel_pixels(sc, "output")

    # step 0 -> 1 with the keyboard: pixel (0, 1) scatters; its footprint overlaps the first one
    press_canvas_slider(page, sc, "step")
    expect(rng).to_have_value("1")
    steps = compute.scatter_steps(4, 3, 2)
    window = steps[1][0:3, 2:5]
    r, c = np.unravel_index(int(np.argmax(window)), window.shape)
    assert (int(r), int(c) + 2, int(window.max())) == (0, 2, 2)      # the overlap: 2 footprints
    expect(detail).to_contain_text("step 1: input pixel (0, 1) adds the kernel at output (0, 2); "
                                   "output[0, 2] is covered 2 time(s) so far")
    expect(detail.locator(".convlab-yours")).to_have_text("2")
    expect(frame_status).to_contain_text("conv2d_transpose agrees with the footprint counts after "
                                         "step 1.")
    assert panel_pixels(sc, "output") != before

    # kernel size 3 -> 4 (a Python control: new frames): k a multiple of s, no checkerboard
    handle = press_slider(page, widget, "kernel size k")
    expect(handle).to_have_attribute("aria-valuenow", "4.0")
    f, b = _transposed_info(4, 4, 2)
    assert b.startswith("Inside the border every cell is covered equally often")
    expect_norm_text(formula, f)
    expect_norm_text(board, b)
    expect(status).to_have_text(ok)
    expect(detail).to_contain_text("step 1: input pixel (0, 1) adds the kernel at output (0, 2)")

    # stride 2 -> 3: k = 4 is no multiple of 3, the checkerboard is back
    handle = press_slider(page, widget, "stride s")
    expect(handle).to_have_attribute("aria-valuenow", "3.0")
    f, b = _transposed_info(4, 4, 3)
    assert "not a multiple" in b
    expect_norm_text(formula, f)
    expect_norm_text(board, b)
    expect(status).to_have_text(ok)
    shot(widget)


def _dilation_info(i: int, k: int, d: int) -> tuple:
    """(k_eff line, VALID line, SAME line) the widget must show, from the course's dilated kernel
    and chapter 2's output-size and SAME-padding functions."""
    k_eff = variants.dilated_kernel(np.ones((k, k, 1, 1)), d).shape[0]
    assert k_eff == k + (k - 1) * (d - 1)
    first = f"k_eff = k + (k - 1)(d - 1) = {k} + {k - 1}·{d - 1} = {k_eff}"
    try:
        o = padding.output_size(i, k, 0, None, 1, d)
        valid = f"VALID: o = floor((i - k_eff)/1) + 1 = floor(({i} - {k_eff})/1) + 1 = {o}"
    except ValueError:
        valid = (f"VALID: no output: the dilated kernel spans {k_eff} cells but the input has "
                 f"only {i}.")
    before, after = padding.tf_same_padding(i, k, 1, d)
    same = f"SAME: o = i = {i}, padding {before} before and {after} after (k_eff - 1 = " \
           f"{before + after} in all)."
    return first, valid, same, k_eff


def dilation_explorer(page, widget, shot):
    info = widget.locator(".widget-html-content").first
    lines = [info.locator("div").nth(n) for n in (0, 2, 3)]
    sc = canvas(widget)
    status, detail = sc.locator(".convlab-sc-status"), sc.locator(".convlab-sc-detail")

    def check(i, k, d):
        *texts, k_eff = _dilation_info(i, k, d)
        for line, text in zip(lines, texts):
            expect_norm_text(line, text)
        expect(status).to_have_text(
            f"your dilate_kernel matches the true dilated kernel ✓ ({k_eff}x{k_eff})")
        return texts

    def expect_layers(layers, k, d):
        """The frame of ``layers`` stacked layers: the cells that reach one output."""
        k_eff = k + (k - 1) * (d - 1)
        span = layers * (k_eff - 1) + 1
        reached = dilation_answer(f"{layers} layers of {k}x{k} taps with dilation {d}")
        assert reached == (layers * (k - 1) + 1) ** 2
        expect(detail).to_contain_text(f"receptive field {span}x{span}; {reached} of its "
                                       f"{span * span} cells reach the output")

    texts = check(7, 3, 2)  # the notebook's i=7, k=3, d=2: the chapter's example, o = 3
    assert texts[1].endswith("floor((7 - 5)/1) + 1 = 3")
    set_predicting(sc, False)                           # see every value
    rng = press_canvas_slider(page, sc, "layers", "Home")
    expect(rng).to_have_value("0")
    expect_layers(1, 3, 2)
    before = panel_pixels(sc, "reach")

    # 1 -> 2 layers with the keyboard: 25 of the 81 cells reach the output, the rest are holes
    press_canvas_slider(page, sc, "layers")
    expect(rng).to_have_value("1")
    expect_layers(2, 3, 2)
    expect(detail.locator(".convlab-holes")).to_have_text(str(81 - 25))
    assert panel_pixels(sc, "reach") != before

    # dilation 2 -> 3 (a Python control: new frames): a 7x7 span, VALID keeps 1 output
    handle = press_slider(page, widget, "dilation d")
    expect(handle).to_have_attribute("aria-valuenow", "3.0")
    texts = check(7, 3, 3)
    assert texts[0].endswith("= 7") and texts[1].endswith("= 1")
    expect_layers(2, 3, 3)

    # input size 7 -> 6: the dilated kernel no longer fits, VALID has no output, SAME still 6
    handle = press_slider(page, widget, "input size i", "ArrowLeft")
    expect(handle).to_have_attribute("aria-valuenow", "6.0")
    texts = check(6, 3, 3)
    assert texts[1].startswith("VALID: no output")
    shot(widget)


def _param_cell(widget, kind: str, column: str):
    return widget.locator(f".convlab-param-table tr[data-kind='{kind}'] td.convlab-{column}")


def _expect_costs(widget, c_in, c_out, k, groups, m, size, use_bias):
    """Every row of the table shows the parameters (from the course's reference count), the
    multiply-adds and the student's matching number."""
    bias = use_bias
    L = variants.layer_params
    rows = {"standard": (L("standard", k, c_in, c_out, use_bias=bias),
                         k * k * c_in * c_out),
            "depthwise": (L("depthwise", k, c_in, c_in * m, multiplier=m, use_bias=bias),
                          k * k * c_in * m),
            "pointwise": (L("pointwise", 1, c_in * m, c_out, use_bias=bias), c_in * m * c_out),
            "separable": (L("separable", k, c_in, c_out, multiplier=m, use_bias=bias),
                          k * k * c_in * m + c_in * m * c_out)}
    if c_in % groups == 0 and c_out % groups == 0:
        rows["grouped"] = (L("grouped", k, c_in, c_out, groups=groups, use_bias=bias),
                           k * k * (c_in // groups) * c_out)
    else:
        expect(_param_cell(widget, "grouped", "params")).to_have_text(
            f"impossible: groups={groups} must divide c_in={c_in} and c_out={c_out}")
        expect(_param_cell(widget, "grouped", "yours")).to_have_text("raises ValueError ✓")
    for kind, (params, weights) in rows.items():
        expect(_param_cell(widget, kind, "params")).to_have_text(
            re.compile(rf" = {re.escape(f'{params:,}')}$"))
        expect(_param_cell(widget, kind, "madds")).to_have_text(f"{weights * size * size:,}")
        expect(_param_cell(widget, kind, "yours")).to_have_text(f"{params:,} ✓")
    return rows


def param_calculator(page, widget, shot):
    sc = canvas(widget)
    status = sc.locator(".convlab-sc-status")
    ok = "your param_count agrees on all 5 kinds ✓"
    set_predicting(sc, False)                           # see every value
    rng = press_canvas_slider(page, sc, "kind", "Home")
    expect(rng).to_have_value("0")
    expect(widget.locator(".convlab-param-table tr[data-kind]")).to_have_count(1)
    before = panel_pixels(sc, "params")
    rng = press_canvas_slider(page, sc, "kind", "End")  # every row of the table
    expect(rng).to_have_value("4")
    expect(widget.locator(".convlab-param-table tr[data-kind]")).to_have_count(5)
    assert panel_pixels(sc, "params") != before
    # defaults: c_in 16, c_out 32, k 3, 4 groups, m 1, 32x32, no bias: the chapter's numbers
    rows = _expect_costs(widget, 16, 32, 3, 4, 1, 32, False)
    assert [rows[k][0] for k in ("standard", "depthwise", "pointwise", "separable")] == \
        [4608, 144, 512, 656]
    expect(_param_cell(widget, "separable", "params")).to_have_text("3·3·16·1 + 16·32 = 656")
    expect(_param_cell(widget, "separable", "madds")).to_have_text("671,744")
    expect(status).to_have_text(ok)

    # kernel size 3 -> 4 with the keyboard: every k x k count grows by 16/9, pointwise stays
    handle = press_slider(page, widget, "kernel size k")
    expect(handle).to_have_attribute("aria-valuenow", "4.0")
    rows = _expect_costs(widget, 16, 32, 4, 4, 1, 32, False)
    assert (rows["standard"][0], rows["pointwise"][0]) == (8192, 512)
    expect(_param_cell(widget, "standard", "params")).to_have_text("4·4·16·32 = 8,192")
    expect(status).to_have_text(ok)

    # groups 4 -> 5: 5 divides neither 16 nor 32; param_count must raise ValueError
    handle = press_slider(page, widget, "groups")
    expect(handle).to_have_attribute("aria-valuenow", "5.0")
    _expect_costs(widget, 16, 32, 4, 5, 1, 32, False)
    expect(status).to_have_text(ok)

    # tick "bias": one bias per output channel (c_in·m for the depthwise layer)
    widget.locator(".widget-checkbox input[type=checkbox]").check()
    rows = _expect_costs(widget, 16, 32, 4, 5, 1, 32, True)
    assert rows["standard"][0] == 8192 + 32 and rows["depthwise"][0] == 4 * 4 * 16 + 16
    expect(_param_cell(widget, "standard", "params")).to_have_text("4·4·16·32 + 32 = 8,224")
    expect(status).to_have_text(ok)
    shot(widget)


# --- chapter 6: CNNExplorer -----------------------------------------------------------------------
# The notebook trains its CNN in the kernel: the predicted classes are not reproducible here, so
# the spec asserts what is (the image index, the true label from the data, the task, the filter
# shapes of the specified network), and the prediction check reads the network the notebook saved
# (its training cell's ModelCheckpoint keeps the best epoch, which EarlyStopping's
# restore_best_weights leaves in the kernel's model too).
def _cnn_digits():
    """The notebook's data: the offline digits (FULL_TRAINING = False), at most 1,000 test images."""
    return cnn.subset(cnn.load_data(prefer_mnist=False, verbose=False), 3000, 1000)


def cnn_answer(text: str) -> str:
    """The class the notebook's trained network (its newest saved best.keras) predicts for the
    test image the question names."""
    from convlab.testing import keras
    m = re.fullmatch(r"Which class will the network predict for test image (\d+)\?", text)
    assert m, text
    saved = sorted((cnn.runs_root() / "06_cnn_classifier").glob("*/best.keras"),
                   key=lambda path: path.stat().st_mtime)
    assert saved, "the notebook's training cell saved no best.keras"
    model = keras().models.load_model(saved[-1])
    image = _cnn_digits().x_test[int(m.group(1))]
    return str(int(np.asarray(model(image[None], training=False))[0].argmax()))


def cnn_explorer(page, widget, shot):
    sc = canvas(widget)
    status, detail = sc.locator(".convlab-sc-status"), sc.locator(".convlab-sc-detail")
    img = widget.locator("img.widget-image")
    y = _cnn_digits().y_test
    expect(status).to_contain_text("Task: find a test image the network gets wrong")
    set_predicting(sc, False)                           # see every prediction
    # the prediction check may have left the slider on another image: after Home, wait until
    # Python has drawn image 0's maps (it hears of a slider position once the slider rests, so
    # Home and the next press in quick succession would reach it as one move)
    came_from = sc.locator(".convlab-sc-slider[data-slider='image'] input[type=range]").input_value()
    src_before = img.get_attribute("src")
    rng = press_canvas_slider(page, sc, "image", "Home")
    expect(detail).to_contain_text(f"test image 0: true class {y[0]}; the network predicts")
    src0 = driver.src_changes(img, src_before) if came_from != "0" else src_before
    assert src0, "the feature maps have no image"

    # test image 0 -> 1 with the keyboard: the line names image 1 and its true class; the
    # feature maps below are those of image 1
    press_canvas_slider(page, sc, "image")
    expect(rng).to_have_value("1")
    expect(detail).to_contain_text(f"test image 1: true class {y[1]}; the network predicts")
    src1 = driver.src_changes(img, src0)

    # click "filters": the first conv layer of the specified network, Conv2D(32, 5x5) on
    # 28x28x1 images (build_mnist_cnn's docstring)
    widget.locator(".widget-toggle-buttons button", has_text="filters").click()
    expect_norm_text(status, "First conv layer: 32 filters of 5x5x1 (blue negative, red positive).")
    expect(widget.locator(".widget-toggle-buttons button.mod-active")).to_have_text("filters")
    driver.src_changes(img, src1)
    shot(widget)


# --- chapter 7: ThresholdExplorer -----------------------------------------------------------------
# The reconstruction errors come from an autoencoder trained in the kernel, so the counts at a
# given threshold are not reproducible here. Exact here: the class totals of the validation split
# (convlab.fraud, the notebook's data), how many frauds a target recall needs, and every shown
# number from the shown counts.
_THRESHOLD_DETAIL = re.compile(
    r"^(?P<title>.+): flag errors ≥ (?P<t>\S+): precision (?P<p>\S+|n/a \(nothing flagged\)), "
    r"recall (?P<r>\S+); cost (?P<cost>[\d,]+) = (?P<fn>\d+) missed frauds × 100 \+ "
    r"(?P<fp>\d+) false alarms × 1 Task: reach recall ≥ (?P<target>\S+) with the fewest false "
    r"alarms: (?P<task>.+)$")


def threshold_answer(text: str):
    """ThresholdExplorer's first questions name the target recall and the number of frauds: the
    rank of the fraud whose error the threshold is (the course's choose_threshold on the ranks),
    and the recall that gives."""
    m = re.match(r"Target recall (\S+) with (\d+) frauds: (to reach it|flagging down)", text)
    assert m, text
    target, n = float(m.group(1)), int(m.group(2))
    ranks = np.arange(n, 0, -1.0)                   # rank 1 has the largest "error"
    need = n + 1 - int(fraud.recall_threshold(ranks, np.ones(n, int), target))
    return need if m.group(3) == "to reach it" else need / n


def _threshold_detail(sc, title: str, frauds: int, normals: int) -> dict:
    """Parse the frame's text and check it against itself and the class totals."""
    text = _norm(sc.locator(".convlab-sc-detail").inner_text())
    m = _THRESHOLD_DETAIL.match(text)
    assert m, text
    tp_fn = int(m.group("fn"))
    fp = int(m.group("fp"))
    assert m.group("title") == title, text
    recall = float(m.group("r"))
    tp = frauds - tp_fn
    assert m.group("r") == f"{tp / frauds:.3f}", text
    p = "n/a (nothing flagged)" if tp + fp == 0 else f"{tp / (tp + fp):.3f}"
    assert m.group("p") == p, text
    assert m.group("cost") == f"{tp_fn * 100 + fp:,.0f}", text
    assert fp <= normals, text
    return dict(t=float(m.group("t")), tp=tp, fp=fp, recall=recall, task=m.group("task"))


def threshold_explorer(page, widget, shot):
    sc = canvas(widget)
    status = sc.locator(".convlab-sc-status")
    split = fraud.prepare(fraud.load_creditcard())  # the notebook's data and validation split
    title = "SYNTHETIC data" if split.synthetic else "validation"
    frauds = int(split.y_val.sum())
    normals = len(split.y_val) - frauds
    need = threshold_answer(f"Target recall 0.80 with {frauds} frauds: to reach it")
    expect(status).to_contain_text("errors computed by your reconstruction_error")
    set_predicting(sc, False)                           # see every count
    rng = press_canvas_slider(page, sc, "threshold", "Home")
    expect(rng).to_have_value("0")
    start = _threshold_detail(sc, title, frauds, normals)
    assert (start["tp"], start["fp"]) == (0, 0) and "not reached yet" in start["task"], start
    before = panel_pixels(sc, "confusion")

    # one step right with the keyboard: the threshold drops to the largest fraud error
    press_canvas_slider(page, sc, "threshold")
    expect(rng).to_have_value("1")
    expect(sc).to_have_attribute("data-painted", "1")
    one = _threshold_detail(sc, title, frauds, normals)
    assert one["tp"] == 1 and one["t"] < start["t"], one
    assert panel_pixels(sc, "confusion") != before

    # the student's choose_threshold (target recall 0.80) moves the slider: the task is done
    widget.locator("button", has_text="threshold from choose_fn").click()
    expect(status).to_contain_text(re.compile(r"choose_fn\(target recall 0\.80\) = \S+: recall "))
    expect(rng).to_have_value(re.compile(r"^\d+$"))
    expect(sc.locator(".convlab-sc-detail")).to_contain_text("the fewest possible")
    chosen = _threshold_detail(sc, title, frauds, normals)
    assert chosen["tp"] == need and chosen["task"].startswith("✓ done"), (chosen, need)
    m = re.search(r"choose_fn\(target recall 0\.80\) = (\S+): recall (\S+), precision (\S+)",
                  _norm(status.text_content()))
    assert m and m.group(2) == f"{chosen['recall']:.3f}", status.text_content()
    shot(widget)


# --- chapter 8: TrainingExplorer -------------------------------------------------------------------
def _training_losses(steps: int):
    """The widget's first losses (its defaults: 256 digits drawn with seed 0, batch 32, lr 0.01),
    from the course's reference training in NumPy."""
    from convlab.ch08_backprop import compute
    from convlab.ch08_backprop.widgets import setup
    run = setup(0, 256)
    return compute.train_tiny_cnn(run.images, run.labels, run.start, steps, 32, 0.01)[0]


def _expect_training_step(status, k: int, losses):
    """Step k's status: the student's loss (the solved notebook's, equal to the reference's) and
    Keras' (within 1e-4), and the check mark."""
    agree = "step 1" if k == 1 else f"all {k} steps"
    expect(status).to_have_text(re.compile(
        rf"^step {k}: your loss {losses[k - 1]:.4f}, Keras \d+\.\d{{4}} ✓ \(the curves agree on "
        rf"{agree}\)$"))
    keras_loss = float(re.search(r"Keras (\d+\.\d{4})", _norm(status.text_content())).group(1))
    assert abs(keras_loss - losses[k - 1]) < 2e-4, (keras_loss, losses[k - 1])


def training_answer(text: str) -> float:
    """dL/d dense_b[j] for the batch the question names, at the parameters after that many steps
    of the course's reference training (the widget's defaults: 256 digits drawn with seed 0,
    batch 32, lr 0.01): the mean over the batch of softmax minus one-hot."""
    from convlab.ch08_backprop import compute
    from convlab.ch08_backprop.widgets import setup
    m = re.match(r"Step (\d+) trains on batch (\d+) .* What is dL/d dense_b\[(\d)\]\?$", text)
    assert m, text
    step, batch, j = map(int, m.groups())
    assert step == batch + 1, text
    run = setup(0, 256)
    params = run.start if batch == 0 else compute.train_tiny_cnn(
        run.images, run.labels, run.start, batch, 32, 0.01)[1]
    rows = compute.batch_rows(batch, 32, len(run.images))
    logits = compute.tiny_cnn_logits(params, run.images[rows])
    return float(compute.softmax_cross_entropy(logits, run.labels[rows])[1].sum(axis=0)[j])


def training_explorer(page, widget, shot):
    status = widget.locator(".widget-html-content").first
    img = widget.locator("img.widget-image")
    losses = _training_losses(2)
    expect_norm_text(status, "Step 0: your network and Keras' start from the same weights. "
                             "Press play or step +1.")
    src0 = img.get_attribute("src")
    assert src0, "the figure has no image"

    # click "step +1": one Adam step of the student's own train_tiny_cnn, beside Keras'
    widget.locator("button", has_text="step +1").click()
    _expect_training_step(status, 1, losses)
    src1 = driver.src_changes(img, src0)

    # step 1 -> 2 with the keyboard on the step slider
    handle = press_slider(page, widget, "step")
    expect(handle).to_have_attribute("aria-valuenow", "2.0")
    _expect_training_step(status, 2, losses)
    assert losses[1] != losses[0]
    driver.src_changes(img, src1)
    shot(widget)


SPECS = {
    "01_filter_sliding": (
        Spec("FilterSlider(conv_fn=", filter_slider, "01_filter_slider.png"),
        Spec("ChannelSum(conv_fn=", channel_sum, "01_channel_sum.png"),
    ),
    "02_stride_padding": Spec("PaddingExplorer(size_fn=", padding_explorer,
                              "02_padding_explorer.png"),
    "03_pooling_flatten": Spec("PoolingExplorer(pool_fn=", pooling_explorer,
                               "03_pooling_explorer.png"),
    "04_batch_norm": Spec("BatchNormExplorer(bn_fn=", batchnorm_explorer,
                          "04_batchnorm_explorer.png"),
    "05_conv_variants": (
        Spec("DilationExplorer(dilate_fn=", dilation_explorer, "05_dilation_explorer.png"),
        Spec("TransposedConvExplorer(conv2d_transpose", transposed_explorer,
             "05_transposed_explorer.png"),
        Spec("ParamCalculator(param_fn=", param_calculator, "05_param_calculator.png"),
    ),
    "06_cnn_classifier": Spec("CNNExplorer(model, data)", cnn_explorer, "06_cnn_explorer.png"),
    "07_autoencoders": Spec("ThresholdExplorer(split.x_val", threshold_explorer,
                            "07_threshold_explorer.png"),
    "08_backprop": Spec("TrainingExplorer(train_fn=", training_explorer,
                        "08_training_explorer.png"),
}


def specs_of(chapter: str) -> tuple:
    """The chapter's Specs as a tuple (empty if it has none)."""
    entry = SPECS.get(chapter, ())
    return (entry,) if isinstance(entry, Spec) else tuple(entry)


# chapter -> its prediction check(s) (see Prediction); a chapter whose widgets ask questions
# (convlab/chNN_*/widgets.py builds a Question) needs one (test_widgets_browser checks).
PREDICTIONS = {
    "07_autoencoders": Prediction("ThresholdExplorer(split.x_val", threshold_answer,
                                  slider="threshold"),
    "05_conv_variants": (Prediction("DilationExplorer(dilate_fn=", dilation_answer, slider="layers"),
                         Prediction("TransposedConvExplorer(conv2d_transpose", transposed_answer),
                         Prediction("ParamCalculator(param_fn=", param_answer, slider="kind")),
    "08_backprop": Prediction("TrainingExplorer(train_fn=", training_answer, slider="class"),
    "06_cnn_classifier": Prediction("CNNExplorer(model, data)", cnn_answer, slider="image"),
    "01_filter_sliding": (Prediction("FilterSlider(conv_fn=", filter_slider_answer),
                          Prediction("ChannelSum(conv_fn=", channel_sum_answer)),
    "04_batch_norm": Prediction("BatchNormExplorer(bn_fn=", batchnorm_answer, slider="example"),
    "03_pooling_flatten": Prediction("PoolingExplorer(pool_fn=", pooling_answer, slider="window"),
    "02_stride_padding": Prediction("PaddingExplorer(size_fn=", padding_explorer_answer,
                                    slider="window"),
}


def predictions_of(chapter: str) -> tuple:
    """The chapter's Predictions as a tuple (empty if it has none)."""
    entry = PREDICTIONS.get(chapter, ())
    return (entry,) if isinstance(entry, Prediction) else tuple(entry)
