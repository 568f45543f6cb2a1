// The playground's Web Worker: owns the WebAssembly module and the runs, so training never
// blocks the page. The page sends one message per frame ("tick": train k epochs, then answer
// with the state and the field); nothing runs between ticks, so pause is instant.
import { Engine } from './engine.mjs';

const FIELD = 100; // grid points per side of the probability field
let engine = null;
let run = null; // { id, twin (chaos copy) or null, settings }

const ready = fetch(new URL('scratchnet.wasm', import.meta.url))
  .then((r) => {
    if (!r.ok) throw new Error(`error: scratchnet.wasm: HTTP ${r.status}`);
    return r.arrayBuffer();
  })
  .then((bytes) => Engine.load(bytes))
  .then((e) => {
    engine = e;
  });

function frame(extra = {}, sample = null) {
  const state = engine.state(run.id);
  const field = engine.field(run.id, FIELD);
  const msg = { type: 'frame', state, field, res: FIELD, ...extra };
  // the equations panel's sample, with these weights (none when it is out of range)
  if (sample !== null && sample < run.train) msg.explained = engine.explain(run.id, sample);
  const transfer = [field.buffer];
  if (run.twin !== null) {
    msg.twinState = engine.state(run.twin);
    msg.twinField = engine.field(run.twin, FIELD);
    transfer.push(msg.twinField.buffer);
  }
  // the time to gather the state, the field and the explained sample after training
  if (extra.started !== undefined) msg.frameMs = performance.now() - extra.started;
  postMessage(msg, transfer);
}

// A new run; the old one stays when the settings (or an uploaded CSV) are refused.
function reset(settings, chaos) {
  const id = engine.create(settings);
  let twin = null;
  if (chaos) {
    twin = engine.create(settings);
    engine.nudge(twin, 1e-15);
  }
  if (run) {
    engine.drop(run.id);
    if (run.twin !== null) engine.drop(run.twin);
  }
  run = { id, twin, settings, train: engine.points(id).train };
}

function train(epochs) {
  engine.step(run.id, epochs);
  if (run.twin !== null) engine.step(run.twin, epochs);
}

const handlers = {
  // settings, chaos, epochs (train to this epoch at once: a shared link)
  init(m) {
    reset(m.settings, m.chaos);
    if (m.epochs > 0) train(m.epochs);
    postMessage({ type: 'points', points: engine.points(run.id) });
    frame({ reset: true }, m.sample);
  },
  tick(m) {
    const t0 = performance.now();
    if (m.epochs > 0) train(m.epochs);
    const t1 = performance.now();
    frame({ trainMs: t1 - t0, epochsRun: m.epochs, started: t1 }, m.sample);
  },
  // a model file: its network on this run's data; the twin (if any) gets it too
  import(m) {
    engine.importModel(run.id, m.name, m.text);
    if (run.twin !== null) {
      engine.importModel(run.twin, m.name, m.text);
      engine.nudge(run.twin, 1e-15);
    }
    frame({ reset: true }, m.sample);
  },
  explain(m) {
    postMessage({ type: 'explain', explained: engine.explain(run.id, m.sample) });
  },
  export() {
    postMessage({ type: 'export', model: engine.exportModel(run.id) });
  },
  dataCsv() {
    postMessage({ type: 'dataCsv', csv: engine.dataCsv(run.id), train: engine.trainCsv(run.id) });
  },
  // a fresh run of `epochs` epochs in one call, timed (the speed the README reports)
  bench(m) {
    const id = engine.create(m.settings);
    const t0 = performance.now();
    engine.step(id, m.epochs);
    const ms = performance.now() - t0;
    const state = engine.state(id);
    engine.drop(id);
    postMessage({ type: 'bench', ms, epochs: m.epochs, accuracy: state.test?.accuracy ?? null });
  },
};

onmessage = async (event) => {
  const m = event.data;
  try {
    await ready;
    handlers[m.type](m);
  } catch (e) {
    postMessage({ type: 'error', request: m.type, message: String(e.message ?? e) });
  }
};
