// The browser half of convlab.widgets.canvas.StepCanvas: draws the panels of the frame chosen by
// the sliders on <canvas> elements. Every value comes from Python (traitlets); this file only
// draws, so moving a slider repaints at once, without a kernel round trip. Predictions are sent
// to Python, which judges them and sends back the verdict.
const NS = "convlab-sc";
const SEND_DELAY = 120;    // ms the sliders must rest before Python hears of the new position

function h(tag, cls, parent, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (parent) parent.appendChild(e);
  return e;
}

function setHTML(el, html) {   // only when it changed: no style and layout work for nothing
  if (el.__html !== html) {
    el.innerHTML = html;
    el.__html = html;
  }
}

function fmt(v, digits) {
  if (v === null || v === undefined) return "";
  const s = Number(Number(v).toPrecision(digits));
  return String(Object.is(s, -0) ? 0 : s);
}

const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

function colour(v, p) {
  const [lo, hi] = p.limits;
  const clamp = (t) => Math.max(0, Math.min(1, t));
  if (p.cmap === "diverging") {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const t = Math.max(-1, Math.min(1, v / m));
    const end = t >= 0 ? [178, 24, 43] : [33, 102, 172];
    const a = Math.abs(t);
    return end.map((c) => Math.round(255 + (c - 255) * a));
  }
  const t = clamp(hi > lo ? (v - lo) / (hi - lo) : 0.5);
  if (p.cmap === "viridis") {
    const x = t * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x));
    const f = x - i;
    return VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * f));
  }
  const g = Math.round(t * 255);
  return [g, g, g];
}

function render({ model, el }) {
  const root = h("div", NS, el);
  const statusEl = h("div", NS + "-status", root);
  const controlsEl = h("div", NS + "-controls", root);
  const stageEl = h("div", NS + "-stage", root);
  const frameStatusEl = h("div", NS + "-frame-status", root);
  const detailEl = h("div", NS + "-detail", root);
  const predictEl = h("div", NS + "-predict", root);

  let views = {};          // panel id -> {p, ctx, titleEl, cs, rows, cols}
  let sliderViews = [];    // {spec, input, valueEl}
  let toggle = null;       // the "predict first" checkbox
  let index = model.get("index");
  let built = -1;          // the version the DOM was built for
  let timer = null;
  let sendTimer = null;
  let predictState = null; // what the prediction box shows (rebuilt only when it changes)

  const sliders = () => model.get("sliders") || [];
  // every word the browser shows comes from Python (canvas.BROWSER_TEXTS, in the student's language)
  const text = (key) => (model.get("texts") || {})[key] || key;
  function positions(i) {
    const sl = sliders(), out = new Array(sl.length);
    for (let j = sl.length - 1; j >= 0; j--) {
      out[j] = i % sl[j].size;
      i = Math.floor(i / sl[j].size);
    }
    return out;
  }
  function flat(pos) {
    return sliders().reduce((acc, s, j) => acc * s.size + pos[j], 0);
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    for (const s of sliderViews) if (s.playButton) s.playButton.textContent = "▶";
  }

  function go(i) {          // a move made here: paint at once, then tell Python
    if (i === index) return;
    index = i;
    paint();
    // tell Python once the slider rests (a key held down or a burst of presses sends one
    // message): the frame is on screen first, and the kernel's busy/idle traffic stays off the
    // path of the next press
    clearTimeout(sendTimer);
    sendTimer = setTimeout(() => {
      if (model.get("index") === index) return;
      model.set("index", index);
      model.save_changes();
    }, SEND_DELAY);
  }

  function build() {
    stop();
    built = model.get("version");
    stageEl.replaceChildren();
    controlsEl.replaceChildren();
    views = {};
    sliderViews = [];
    const panels = {};
    for (const p of model.get("panels") || []) panels[p.id] = p;
    for (const row of model.get("rows") || []) {
      const rowEl = h("div", NS + "-row", stageEl);
      for (const item of row) {
        const p = panels[item];
        if (!p) {
          h("div", NS + "-op", rowEl, item);
          continue;
        }
        const fig = h("figure", NS + "-panel", rowEl);
        fig.dataset.panel = p.id;
        const titleEl = h("figcaption", NS + "-panel-title", fig, p.title);
        const [rows, cols] = p.shape;
        const cs = p.cell_px || Math.max(10, Math.min(34, Math.floor(300 / Math.max(rows, cols))));
        const canvas = h("canvas", null, fig);
        const dpr = window.devicePixelRatio || 1;
        canvas.width = Math.round(cols * cs * dpr);
        canvas.height = Math.round(rows * cs * dpr);
        canvas.style.width = cols * cs + "px";
        canvas.style.height = rows * cs + "px";
        const ctx = canvas.getContext("2d");
        ctx.scale(dpr, dpr);
        views[p.id] = { p, ctx, canvas, titleEl, cs, rows, cols, base: null };
      }
    }
    sliders().forEach((spec, j) => {
      const wrap = h("label", NS + "-slider", controlsEl);
      wrap.dataset.slider = spec.name;
      h("span", NS + "-slider-label", wrap, spec.label);
      const view = { spec };
      if (spec.play) {
        const b = h("button", NS + "-play", wrap, "▶");
        b.type = "button";
        b.title = text("play");
        b.addEventListener("click", (e) => {
          e.preventDefault();
          if (timer !== null) return stop();
          const start = positions(index);
          if (start[j] >= spec.size - 1) { start[j] = 0; go(flat(start)); }
          b.textContent = "⏸";
          timer = setInterval(() => {
            const pos = positions(index);
            if (pos[j] >= spec.size - 1) return stop();
            pos[j] += 1;
            go(flat(pos));
          }, spec.interval);
        });
        view.playButton = b;
      }
      const input = h("input", null, wrap);
      Object.assign(input, { type: "range", min: 0, max: spec.size - 1, step: 1 });
      input.setAttribute("aria-label", spec.label);
      // arrow keys belong to the slider, not to JupyterLab's notebook shortcuts
      input.addEventListener("keydown", (e) => e.stopPropagation());
      input.addEventListener("input", () => {
        const pos = positions(index);
        pos[j] = Number(input.value);
        go(flat(pos));
      });
      view.input = input;
      view.valueEl = h("span", NS + "-slider-value", wrap);
      sliderViews.push(view);
    });
    const t = h("label", NS + "-predict-toggle", controlsEl);
    toggle = h("input", null, t);
    toggle.type = "checkbox";
    h("span", null, t, text("predict_toggle"));
    toggle.addEventListener("change", () => {
      model.set("predict", toggle.checked);
      model.save_changes();
      paint();
    });
    predictState = null;
  }

  // A panel's cells and grid lines, drawn once per (values, upto) into an offscreen canvas: a
  // step then only copies it and draws what moves (boxes, marks, hidden cells).
  function baseLayer(v, vals, upto) {
    if (v.base && v.base.vals === vals && v.base.upto === upto) return v.base.canvas;
    const { p, cs, rows, cols, canvas } = v;
    const off = v.base ? v.base.canvas : document.createElement("canvas");
    off.width = canvas.width;
    off.height = canvas.height;
    const ctx = off.getContext("2d");
    ctx.setTransform(canvas.width / (cols * cs), 0, 0, canvas.height / (rows * cs), 0, 0);
    ctx.clearRect(0, 0, cols * cs, rows * cs);
    const font = Math.max(8, Math.floor(cs * 0.34));
    ctx.font = `${font}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const x = c * cs, y = r * cs;
        const val = vals[r][c];
        if (r * cols + c > upto || val === null) {
          ctx.fillStyle = "#f3f3f3";
          ctx.fillRect(x, y, cs, cs);
          continue;
        }
        const [R, G, B] = colour(val, p);
        ctx.fillStyle = `rgb(${R},${G},${B})`;
        ctx.fillRect(x, y, cs, cs);
        if (p.show_values && cs >= 16) {
          const text = fmt(val, p.digits);
          // shrink long numbers to fit their cell (about 0.6 em per character)
          const px = Math.max(7, Math.min(font, Math.floor((cs - 3) / (0.6 * text.length))));
          if (px !== font) ctx.font = `${px}px sans-serif`;
          ctx.fillStyle = 0.299 * R + 0.587 * G + 0.114 * B > 140 ? "#111" : "#fff";
          ctx.fillText(text, x + cs / 2, y + cs / 2);
          if (px !== font) ctx.font = `${font}px sans-serif`;
        }
      }
    }
    ctx.strokeStyle = "rgba(0,0,0,0.18)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r <= rows; r++) { ctx.moveTo(0, r * cs + 0.5); ctx.lineTo(cols * cs, r * cs + 0.5); }
    for (let c = 0; c <= cols; c++) { ctx.moveTo(c * cs + 0.5, 0); ctx.lineTo(c * cs + 0.5, rows * cs); }
    ctx.stroke();
    v.base = { vals, upto, canvas: off };
    return off;
  }

  function drawPanel(v, f, hidden) {
    const { p, ctx, cs, rows, cols } = v;
    const vals = (f.grids && f.grids[p.id]) || p.values;
    const upto = f.upto && p.id in f.upto ? f.upto[p.id] : Infinity;
    const title = (f.titles && f.titles[p.id]) || p.title;
    if (v.titleEl.textContent !== title) v.titleEl.textContent = title;
    const base = baseLayer(v, vals, upto);
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, base.width, base.height);
    ctx.drawImage(base, 0, 0);
    ctx.restore();
    ctx.font = `${Math.max(8, Math.floor(cs * 0.34))}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const key of hidden || []) {
      const [r, c] = key.split(",").map(Number);
      ctx.fillStyle = "#fff3bf";
      ctx.fillRect(c * cs, r * cs, cs, cs);
      ctx.fillStyle = "#8a6d00";
      ctx.fillText("?", c * cs + cs / 2, r * cs + cs / 2);
    }
    ctx.lineWidth = 2;
    ctx.strokeStyle = "#b00020";
    const marks = (p.marks || []).concat((f.marks || []).filter((m) => m.panel === p.id)
      .map((m) => [m.row, m.col]));
    for (const [r, c] of marks) {
      if (r * cols + c > upto || (hidden && hidden.has(r + "," + c))) continue;
      ctx.strokeRect(c * cs + 2, r * cs + 2, cs - 4, cs - 4);
    }
    ctx.lineWidth = 3;
    for (const b of f.boxes || []) {
      if (b.panel !== p.id) continue;
      ctx.strokeStyle = b.color;
      ctx.strokeRect(b.col * cs + 1.5, b.row * cs + 1.5, b.w * cs - 3, b.h * cs - 3);
    }
  }

  function send(key, value) {
    model.send({ type: "answer", key, value: String(value) });
  }

  function updatePredict(f, open, verdicts, predicting) {
    const q = predicting ? open[0] : undefined;
    const answered = f.questions.filter((x) => verdicts[x.key] && verdicts[x.key].right !== null);
    const last = answered.length ? verdicts[answered[answered.length - 1].key] : null;
    const unread = q && verdicts[q.key] ? verdicts[q.key].html : "";
    const score = model.get("score") || {};
    const state = JSON.stringify([q ? q.key : "", unread, last ? last.html : "", score]);
    if (state === predictState) return;   // keep the input, and what is typed in it, alive
    predictState = state;
    predictEl.replaceChildren();
    if (last) h("div", NS + "-verdict", predictEl).innerHTML = last.html;
    if (q) {
      const form = h("form", NS + "-ask", predictEl);
      form.dataset.key = q.key;
      h("span", NS + "-question", form, q.text + " ");
      if (q.choices) {
        for (const choice of q.choices) {
          const b = h("button", NS + "-choice", form, choice);
          b.type = "button";
          b.addEventListener("click", () => send(q.key, choice));
        }
      } else {
        const input = h("input", NS + "-answer", form);
        input.type = "text";
        input.placeholder = text("placeholder");
        input.setAttribute("aria-label", q.text);
        input.addEventListener("keydown", (e) => e.stopPropagation());
        const b = h("button", NS + "-check", form, text("check"));
        b.type = "submit";
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          send(q.key, input.value);
        });
      }
      if (unread) h("div", NS + "-unread", form).innerHTML = unread;
    }
    h("div", NS + "-score", predictEl, text("score")
      .replace("{right}", String(score.right || 0)).replace("{asked}", String(score.asked || 0)));
  }

  function paint() {
    if (model.get("version") !== built) build();
    const frames = model.get("frames") || [];
    if (!frames.length) return;
    if (index >= frames.length) index = frames.length - 1;
    const f = frames[index];
    const predicting = model.get("predict");
    const verdicts = model.get("verdicts") || {};
    const open = f.questions.filter((q) => !(verdicts[q.key] && verdicts[q.key].right !== null));
    const hide = {};
    if (predicting) {
      for (const q of open) {
        for (const c of q.hide) (hide[c.panel] = hide[c.panel] || new Set()).add(c.row + "," + c.col);
      }
    }
    for (const id in views) drawPanel(views[id], f, hide[id]);
    const pos = positions(index);
    sliderViews.forEach((s, j) => {
      if (Number(s.input.value) !== pos[j]) s.input.value = pos[j];
      s.valueEl.textContent = s.spec.labels ? s.spec.labels[pos[j]] : String(pos[j]);
    });
    if (toggle) toggle.checked = predicting;
    setHTML(statusEl, model.get("status") || "");
    setHTML(frameStatusEl, f.status || "");
    detailEl.innerHTML = f.html || "";
    if (predicting) {
      for (const q of open) {
        for (const s of detailEl.querySelectorAll(`[data-q="${CSS.escape(q.id)}"]`)) {
          s.textContent = "?";
          s.classList.add(NS + "-masked");
        }
      }
    }
    updatePredict(f, open, verdicts, predicting);
    root.dataset.index = String(index);
    const painted = index;
    // the new frame is on screen at the next animation frame: that is when the repaint is done
    requestAnimationFrame(() => {
      root.dataset.painted = String(painted);
      root.dispatchEvent(new CustomEvent("convlab-painted", { bubbles: true, detail: { index: painted } }));
    });
  }

  const repaint = () => paint();
  const rebuild = () => { index = model.get("index"); build(); paint(); };
  const moved = () => {
    const i = model.get("index");
    if (i !== index) { index = i; paint(); }
  };
  const restatus = () => setHTML(statusEl, model.get("status") || "");
  const handlers = [["change:version", rebuild], ["change:index", moved],
                    ["change:verdicts", repaint], ["change:predict", repaint],
                    ["change:score", repaint], ["change:status", restatus]];
  for (const [event, fn] of handlers) model.on(event, fn);
  build();
  paint();
  return () => {
    stop();
    clearTimeout(sendTimer);
    for (const [event, fn] of handlers) model.off(event, fn);
  };
}

export default { render };
