// The JavaScript side of scratchnet.wasm: no wasm-bindgen, a dozen lines per call.
// Each call writes its input into the module's memory, calls an export, and reads the
// answer (JSON text, or f64 numbers) back; a negative return code means the answer is the
// error's one line (`error: …`, the CLI's words). Used by worker.js and by the Node tests.

export class Engine {
  /** Instantiates the module from its bytes (an ArrayBuffer or a typed array). */
  static async load(bytes) {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new Engine(instance.exports);
  }

  constructor(exports) {
    this.x = exports;
  }

  bytes() {
    const x = this.x;
    return new Uint8Array(x.memory.buffer, x.sn_out_ptr(), x.sn_out_len()).slice();
  }

  text() {
    return new TextDecoder().decode(this.bytes());
  }

  check(code) {
    if (code < 0) throw new Error(this.text());
    return code;
  }

  /** A new run from settings (see crates/scratchnet-wasm/src/session.rs); returns its id. */
  create(settings) {
    const input = new TextEncoder().encode(JSON.stringify(settings));
    const ptr = this.x.sn_alloc(input.length);
    new Uint8Array(this.x.memory.buffer, ptr, input.length).set(input);
    const id = this.x.sn_create(ptr, input.length);
    this.x.sn_free(ptr, input.length);
    return this.check(id);
  }

  drop(id) {
    this.x.sn_drop(id);
  }

  step(id, epochs) {
    this.check(this.x.sn_step(id, epochs));
  }

  state(id) {
    this.check(this.x.sn_state(id));
    return JSON.parse(this.text());
  }

  points(id) {
    this.check(this.x.sn_points(id));
    return JSON.parse(this.text());
  }

  /** res × res probabilities, then the first hidden layer's maps (res × res each). */
  field(id, res) {
    this.check(this.x.sn_field(id, res));
    return new Float64Array(this.bytes().buffer);
  }

  explain(id, sample) {
    this.check(this.x.sn_explain(id, sample));
    return JSON.parse(this.text());
  }

  /** The CLI's model file (JSON text) of the network as it is now. */
  exportModel(id) {
    this.check(this.x.sn_export(id));
    return this.text();
  }

  /** The run's data as CSV text (original row order). */
  dataCsv(id) {
    this.check(this.x.sn_data_csv(id));
    return this.text();
  }

  /** The run's training rows as CSV text, in training order (for `explain --data`). */
  trainCsv(id) {
    this.check(this.x.sn_train_csv(id));
    return this.text();
  }

  /** Looks inside a model file (its text; `name` for the messages): see Session::import. */
  importModel(id, name, text) {
    const put = (bytes) => {
      const ptr = this.x.sn_alloc(bytes.length);
      new Uint8Array(this.x.memory.buffer, ptr, bytes.length).set(bytes);
      return ptr;
    };
    const n = new TextEncoder().encode(name), t = new TextEncoder().encode(text);
    const np = put(n), tp = put(t);
    const code = this.x.sn_import(id, np, n.length, tp, t.length);
    this.x.sn_free(np, n.length);
    this.x.sn_free(tp, t.length);
    this.check(code);
  }

  nudge(id, delta) {
    this.check(this.x.sn_nudge(id, delta));
  }
}
