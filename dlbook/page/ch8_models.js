// The chapter-8 models of the page, as PyTorch computes them: the forward pass, the input checks and
// seeded noise. No DOM (but for reading a weight out of the page's <template>): the page (page.js) and node
// (tests/js/ch8_models.test.js) both load this file.
//
// A model is the JSON a script's live_export writes (dlbook/page/live.py): {input, layers: [{op, ...}],
// embedding?: {rows, dim, w}}, weights as base64 of little-endian float32 (in the page: {template: id}, the
// id of the <template> element holding that base64, see render.py's weights_apart). run(model, name, input) gives
// 784 pixel values in [0, 1]:
//   "vae_z2": the 2-D VAE's decoder (fc4 2->400 ReLU, fc5 400->784 sigmoid), input [z0, z1]
//   "gan":    gan.py's generator (64->256 ReLU->256 ReLU->784 Tanh, then denorm), input 64 numbers
//   "cgan":   cgan.py's G(z|y) (z and Embedding(10, 10) of y, 110->256->512->1024->784, LeakyReLU(0.2),
//             Tanh, then denorm), input {digit: d, z: [100 numbers]}, d a whole number 0..rows-1
(function () {
  "use strict";

  // a weight's base64: the string itself, or the text of the page's <template> element {template: id}
  const base64 = (w) => typeof w === "string" ? w : document.getElementById(w.template).content.textContent;

  function bytes(w) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64(w));  // where there (not node 20): Chromium 10x faster
    const s = atob(base64(w)), out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  const floats = (w) => new Float32Array(bytes(w).buffer);  // little-endian float32, as written

  function prepare(spec) {  // the weights decoded once, when the page starts
    const layers = spec.layers.map((l) => l.op === "linear" ? {...l, w: floats(l.w), b: floats(l.b)} : l);
    const embedding = spec.embedding && {...spec.embedding, w: floats(spec.embedding.w)};
    return {...spec, layers, embedding};
  }

  function forward(model, x) {
    let a = Float64Array.from(x);
    for (const l of model.layers) {
      if (l.op === "linear") {
        const y = new Float64Array(l.out), w = l.w, n = l.in;
        for (let o = 0; o < l.out; o++) {
          let s = l.b[o];
          for (let i = 0, k = o * n; i < n; i++, k++) s += w[k] * a[i];
          y[o] = s;
        }
        a = y;
      } else if (l.op === "relu") a = a.map((v) => (v > 0 ? v : 0));
      else if (l.op === "leaky_relu") a = a.map((v) => (v > 0 ? v : v * l.slope));
      else if (l.op === "sigmoid") a = a.map((v) => 1 / (1 + Math.exp(-v)));
      else if (l.op === "tanh") a = a.map(Math.tanh);
      else if (l.op === "denorm") a = a.map((v) => Math.min(1, Math.max(0, (v + 1) / 2)));  // gan.denorm
      else throw new Error("unknown layer " + l.op);
    }
    return a;
  }

  const finite = (z, n) => Array.isArray(z) && z.length === n && z.every((v) => typeof v === "number" && isFinite(v));

  // The model's input vector, or an error that says what it takes: a digit outside the embedding's rows
  // would read past its table and draw NaN pixels.
  function modelInput(name, model, input) {
    if (!model.embedding) {
      if (!finite(input, model.input)) throw new Error(name + " takes an array of " + model.input + " numbers");
      return input;
    }
    const e = model.embedding, z = input && input.z, d = input && input.digit;
    if (!finite(z, model.input - e.dim) || !Number.isInteger(d) || d < 0 || d >= e.rows) {
      throw new Error(name + " takes {digit: 0-" + (e.rows - 1) + ", z: [" + (model.input - e.dim) + " numbers]}");
    }
    return z.concat(Array.from(e.w.subarray(d * e.dim, (d + 1) * e.dim)));  // torch.cat([z, label_emb(y)], 1)
  }

  const run = (model, name, input) => Array.from(forward(model, modelInput(name, model, input)));

  // Seeded normal numbers (mulberry32 and Box-Muller), so a page shows the same first picture each time.
  function rng(seed) {
    let t = seed >>> 0;
    const uniform = () => {
      t = (t + 0x6D2B79F5) >>> 0;
      let r = Math.imul(t ^ (t >>> 15), 1 | t);
      r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
      return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
    };
    const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    return {uniform, normal, normals: (n) => Array.from({length: n}, normal)};
  }

  const api = {bytes, floats, prepare, forward, modelInput, run, rng};
  if (typeof module === "object" && module.exports) module.exports = api; else Object.assign((globalThis.dlbookModels = globalThis.dlbookModels || {}), api);
})();
