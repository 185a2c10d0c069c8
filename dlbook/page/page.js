// The gallery page's live figures (dlbook/page/render.py inlines this file into figures/index.html and
// into the notebooks' live Fig 8-8, after the *_models.js files it uses). Plain JavaScript: no
// framework, no network, works from file://. The models' maths is in ch8_models.js; this file is the
// page: figures, sliders, pointers, and
//   window.dlbook.run(name, input): the live model `name` on `input` (see ch8_models.js), for tests;
//   window.dlbook.benchmark(): the redraw time per image of each model, measured when asked (or on a
//     page opened with #benchmark), shown in the page's .timing line and kept in dlbook.timings.
(function () {
  "use strict";
  const dl = window.dlbook = window.dlbook || {};
  const models = globalThis.dlbookModels;
  dl.models = dl.models || {};
  dl.missing = dl.missing || {};
  dl.timings = dl.timings || {};
  dl.rng = models.rng;

  dl.run = function (name, input) {
    const model = dl.models[name];
    if (!model) throw new Error(dl.missing[name] || "no live model named " + name);
    return models.run(model, name, input);
  };

  dl.draw = function (canvas, pixels) {  // 784 values in [0, 1] into a 28x28 canvas (CSS scales it up)
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * pixels[i]);
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  };

  function el(tag, attrs, parent, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  const digitCanvas = (parent, cls) => el("canvas", {width: 28, height: 28, class: cls || "digit"}, parent);
  const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                   "#bcbd22", "#17becf"];

  // Fig 8-8 live: the latent plane with the test images' codes; pointing decodes z at once.
  function mountPad(root, data) {
    const spec = data.models.vae_z2, size = 320, r = spec.range;
    const row = el("div", {class: "live-row"}, root);
    const pad = el("canvas", {width: size, height: size, class: "pad", tabindex: 0,
                              "aria-label": "latent plane of the 2-D VAE"}, row);
    const side = el("div", {class: "live-side"}, row);
    const out = digitCanvas(side, "digit big");
    const label = el("div", {class: "zlabel"}, side, "");
    const legend = el("div", {class: "legend"}, side);
    spec.class_names.forEach((n, k) => {
      const item = el("span", {}, legend);
      el("b", {style: "color:" + COLOURS[k]}, item, "● ");
      item.appendChild(document.createTextNode(n + " "));
    });
    const toPx = (z0, z1) => [(z0 + r) / (2 * r) * size, (r - z1) / (2 * r) * size];
    const background = document.createElement("canvas");
    background.width = background.height = size;
    const bg = background.getContext("2d");
    bg.fillStyle = "#fff";
    bg.fillRect(0, 0, size, size);
    const codes = spec.codes ? models.floats(spec.codes) : new Float32Array(0);
    const labels = spec.labels ? models.bytes(spec.labels) : [];
    for (let i = 0; i < labels.length; i++) {
      const [x, y] = toPx(codes[2 * i], codes[2 * i + 1]);
      bg.fillStyle = COLOURS[labels[i] % 10];
      bg.globalAlpha = 0.55;
      bg.fillRect(x - 1.5, y - 1.5, 3, 3);
    }
    bg.globalAlpha = 1;
    bg.strokeStyle = "#999";
    bg.setLineDash([4, 4]);  // the extent of the static Fig 8-8's lattice
    const [x0, y0] = toPx(-spec.lattice, spec.lattice), [x1, y1] = toPx(spec.lattice, -spec.lattice);
    bg.strokeRect(x0, y0, x1 - x0, y1 - y0);
    bg.setLineDash([]);
    bg.beginPath();
    bg.moveTo(size / 2, 0); bg.lineTo(size / 2, size); bg.moveTo(0, size / 2); bg.lineTo(size, size / 2);
    bg.strokeStyle = "#ccc";
    bg.stroke();
    const ctx = pad.getContext("2d");
    let z = [0, 0];
    function show() {
      dl.draw(out, dl.run("vae_z2", z));
      label.textContent = "z = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")";
      ctx.drawImage(background, 0, 0);
      const [x, y] = toPx(z[0], z[1]);
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 7, 0, 2 * Math.PI);
      ctx.moveTo(x - 11, y); ctx.lineTo(x + 11, y); ctx.moveTo(x, y - 11); ctx.lineTo(x, y + 11);
      ctx.stroke();
    }
    function at(e) {
      const box = pad.getBoundingClientRect();
      const px = (e.clientX - box.left) / box.width, py = (e.clientY - box.top) / box.height;
      z = [-r + 2 * r * px, r - 2 * r * py];
      show();
    }
    pad.addEventListener("pointerdown", (e) => { pad.setPointerCapture(e.pointerId); at(e); });
    pad.addEventListener("pointermove", (e) => { if (e.pointerType === "mouse" || e.buttons) at(e); });
    pad.addEventListener("keydown", (e) => {  // arrow keys move z by 0.05
      const step = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[e.key];
      if (step) { z = [z[0] + 0.05 * step[0], z[1] + 0.05 * step[1]]; show(); e.preventDefault(); }
    });
    root.dlbookSet = (z0, z1) => { z = [z0, z1]; show(); };  // for tests: what a pointer at z shows
    show();
  }

  // 8.4 side by side: one straight path z(t) = a + t (b - a) in each model's latent space.
  function mountPath(root, data) {
    const names = ["vae_z2", "gan"].filter((n) => dl.models[n]);
    const rng = dl.rng(84), frames = 11, ends = {};
    const controls = el("div", {class: "controls"}, root);
    const slider = el("input", {type: "range", min: 0, max: 100, value: 50, class: "path-slider",
                                "aria-label": "position t along the path"}, controls);
    const tLabel = el("span", {}, controls, "");
    const again = el("button", {type: "button"}, controls, "new path · 换一条路径");
    const rows = names.map((name) => {
      const row = el("div", {class: "path-row"}, root);
      el("div", {class: "path-name"}, row, data.models[name].short);
      const big = digitCanvas(row, "digit big"), strip = el("div", {class: "strip"}, row);
      return {name, big, strip: Array.from({length: frames}, () => digitCanvas(strip, "digit small"))};
    });
    const point = (name, t) => ends[name][0].map((a, i) => a + t * (ends[name][1][i] - a));
    function newPath() {
      for (const name of names) {
        const n = dl.models[name].input;
        ends[name] = [rng.normals(n), rng.normals(n)];
      }
      for (const row of rows) {
        row.strip.forEach((c, k) => dl.draw(c, dl.run(row.name, point(row.name, k / (frames - 1)))));
      }
      show();
    }
    function show() {
      const t = slider.value / 100;
      tLabel.textContent = " t = " + t.toFixed(2) + " ";
      for (const row of rows) {
        dl.draw(row.big, dl.run(row.name, point(row.name, t)));
        row.strip.forEach((c, k) => c.classList.toggle("here", Math.abs(k / (frames - 1) - t) < 0.05));
      }
    }
    slider.addEventListener("input", show);
    again.addEventListener("click", newPath);
    newPath();
  }

  // 8.5: pick a class, the CGAN draws it (the listing's generate_digit); new noise on each click.
  function mountCgan(root, data) {
    const spec = data.models.cgan, rng = dl.rng(85), zSize = dl.models.cgan.input - spec.embedding.dim;
    const buttons = el("div", {class: "controls"}, root);
    const row = el("div", {class: "path-row"}, root);
    const big = digitCanvas(row, "digit big"), strip = el("div", {class: "strip"}, row);
    const more = Array.from({length: 8}, () => digitCanvas(strip, "digit small"));
    const label = el("div", {class: "zlabel"}, root, "");
    function draw(digit) {
      dl.draw(big, dl.run("cgan", {digit, z: rng.normals(zSize)}));
      more.forEach((c) => dl.draw(c, dl.run("cgan", {digit, z: rng.normals(zSize)})));
      label.textContent = "G(z|y=" + digit + "): " + spec.class_names[digit] + " (click again for new noise)";
      root.dataset.digit = digit;
    }
    spec.class_names.forEach((n, d) => {
      el("button", {type: "button", "data-digit": d}, buttons, String(d) + (n === String(d) ? "" : " " + n))
        .addEventListener("click", () => draw(d));
    });
    draw(8);  // the book's generate_digit(G, 8)
  }

  // The per-epoch grids: one slider over the epochs.
  function mountEpochs(root) {
    const files = JSON.parse(root.dataset.files), epochs = JSON.parse(root.dataset.epochs);
    const img = root.querySelector("img"), label = root.querySelector(".epoch-label");
    const slider = root.querySelector("input");
    slider.addEventListener("input", () => {
      img.src = files[slider.value];
      label.textContent = "epoch " + epochs[slider.value] + " of " + epochs[epochs.length - 1];
    });
  }

  // Redraw time: decode and draw 50 images per model, as the live figures do.
  dl.time = function (name, n) {
    const model = dl.models[name], canvas = digitCanvas(null), rng = dl.rng(1);
    const inputs = Array.from({length: n}, () => model.embedding
      ? {digit: 3, z: rng.normals(model.input - model.embedding.dim)} : rng.normals(model.input));
    const start = performance.now();
    for (const input of inputs) dl.draw(canvas, dl.run(name, input));
    return (performance.now() - start) / n;
  };

  const MOUNT = {pad: mountPad, path: mountPath, cgan: mountCgan, epochs: mountEpochs};
  dl.mounts = MOUNT;  // the pages loaded after this one (ch6_page.js) add their figures here
  let scopeTiming = null;  // the .timing line of the last started scope

  dl.start = function (data, scope) {
    scope = scope || document;
    Object.assign(dl.missing, data.missing || {});
    for (const [name, spec] of Object.entries(data.models || {})) dl.models[name] = models.prepare(spec);
    scope.querySelectorAll("[data-live]").forEach((node) => {
      try {
        MOUNT[node.dataset.live](node, data);
      } catch (err) {  // one broken figure says so, and the rest of the page still works
        node.textContent = "This live figure failed: " + err.message;
        node.classList.add("missing");
      }
    });
    scopeTiming = scope.querySelector(".timing");
    if (/(^|[#&])benchmark\b/.test(location.hash.slice(1))) setTimeout(dl.benchmark, 50);
  };

  // Only when asked: 50 decodes per model take a moment a reader should not wait for on every load.
  dl.benchmark = function () {
    const parts = Object.keys(dl.models).map((name) => {
      dl.timings[name] = dl.time(name, 50);
      return (dl.models[name].short || name) + " " + dl.timings[name].toFixed(2) + " ms";
    });
    if (scopeTiming) {
      scopeTiming.textContent = parts.length ? "Redraw time per image in this browser (mean of 50 decodes): "
        + parts.join(", ") + " · 每幅图的重绘时间" : "";
    }
    return dl.timings;
  };
})();
