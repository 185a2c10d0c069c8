// Chapter 6's live models, the maths only (no DOM): the page's widgets call these, and the tests run
// them in node against the scripts' own numbers (tests/test_ch6_live.py).
//
//   backprop(input): ch06_feedforward/backprop_manual.py's 2-2-2 sigmoid network, every number the
//                    script prints, and E_total over its training loop (float64, as NumPy computes)
//   forward / backward / update / totalError: the same, one step at a time, for the page's buttons
//   xor(input):      xor_tensorflow.py's 2-2-1 ReLU network trained by the script's Adam on the MSE
//   xorStart / xorStep: the same training, one step at a time
//   xorInitWeights(seed): weights drawn as the script draws them (normal, stddev 1; biases 0.1), but
//                    from a JS generator: the page's seed N is NOT the script's seed N (TensorFlow's
//                    normal draws cannot be repeated here).
// Wrapped in a function so that its names do not meet the other page scripts' names.
(function () {
  "use strict";

  // ---- Input checks: an Error naming the field, before any maths runs ----

  function numbers(name, value, length) {
    if (!(Array.isArray(value) || ArrayBuffer.isView(value)) || value.length !== length) {
      throw new Error(name + ": expected " + length + " numbers");
    }
    const out = Array.from(value);
    out.forEach((v, i) => {
      // typeof, not Number(v): a text field's "0.5" must be converted by the page, on purpose
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(name + "[" + i + "]: not a finite number: " + v);
    });
    return out;
  }

  function finite(name, value) {
    if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(name + ": not a finite number: " + value);
    return value;
  }

  // A whole number of steps, capped so that a typo (1e9) cannot freeze the reader's tab.
  function count(name, value, max) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
      throw new Error(name + ": expected a whole number from 1 to " + max + ", got " + value);
    }
    return value;
  }

  // A rows x cols matrix as nested arrays (NumPy's tolist()); a one-row matrix may also come flat.
  function matrix(name, value, rows, cols) {
    if (rows === 1 && Array.isArray(value) && !Array.isArray(value[0])) value = [value];
    if (!Array.isArray(value) || value.length !== rows) throw new Error(name + ": expected " + rows + "x" + cols + " numbers");
    return value.map((row, r) => numbers(name + "[" + r + "]", row, cols));
  }

  // ---- backprop_manual.py, part 2: the 2-2-2 sigmoid network ----
  // weights w1..w8: w1, w2 into h1; w3, w4 into h2; w5, w6 into o1; w7, w8 into o2.

  const BACKPROP_DEFAULTS = {
    inputs: [0.05, 0.10], targets: [0.01, 0.99], weights: [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55],
    biases: [0.35, 0.60], lr: 0.5, iterations: 10000, no_bias: false,
  };

  function checkBackprop(input) {
    const s = {...BACKPROP_DEFAULTS, ...input};
    const checked = {
      inputs: numbers("inputs", s.inputs, 2), targets: numbers("targets", s.targets, 2),
      weights: numbers("weights", s.weights, 8), biases: numbers("biases", s.biases, 2),
      lr: finite("lr", s.lr), iterations: count("iterations", s.iterations, 1000000), no_bias: !!s.no_bias,
    };
    if (checked.no_bias) checked.biases = [0, 0];  // as the script's --no-bias
    return checked;
  }

  const sigmoid = (z) => 1 / (1 + Math.exp(-z));

  function forward(x, w, b) {
    const z_h = [w[0] * x[0] + w[1] * x[1] + b[0], w[2] * x[0] + w[3] * x[1] + b[0]];
    const h = z_h.map(sigmoid);
    const z_o = [w[4] * h[0] + w[5] * h[1] + b[1], w[6] * h[0] + w[7] * h[1] + b[1]];
    return {z_h, h, z_o, o: z_o.map(sigmoid)};
  }

  function totalError(x, t, w, b) {
    const o = forward(x, w, b).o;
    return 0.5 * (t[0] - o[0]) ** 2 + 0.5 * (t[1] - o[1]) ** 2;
  }

  // Every chain-rule factor on the way back, named as in the script's network_backward.
  function backward(x, t, w, b) {
    const {h, o} = forward(x, w, b);
    const dE_do = [o[0] - t[0], o[1] - t[1]];
    const do_dz = [o[0] * (1 - o[0]), o[1] * (1 - o[1])];
    const delta_o = [dE_do[0] * do_dz[0], dE_do[1] * do_dz[1]];
    // [output k][hidden j] = dE_ok/dh_j: each hidden unit hears from both outputs
    const dE_dh_parts = [[w[4] * delta_o[0], w[5] * delta_o[0]], [w[6] * delta_o[1], w[7] * delta_o[1]]];
    const dE_dh = [dE_dh_parts[0][0] + dE_dh_parts[1][0], dE_dh_parts[0][1] + dE_dh_parts[1][1]];
    const dh_dz = [h[0] * (1 - h[0]), h[1] * (1 - h[1])];
    const delta_h = [dE_dh[0] * dh_dz[0], dE_dh[1] * dh_dz[1]];
    const grad = [delta_h[0] * x[0], delta_h[0] * x[1], delta_h[1] * x[0], delta_h[1] * x[1],
      delta_o[0] * h[0], delta_o[0] * h[1], delta_o[1] * h[0], delta_o[1] * h[1]];
    return {dE_do, do_dz, delta_o, dE_dh_parts, dE_dh, dh_dz, delta_h, grad};
  }

  // All eight weights move from the same (old) gradients.
  const update = (w, grad, lr) => w.map((v, k) => v - lr * grad[k]);

  function backprop(input) {
    const s = checkBackprop(input);
    const x = s.inputs, t = s.targets, b = s.biases;
    const fwd = forward(x, s.weights, b);
    const E_o1 = 0.5 * (t[0] - fwd.o[0]) ** 2, E_o2 = 0.5 * (t[1] - fwd.o[1]) ** 2;
    const g = backward(x, t, s.weights, b);
    const stepped = update(s.weights, g.grad, s.lr);
    // The script's train(): errors[k] is E_total after k updates, errors[0] the untrained one's.
    const errors = new Float64Array(s.iterations + 1);
    let w = s.weights;
    for (let i = 0; i < s.iterations; i++) {
      errors[i] = totalError(x, t, w, b);
      w = update(w, backward(x, t, w, b).grad, s.lr);
    }
    errors[s.iterations] = totalError(x, t, w, b);
    return {...s, ...fwd, E_o1, E_o2, E_total: E_o1 + E_o2, ...g, stepped,
      E_total_after_step: totalError(x, t, stepped, b), errors, final: w, final_o: forward(x, w, b).o};
  }

  // ---- xor_tensorflow.py: 2 inputs, 2 ReLU hidden units, 1 linear output, MSE, Adam ----

  const XOR_X = [[0, 0], [0, 1], [1, 0], [1, 1]];
  const XOR_Y = [0, 1, 1, 0];
  // The script's LEARNING_RATE, STEPS, INIT_STDDEV, INIT_BIAS and its tf.compat.v1 AdamOptimizer's
  // betas (defaults) and epsilon (1e-7, Keras').
  const XOR_DEFAULTS = {lr: 0.01, steps: 2000};
  const XOR_INIT = {stddev: 1.0, bias: 0.1};
  const ADAM = {beta1: 0.9, beta2: 0.999, epsilon: 1e-7};

  function checkXor(input) {
    const s = {...XOR_DEFAULTS, ...input};
    const lr = finite("lr", s.lr);
    if (lr <= 0) throw new Error("lr: must be positive, got " + lr);  // as the script's --lr
    // Shapes as xor_tensorflow.init_weights returns them: w1 [2][2] (input i -> hidden j), b1 [1][2],
    // w2 [2][1], b2 [1][1]
    return {w1: matrix("w1", s.w1, 2, 2), b1: matrix("b1", s.b1, 1, 2), w2: matrix("w2", s.w2, 2, 1),
      b2: matrix("b2", s.b2, 1, 1), lr, steps: count("steps", s.steps, 100000)};
  }

  // Pre-activations and outputs for the four inputs: pre[n][j] = x_n · w1[:, j] + b1[j].
  function xorForward(p) {
    const pre = XOR_X.map((x) => [0, 1].map((j) => x[0] * p.w1[0][j] + x[1] * p.w1[1][j] + p.b1[0][j]));
    const hidden = pre.map((z) => z.map((v) => (v > 0 ? v : 0)));
    const pred = hidden.map((h) => h[0] * p.w2[0][0] + h[1] * p.w2[1][0] + p.b2[0][0]);
    return {pre, hidden, pred};
  }

  const xorLoss = (pred) => pred.reduce((s, v, n) => s + (v - XOR_Y[n]) ** 2, 0) / 4;

  // The MSE's gradient by the chain rule, shaped as the weights. ReLU's slope at exactly 0 is 0, as
  // TensorFlow's (ReluGrad passes the gradient where the input is > 0 only).
  function xorGradient(p) {
    const {pre, hidden, pred} = xorForward(p);
    const g = {w1: [[0, 0], [0, 0]], b1: [[0, 0]], w2: [[0], [0]], b2: [[0]]};
    for (let n = 0; n < 4; n++) {
      const dpred = 2 * (pred[n] - XOR_Y[n]) / 4;
      g.b2[0][0] += dpred;
      for (let j = 0; j < 2; j++) {
        g.w2[j][0] += dpred * hidden[n][j];
        const dpre = pre[n][j] > 0 ? dpred * p.w2[j][0] : 0;
        g.b1[0][j] += dpre;
        g.w1[0][j] += XOR_X[n][0] * dpre;
        g.w1[1][j] += XOR_X[n][1] * dpre;
      }
    }
    return g;
  }

  const NAMES = ["w1", "b1", "w2", "b2"];
  const copy = (p) => Object.fromEntries(NAMES.map((k) => [k, p[k].map((row) => row.slice())]));
  const zeros = (p) => Object.fromEntries(NAMES.map((k) => [k, p[k].map((row) => row.map(() => 0))]));

  // Training state: the weights, Adam's moments, and t, the number of updates so far.
  function xorStart(input) {
    const s = checkXor(input);
    return {params: copy(s), m: zeros(s), v: zeros(s), t: 0, lr: s.lr, steps: s.steps};
  }

  // One Adam step (TensorFlow 1's form: the bias corrections folded into the step size); returns
  // the loss before the step, as the script's train() records it.
  function xorStep(state) {
    const loss = xorLoss(xorForward(state.params).pred);
    const g = xorGradient(state.params);
    const {beta1, beta2, epsilon} = ADAM;
    state.t += 1;
    const lr_t = state.lr * Math.sqrt(1 - beta2 ** state.t) / (1 - beta1 ** state.t);
    for (const k of NAMES) {
      const w = state.params[k], m = state.m[k], v = state.v[k];
      for (let r = 0; r < w.length; r++) {
        for (let c = 0; c < w[r].length; c++) {
          m[r][c] = beta1 * m[r][c] + (1 - beta1) * g[k][r][c];
          v[r][c] = beta2 * v[r][c] + (1 - beta2) * g[k][r][c] ** 2;
          w[r][c] -= lr_t * m[r][c] / (Math.sqrt(v[r][c]) + epsilon);
        }
      }
    }
    return loss;
  }

  // On how many of the four inputs each hidden unit is active (pre-activation > 0), as the
  // script's active_inputs; a unit active on none is dead and never changes again.
  function activeInputs(p) {
    const pre = xorForward(p).pre;
    return [0, 1].map((j) => pre.filter((z) => z[j] > 0).length);
  }

  function xor(input) {
    const state = xorStart(input);
    const losses = new Float64Array(state.steps);
    for (let i = 0; i < state.steps; i++) losses[i] = xorStep(state);
    const active = activeInputs(state.params);
    return {losses, weights: state.params, pred: xorForward(state.params).pred, active,
      dead: active.map((n) => n === 0), lr: state.lr, steps: state.steps};
  }

  // mulberry32: a small seeded uniform generator in [0, 1), the same numbers in every browser.
  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // Standard normal draws by Box-Muller (1 - u keeps log's argument in (0, 1]).
  function normals(seed) {
    const uniform = mulberry32(seed);
    return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  }

  // The script's init_weights drawn from the page's generator: seed N here is not the script's seed N.
  function xorInitWeights(seed) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 4294967295) {
      throw new Error("seed: expected a whole number from 0 to 4294967295, got " + seed);
    }
    const normal = normals(seed);
    const draw = () => XOR_INIT.stddev * normal();
    const w1 = [[draw(), draw()], [draw(), draw()]];
    const w2 = [[draw()], [draw()]];
    return {w1, b1: [[XOR_INIT.bias, XOR_INIT.bias]], w2, b2: [[XOR_INIT.bias]]};
  }

  const api = {
    BACKPROP_DEFAULTS, checkBackprop, sigmoid, forward, backward, update, totalError, backprop,
    XOR_DEFAULTS, XOR_INIT, ADAM, checkXor, xorForward, xorLoss, xorGradient, xorStart, xorStep,
    activeInputs, xor, mulberry32, normals, xorInitWeights,
  };
  // In the page, under its own name: ch8_models.js's forward(model, x) would overwrite this forward.
  if (typeof module === "object" && module.exports) module.exports = api; else (globalThis.dlbookModels = globalThis.dlbookModels || {}).ch6 = api;
})();
