// The playground page: settings ⇄ URL, the worker's frames drawn on canvases, the equations
// panel. All numbers come from the WebAssembly module in worker.js (the scratchnet library).

const $ = (id) => document.getElementById(id);
const COLORS = [[245, 147, 34], [8, 119, 189]]; // class 0 orange, class 1 blue
const NUMBER_FIELDS = { points: 'points', noise: 'noise', 'test-split': 'test', seed: 'seed', lr: 'lr', l2: 'l2', batch: 'batch' };
// the tutorial preset's learning rate for each optimizer (crates/scratchnet/src/preset.rs)
const PRESET_RATE = { gd: 1.2, momentum: 0.01, nesterov: 0.01, adam: 0.003 };

const worker = new Worker(new URL('worker.js', import.meta.url), { type: 'module' });

const view = {
  playing: false,
  waiting: false, // a tick is out: the next is sent when its frame arrives
  points: null,
  state: null,
  epoch: 0,
  losses: [], // train loss per epoch
  testLosses: [], // [epoch, loss] per frame
  sample: 0, // the training sample the equations panel shows
  latest: null, // a frame that arrived while playing, drawn at the next animation frame
  csv: null, // an uploaded file { name, text }
  frameTimes: [],
  stats: { frames: 0, fps: null, lastTrainMs: null },
  pending: new Map(), // request type → resolve (for export, data, bench: used by the tests)
};
// for the browser tests and the curious: the page's state, read-only by convention
window.playground = view;

// ---------------------------------------------------------------- settings and the URL

function hiddenSizes() {
  const text = $('hidden').value.trim();
  if (text === '') return [];
  return text.split(',').map((s) => Number(s.trim()));
}

const features = () => [...document.querySelectorAll('input.feature')];

function settings() {
  const s = {
    data: $('data').value,
    points: Number($('points').value),
    seed: Number($('seed').value),
    test_split: Number($('test-split').value),
    hidden: hiddenSizes(),
    activation: $('activation').value,
    learning_rate: Number($('lr').value),
    l2: Number($('l2').value),
    optimizer: $('optimizer').value,
    batch_size: $('batch').value === '' ? null : Number($('batch').value),
    target: $('target').value.trim() || 'y',
    features: features().filter((c) => c.checked).map((c) => c.value),
  };
  if ($('noise').value !== '') s.noise = Number($('noise').value);
  if ($('init').value !== '') s.init = $('init').value;
  if (s.data === 'tutorial') {
    // the tutorial's own 400 points (docs/playground/planar_flower.csv, as shared/data/)
    s.data = 'csv';
    s.csv = view.tutorialCsv;
    s.csv_name = 'planar_flower.csv';
  } else if (s.data === 'csv' && view.csv) {
    s.csv = view.csv.text;
    s.csv_name = view.csv.name;
  }
  return s;
}

function writeUrl() {
  // an uploaded file is not in the address: a link to it could not reproduce the run
  if ($('data').value === 'csv') {
    history.replaceState(null, '', location.pathname);
    return;
  }
  const q = new URLSearchParams();
  q.set('data', $('data').value);
  for (const [id, key] of Object.entries(NUMBER_FIELDS)) if ($(id).value !== '') q.set(key, $(id).value);
  q.set('hidden', $('hidden').value.replace(/\s/g, ''));
  q.set('act', $('activation').value);
  q.set('opt', $('optimizer').value);
  if ($('init').value) q.set('init', $('init').value);
  if ($('chaos').checked) q.set('chaos', '1');
  const extra = features().filter((c) => c.checked).map((c) => c.value);
  if (extra.length) q.set('feat', extra.join(','));
  q.set('epoch', String(view.epoch));
  if (view.sample !== null) q.set('sample', String(view.sample));
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

function readUrl() {
  const q = new URLSearchParams(location.search);
  if (q.has('data')) $('data').value = q.get('data');
  for (const [id, key] of Object.entries(NUMBER_FIELDS)) if (q.has(key)) $(id).value = q.get(key);
  if (q.has('hidden')) $('hidden').value = q.get('hidden');
  if (q.has('act')) $('activation').value = q.get('act');
  if (q.has('opt')) $('optimizer').value = q.get('opt');
  if (q.has('init')) $('init').value = q.get('init');
  $('chaos').checked = q.get('chaos') === '1';
  const extra = (q.get('feat') ?? '').split(',');
  for (const c of features()) c.checked = extra.includes(c.value);
  if (q.has('sample')) view.sample = Number(q.get('sample'));
  return Math.max(0, Math.floor(Number(q.get('epoch') ?? 0)) || 0);
}

// ---------------------------------------------------------------- talking to the worker

function showError(message) {
  const e = $('error');
  e.textContent = message;
  e.hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

async function start(epochs = 0) {
  setPlaying(false);
  if ($('data').value === 'tutorial' && view.tutorialCsv === undefined) {
    view.waiting = true;
    const r = await fetch(new URL('planar_flower.csv', import.meta.url));
    if (!r.ok) {
      view.waiting = false;
      showError(`error: planar_flower.csv: HTTP ${r.status}`);
      return;
    }
    view.tutorialCsv = await r.text();
  }
  view.waiting = true;
  worker.postMessage({ type: 'init', settings: settings(), chaos: $('chaos').checked, epochs, sample: view.sample });
}

function tick(epochs) {
  if (view.waiting) return;
  view.waiting = true;
  worker.postMessage({ type: 'tick', epochs, sample: view.sample });
}

// While playing, each animation frame first asks the worker for the next step, then draws the
// last one: the worker trains while the page draws.
function loop() {
  if (!view.playing) return;
  const m = view.latest;
  view.latest = null;
  if (!view.waiting) tick(Number($('speed').value));
  if (m) onFrame(m);
  requestAnimationFrame(loop);
}

function request(type, extra = {}) {
  return new Promise((resolve, reject) => {
    view.pending.set(type, { resolve, reject });
    worker.postMessage({ type, ...extra });
  });
}

worker.onmessage = (event) => {
  const m = event.data;
  if (m.type === 'points') {
    view.points = m.points;
    $('class0').textContent = m.points.classes[0];
    $('class1').textContent = m.points.classes[1];
    $('sample').max = String(m.points.train - 1);
  } else if (m.type === 'frame') {
    view.waiting = false;
    if (view.playing && !m.reset) view.latest = m;
    else onFrame(m);
  } else if (m.type === 'explain') {
    renderExplain(m.explained);
  } else if (m.type === 'error') {
    view.waiting = false;
    const p = view.pending.get(m.request);
    if (p) {
      view.pending.delete(m.request);
      p.reject(new Error(m.message));
    }
    showError(m.message);
    // a step that failed (a diverging rate, say) stops the run where it was
    if (m.request === 'tick') setPlaying(false);
    if (m.request === 'init' && view.state) restoreControls();
  } else {
    const p = view.pending.get(m.type);
    if (p) {
      view.pending.delete(m.type);
      p.resolve(m);
    }
  }
};

// After a refused upload or setting the page keeps the run it had: the data menu shows it.
function restoreControls() {
  if ($('data').value === 'csv' && !view.csvAccepted) $('data').value = view.lastData ?? 'flower';
}

function onFrame(m) {
  const s = m.state;
  if (m.reset) {
    view.losses = [];
    view.testLosses = [];
    view.frameTimes = [];
    clearError();
    view.lastData = $('data').value;
    if (view.points && view.sample !== null && view.sample >= view.points.train) view.sample = null;
    view.csvAccepted = $('data').value === 'csv';
  }
  view.state = s;
  view.epoch = s.epoch;
  for (let i = 0; i < s.new_losses.length; i++) view.losses[s.first_epoch + i] = s.new_losses[i];
  if (s.test_loss !== null) view.testLosses.push([s.epoch, s.test_loss]);
  const now = performance.now();
  view.frameTimes.push(now);
  while (view.frameTimes.length && now - view.frameTimes[0] > 1000) view.frameTimes.shift();
  view.stats.frames++;
  view.stats.lastTrainMs = m.trainMs ?? null;
  view.stats.lastFrameMs = m.frameMs ?? null;
  if (view.playing && view.frameTimes.length > 1) {
    view.stats.fps = ((view.frameTimes.length - 1) * 1000) / (now - view.frameTimes[0]);
    $('fps').textContent = `${view.stats.fps.toFixed(0)} fps`;
  }
  $('epoch').textContent = String(s.epoch);
  $('test-accuracy').textContent = s.test ? s.test.accuracy.toFixed(4) : '–';
  drawField($('boundary'), m.field, m.res, true);
  drawHiddenMaps(m.field, m.res);
  drawLoss();
  drawMetrics(s);
  drawNetwork(s.weights);
  $('twin').hidden = !m.twinState;
  if (m.twinState) {
    drawField($('twin-boundary'), m.twinField, m.res, false);
    $('twin-diff').textContent = weightDifference(s.weights, m.twinState.weights).toExponential(2);
  }
  if (m.explained) renderExplain(m.explained);
  view.stats.lastDrawMs = performance.now() - now;
  // the address follows the run (at most twice a second while playing: browsers throttle it)
  if (!view.playing || now - (view.urlWritten ?? 0) > 500) {
    view.urlWritten = now;
    writeUrl();
  }
}

// ---------------------------------------------------------------- drawing

function mix(p, strength) {
  // white → the class colour, by how sure the model is (|2p − 1|)
  const c = COLORS[p >= 0.5 ? 1 : 0];
  const t = Math.min(1, Math.abs(2 * p - 1)) * strength;
  return c.map((v) => Math.round(255 + (v - 255) * t));
}

// mix(p, strength) for 1024 levels of p, as RGBA bytes: the canvases colour pixels by lookup
const LEVELS = 1023;
function lookup(strength) {
  const t = new Uint8ClampedArray(4 * (LEVELS + 1));
  for (let k = 0; k <= LEVELS; k++) t.set([...mix(k / LEVELS, strength), 255], 4 * k);
  return t;
}
const FIELD_COLOURS = lookup(0.85);
const MAP_COLOURS = lookup(0.9);

// Colours `values` (probabilities in [0, 1]) into `img` through `table`.
function paint(img, values, table, lo = 0, hi = 1) {
  const d = img.data;
  const scale = hi > lo ? LEVELS / (hi - lo) : 0;
  for (let k = 0; k < values.length; k++) {
    let i = scale ? Math.round((values[k] - lo) * scale) : LEVELS >> 1;
    i = i < 0 ? 0 : i > LEVELS ? LEVELS : i;
    d[4 * k] = table[4 * i];
    d[4 * k + 1] = table[4 * i + 1];
    d[4 * k + 2] = table[4 * i + 2];
    d[4 * k + 3] = 255;
  }
}

const offscreen = new Map(); // res → { canvas, img }
function scratch(res) {
  if (!offscreen.has(res)) {
    const canvas = new OffscreenCanvas(res, res);
    offscreen.set(res, { canvas, img: new ImageData(res, res) });
  }
  return offscreen.get(res);
}

function toCanvas(canvas, x1, x2) {
  const [a, b, c, d] = view.points.bounds;
  return [((x1 - a) / (b - a)) * canvas.width, ((d - x2) / (d - c)) * canvas.height];
}

function drawField(canvas, field, res, withPoints) {
  const ctx = canvas.getContext('2d');
  const { canvas: off, img } = scratch(res);
  paint(img, field.subarray(0, res * res), FIELD_COLOURS);
  off.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  // grid point i sits at i/(res − 1) of the width: cells of 1/(res − 1), centred on the points
  const cell = canvas.width / (res - 1);
  ctx.drawImage(off, -cell / 2, -cell / 2, canvas.width + cell, canvas.height + cell);
  drawContour(ctx, field, res, canvas.width / (res - 1));
  if (withPoints && view.points) drawPoints(ctx, canvas);
}

// The 0.5 contour by marching squares on the grid.
function drawContour(ctx, f, res, step) {
  ctx.strokeStyle = 'rgba(0,0,0,0.75)';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  const at = (i, j) => f[i * res + j] - 0.5;
  const cross = (a, b) => a / (a - b);
  for (let i = 0; i < res - 1; i++) {
    for (let j = 0; j < res - 1; j++) {
      const v = [at(i, j), at(i, j + 1), at(i + 1, j + 1), at(i + 1, j)];
      const pts = [];
      // edges: top (0→1), right (1→2), bottom (3→2), left (0→3)
      if (v[0] > 0 !== v[1] > 0) pts.push([j + cross(v[0], v[1]), i]);
      if (v[1] > 0 !== v[2] > 0) pts.push([j + 1, i + cross(v[1], v[2])]);
      if (v[3] > 0 !== v[2] > 0) pts.push([j + cross(v[3], v[2]), i + 1]);
      if (v[0] > 0 !== v[3] > 0) pts.push([j, i + cross(v[0], v[3])]);
      for (let k = 0; k + 1 < pts.length; k += 2) {
        ctx.moveTo(pts[k][0] * step, pts[k][1] * step);
        ctx.lineTo(pts[k + 1][0] * step, pts[k + 1][1] * step);
      }
    }
  }
  ctx.stroke();
}

function drawPoints(ctx, canvas) {
  const p = view.points;
  for (let k = 0; k < p.x1.length; k++) {
    const [x, y] = toCanvas(canvas, p.x1[k], p.x2[k]);
    const [r, g, b] = COLORS[p.label[k]];
    ctx.beginPath();
    ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    if (k < p.train) {
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1;
    } else {
      ctx.strokeStyle = `rgb(${r},${g},${b})`;
      ctx.lineWidth = 2;
    }
    ctx.stroke();
  }
  if (view.sample !== null && view.sample < p.train) {
    const [x, y] = toCanvas(canvas, p.x1[view.sample], p.x2[view.sample]);
    ctx.beginPath();
    ctx.arc(x, y, 7, 0, 2 * Math.PI);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

function drawHiddenMaps(field, res) {
  const n = res * res;
  const units = Math.floor(field.length / n) - 1;
  const box = $('hidden-maps');
  if (box.children.length !== units) {
    box.replaceChildren();
    for (let u = 0; u < units; u++) {
      const fig = document.createElement('figure');
      const c = document.createElement('canvas');
      c.width = res;
      c.height = res;
      c.setAttribute('aria-label', `hidden unit ${u + 1}'s activation over the plane`);
      const cap = document.createElement('figcaption');
      cap.textContent = `unit ${u + 1}`;
      fig.append(c, cap);
      box.append(fig);
    }
  }
  for (let u = 0; u < units; u++) {
    const c = box.children[u].querySelector('canvas');
    const { img } = scratch(res);
    const a = field.subarray((u + 1) * n, (u + 2) * n);
    let lo = Infinity, hi = -Infinity;
    for (const v of a) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    // tanh and σ have a natural range; others are scaled to what they reach here
    const act = $('activation').value;
    if (act === 'tanh') { lo = -1; hi = 1; } else if (act === 'sigmoid') { lo = 0; hi = 1; }
    paint(img, a, MAP_COLOURS, lo, hi);
    c.getContext('2d').putImageData(img, 0, 0);
  }
}

function drawLoss() {
  const c = $('loss');
  const ctx = c.getContext('2d');
  const { width: w, height: h } = c;
  ctx.clearRect(0, 0, w, h);
  const losses = view.losses;
  const n = losses.length;
  if (n === 0) return;
  let top = 0;
  for (const v of losses) if (Number.isFinite(v)) top = Math.max(top, v);
  for (const [, v] of view.testLosses) top = Math.max(top, v);
  top = top > 0 ? top * 1.05 : 1;
  const x = (e) => 30 + ((w - 36) * e) / Math.max(1, n - 1);
  const y = (v) => h - 18 - ((h - 26) * v) / top;
  ctx.strokeStyle = '#bbb';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(30, 8);
  ctx.lineTo(30, h - 18);
  ctx.lineTo(w - 6, h - 18);
  ctx.stroke();
  ctx.fillStyle = '#666';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(top.toFixed(2), 2, 14);
  ctx.fillText('0', 18, h - 18);
  ctx.fillText(`epoch ${n - 1}`, w - 70, h - 4);
  ctx.strokeStyle = `rgb(${COLORS[1]})`;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  // one point per pixel column: the last epoch that falls on it
  const stride = Math.max(1, Math.floor(n / (w - 36)));
  for (let e = 0; e < n; e += stride) {
    if (e === 0) ctx.moveTo(x(e), y(losses[e]));
    else ctx.lineTo(x(e), y(losses[e]));
  }
  ctx.lineTo(x(n - 1), y(losses[n - 1]));
  ctx.stroke();
  ctx.fillStyle = `rgb(${COLORS[0]})`;
  const tstride = Math.max(1, Math.floor(view.testLosses.length / 200));
  for (let k = 0; k < view.testLosses.length; k += tstride) {
    const [e, v] = view.testLosses[k];
    ctx.fillRect(x(e) - 1.5, y(v) - 1.5, 3, 3);
  }
}

const METRIC_ROWS = [
  ['loss', (r) => r.loss],
  ['accuracy', (r) => r.accuracy],
  ['precision', (r) => r.precision],
  ['recall', (r) => r.recall],
  ['F1', (r) => r.f1],
  ['balanced acc', (r) => r.balanced_accuracy],
  ['ROC AUC', (r) => r.roc_auc],
];

function drawMetrics(s) {
  $('model-name').textContent = `network (${s.model})`;
  const cols = [s.train, s.test, s.baseline_train, s.baseline_test];
  const rows = METRIC_ROWS.map(([name, get]) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = name;
    tr.append(th);
    for (const c of cols) {
      const td = document.createElement('td');
      const v = c ? get(c) : null;
      td.textContent = v === null || v === undefined ? '–' : v.toFixed(4);
      tr.append(td);
    }
    return tr;
  });
  $('metrics').tBodies[0].replaceChildren(...rows);
}

function drawNetwork(weights) {
  const c = $('network');
  const ctx = c.getContext('2d');
  const { width: w, height: h } = c;
  ctx.clearRect(0, 0, w, h);
  const sizes = [weights[0][0][0].length, ...weights.map(([W]) => W.length)];
  const xs = sizes.map((_, l) => 20 + ((w - 40) * l) / (sizes.length - 1));
  const ys = sizes.map((n) => Array.from({ length: n }, (_, i) => ((i + 1) * h) / (n + 1)));
  let big = 0;
  for (const [W] of weights) for (const row of W) for (const v of row) big = Math.max(big, Math.abs(v));
  weights.forEach(([W], l) => {
    W.forEach((row, i) => row.forEach((v, j) => {
      ctx.strokeStyle = `rgba(${COLORS[v >= 0 ? 1 : 0]},0.8)`;
      ctx.lineWidth = big > 0 ? 0.3 + (4 * Math.abs(v)) / big : 0.3;
      ctx.beginPath();
      ctx.moveTo(xs[l], ys[l][j]);
      ctx.lineTo(xs[l + 1], ys[l + 1][i]);
      ctx.stroke();
    }));
  });
  ctx.fillStyle = '#333';
  sizes.forEach((n, l) => ys[l].forEach((y) => {
    ctx.beginPath();
    ctx.arc(xs[l], y, 5, 0, 2 * Math.PI);
    ctx.fill();
  }));
}

function weightDifference(a, b) {
  let d = 0;
  a.forEach(([W, bias], l) => {
    W.forEach((row, i) => row.forEach((v, j) => { d = Math.max(d, Math.abs(v - b[l][0][i][j])); }));
    bias.forEach((v, i) => { d = Math.max(d, Math.abs(v - b[l][1][i])); });
  });
  return d;
}

// ---------------------------------------------------------------- the equations panel

// Rust's `{v:>12.8}` and `{v:.6}`: −0 keeps its sign
function fixed(v, digits) {
  return (Object.is(v, -0) ? '-' : '') + v.toFixed(digits);
}

function fmtMatrix(rows) {
  const lines = rows.map((r) => r.map((v) => fixed(v, 8).padStart(12)).join(' '));
  return lines.length === 1 ? `[${lines[0]}]` : `\n      [${lines.join(']\n      [')}]`;
}

const column = (v) => v.map((x) => [x]);

function actFormula(a, z) {
  return {
    sigmoid: `σ(${z}) = 1 / (1 + e^(−${z}))`,
    tanh: `tanh(${z})`,
    relu: `max(0, ${z})`,
    'leaky-relu': `max(0.01·${z}, ${z})`,
    identity: z,
  }[a];
}

function actDerivative(a, n) {
  return {
    sigmoid: `A${n} ⊙ (1 − A${n})`,
    tanh: `(1 − A${n}²)`,
    relu: `[Z${n} > 0]`,
    'leaky-relu': `[Z${n} > 0 ? 1 : 0.01]`,
    identity: '1',
  }[a];
}

const inputName = (l) => (l === 0 ? 'X' : `A${l}`);

// The text of `scratchnet explain --sample N` from "Sample N:" on, line for line.
function explainText(e) {
  const out = [];
  const L = e.layers.length;
  out.push(`Sample ${e.sample}: raw features (${e.features.join(', ')}) = (${e.raw.map((v) => fixed(v, 6)).join(', ')}), label ${e.label} (class \`${e.class}\`)`);
  out.push('With one sample m = 1, so every (1/m) below is 1. Check any line by hand.', '');
  out.push(`   X (standardized) = ${fmtMatrix(column(e.x))}`);
  e.layers.forEach((layer, i) => {
    const l = i + 1;
    out.push(`   W${l} = ${fmtMatrix(layer.w)}`);
    out.push(`   b${l} = ${fmtMatrix(column(layer.b))}`);
    out.push(`   Z${l} = W${l}·${inputName(i)} + b${l} = ${fmtMatrix(column(layer.z))}`);
    out.push(`   A${l} = ${actFormula(layer.activation, `Z${l}`)} = ${fmtMatrix(column(layer.a))}`);
  });
  const a = e.layers[L - 1].a[0];
  out.push(`   J = −[y·log(A${L}) + (1 − y)·log(1 − A${L})] = ${fixed(e.cost, 6)}`);
  out.push(`   prediction: A${L} = ${fixed(a, 6)} ${a > 0.5 ? '>' : '≤'} 0.5 → class ${a > 0.5 ? 1 : 0}`, '');
  out.push(`   dZ${L} = A${L} − Y = ${fmtMatrix([e.layers[L - 1].dz])}`);
  for (let i = L - 1; i >= 0; i--) {
    const l = i + 1;
    out.push(`   dW${l} = dZ${l}·${inputName(i)}ᵀ = ${fmtMatrix(e.layers[i].dw)}`);
    out.push(`   db${l} = dZ${l} = ${fmtMatrix(column(e.layers[i].db))}`);
    if (i > 0) {
      out.push(`   dZ${i} = W${l}ᵀ·dZ${l} ⊙ ${actDerivative(e.layers[i - 1].activation, i)} = ${fmtMatrix(column(e.layers[i - 1].dz))}`);
    }
  }
  return out.join('\n');
}

function renderExplain(e) {
  $('explain').textContent = explainText(e);
}

function showSample(n) {
  if (!view.points || !(n >= 0 && n < view.points.train)) {
    showError(`error: the training data has ${view.points?.train ?? 0} samples (0…${(view.points?.train ?? 1) - 1})`);
    return;
  }
  clearError();
  view.sample = n;
  $('sample').value = String(n);
  worker.postMessage({ type: 'explain', sample: n });
  if (view.state && !view.playing) writeUrl();
}

// ---------------------------------------------------------------- controls

function setPlaying(on) {
  view.playing = on;
  $('play').textContent = on ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(on));
  view.frameTimes = [];
  if (on) {
    requestAnimationFrame(loop);
  } else if (view.latest) {
    const m = view.latest;
    view.latest = null;
    onFrame(m);
  } else if (view.state) {
    writeUrl();
  }
}

function download(name, text, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function editHidden(f) {
  const sizes = hiddenSizes().filter((n) => Number.isInteger(n) && n > 0);
  f(sizes);
  $('hidden').value = sizes.join(',');
  $('hidden-shown').textContent = sizes.length ? sizes.join('-') : 'none (logistic regression)';
  start();
}

$('play').addEventListener('click', () => {
  clearError();
  setPlaying(!view.playing);
});
$('step').addEventListener('click', () => {
  clearError();
  setPlaying(false);
  tick(1);
});
$('reset').addEventListener('click', () => start());
$('layer-add').addEventListener('click', () => editHidden((s) => s.push(4)));
$('layer-remove').addEventListener('click', () => editHidden((s) => s.pop()));
$('unit-add').addEventListener('click', () => editHidden((s) => {
  if (s.length === 0) s.push(1);
  else s[s.length - 1]++;
}));
$('unit-remove').addEventListener('click', () => editHidden((s) => {
  if (s.length && --s[s.length - 1] === 0) s.pop();
}));
$('optimizer').addEventListener('change', () => {
  $('lr').value = String(PRESET_RATE[$('optimizer').value]);
  start();
});
for (const id of ['data', 'points', 'noise', 'test-split', 'seed', 'activation', 'init', 'lr', 'l2', 'batch', 'chaos', 'target']) {
  $(id).addEventListener('change', () => start());
}
$('hidden').addEventListener('change', () => editHidden(() => {}));
for (const c of features()) c.addEventListener('change', () => start());
$('csv').addEventListener('change', async () => {
  const file = $('csv').files[0];
  if (!file) return;
  view.csv = { name: file.name, text: await file.text() };
  view.csvAccepted = false;
  const option = $('data').querySelector('option[value="csv"]');
  option.disabled = false;
  option.textContent = `uploaded: ${file.name}`;
  $('data').value = 'csv';
  $('csv').value = '';
  start();
});
$('import').addEventListener('change', async () => {
  const file = $('import').files[0];
  if (!file) return;
  const text = await file.text();
  $('import').value = '';
  setPlaying(false);
  view.waiting = true;
  worker.postMessage({ type: 'import', name: file.name, text, sample: view.sample });
});
$('boundary').addEventListener('click', (event) => {
  if (!view.points) return;
  const c = $('boundary');
  const rect = c.getBoundingClientRect();
  const x = ((event.clientX - rect.left) * c.width) / rect.width;
  const y = ((event.clientY - rect.top) * c.height) / rect.height;
  let best = -1, dist = Infinity;
  for (let k = 0; k < view.points.train; k++) {
    const [px, py] = toCanvas(c, view.points.x1[k], view.points.x2[k]);
    const d = (px - x) ** 2 + (py - y) ** 2;
    if (d < dist) { dist = d; best = k; }
  }
  if (best >= 0) showSample(best);
});
$('show-sample').addEventListener('click', () => showSample(Number($('sample').value)));
$('sample').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') showSample(Number($('sample').value));
});
$('export').addEventListener('click', async () => {
  const m = await request('export');
  download('model.json', m.model, 'application/json');
});
$('export-data').addEventListener('click', async () => {
  const m = await request('dataCsv');
  download('data.csv', m.csv, 'text/csv');
});

// the tests call these (and a learner may, from the console)
view.exportModel = async () => (await request('export')).model;
view.dataCsv = async () => request('dataCsv');
view.bench = async (epochs, s = settings()) => request('bench', { epochs, settings: s });
view.explainText = explainText;

const startEpoch = readUrl();
$('hidden-shown').textContent = hiddenSizes().length ? hiddenSizes().join('-') : 'none (logistic regression)';
start(startEpoch);
if (view.sample !== null) $('sample').value = String(view.sample);
