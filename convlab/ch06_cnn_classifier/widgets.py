"""Chapter 6: look inside a CNN classifier, with a task and a prediction before each answer.

    CNNExplorer(model, data)            # a trained model (or the student's build_mnist_cnn)

The canvas (drawn in the browser) shows one test image of a gallery and the network's ten class
probabilities; its slider moves through the gallery. Before the probabilities and the predicted
class are shown, the widget asks which class the network will predict (choices 0-9); the session
score counts the answers. The task, in the status line: find a digit the network gets wrong, then
the feature map below (every conv layer's maps for that image, rendered in the kernel) that
explains it. The view "filters" shows the learned filters of the first conv layer instead. The
status line says when the model is missing, not implemented yet, or has the wrong output shape.
"""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from convlab import validate
from convlab.figures import to_png
from convlab.i18n import N_, _
from convlab.widgets.base import bad, ok
from convlab.widgets.canvas import CanvasView, Slider, cell, frame, grid
from convlab.widgets.predict import Question

from . import compute, figures

VIEWS = ("prediction", "filters")
# the toggle buttons' labels (the values stay English: code and tests name the views)
VIEW_LABELS = {"prediction": N_("prediction"), "filters": N_("filters")}
EXTRA_WRONG = 6          # wrong images added to the gallery when few are among its first ones


def gallery_indices(predicted, labels, size: int, index: int) -> list:
    """The test images on the slider: the first ``size``, ``index``, and, if fewer than 3 of
    them are wrong, up to EXTRA_WRONG of the first wrong ones after them (so the task has an
    answer), in test-set order."""
    chosen = set(range(min(size, len(labels)))) | {int(index)}
    if predicted is not None:
        wrong = np.flatnonzero(np.asarray(predicted) != np.asarray(labels))
        if np.sum(np.isin(wrong, sorted(chosen))) < 3:
            chosen |= {int(i) for i in wrong[:EXTRA_WRONG]}
    return sorted(chosen)


class CNNExplorer(CanvasView):
    """``model``: a Keras classifier with 10 outputs, or a function that builds one (optional).
    ``data``: a :class:`convlab.ch06_cnn_classifier.compute.Data` (default: the offline digits).
    ``gallery``: how many test images the slider offers (from the first; wrong ones added)."""

    def __init__(self, model=None, data=None, index: int = 0, view: str = "prediction",
                 max_maps: int = 8, gallery: int = 30):
        if model is not None and not callable(model) and not hasattr(model, "layers"):
            raise ValueError(_("model must be a Keras model or a function that builds one; "
                               "got {type}").format(type=type(model).__name__))
        if data is None:
            data = compute.digits_data()
        validate.require(isinstance(data, compute.Data),
                         _("data must be a convlab.ch06_cnn_classifier.compute.Data; got {type}")
                         .format(type=type(data).__name__))
        validate.require(view in VIEWS, _("view must be one of {views}; got {view!r}")
                         .format(views=", ".join(VIEWS), view=view))
        validate.require(0 <= int(index) < len(data.x_test),
                         _("index must be between 0 and {last}; got {index}")
                         .format(last=len(data.x_test) - 1, index=index))
        self.data = data
        self.max_maps = validate.positive_int(max_maps, "max_maps")
        self.gallery_size = validate.positive_int(gallery, "gallery")
        self.start = int(index)
        self.model, self.model_error = compute.resolve_model(model)
        self.view = W.ToggleButtons(options=[(_(VIEW_LABELS[v]), v) for v in VIEWS], value=view,
                                    description=_("view"))
        self.figure = W.Image(format="png")
        self.inspection = None
        self.found = []                       # wrong test images whose class was predicted
        super().__init__([self.view], below=[self.figure], name="CNNExplorer")
        self._redraw_on([self.view], self._draw_below)
        self.canvas.observe(lambda change: self._guard(self._draw_below), names="index")
        self.canvas.observe(lambda change: self._guard(self._answered), names="verdicts")
        self._guard(self._load)

    # --- the canvas: computed once --------------------------------------------------------
    def _load(self):
        x, y = self.data.x_test, self.data.y_test
        self.probabilities = None
        if self.model is not None:
            self.probabilities = np.asarray(self.model.predict(x, verbose=0), dtype=float)
        predicted = None if self.probabilities is None else self.probabilities.argmax(axis=1)
        self.gallery = gallery_indices(predicted, y, self.gallery_size, self.start)
        self.wrong = [] if predicted is None else [i for i in self.gallery if predicted[i] != y[i]]
        frames = []
        for i in self.gallery:
            label = int(y[i])
            if predicted is None:
                frames.append(frame(grids={"image": x[i][..., 0],
                                           "probs": np.zeros(compute.CLASSES)},
                                    html=_("test image {i}: true class {label}")
                                    .format(i=i, label=label)))
                continue
            p, c = self.probabilities[i], int(predicted[i])
            mark = "&#10003;" if c == label else "&#10007; " + _("wrong")
            question = Question(
                "pred", _("Which class will the network predict for test image {i}?").format(i=i),
                str(c), choices=[str(k) for k in range(compute.CLASSES)],
                hide=[cell("probs", 0, k) for k in range(compute.CLASSES)],
                explain=_("The network predicts the class of highest probability (its softmax)."),
                name=_("the network"))
            frames.append(frame(grids={"image": x[i][..., 0], "probs": p},
                                html=_("test image {i}: true class {label}; the network predicts "
                                       "<b data-q='pred'>{c} ({p:.0%}) {mark}</b>")
                                .format(i=i, label=label, c=c, p=p[c], mark=mark),
                                questions=[question]))
        probs0 = (np.zeros(compute.CLASSES) if self.probabilities is None
                  else self.probabilities[self.gallery[0]])
        self.canvas.show(
            panels=[grid("image", x[self.gallery[0]][..., 0], _("test image"), limits=(0.0, 1.0),
                         show_values=False),
                    grid("probs", probs0, _("class probabilities 0 ... 9"), cmap="viridis",
                         limits=(0.0, 1.0), show_values=True, digits=2)],
            layout=[["image", "→", "probs"]],
            sliders=[Slider("image", _("test image"), len(self.gallery),
                            labels=[f"#{i}" for i in self.gallery])],
            frames=frames)
        self.canvas.move(image=self.gallery.index(self.start))
        self._draw_below()

    # --- the task, and the maps below: follow the slider ----------------------------------
    @property
    def current(self) -> int:
        """The test-set index of the image shown."""
        return self.gallery[self.canvas.position["image"]]

    def _answered(self):
        """A wrong image counts as found once its class has been predicted (and so shown)."""
        i = self.current
        asked = [q.key for q in self.canvas.questions]
        if (i in self.wrong and i not in self.found
                and any(self.canvas.verdicts.get(k, {}).get("right") is not None for k in asked)):
            self.found.append(i)
            self.canvas.status = self._task()

    def _task(self) -> str:
        if self.model is None:
            return bad(_("<b>No model to show:</b> {error} (showing the images only)")
                       .format(error=html.escape(self.model_error)))
        n = len(self.gallery)
        line = _("<b>Task:</b> find a test image the network gets wrong ({wrong} of the {n} on "
                 "the slider are), then the feature map below that explains it: a channel that "
                 "fires on a stroke the true digit lacks, or stays dark where it should fire. "
                 "Predict each class before you see it.").format(wrong=len(self.wrong), n=n)
        if self.found:
            line += " " + _("<b>Found {found} of {wrong}</b> (after predicting): {images}.").format(
                found=len(self.found), wrong=len(self.wrong),
                images=", ".join(f"#{i}" for i in self.found))
        return ok(line) if self.found else f"<div>{line}</div>"

    def _draw_below(self):
        i = self.current
        if self.model is None:
            self.inspection = None
            self.canvas.status = self._task()
            self.figure.value = to_png(figures.feature_maps_figure(
                [], title=_("{source}: test image {i} (no model)").format(
                    source=_(self.data.source), i=i)))
            return
        if self.view.value == "filters":
            kernel = compute.first_filters(self.model)
            if kernel is None:
                self.canvas.status = bad(_("The model has no Conv2D layer: no filters to show."))
                return
            self.canvas.status = "<div>{}</div>".format(
                _("First conv layer: {n} filters of {h}x{w}x{c} (blue negative, red positive).")
                .format(n=kernel.shape[-1], h=kernel.shape[0], w=kernel.shape[1],
                        c=kernel.shape[2]))
            self.figure.value = to_png(figures.filters_figure(kernel))
            return
        self.inspection = compute.inspect(self.model, self.data.x_test[i])
        self.canvas.status = self._task()
        self.figure.value = to_png(figures.feature_maps_figure(
            self.inspection.maps,
            title=_("{source}: feature maps of test image {i}").format(source=_(self.data.source),
                                                                        i=i),
            max_maps=self.max_maps))
