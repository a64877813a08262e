"""Chapter 6: look inside a CNN classifier.

    CNNExplorer(model, data)            # a trained model (or the student's build_mnist_cnn)

A slider picks a test image; the view shows the network's prediction, the class probabilities as
bars and the feature maps of every conv layer for that image. A second view ("filters") shows the
learned filters of the first conv layer. The status line says when the model is missing, not
implemented yet, or has the wrong output shape, instead of a blank.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import validate
from convlab.widgets.base import GuardedView, bad, ok

from . import compute, figures

VIEWS = ("prediction", "filters")


class CNNExplorer(GuardedView):
    """``model``: a Keras classifier with 10 outputs, or a function that builds one (optional).
    ``data``: a :class:`convlab.ch06_cnn_classifier.compute.Data` (default: the offline digits)."""

    def __init__(self, model=None, data=None, index: int = 0, view: str = "prediction",
                 max_maps: int = 8):
        if model is not None and not callable(model) and not hasattr(model, "layers"):
            raise ValueError(f"model must be a Keras model or a function that builds one; "
                             f"got {type(model).__name__}")
        if data is None:
            data = compute.digits_data()
        validate.require(isinstance(data, compute.Data),
                         f"data must be a convlab.ch06_cnn_classifier.compute.Data; got "
                         f"{type(data).__name__}")
        validate.require(view in VIEWS, f"view must be one of {', '.join(VIEWS)}; got {view!r}")
        validate.require(0 <= int(index) < len(data.x_test),
                         f"index must be between 0 and {len(data.x_test) - 1}; got {index}")
        self.data = data
        self.max_maps = validate.positive_int(max_maps, "max_maps")
        self.model, self.model_error = compute.resolve_model(model)
        self.index = W.IntSlider(value=int(index), min=0, max=len(data.x_test) - 1,
                                 description="test image", continuous_update=False,
                                 style={"description_width": "initial"})
        self.view = W.ToggleButtons(options=list(VIEWS), value=view, description="view")
        self.inspection = None
        super().__init__([W.HBox([self.index, self.view])])
        self._redraw_on([self.index, self.view])
        self._guard(self._draw)

    def _draw(self):
        i = int(self.index.value)
        image, label = self.data.x_test[i], int(self.data.y_test[i])
        if self.model is None:
            self.inspection = None
            self.status.value = bad(f"<b>No model to show:</b> {html.escape(self.model_error)} "
                                    f"(showing the image only)")
            self._show_figure(None, lambda: figures.cnn_prediction_figure(
                image, np.zeros(compute.CLASSES), [], label, title=f"{self.data.source}: #{i}"))
            return
        if self.view.value == "filters":
            kernel = compute.first_filters(self.model)
            if kernel is None:
                self.status.value = bad("The model has no Conv2D layer: no filters to show.")
                return
            self.status.value = (f"<div>First conv layer: {kernel.shape[-1]} filters of "
                                 f"{kernel.shape[0]}x{kernel.shape[1]}x{kernel.shape[2]} "
                                 f"(blue negative, red positive).</div>")
            self._show_figure(None, lambda: figures.filters_figure(kernel))
            return
        found = compute.inspect(self.model, image)
        self.inspection = found
        right = found.prediction == label
        line = (f"test image {i}: predicted <b>{found.prediction}</b> "
                f"({found.probabilities[found.prediction]:.0%}), true {label} "
                + ("&#10003;" if right else "&#10007;"))
        self.status.value = ok(line) if right else bad(line)
        # the same layout every time: cnn_prediction_figure updates the figure shown in place
        self._prediction_fig = figures.cnn_prediction_figure(
            image, found.probabilities, found.maps, label,
            title=f"{self.data.source}: test image {i}", max_maps=self.max_maps,
            fig=getattr(self, "_prediction_fig", None))
        self._show_figure(None, lambda: self._prediction_fig)
