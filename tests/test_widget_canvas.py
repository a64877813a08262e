"""The canvas widget base (convlab.widgets.canvas) and predict-then-check (convlab.widgets.predict),
driven from Python as the browser would drive them (no browser)."""
import json
from pathlib import Path

import numpy as np
import pytest

from convlab.widgets import canvas, predict
from convlab.widgets.canvas import StepCanvas, Slider, box, cell, frame, grid
from convlab.widgets.predict import Question, judge


@pytest.fixture(autouse=True)
def fresh_score():
    predict.SESSION.reset()
    yield
    predict.SESSION.reset()


def filled_canvas(n_steps=3, n_filters=2):
    """A canvas whose frame (s, f) asks for the value s + 10 f; the 'student' is off by one on
    filter 1."""
    c = StepCanvas(name="test")
    frames = [frame(boxes=[box("x", s, 0)], upto={"x": s}, html=f"<b data-q='v'>{s + 10 * f}</b>",
                    questions=[Question("v", f"value at {s}, {f}?", float(s + 10 * f),
                                        student=float(s + 10 * f + f), hide=[cell("x", s, 0)],
                                        name="my_fn")])
              for s in range(n_steps) for f in range(n_filters)]
    c.show(panels=[grid("x", np.arange(n_steps * 2.0).reshape(n_steps, 2))], layout=[["x"]],
           sliders=[Slider("step", "step", n_steps), Slider("f", "filter", n_filters)],
           frames=frames)
    return c


def test_frames_are_row_major_over_the_sliders_last_fastest():
    c = filled_canvas()
    c.move(step=2, f=1)
    assert c.index == 2 * 2 + 1 and c.position == {"step": 2, "f": 1}
    assert c.frame["boxes"] == [box("x", 2, 0)] and c.question.answer == 12.0
    c.index = 2                                   # what the browser sends after a keypress
    assert c.position == {"step": 1, "f": 0}
    with pytest.raises(ValueError, match="no position"):
        c.move(step=3)


def test_what_goes_to_the_browser_is_json_without_the_answers():
    c = filled_canvas()
    sent = json.dumps({"frames": c.frames, "panels": c.panels, "sliders": c.sliders})
    q = c.frames[5]["questions"][0]
    assert set(q) == {"key", "id", "text", "hide", "choices"} and q["id"] == "v"
    assert "12.0" not in json.dumps(c.frames[5]["questions"])
    nan = grid("g", [[np.nan, 1.0], [np.inf, -0.0]])
    assert nan["values"] == [[None, 1.0], [None, 0.0]] and json.dumps(nan, allow_nan=False)
    assert sent


def test_the_canvas_keeps_the_widget_traits_it_inherits():
    c = filled_canvas()
    c.layout.width = "600px"                      # every DOMWidget's Layout, untouched
    assert c.rows == [["x"]] and c.layout.width == "600px"


def test_show_rejects_what_it_cannot_draw():
    c = StepCanvas()
    with pytest.raises(ValueError, match="3 frames for 2 slider positions"):
        c.show(panels=[grid("x", [[1.0]])], layout=[["x"]], sliders=[Slider("s", "s", 2)],
               frames=[frame()] * 3)
    with pytest.raises(ValueError, match="unknown panel 'y'"):
        c.show(panels=[grid("x", [[1.0]])], layout=[["x"]], sliders=[Slider("s", "s", 1)],
               frames=[frame(questions=[Question("q", "?", 1.0, hide=[cell("y", 0, 0)])])])
    with pytest.raises(ValueError, match="grid 'x' has shape \\(2, 2\\); the panel has \\(1, 1\\)"):
        c.show(panels=[grid("x", [[1.0]])], layout=[["x"]], sliders=[Slider("s", "s", 1)],
               frames=[frame(grids={"x": np.ones((2, 2))})])
    with pytest.raises(ValueError, match="upto of unknown panel"):
        c.show(panels=[grid("x", [[1.0]])], layout=[["x"]], sliders=[Slider("s", "s", 1)],
               frames=[frame(upto={"out": 0})])
    with pytest.raises(ValueError, match="unknown panel 'y'"):
        c.show(panels=[grid("x", [[1.0]])], layout=[["x"]], sliders=[Slider("s", "s", 1)],
               frames=[frame(boxes=[box("y", 0, 0)])])
    with pytest.raises(ValueError, match="cmap"):
        grid("x", [[1.0]], cmap="jet")
    with pytest.raises(ValueError, match="2 labels for 3"):
        Slider("s", "s", 3, labels=["a", "b"]).to_json()


def test_predictions_are_judged_against_the_reference_and_scored_once():
    c = filled_canvas()
    c.move(step=1, f=1)                           # reference 11, the student's function gives 12
    v = c.submit("12")
    assert v.right is False and v.counted
    assert "my_fn gives 12" in v.html and "wrong here" in v.html
    assert predict.SESSION.as_dict() == {"right": 0, "asked": 1} == c.score
    assert c.question is None                     # answered: the browser now shows the value
    v = c.submit("11", key=c.frames[c.index]["questions"][0]["key"])
    assert v.right is True and not v.counted      # a second try is judged, not counted
    assert predict.SESSION.as_dict() == {"right": 0, "asked": 1}
    c.move(step=2, f=0)                           # reference 2, the student agrees
    v = c.submit("2.01")
    assert v.right and v.counted and "gives" not in v.html
    assert c.score == {"right": 1, "asked": 2}


def test_unreadable_predictions_count_nothing_and_keep_the_question_open():
    c = filled_canvas()
    v = c.submit("about three")
    assert v.right is None and "expected one number" in v.html
    assert c.question is not None and predict.SESSION.asked == 0


def test_the_score_is_shared_by_every_widget_of_the_session():
    a, b = filled_canvas(), filled_canvas()
    a.submit("0")
    b.move(step=1)
    b.submit("5")
    assert a.score == b.score == {"right": 1, "asked": 2}


def test_the_browser_message_is_judged_like_submit():
    c = filled_canvas()
    key = c.frames[0]["questions"][0]["key"]
    c._on_msg(c, {"type": "answer", "key": key, "value": "0"}, [])
    assert c.verdicts[key]["right"] is True
    c._on_msg(c, {"type": "answer", "key": "no-such-key", "value": "0"}, [])
    assert "prediction not checked" in c.status


def test_new_data_starts_new_questions():
    c = filled_canvas()
    c.move(step=2)
    old = c.question.key
    c.submit("2")
    c.show(panels=[grid("x", np.zeros((3, 2)))], layout=[["x"]],
           sliders=[Slider("step", "step", 3), Slider("f", "filter", 2)],
           frames=[frame(questions=[Question("v", "?", 1.0)])] * 6)
    assert c.position == {"step": 2, "f": 0}      # the position survives new data
    assert c.verdicts == {} and c.question.key != old


@pytest.mark.parametrize("answer, text, right", [
    (3.25, "3.25", True), (3.25, "3.26", True), (3.25, "3.3", False), (100.0, "100.9", True),
    (100.0, "102", False), (-0.5, "−0.5", True), (4, "4", True), (4, "4.001", False),
    (np.int64(6), "6", True), ((1, 2), "(1, 2)", True), ((1, 2), "1 3", False),
    ("max", "MAX", True), ("max", "avg", False)])
def test_judge(answer, text, right):
    q = Question("q", "?", answer, choices=("max", "avg") if isinstance(answer, str) else None)
    assert judge(q, text).right is right


def test_the_browser_files_ship_with_the_package():
    static = Path(canvas.__file__).parent / "static"
    js, css = (static / "stepcanvas.js").read_text(), (static / "stepcanvas.css").read_text()
    assert "export default { render }" in js and "convlab-sc" in css
    assert str(StepCanvas()._esm) == js         # anywidget sends the file's text
    import tomllib
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["package-data"]["convlab"]
    assert "widgets/static/*.js" in data and "widgets/static/*.css" in data
