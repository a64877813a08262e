"""Chapter 5's ParamCalculator: its pure compute (convlab.variants), checked against Keras'
count_params() and the multiply-adds of the layers' output shapes, and its callbacks driven from
Python."""
import html
import re

import numpy as np
import pytest

from convlab import studentfn, variants
from convlab.testing import keras
from convlab.widgets import ParamCalculator
from convlab.widgets.predict import SESSION


def keras_layer(kind, k, c_out, groups=1, multiplier=1, use_bias=False):
    L = keras().layers
    return {"standard": lambda: L.Conv2D(c_out, k, padding="same", use_bias=use_bias),
            "grouped": lambda: L.Conv2D(c_out, k, padding="same", groups=groups, use_bias=use_bias),
            "depthwise": lambda: L.DepthwiseConv2D(k, padding="same", depth_multiplier=multiplier,
                                                   use_bias=use_bias),
            "pointwise": lambda: L.Conv2D(c_out, 1, use_bias=use_bias),
            "separable": lambda: L.SeparableConv2D(c_out, k, padding="same",
                                                   depth_multiplier=multiplier,
                                                   use_bias=use_bias)}[kind]()


def keras_cost(cost, size):
    """(parameters, multiply-adds) of the Keras layer for ``cost``, on a size x size input: the
    multiply-adds from the layer's kernels (no bias) and its output shape."""
    kind, k, c_in, c_out = cost.args
    kw = dict(cost.kwargs)
    layer = keras_layer(kind, k, c_out, kw.get("groups", 1), kw.get("multiplier", 1),
                        kw["use_bias"])
    out = layer.compute_output_shape((1, size, size, c_in))
    layer.build((None, size, size, c_in))
    kernels = sum(int(np.prod(w.shape)) for w in layer.weights if "kernel" in w.path)
    if kind == "grouped":
        assert layer.kernel.shape == (k, k, c_in // kw["groups"], c_out)
    return layer.count_params(), kernels * out[1] * out[2]


SETTINGS = [dict(c_in=16, c_out=32, k=3, groups=4, multiplier=1, size=32, use_bias=False),
            dict(c_in=64, c_out=64, k=3, groups=8, multiplier=1, size=8, use_bias=False),
            dict(c_in=12, c_out=20, k=5, groups=2, multiplier=3, size=7, use_bias=True),
            dict(c_in=3, c_out=7, k=1, groups=1, multiplier=2, size=5, use_bias=True)]


@pytest.mark.parametrize("setting", SETTINGS)
def test_costs_match_keras(setting):
    costs = variants.layer_costs(**setting)
    assert [c.kind for c in costs] == list(variants.KINDS)
    for cost in costs:
        assert cost.error is None
        assert (cost.params, cost.mult_adds) == keras_cost(cost, setting["size"]), cost
        assert cost.formula.endswith(f"= {cost.params:,}")
        assert variants.layer_params(*cost.args, **dict(cost.kwargs)) == cost.params
    by = {c.kind: c for c in costs}
    if not setting["use_bias"]:   # the separable layer is exactly its two halves
        assert by["separable"].params == by["depthwise"].params + by["pointwise"].params
        assert by["separable"].mult_adds == by["depthwise"].mult_adds + by["pointwise"].mult_adds


def test_costs_of_the_chapter_text():
    by = {c.kind: c for c in variants.layer_costs(16, 32, 3, 4, 1, 32)}
    assert [by[k].params for k in ("standard", "depthwise", "pointwise", "separable")] == \
        [4608, 144, 512, 656]
    assert (by["standard"].mult_adds, by["separable"].mult_adds) == (4718592, 671744)
    assert by["standard"].formula == "3·3·16·32 = 4,608"
    assert by["separable"].formula == "3·3·16·1 + 16·32 = 656"
    assert {c.kind: c.params for c in variants.layer_costs(64, 64, 3, 8)}["grouped"] == 4608


def test_impossible_groups_and_bad_arguments():
    by = {c.kind: c for c in variants.layer_costs(16, 32, 3, 5)}
    assert by["grouped"].params is None and by["grouped"].mult_adds is None
    assert by["grouped"].error == "groups=5 must divide c_in=16 and c_out=32"
    with pytest.raises(Exception):               # Keras refuses it too
        keras_layer("grouped", 3, 32, groups=5).build((None, 8, 8, 16))
    assert all(by[k].params for k in ("standard", "depthwise", "pointwise", "separable"))
    for args, match in [(("dilated", 3, 16, 32), "kind"), (("pointwise", 3, 16, 32), "k = 1"),
                        (("depthwise", 3, 16, 32), "c_out"), (("standard", 0, 16, 32), "k")]:
        with pytest.raises(ValueError, match=match):
            variants.layer_params(*args)
    with pytest.raises(ValueError, match="size"):
        variants.layer_costs(16, 32, 3, size=0)
    with pytest.raises(ValueError, match="use_bias"):
        variants.layer_costs(16, 32, 3, use_bias="yes")


def test_run_param_fn_reports_problems_as_messages():
    cost = variants.layer_costs(16, 32, 3, 4)[1]            # grouped, 4 groups

    def stub(*args, **kwargs):
        raise NotImplementedError()
    assert "not implemented yet" in variants.run_param_fn(stub, cost).error
    assert "forget `return`" in variants.run_param_fn(lambda *a, **k: None, cost).error

    def param_count(*args, **kwargs):
        return 1 / 0
    run = variants.run_param_fn(param_count, cost)
    assert run.raised == "ZeroDivisionError"
    assert run.error.startswith("param_count('grouped', 3, 16, 32, groups=4, use_bias=False) "
                                "raised ZeroDivisionError")
    assert "not a whole number" in variants.run_param_fn(lambda *a, **k: 1152.5, cost).error
    assert "not one number" in variants.run_param_fn(lambda *a, **k: "1152", cost).error
    assert "not one number" in variants.run_param_fn(lambda *a, **k: [1152, 1], cost).error
    assert "not one number" in variants.run_param_fn(lambda *a, **k: True, cost).error
    assert variants.run_param_fn(lambda *a, **k: np.int64(1152), cost).value == 1152
    assert variants.run_param_fn(lambda *a, **k: 1152.0, cost).value == 1152
    assert variants.run_param_fn(variants.layer_params, cost) == studentfn.Run(1152, None, None)


# --- the view, driven as a person would, from Python -----------------------------------------
def keras_param_count(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False):
    """A correct param_count, by Keras (raises ValueError where the chapter's does)."""
    if kind == "grouped" and (c_in % groups or c_out % groups):
        raise ValueError(f"groups={groups} must divide c_in and c_out")
    layer = keras_layer(kind, k, c_out, groups, multiplier, use_bias)
    layer.build((None, None, None, c_in))
    return layer.count_params()


def table(w):
    """The widget's table with every row: the frame of the last kind (rows appear kind by kind)."""
    return w.canvas.frames[-1]["html"]


def shown(w, kind, column):
    """The text of one cell of the widget's table."""
    row = re.search(rf"<tr data-kind='{kind}'>(.*?)</tr>", table(w)).group(1)
    return html.unescape(re.sub("<[^>]+>", "", re.search(
        rf"class='convlab-{column}'>(.*?)</td>", row).group(1)))


def test_widget_updates_on_every_control():
    w = ParamCalculator(keras_param_count)
    assert len(w.canvas.frames) == 5 and w.kind == "standard"
    assert shown(w, "standard", "params") == "3·3·16·32 = 4,608"
    assert shown(w, "separable", "madds") == "671,744"
    assert shown(w, "grouped", "yours") == "1,152 ✓"
    assert "agrees on all 5 kinds &#10003;" in w.canvas.status
    controls = [(w.c_in, 24), (w.c_out, 48), (w.k, 5), (w.groups, 8), (w.multiplier, 2),
                (w.size, 10), (w.use_bias, True)]
    for control, value in controls:
        before = w.canvas.frames
        control.value = value
        assert w.canvas.frames != before, control.description
        assert "agrees on all 5 kinds" in w.canvas.status
        for cost in w.costs:
            assert shown(w, cost.kind, "params").endswith(f"= {cost.params:,}")
    for cost in w.costs:                                     # 24 -> 48, k=5, 8 groups, m=2, bias
        params, madds = keras_cost(cost, 10)
        assert shown(w, cost.kind, "params").endswith(f"= {params:,}")
        assert shown(w, cost.kind, "madds") == f"{madds:,}"
        assert shown(w, cost.kind, "yours") == f"{params:,} ✓"
    assert shown(w, "separable", "params") == "5·5·24·2 + 48·48 + 48 = 3,552"


def test_the_kind_slider_asks_for_each_count_before_showing_it():
    """Kind n: the table shows the rows up to n, row n's numbers hidden until predicted (data-q),
    and the question's answer is Keras' count; an impossible setting asks whether it is possible."""
    w = ParamCalculator(keras_param_count)
    SESSION.reset()
    for n, cost in enumerate(w.costs):
        w.canvas.move(kind=n)
        f, q = w.canvas.frame, w.canvas.question
        assert w.kind == cost.kind and f["upto"] == {"params": n}
        assert f["html"].count("<tr data-kind=") == n + 1
        row = re.search(rf"<tr data-kind='{cost.kind}'>(.*?)</tr>", f["html"]).group(1)
        assert row.count("data-q='p'") == 3                      # params, multiply-adds, yours
        params, _ = keras_cost(cost, 32)
        assert q.answer == params and q.student == params and cost.keras in q.text
        assert q.hide == [{"panel": "params", "row": 0, "col": n}]
    w.canvas.move(kind=0)
    assert w.canvas.submit("4608").right
    w.canvas.move(kind=4)
    verdict = w.canvas.submit("4608")                             # the separable layer: 656
    assert not verdict.right and "656" in verdict.html
    assert SESSION.as_dict() == {"right": 1, "asked": 2}
    w.groups.value = 5                                            # grouped: impossible now
    w.canvas.move(kind=1)
    q = w.canvas.question
    assert q.choices == ("possible", "impossible") and q.answer == "impossible"
    assert "groups=5" in q.text
    assert w.canvas.submit("possible").right is False
    w.canvas.move(kind=2)
    assert w.canvas.question.answer == 3 * 3 * 16 * 1


def test_widget_impossible_groups():
    w = ParamCalculator(keras_param_count, groups=4)
    w.groups.value = 5
    assert shown(w, "grouped", "params") == "impossible: groups=5 must divide c_in=16 and c_out=32"
    assert shown(w, "grouped", "yours") == "raises ValueError ✓"
    assert "agrees on all 5 kinds" in w.canvas.status

    def no_check(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False):
        return k * k * (c_in // groups) * c_out if kind == "grouped" else \
            keras_param_count(kind, k, c_in, c_out, groups, multiplier, use_bias)

    w = ParamCalculator(no_check, groups=5)
    assert shown(w, "grouped", "yours") == "returned 864; expected a ValueError ✗"
    assert "differs on 1 of 5 kinds &#10007;" in w.canvas.status


def test_widget_shows_a_wrong_or_broken_function():
    def bias_twice(kind, k, c_in, c_out, groups=1, multiplier=1, use_bias=False):
        n = keras_param_count(kind, k, c_in, c_out, groups, multiplier, use_bias)
        return n + (c_out if use_bias and kind == "separable" else 0)

    w = ParamCalculator(bias_twice, use_bias=True)
    assert shown(w, "separable", "params") == "3·3·16·1 + 16·32 + 32 = 688"
    assert shown(w, "separable", "yours") == "720 ✗"
    assert "differs on 1 of 5 kinds &#10007;" in w.canvas.status
    assert w.canvas.frames[-1]["questions"]

    def stub(*args, **kwargs):
        raise NotImplementedError()

    w = ParamCalculator(stub)
    assert "not implemented yet" in shown(w, "standard", "yours")
    assert "differs on 5 of 5 kinds" in w.canvas.status
    assert shown(w, "standard", "params") == "3·3·16·32 = 4,608"   # the true numbers still shown
    w = ParamCalculator(lambda *a, **k: None)
    assert "forget `return`" in shown(w, "depthwise", "yours")
    w = ParamCalculator(lambda *a, **k: np.ones(3))
    assert "returned an array of shape (3,), not one number" in shown(w, "pointwise", "yours")
    w = ParamCalculator(lambda *a, **k: 1 / 0)
    assert "ZeroDivisionError" in shown(w, "separable", "yours")
    w = ParamCalculator()
    assert "No function given" in w.canvas.status and "convlab-yours" not in table(w)


def test_widget_errors_inside_callbacks_are_shown(monkeypatch):
    w = ParamCalculator(keras_param_count)

    def boom(*args, **kwargs):
        raise RuntimeError("costs failed")

    monkeypatch.setattr("convlab.ch05_conv_variants.compute.layer_costs", boom)
    w.k.value = 5
    assert "widget error" in w.canvas.status and "costs failed" in w.canvas.status


def test_widget_rejects_bad_arguments():
    with pytest.raises(ValueError, match="param_fn"):
        ParamCalculator(param_fn="param_count")
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        ParamCalculator(groups=0)
    with pytest.raises(ValueError, match="c_in must be between 1 and 64; got 65"):
        ParamCalculator(c_in=65)
    with pytest.raises(ValueError, match="multiplier"):
        ParamCalculator(multiplier=1.5)
    with pytest.raises(ValueError, match="use_bias"):
        ParamCalculator(use_bias="no")
