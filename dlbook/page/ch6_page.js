// Chapter 6 in the page (render.py inlines this file after page.js): 6.4.5's step-through of the 2-2-2
// network and 6.4.4's XOR network trained live. The maths is ch6_models.js's (no DOM); this file draws,
// wires the controls, and adds to window.dlbook:
//   run("backprop", {inputs, targets, weights, biases, lr, iterations, no_bias}) and
//   run("xor", {w1, b1, w2, b2, lr, steps}): ch6_models' backprop and xor, from the scripts' settings
//     (data.ch6, written by dlbook/page/ch6.py) where the input leaves a field out;
//   timeCh6(): each widget's time per step in this browser, shown in its .timing line.
// Each widget keeps its settings in the URL fragment (#backprop-weights=0.1,0.2,...&xor-seed=7), so a
// link restores them.
(function () {
  "use strict";
  const dl = window.dlbook, m = globalThis.dlbookModels.ch6;
  // data.ch6, once a widget is mounted; on dl, shared by each copy of this file (a notebook's outputs each carry one)
  const settings = dl.ch6Settings = dl.ch6Settings || {backprop: {}, xor: {}};
  const plain = (result) => Object.fromEntries(Object.entries(result).map(
    ([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v) : v]));  // typed arrays as arrays, for JSON

  const chapter8Run = dl.run;
  const RUN = {
    backprop: (input) => plain(m.backprop({...settings.backprop, ...input})),
    xor: (input) => plain(m.xor({lr: settings.xor.lr, steps: settings.xor.steps, ...input})),
  };
  dl.run = (name, input) => (RUN[name] ? RUN[name](input) : chapter8Run(name, input));

  // ---- small DOM helpers ----
  const SVG = "http://www.w3.org/2000/svg";
  function el(tag, attrs, parent, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  const fmt = (v) => v.toFixed(9);  // as the script prints ({:.9f})
  // A number as shown, with its exact value for tests and copying: data-value holds every digit.
  function number(parent, key, value, tag) {
    return el(tag || "span", {"data-key": key, "data-value": String(value)}, parent, fmt(value));
  }
  function field(parent, name, label, value, size) {
    const box = el("label", {}, parent, label + " ");
    return el("input", {name, value, size: size || 8, spellcheck: "false"}, box);
  }
  function button(parent, text, title) {
    return el("button", {type: "button", title: title || ""}, parent, text);
  }

  // ---- the URL fragment: key=value pairs joined by &, other keys (#benchmark) left as they are ----
  // Only the gallery page's own widgets write it: a notebook's output must not rewrite Jupyter's URL.
  const ownsHash = () => document.body.classList.contains("dlbook-live");
  function readHash() {
    const pairs = location.hash.slice(1).split("&").filter(Boolean).map((p) => p.split("="));
    return Object.fromEntries(pairs.map(([k, v]) => [decodeURIComponent(k), decodeURIComponent(v || "")]));
  }
  function writeHash(values) {  // {key: text, or null to remove it}
    if (!ownsHash()) return;
    const all = {...readHash(), ...values};
    const text = Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => (v === "" ? k : k + "=" + v)).join("&");
    history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
  }

  // E_total or a loss over the iterations on a log axis (exact zeros drawn at `floor`, as the scripts do).
  function plotLog(canvas, values, floor, label) {
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, pad = 4;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
    if (!values.length) return;
    const logs = Array.from(values, (v) => Math.log10(Math.max(v, floor)));
    const hi = Math.max(...logs), lo = Math.min(...logs), span = Math.max(hi - lo, 1e-9);
    const x = (i) => pad + (w - 2 * pad) * i / Math.max(values.length - 1, 1);
    const y = (l) => h - pad - 12 - (h - 2 * pad - 24) * (l - lo) / span;
    ctx.strokeStyle = "#1f77b4";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    const stride = Math.max(1, Math.floor(values.length / (2 * w)));  // at most two points per pixel
    for (let i = 0; i < values.length; i += stride) (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(i), y(logs[i]));
    ctx.lineTo(x(values.length - 1), y(logs[logs.length - 1]));
    ctx.stroke();
    ctx.fillStyle = "#333";
    ctx.font = "11px sans-serif";
    ctx.fillText(label + " (log scale) max " + (10 ** hi).toPrecision(3), pad + 2, pad + 10);
    ctx.fillText("min " + (10 ** lo).toPrecision(3) + " · " + (values.length - 1) + " steps", pad + 2, h - pad - 1);
  }

  // ---- 6.4.5: the 2-2-2 network step by step ----
  const FIELDS = ["inputs", "targets", "weights", "biases", "lr", "iterations"];
  const LENGTHS = {inputs: 2, targets: 2, weights: 8, biases: 2};
  // Figs 6-30..6-35's layout: i1 i2 -> h1 h2 -> o1 o2; w1..w8 in unpack's order.
  const NODES = {i1: [170, 80], i2: [170, 240], h1: [390, 80], h2: [390, 240], o1: [610, 80], o2: [610, 240]};
  const EDGES = [["i1", "h1"], ["i2", "h1"], ["i1", "h2"], ["i2", "h2"], ["h1", "o1"], ["h2", "o1"], ["h1", "o2"], ["h2", "o2"]];

  function mountBackprop(root, data) {
    settings.backprop = (data.ch6 || {}).backprop || m.BACKPROP_DEFAULTS;
    const start = settings.backprop, hash = readHash();
    const form = el("div", {class: "controls ch6-fields"}, root);
    const inputs = {};
    for (const name of FIELDS) {
      const value = hash["backprop-" + name] !== undefined ? hash["backprop-" + name].split(",").join(" ")
        : [].concat(start[name]).join(" ");
      inputs[name] = field(form, name, name, value, LENGTHS[name] ? 5 * LENGTHS[name] : 6);
    }
    const noBiasBox = el("label", {}, form);
    const noBias = el("input", {type: "checkbox", name: "no_bias"}, noBiasBox);
    noBiasBox.appendChild(document.createTextNode(" bias-free (the book's variant, --no-bias) · 无偏置"));
    noBias.checked = hash["backprop-no-bias"] !== undefined ? hash["backprop-no-bias"] === "1" : !!start.no_bias;
    const buttons = el("div", {class: "controls"}, root);
    const forwardButton = button(buttons, "forward · 前向");
    const backwardButton = button(buttons, "backward · 反向");
    const updateButton = button(buttons, "update · 更新");
    const runButton = button(buttons, "run N iterations · 迭代N次", "N: the iterations field");
    const resetButton = button(buttons, "reset · 重置");
    const message = el("div", {class: "ch6-message", role: "alert"}, root);
    const svg = el("svg:svg", {viewBox: "0 0 800 350", class: "ch6-net", role: "img",
                               "aria-label": "the 2-2-2 network: nodes with net input and output, edges with weights"}, root);
    const row = el("div", {class: "live-row"}, root);
    const chains = el("pre", {class: "ch6-chain"}, row);
    const side = el("div", {}, row);
    const curve = el("canvas", {width: 250, height: 130, class: "ch6-curve", "aria-label": "E_total over the iterations"}, side);
    const counter = el("div", {class: "note"}, side);
    const timing = el("p", {class: "timing"}, root);

    let s, w, iteration, errors, fwd, grads, lastUpdate;
    function read() {  // the fields as ch6_models' input: an Error naming the field if one is not numbers
      const input = {no_bias: noBias.checked};
      for (const name of FIELDS) {
        const values = inputs[name].value.trim().split(/[\s,]+/).map(Number);
        input[name] = LENGTHS[name] ? values : values[0];
      }
      return m.checkBackprop(input);
    }
    function reset() {
      try {
        s = read();
      } catch (err) {
        s = null;  // the buttons wait for a valid field
        message.textContent = err.message;
        return;
      }
      message.textContent = "";
      w = s.weights.slice();
      iteration = 0;
      errors = [m.totalError(s.inputs, s.targets, w, s.biases)];
      fwd = grads = lastUpdate = null;
      const differs = (name) => String([].concat(start[name])) !== String([].concat(s[name]));
      const values = {};
      for (const name of FIELDS) values["backprop-" + name] = differs(name) && !(name === "biases" && s.no_bias) ? String([].concat(s[name])) : null;
      values["backprop-no-bias"] = s.no_bias !== !!start.no_bias ? (s.no_bias ? "1" : "0") : null;
      writeHash(values);
      render();
    }
    const forward = () => { fwd = m.forward(s.inputs, w, s.biases); render(); };
    const backward = () => { if (!fwd) fwd = m.forward(s.inputs, w, s.biases); grads = m.backward(s.inputs, s.targets, w, s.biases); render(); };
    function update() {
      if (!grads) backward();
      const stepped = m.update(w, grads.grad, s.lr);
      lastUpdate = {old: w, grad: grads.grad, stepped, E: m.totalError(s.inputs, s.targets, stepped, s.biases)};
      w = stepped;
      iteration += 1;
      errors.push(lastUpdate.E);
      fwd = grads = null;  // the old forward values no longer hold for the new weights
      render();
    }
    function run() {  // as ch6_models.backprop's loop (and the script's train()): errors[k] after k updates
      for (let i = 0; i < s.iterations; i++) {
        w = m.update(w, m.backward(s.inputs, s.targets, w, s.biases).grad, s.lr);
        errors.push(m.totalError(s.inputs, s.targets, w, s.biases));
      }
      iteration += s.iterations;
      lastUpdate = grads = null;
      fwd = m.forward(s.inputs, w, s.biases);
      render();
    }

    function render() {
      svg.textContent = "";
      el("svg:text", {x: 390, y: 340, "text-anchor": "middle", class: "value"}, svg, s.no_bias ? "no biases (--no-bias, as in the book)"
        : "biases b1 = " + s.biases[0] + " (hidden), b2 = " + s.biases[1] + " (output), held fixed; learning rate " + s.lr);
      const x = s.inputs, t = s.targets;
      const E = fwd && [0.5 * (t[0] - fwd.o[0]) ** 2, 0.5 * (t[1] - fwd.o[1]) ** 2];
      EDGES.forEach(([a, b], k) => {
        const [x0, y0] = NODES[a], [x1, y1] = NODES[b];
        el("svg:line", {x1: x0, y1: y0, x2: x1, y2: y1, class: grads ? "edge back" : "edge"}, svg);
        // straight edges labelled at the middle (above the top row, below the bottom one), crossing
        // ones near their start, so that the two labels keep clear of the crossing (as the figures do)
        const straight = y0 === y1, at = straight ? 0.5 : 0.2;
        const lx = x0 + at * (x1 - x0), ly = y0 + at * (y1 - y0) + (straight ? (y0 < 160 ? -24 : 20) : (y0 < 160 ? 16 : -24));
        const label = el("svg:text", {x: lx, y: ly, class: "w", "text-anchor": "middle"}, svg);
        el("svg:tspan", {}, label, "w" + (k + 1) + " = ");
        number(label, "w" + (k + 1), w[k], "svg:tspan");
        if (grads) {
          const g = el("svg:text", {x: lx, y: ly + 13, class: "grad", "text-anchor": "middle"}, svg);
          el("svg:tspan", {}, g, "∂E/∂w" + (k + 1) + " = ");
          number(g, "dE_dw" + (k + 1), grads.grad[k], "svg:tspan");
        }
      });
      for (const [name, [cx, cy]] of Object.entries(NODES)) {
        el("svg:circle", {cx, cy, r: 24, class: "node " + name[0]}, svg);
        el("svg:text", {x: cx, y: cy + 5, "text-anchor": "middle", class: "name"}, svg, name);
        const k = Number(name[1]) - 1, below = cy > 160, lines = [];
        if (name[0] === "i") {  // left of the node, clear of the edges' labels
          const line = el("svg:text", {x: cx - 30, y: cy + 4, "text-anchor": "end", class: "value"}, svg);
          el("svg:tspan", {}, line, name + " = ");
          number(line, name, x[k], "svg:tspan");
        } else if (fwd) {
          const z = name[0] === "h" ? fwd.z_h : fwd.z_o, out = name[0] === "h" ? fwd.h : fwd.o;
          lines.push(["net z_" + name, "z_" + name, z[k]], ["out " + name, name, out[k]]);
        }
        lines.forEach(([text, key, value], j) => {
          const y = below ? cy + 52 + 14 * j : cy - 44 - 14 * (lines.length - 1 - j);
          const line = el("svg:text", {x: cx, y, "text-anchor": "middle", class: "value"}, svg);
          el("svg:tspan", {}, line, text + " = ");
          number(line, key, value, "svg:tspan");
        });
        if (name[0] === "o") {
          const line = el("svg:text", {x: cx + 32, y: cy + 4, class: "value"}, svg);
          el("svg:tspan", {}, line, "target " + t[k]);
          if (E) {
            el("svg:tspan", {x: cx + 32, dy: 14}, line, "E_" + name + " = ");
            number(line, "E_" + name, E[k], "svg:tspan");
          }
        }
      }
      const total = el("svg:text", {x: 642, y: 164, class: "value"}, svg);
      if (E) {
        el("svg:tspan", {}, total, "E_total = ");
        number(total, "E_total", E[0] + E[1], "svg:tspan");
      }
      renderChains();
      plotLog(curve, errors, 1e-300, "E_total");
      counter.textContent = "iterations so far: " + iteration + " · E_total now " + fmt(errors[errors.length - 1]) + " · 已迭代次数";
      counter.dataset.value = String(errors[errors.length - 1]);
      root.dataset.iteration = iteration;
    }

    // The chains to w5 and w1, and the update, in the script's own lines (one_step's prints).
    function line(parts) {  // parts: text, or [key, value] for a number
      for (const p of parts) (typeof p === "string" ? chains.appendChild(document.createTextNode(p)) : number(chains, p[0], p[1]));
      chains.appendChild(document.createTextNode("\n"));
    }
    function renderChains() {
      chains.textContent = "";
      if (lastUpdate) {
        line(["-- 4) one gradient step, all weights from the same (old) gradients: w -= lr · dE/dw --"]);
        for (let k = 0; k < 8; k++) {
          const g = lastUpdate.grad[k];
          line(["w" + (k + 1) + ": ", ["old_w" + (k + 1), lastUpdate.old[k]], " - " + s.lr + " · ",
                ...(g >= 0 ? [["step_dE_dw" + (k + 1), g]] : ["(", ["step_dE_dw" + (k + 1), g], ")"]),
                " = ", ["stepped_w" + (k + 1), lastUpdate.stepped[k]]]);
        }
        line(["E_total after one step = ", ["E_total_after_step", lastUpdate.E]]);
        return;
      }
      if (!grads) {
        chains.textContent = fwd ? "Press backward for the chain rule to w5 and w1 · 按“反向”查看链式法则"
          : "Press forward · 按“前向”开始";
        return;
      }
      const g = grads, h = fwd.h, x = s.inputs;
      line(["-- 2) backward: output layer, dE/dw5 along f(z_o1) -> z_o1 -> w5 --"]);
      line(["dE/do1     = o1 - target1 = ", ["dE_do1", g.dE_do[0]]]);
      line(["do1/dz_o1  = o1 (1 - o1)  = ", ["do1_dz_o1", g.do_dz[0]]]);
      line(["dz_o1/dw5  = h1           = ", ["dz_o1_dw5", h[0]]]);
      line(["dE/dw5 = ", ["w5_factor1", g.dE_do[0]], " · ", ["w5_factor2", g.do_dz[0]], " · ", ["w5_factor3", h[0]],
            " = ", ["chain_dE_dw5", g.grad[4]]]);
      line(["-- 3) backward: hidden layer, dE/dw1 collects the error from o1 and o2 --"]);
      line(["dE_o1/dh1  = dE/do1 · do1/dz_o1 · w5 = ", ["dE_o1_dh1", g.dE_dh_parts[0][0]]]);
      line(["dE_o2/dh1  = dE/do2 · do2/dz_o2 · w7 = ", ["dE_o2_dh1", g.dE_dh_parts[1][0]]]);
      line(["dE/dh1     = dE_o1/dh1 + dE_o2/dh1  = ", ["dE_dh1", g.dE_dh[0]]]);
      line(["dh1/dz_h1  = h1 (1 - h1)            = ", ["dh1_dz_h1", g.dh_dz[0]]]);
      line(["dz_h1/dw1  = i1                     = ", ["dz_h1_dw1", x[0]]]);
      line(["dE/dw1 = ", ["w1_factor1", g.dE_dh[0]], " · ", ["w1_factor2", g.dh_dz[0]], " · ", ["w1_factor3", x[0]],
            " = ", ["chain_dE_dw1", g.grad[0]]]);
    }

    const act = (f) => () => { if (s) f(); };  // nothing to do while a field is wrong
    forwardButton.addEventListener("click", act(forward));
    backwardButton.addEventListener("click", act(backward));
    updateButton.addEventListener("click", act(update));
    runButton.addEventListener("click", act(run));
    resetButton.addEventListener("click", reset);
    for (const input of [...Object.values(inputs), noBias]) input.addEventListener("change", reset);
    root.dlbookTime = function () {  // ms per training iteration (the maths), and per redraw of the widget
      const x = s.inputs, t = s.targets, b = s.biases, n = 20000;
      let v = s.weights, t0 = performance.now();
      for (let i = 0; i < n; i++) v = m.update(v, m.backward(x, t, v, b).grad, s.lr);
      const step = (performance.now() - t0) / n;
      fwd = m.forward(x, w, b);
      grads = m.backward(x, t, w, b);
      t0 = performance.now();
      for (let i = 0; i < 50; i++) render();
      const redraw = (performance.now() - t0) / 50;
      timing.textContent = "In this browser: " + (1000 * step).toFixed(2) + " µs per iteration (forward, backward, "
        + "update), " + redraw.toFixed(2) + " ms per redraw of this figure · 每次迭代与重绘的时间";
      return {step_ms: step, redraw_ms: redraw};
    };
    reset();
    if (!s) {  // a fragment's values were wrong: start from the script's
      message.textContent += " (from the link; the script's values are used instead)";
      for (const name of FIELDS) inputs[name].value = [].concat(start[name]).join(" ");
      noBias.checked = !!start.no_bias;
      reset();
    }
  }

  // ---- 6.4.4: XOR trained in the page ----
  const LO = -0.5, HI = 1.5, GRID = 240, BLACK = [0, 0, 0];  // xor_sweep_regions.png's input plane, GRID x GRID pixels

  // coolwarm's ends and middle (matplotlib's) for outputs -0.5 .. 1.5, as in the script's figure: 256
  // colours made once, so that a redraw only looks them up (WebKit took 70 ms a frame building them)
  const COLOURS = Array.from({length: 256}, (_, k) => {
    const t = k / 255, [a, b, u] = t < 0.5 ? [[59, 76, 192], [221, 221, 221], t * 2] : [[221, 221, 221], [180, 4, 38], t * 2 - 1];
    return a.map((c, i) => Math.round(c + (b[i] - c) * u));
  });
  const colour = (v) => COLOURS[Math.round(255 * Math.min(1, Math.max(0, (v - LO) / (HI - LO))))];

  function mountXor(root, data) {
    settings.xor = {...m.XOR_DEFAULTS, solved: 1e-3, ...((data.ch6 || {}).xor || {})};
    const cfg = settings.xor, hash = readHash();
    const controls = el("div", {class: "controls"}, root);
    const seedInput = field(controls, "seed", "seed · 种子", hash["xor-seed"] || "1", 6);
    seedInput.type = "number";
    seedInput.min = 0;
    const newSeed = button(controls, "new seed · 换种子", "the next seed");
    const trainButton = button(controls, "train · 训练", "animate Adam to " + cfg.steps + " steps");
    const stepButton = button(controls, "step · 单步", "one Adam step");
    const message = el("div", {class: "ch6-message", role: "alert"}, root);
    const row = el("div", {class: "live-row"}, root);
    const plane = el("canvas", {width: GRID, height: GRID, class: "ch6-plane",
                                "aria-label": "the network's output over the input plane, x1 and x2 from -0.5 to 1.5"}, row);
    const side = el("div", {class: "ch6-side"}, row);
    const curve = el("canvas", {width: 300, height: 130, class: "ch6-curve", "aria-label": "loss over the steps"}, side);
    const status = el("div", {class: "zlabel"}, side);
    const units = el("div", {class: "note"}, side);
    const stuck = el("p", {class: "note ch6-stuck"}, root);
    el("p", {class: "note"}, root, "Colour: the output (blue 0, red 1); black: where it crosses 0.5; circles: XOR = 0, "
       + "squares: XOR = 1; dashed: each hidden unit's boundary (grey dotted when dead). The page's seed N draws "
       + "from its own generator, not TensorFlow's: it is not the script's seed N. 页面的种子与脚本的种子不同。");
    const timing = el("p", {class: "timing"}, root);
    const tried = new Map();  // seed -> stuck after cfg.steps steps, for the seeds trained that far here
    let state, losses, seed, animating = false;

    function start(n) {
      animating = false;
      try {
        seed = Number(n);
        state = m.xorStart({...m.xorInitWeights(seed), lr: cfg.lr, steps: cfg.steps});
      } catch (err) {
        message.textContent = err.message;
        return false;
      }
      message.textContent = "";
      seedInput.value = seed;
      losses = [];
      writeHash({"xor-seed": String(seed), "xor-step": null});
      render();
      return true;
    }
    function step(n) {
      for (let i = 0; i < n && state.t < cfg.steps; i++) losses.push(m.xorStep(state));
      if (state.t === cfg.steps && !tried.has(seed)) {  // the script's sweep: stuck if its last loss is not below "solved"
        const last = losses[losses.length - 1];
        tried.set(seed, !(last < cfg.solved));
      }
    }
    function render() {
      const p = state.params, img = plane.getContext("2d").createImageData(GRID, GRID);
      const out = new Float64Array(GRID * GRID);
      for (let r = 0; r < GRID; r++) {
        const x2 = HI - (HI - LO) * (r + 0.5) / GRID;
        for (let c = 0; c < GRID; c++) {
          const x1 = LO + (HI - LO) * (c + 0.5) / GRID;
          let y = p.b2[0][0];
          for (let j = 0; j < 2; j++) y += Math.max(0, x1 * p.w1[0][j] + x2 * p.w1[1][j] + p.b1[0][j]) * p.w2[j][0];
          out[r * GRID + c] = y;
        }
      }
      for (let i = 0; i < GRID * GRID; i++) {  // black where the output crosses 0.5 between neighbours
        const above = out[i] > 0.5, c = i % GRID;
        const edge = (c + 1 < GRID && (out[i + 1] > 0.5) !== above) || (i + GRID < out.length && (out[i + GRID] > 0.5) !== above);
        const rgb = edge ? BLACK : colour(out[i]);
        img.data[4 * i] = rgb[0]; img.data[4 * i + 1] = rgb[1]; img.data[4 * i + 2] = rgb[2]; img.data[4 * i + 3] = 255;
      }
      const ctx = plane.getContext("2d");
      ctx.putImageData(img, 0, 0);
      const px = (v) => (v - LO) / (HI - LO) * GRID, py = (v) => (HI - v) / (HI - LO) * GRID;
      const active = m.activeInputs(p);
      ctx.lineWidth = 1;
      [0, 1].forEach((j) => {  // hidden unit j is active where w1[0][j] x1 + w1[1][j] x2 + b1[j] > 0
        const a = p.w1[0][j], b = p.w1[1][j], c = p.b1[0][j];
        ctx.strokeStyle = active[j] ? ["#2ca02c", "#9467bd"][j] : "#777";
        ctx.setLineDash(active[j] ? [4, 3] : [1, 2]);
        ctx.beginPath();
        if (Math.abs(b) > 1e-9) { ctx.moveTo(px(LO), py(-(a * LO + c) / b)); ctx.lineTo(px(HI), py(-(a * HI + c) / b)); }
        else { ctx.moveTo(px(-c / a), py(LO)); ctx.lineTo(px(-c / a), py(HI)); }
        ctx.stroke();
      });
      ctx.setLineDash([]);
      [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]].forEach(([a, b, y]) => {
        ctx.fillStyle = "#fff";
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        if (y) ctx.rect(px(a) - 6, py(b) - 6, 12, 12); else ctx.arc(px(a), py(b), 6, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      });
      plotLog(curve, losses, 1e-16, "loss");
      const pred = m.xorForward(p).pred;
      const loss = losses.length ? losses[losses.length - 1] : m.xorLoss(pred);
      status.textContent = "seed " + seed + " · step " + state.t + " of " + cfg.steps + " · loss " + loss.toPrecision(3)
        + " · pred " + pred.map((v) => v.toFixed(2)).join(" ");
      units.textContent = active.map((n, j) => "h" + (j + 1) + (n ? ": active on " + n + " of 4 inputs"
        : ": dead (active on none of the 4 inputs, it never changes again) · 死亡单元")).join("; ");
      units.classList.toggle("dead", active.includes(0));
      const k = [...tried.values()].filter(Boolean).length;
      stuck.textContent = "stuck so far: " + k + " of " + tried.size + " seeds tried (trained " + cfg.steps
        + " steps here; stuck: last loss not below " + cfg.solved + ") · 已卡住种子数 · ";
      if (cfg.measured) {
        const rate = cfg.measured.stuck / cfg.measured.seeds;
        stuck.appendChild(document.createTextNode("the script measured " + cfg.measured.stuck + " of "
          + cfg.measured.seeds + " seeds stuck (" + Math.round(100 * rate) + "%, xor_tensorflow.py --sweep)"));
      } else {
        stuck.appendChild(document.createTextNode("run "));
        el("code", {}, stuck, cfg.sweep_command || "python ch06_feedforward/xor_tensorflow.py --sweep 100");
        stuck.appendChild(document.createTextNode(" to measure the script's stuck rate"));
      }
      root.dataset.step = state.t;
      root.dataset.seed = seed;
    }
    function animate() {  // about two seconds to the script's step count
      if (!animating) return;
      step(Math.max(1, Math.round(cfg.steps / 120)));
      render();
      if (state.t < cfg.steps) requestAnimationFrame(animate); else stop();
    }
    function stop() {
      animating = false;
      trainButton.textContent = "train · 训练";
      writeHash({"xor-step": state.t ? String(state.t) : null});
    }
    trainButton.addEventListener("click", () => {
      if (animating) return stop();
      if (state.t >= cfg.steps) return;
      animating = true;
      trainButton.textContent = "pause · 暂停";
      requestAnimationFrame(animate);
    });
    stepButton.addEventListener("click", () => { if (animating) stop(); step(1); render(); stop(); });
    newSeed.addEventListener("click", () => { start(seed + 1); });
    seedInput.addEventListener("change", () => { start(seedInput.value); });
    root.dlbookLosses = () => losses.slice();  // for tests: the loss before each step taken so far
    root.dlbookTime = function () {  // ms per Adam step, and per redraw of the plane and the curve
      const trial = m.xorStart({...m.xorInitWeights(seed), lr: cfg.lr, steps: cfg.steps});
      let t0 = performance.now();
      for (let i = 0; i < cfg.steps; i++) m.xorStep(trial);
      const perStep = (performance.now() - t0) / cfg.steps;
      t0 = performance.now();
      for (let i = 0; i < 20; i++) render();
      const redraw = (performance.now() - t0) / 20;
      timing.textContent = "In this browser: " + (1000 * perStep).toFixed(2) + " µs per Adam step, " + redraw.toFixed(2)
        + " ms per redraw of the plane and the curve · 每步与重绘的时间";
      return {step_ms: perStep, redraw_ms: redraw};
    };
    if (!start(hash["xor-seed"] || 1)) start(1);  // seed 1 solves XOR here; a link may name any other
    const upTo = Math.min(Number(hash["xor-step"]) || 0, cfg.steps);
    if (upTo > 0) { step(upTo); render(); }
  }

  dl.mounts.backprop = mountBackprop;
  dl.mounts.xor = mountXor;

  // Each chapter 6 widget's time per step, when asked (or on a page opened with #benchmark).
  dl.timeCh6 = function () {
    const out = {};
    document.querySelectorAll("[data-live=backprop], [data-live=xor]").forEach((node) => {
      if (node.dlbookTime) out[node.dataset.live] = node.dlbookTime();
    });
    return out;
  };
  if (/(^|[#&])benchmark\b/.test(location.hash.slice(1))) setTimeout(dl.timeCh6, 100);
})();
