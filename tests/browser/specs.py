"""What a person does with each chapter's widget, and what they must then see.

SPECS maps a chapter id (a folder of solutions/) to a Spec: the source text that identifies the
widget's cell in the solved notebook, and ``interact(page, widget, shots)``, which operates the
widget with keyboard and mouse and asserts that the visible output changes to the right value.
Every chapter in solutions/ needs an entry (tests/browser/test_widgets_browser.py fails without).
Expected values are computed here with the course's own reference code (convlab), independently
of the kernel that renders the widget.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from playwright.sync_api import expect

import driver
from convlab import data, kernels, padding, sliding


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


# --- chapter 1: FilterSlider ----------------------------------------------------------------------
def filter_slider(page, widget, shot):
    status, detail = widget.locator(".widget-html-content").nth(0), \
        widget.locator(".widget-html-content").nth(1)
    img = widget.locator("img.widget-image")
    sample = data.sample_image("grid", size=24)  # the widget's defaults: grid, Sobel x, step 0
    sobel, blur = kernels.get("vertical edge (Sobel x)"), kernels.get("box blur 3x3")
    expect(status).to_contain_text("conv2d_single agrees with the window sums on all 1 cells")
    expect(detail).to_contain_text("step 0: window at rows 0..2, columns 0..2")
    src0 = img.get_attribute("src")
    assert src0, "the figure has no image"

    # step 0 -> 1 with the keyboard: the window moves one column right, the sum is output[0, 1]
    handle = press_slider(page, widget, "step")
    st = sliding.step_at(sample.image, sobel, 1)
    expect(handle).to_have_attribute("aria-valuenow", "1.0")
    expect(detail).to_contain_text("step 1: window at rows 0..2, columns 1..3")
    expect(detail.locator(".convlab-sum")).to_have_text(f"{st.total:.4g}")
    expect(detail.locator(".convlab-yours")).to_have_text(f"{st.total:.4g}")
    expect(status).to_contain_text("conv2d_single agrees with the window sums on all 2 cells")
    src1 = driver.src_changes(img, src0)

    # pick another kernel in the dropdown: same step, the 3x3 box blur's sum is the window mean
    widget.locator(".widget-dropdown").filter(has=page.locator("label", has_text="kernel")) \
        .locator("select").select_option("box blur 3x3")
    before = st.total
    st = sliding.step_at(sample.image, blur, 1)
    assert abs(st.total - sample.image[0:3, 1:4].mean()) < 1e-12 and st.total != before
    expect(detail.locator(".convlab-sum")).to_have_text(f"{st.total:.4g}")
    expect(status).to_contain_text("agrees with the window sums on all 2 cells")
    driver.src_changes(img, src1)
    expect(detail).to_contain_text("step 1: window at rows 0..2, columns 1..3")
    shot(widget)


# --- chapter 2: PaddingExplorer -------------------------------------------------------------------
def padding_explorer(page, widget, shot):
    formula, status = widget.locator(".widget-html-content").nth(0), \
        widget.locator(".widget-html-content").nth(1)
    img = widget.locator("img.widget-image")
    # defaults: i=7, k=3, s=2, d=1, SAME
    expect(formula).to_contain_text("ceil(7 / 2) = 4")
    src0 = img.get_attribute("src")
    assert src0, "the figure has no image"

    # input size 7 -> 8 with the keyboard: SAME now pads 0 before and 1 after (TensorFlow's way)
    handle = press_slider(page, widget, "input size i")
    expect(handle).to_have_attribute("aria-valuenow", "8.0")
    g = padding.geometry(8, 3, 2, 1, "SAME")
    assert (g.before, g.after, g.o) == (0, 1, 4)
    expect_norm_text(formula.locator("div").first, g.formula)
    expect(status).to_contain_text("same_padding(8, 3, 2, 1) = (0, 1) ✓")
    # asymmetric SAME: the widget calls the student's function with the smaller side, p = 0
    expect(status).to_contain_text("SAME is asymmetric here")
    expect(status).to_contain_text("conv_output_size(8, 3, 0, 2, 1) = 3 ✓ (true: 3)")
    src1 = driver.src_changes(img, src0)

    # click VALID: the floor drops the last row, the output has 3 cells
    widget.locator(".widget-toggle-buttons button", has_text="VALID").click()
    g = padding.geometry(8, 3, 2, 1, "VALID")
    assert g.o == 3 and g.dropped == (7,)
    expect_norm_text(formula.locator("div").first, g.formula)
    expect(formula).to_contain_text("The floor drops 1 row(s)/column(s)")
    expect(status).to_have_text("conv_output_size(8, 3, 0, 2, 1) = 3 ✓ (true: 3)")
    expect(widget.locator(".widget-toggle-buttons button.mod-active")).to_have_text("VALID")
    driver.src_changes(img, src1)
    shot(widget)


SPECS = {
    "01_filter_sliding": Spec("FilterSlider(conv_fn=", filter_slider, "01_filter_slider.png"),
    "02_stride_padding": Spec("PaddingExplorer(size_fn=", padding_explorer,
                              "02_padding_explorer.png"),
}
