// node --test tests/js/: chapter 6's live models (dlbook/page/ch6_models.js) without a browser.
// Expected values come from the published worked example and the book's hand-set XOR network;
// tests/test_ch6_live.py compares every value with the scripts themselves.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const m = require("../../dlbook/page/ch6_models.js");

const close = (actual, expected, tol, what) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not ${expected} ± ${tol}`);

test("backprop: the published example's numbers (defaults)", () => {
  const r = m.backprop({iterations: 1});
  close(r.E_total, 0.298371109, 5e-10, "E_total");
  close(r.grad[4], 0.082167041, 5e-10, "dE/dw5");
  close(r.grad[0], 0.000438568, 5e-10, "dE/dw1");
  close(r.stepped[4], 0.35891648, 5e-9, "w5 after one step");
  close(r.stepped[0], 0.149780716, 5e-10, "w1 after one step");
  // The script prints 0.291027774; the published example's 0.291027924 came
  // from its rounded intermediate values.
  close(r.E_total_after_step, 0.291027774, 5e-10, "E_total after one step");
});

test("backprop: E_total after the script's 10000 iterations", () => {
  close(m.backprop({}).errors[10000], 0.000035102, 5e-10, "E_total");  // the script's last printed line
});

test("backprop: shapes, and the training loop records E_total before each update and at the end", () => {
  const r = m.backprop({iterations: 5});
  for (const k of ["z_h", "h", "z_o", "o", "dE_do", "do_dz", "dE_dh", "dh_dz", "delta_h", "delta_o"]) {
    assert.equal(r[k].length, 2, k);
  }
  assert.deepEqual(r.dE_dh_parts.map((row) => row.length), [2, 2]);
  assert.equal(r.grad.length, 8);
  assert.equal(r.stepped.length, 8);
  assert.equal(r.errors.length, 6);
  assert.equal(r.errors[0], r.E_total);
  assert.equal(r.errors[1], r.E_total_after_step);
  assert.ok(r.errors[5] < r.errors[0]);
});

test("backprop: the step functions are the pieces of backprop()", () => {
  const s = m.checkBackprop({});
  const g = m.backward(s.inputs, s.targets, s.weights, s.biases);
  const w = m.update(s.weights, g.grad, s.lr);
  assert.deepEqual(w, m.backprop({iterations: 1}).stepped);
  assert.deepEqual(m.forward(s.inputs, w, s.biases).o, m.backprop({iterations: 1}).final_o);
});

test("backprop: no_bias sets both biases to 0", () => {
  const r = m.backprop({no_bias: true, biases: [5, 6], iterations: 1});
  assert.deepEqual(r.biases, [0, 0]);
  // with no bias, z_h1 = w1 i1 + w2 i2 = 0.15 * 0.05 + 0.20 * 0.10
  close(r.z_h[0], 0.0275, 1e-15, "z_h1");
});

test("backprop: bad input throws an Error naming the field", () => {
  const bad = [
    [{weights: [0.1, 0.2, 0.3]}, /weights/],
    [{inputs: [NaN, 0.1]}, /inputs\[0\]/],
    [{targets: [0.01, Infinity]}, /targets\[1\]/],
    [{biases: [0.35, "0.6"]}, /biases\[1\]/],
    [{lr: NaN}, /lr/],
    [{iterations: "10"}, /iterations/],  // digit-like, but text
    [{iterations: 0}, /iterations/],
    [{iterations: 2.5}, /iterations/],
    [{iterations: 1e7}, /iterations/],  // past the cap that keeps the tab responsive
  ];
  for (const [input, field] of bad) assert.throws(() => m.backprop(input), field, JSON.stringify(input));
});

// The book's hand-set XOR network (6.4.3): hidden units x1 + x2 and x1 + x2 - 1, output h1 - 2 h2.
const BOOK_XOR = {w1: [[1, 1], [1, 1]], b1: [[0, -1]], w2: [[1], [-2]], b2: [[0]]};

test("xor: the book's hand-set network is exact, so Adam leaves it alone", () => {
  const r = m.xor({...BOOK_XOR, steps: 3});
  assert.deepEqual(Array.from(r.losses), [0, 0, 0]);
  assert.deepEqual(r.pred, [0, 1, 1, 0]);
  assert.deepEqual(r.weights, BOOK_XOR);
  assert.deepEqual(r.active, [3, 1]);  // as test_xor_tensorflow's active_inputs example
  assert.deepEqual(r.dead, [false, false]);
});

test("xor: both hidden units dead when active on no input", () => {
  const r = m.xor({...BOOK_XOR, w1: [[-1, -1], [-1, -1]], steps: 1});
  assert.deepEqual(r.active, [0, 0]);
  assert.deepEqual(r.dead, [true, true]);
});

test("xor: ReLU's slope at exactly 0 is 0", () => {
  // Unit 1 is at exactly 0 on (0, 0), unit 2 on (0, 1) and (1, 0). Predictions [0.5, 1.5, 1.5, 3.5],
  // so dL/dpred = (pred - y) / 2 = [0.25, 0.25, 0.25, 1.75]; w2 = [1, 1].
  const g = m.xorGradient({w1: [[1, 1], [1, 1]], b1: [[0, -1]], w2: [[1], [1]], b2: [[0.5]]});
  assert.deepEqual(g.b1, [[0.25 + 0.25 + 1.75, 1.75]]);  // a slope of 1 at 0 would give [[2.5, 2.25]]
});

test("xor: shapes, flat biases, and the script's defaults", () => {
  const r = m.xor({w1: BOOK_XOR.w1, b1: [0.1, 0.1], w2: [[0.5], [0.5]], b2: [0.1], steps: 4});
  assert.equal(r.losses.length, 4);
  assert.deepEqual(r.weights.w1.map((row) => row.length), [2, 2]);
  assert.deepEqual(r.weights.b1.map((row) => row.length), [2]);
  assert.deepEqual(r.weights.w2.map((row) => row.length), [1, 1]);
  assert.deepEqual(r.weights.b2.map((row) => row.length), [1]);
  assert.equal(r.pred.length, 4);
  assert.deepEqual([m.xor(BOOK_XOR).lr, m.xor(BOOK_XOR).steps], [0.01, 2000]);
});

test("xor: bad input throws an Error naming the field", () => {
  const bad = [
    [{w1: [[1, 1]]}, /w1/],
    [{w1: [[1, 1], [1, NaN]]}, /w1\[1\]\[1\]/],
    [{b1: [[0]]}, /b1/],
    [{w2: [1, 1]}, /w2/],
    [{b2: undefined}, /b2/],
    [{lr: 0}, /lr/],
    [{steps: "100"}, /steps/],
    [{steps: 1e6}, /steps/],
  ];
  for (const [input, field] of bad) assert.throws(() => m.xor({...BOOK_XOR, ...input}), field, JSON.stringify(input));
});

test("xorInitWeights: seeded, normal draws of stddev 1, biases 0.1", () => {
  assert.deepEqual(m.xorInitWeights(7), m.xorInitWeights(7));
  assert.notDeepEqual(m.xorInitWeights(7), m.xorInitWeights(8));
  const w = m.xorInitWeights(7);
  assert.deepEqual([w.b1, w.b2], [[[0.1, 0.1]], [[0.1]]]);
  // init_weights' order: w1's four draws (row by row), then w2's two, all at stddev 1
  const seven = m.normals(7), first = Array.from({length: 6}, seven);
  assert.deepEqual([...w.w1.flat(), ...w.w2.flat()], first);
  const normal = m.normals(1), n = 20000, draws = Array.from({length: n}, normal);
  const mean = draws.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(draws.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  close(mean, 0, 0.03, "mean");  // 4 standard errors of a standard normal's mean over 20000 draws
  close(sd, 1, 0.03, "standard deviation");
  assert.throws(() => m.xorInitWeights(-1), /seed/);
  assert.throws(() => m.xorInitWeights(1.5), /seed/);
});
