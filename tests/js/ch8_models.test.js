// dlbook/page/ch8_models.js in node: the forward pass, the input checks, the seeded noise. Expected
// values are worked by hand from small models (a 2-3-1 net, a 2-row embedding), not from the code.
const test = require("node:test");
const assert = require("node:assert");
const models = require("../../dlbook/page/ch8_models.js");

const b64 = (values) => Buffer.from(new Float32Array(values).buffer).toString("base64");

// y = sigmoid(w2 · relu(W1 x + b1) + b2) with W1 = [[1, 0], [0, 1], [1, 1]], b1 = [0, 0, -1], w2 = [1, -1, 2], b2 = 0.5
const small = models.prepare({input: 2, layers: [
  {op: "linear", in: 2, out: 3, w: b64([1, 0, 0, 1, 1, 1]), b: b64([0, 0, -1])}, {op: "relu"},
  {op: "linear", in: 3, out: 1, w: b64([1, -1, 2]), b: b64([0.5])}, {op: "sigmoid"}]});

test("the forward pass is the layers' maths", () => {
  // x = [2, 1]: hidden [2, 1, 2]; 2 - 1 + 4 + 0.5 = 5.5
  assert.ok(Math.abs(models.run(small, "small", [2, 1])[0] - 1 / (1 + Math.exp(-5.5))) < 1e-12);
  // x = [-1, 3]: hidden relu([-1, 3, 1]) = [0, 3, 1]; 0 - 3 + 2 + 0.5 = -0.5
  assert.ok(Math.abs(models.run(small, "small", [-1, 3])[0] - 1 / (1 + Math.exp(0.5))) < 1e-12);
});

test("tanh, leaky ReLU and denorm as gan.py's generator applies them", () => {
  const model = models.prepare({input: 2, layers: [{op: "leaky_relu", slope: 0.2}, {op: "tanh"}, {op: "denorm"}]});
  const [a, b] = models.run(model, "g", [-1, 3]);
  assert.ok(Math.abs(a - (Math.tanh(-0.2) + 1) / 2) < 1e-12 && Math.abs(b - (Math.tanh(3) + 1) / 2) < 1e-12);
});

test("a wrong input is refused with what the model takes", () => {
  assert.throws(() => models.run(small, "small", [1, 2, 3]), /small takes an array of 2 numbers/);
  assert.throws(() => models.run(small, "small", [1, NaN]), /small takes an array of 2 numbers/);
});

// a CGAN-like model: z of 1 number, then a 2-row, 1-wide embedding; output = z + embedding row
const cgan = models.prepare({input: 2, embedding: {rows: 2, dim: 1, w: b64([10, 20])},
  layers: [{op: "linear", in: 2, out: 1, w: b64([1, 1]), b: b64([0])}]});

test("the CGAN's digit picks its embedding row", () => {
  assert.deepStrictEqual(models.run(cgan, "cgan", {digit: 0, z: [1]}), [11]);
  assert.deepStrictEqual(models.run(cgan, "cgan", {digit: 1, z: [1]}), [21]);
});

test("a digit outside 0..rows-1, or not whole, is an error, not NaN pixels", () => {
  for (const digit of [2, 10, -1, 0.5, "1", null]) {
    assert.throws(() => models.run(cgan, "cgan", {digit, z: [1]}), /cgan takes \{digit: 0-1, z: \[1 numbers\]\}/, String(digit));
  }
  assert.throws(() => models.run(cgan, "cgan", {digit: 0, z: [1, 2]}), /cgan takes/);
});

test("the seeded noise repeats for a seed and differs between seeds", () => {
  const a = models.rng(84).normals(1000), b = models.rng(84).normals(1000), c = models.rng(85).normals(5);
  assert.deepStrictEqual(a, b);
  assert.notDeepStrictEqual(a.slice(0, 5), c);
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  assert.ok(Math.abs(mean) < 0.1 && Math.abs(sd - 1) < 0.1, `mean ${mean}, sd ${sd}`);  // N(0, 1)
});

test("a weight may be the id of a <template> holding its base64, as the page writes it", () => {
  const text = {"w-0": b64([1, 0, 0, 1, 1, 1]), "w-1": b64([0, 0, -1])};
  globalThis.document = {getElementById: (id) => ({content: {textContent: text[id]}})};
  try {
    const model = models.prepare({input: 2, layers: [{op: "linear", in: 2, out: 3, w: {template: "w-0"}, b: {template: "w-1"}}]});
    assert.deepStrictEqual(models.run(model, "m", [2, 1]), [2, 1, 2]);
    assert.deepStrictEqual(Array.from(models.floats({template: "w-1"})), [0, 0, -1]);
  } finally {
    delete globalThis.document;
  }
});

test("bytes() decodes as atob does, with or without Uint8Array.fromBase64", () => {
  const text = Buffer.from(Array.from({length: 1000}, (_, i) => (i * 37) % 256)).toString("base64");
  const want = Array.from(Buffer.from(text, "base64"));
  const saved = Uint8Array.fromBase64;
  try {
    Uint8Array.fromBase64 = undefined;
    assert.deepStrictEqual(Array.from(models.bytes(text)), want);
    Uint8Array.fromBase64 = (t) => new Uint8Array(Buffer.from(t, "base64"));  // node 20 has none: as the spec says
    assert.deepStrictEqual(Array.from(models.bytes(text)), want);
  } finally {
    Uint8Array.fromBase64 = saved;
  }
});
