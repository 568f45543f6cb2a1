//! The playground's WebAssembly module: the scratchnet library, trained in the browser (a Web
//! Worker) through a few plain C-ABI functions, without wasm-bindgen.
//!
//! [`session`] is the logic (safe Rust, tested natively); the exports below move bytes in and
//! out of the module's memory: the page writes a settings JSON into a buffer from [`sn_alloc`],
//! calls a function, and reads its answer (JSON text, or f64 numbers for the probability
//! field) at [`sn_out_ptr`] / [`sn_out_len`]. A function returns 0 (or a session id) when it
//! worked and −1 when not; the answer is then the error's one line, `error: …`, the words the
//! CLI prints. `playground/worker.js` is the JavaScript side.
//!
//! Build: `playground/build.sh` (release, `+simd128`, paths remapped so the bytes are
//! reproducible); the `.wasm` is committed in `docs/playground/`.

pub mod session;

use std::cell::RefCell;

use session::{Session, Settings};

thread_local! {
    /// The runs, by id (a removed one leaves `None`).
    static SESSIONS: RefCell<Vec<Option<Session>>> = const { RefCell::new(Vec::new()) };
    /// The last answer.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Sets the answer and returns `code`.
fn answer(bytes: Vec<u8>, code: i32) -> i32 {
    OUT.with(|o| *o.borrow_mut() = bytes);
    code
}

/// The answer of `result`: its text (or bytes) and `ok`, or the error's line and −1.
fn reply(result: Result<Vec<u8>, String>, ok: i32) -> i32 {
    match result {
        Ok(bytes) => answer(bytes, ok),
        Err(e) => answer(e.into_bytes(), -1),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| format!("error: {e}"))
}

/// Runs `f` on session `id`.
fn with_session<T>(
    id: i32,
    f: impl FnOnce(&mut Session) -> Result<T, String>,
) -> Result<T, String> {
    SESSIONS.with(|s| {
        let mut sessions = s.borrow_mut();
        let session = usize::try_from(id)
            .ok()
            .and_then(|i| sessions.get_mut(i))
            .and_then(Option::as_mut)
            .ok_or_else(|| format!("error: no playground session {id}"))?;
        f(session)
    })
}

/// Creates a run from settings JSON text (see [`Settings`]); returns its id, or −1 with the
/// error as the answer.
pub fn create(settings_json: &[u8]) -> i32 {
    let settings: Result<Settings, String> =
        serde_json::from_slice(settings_json).map_err(|e| format!("error: settings: {e}"));
    match settings.and_then(|s| Session::new(&s)) {
        Ok(session) => SESSIONS.with(|s| {
            let mut sessions = s.borrow_mut();
            sessions.push(Some(session));
            answer(Vec::new(), (sessions.len() - 1) as i32)
        }),
        Err(e) => answer(e.into_bytes(), -1),
    }
}

/// The last answer's bytes (a copy; for native callers and tests).
pub fn last_answer() -> Vec<u8> {
    OUT.with(|o| o.borrow().clone())
}

/// A buffer of `len` bytes in the module's memory, for the page to write into.
#[unsafe(no_mangle)]
pub extern "C" fn sn_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// Frees a buffer of [`sn_alloc`].
///
/// # Safety
/// `ptr` and `len` must be exactly what one earlier `sn_alloc(len)` returned and took.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sn_free(ptr: *mut u8, len: usize) {
    // SAFETY: the caller passes a pointer and capacity from sn_alloc
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
}

/// Where the last answer is.
#[unsafe(no_mangle)]
pub extern "C" fn sn_out_ptr() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}

/// The last answer's length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn sn_out_len() -> usize {
    OUT.with(|o| o.borrow().len())
}

/// [`create`] from `len` bytes at `ptr`.
///
/// # Safety
/// `ptr..ptr + len` must be initialized bytes of the module's memory (from [`sn_alloc`]).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sn_create(ptr: *const u8, len: usize) -> i32 {
    // SAFETY: the caller wrote `len` bytes at `ptr`
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    create(bytes)
}

/// Removes run `id`.
#[unsafe(no_mangle)]
pub extern "C" fn sn_drop(id: i32) -> i32 {
    SESSIONS.with(|s| {
        let mut sessions = s.borrow_mut();
        if let Some(slot) = usize::try_from(id).ok().and_then(|i| sessions.get_mut(i)) {
            *slot = None;
        }
    });
    0
}

/// Trains run `id` `epochs` more epochs.
#[unsafe(no_mangle)]
pub extern "C" fn sn_step(id: i32, epochs: u32) -> i32 {
    reply(
        with_session(id, |s| s.step(epochs as usize).map(|()| Vec::new())),
        0,
    )
}

/// The run's [`session::State`] as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn sn_state(id: i32) -> i32 {
    reply(with_session(id, |s| json(&s.state()?)), 0)
}

/// The run's [`session::Points`] as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn sn_points(id: i32) -> i32 {
    reply(with_session(id, |s| json(&s.points())), 0)
}

/// The probability field (and the first hidden layer's maps) on a `res` × `res` grid, as
/// little-endian f64 numbers (see [`Session::field`]).
#[unsafe(no_mangle)]
pub extern "C" fn sn_field(id: i32, res: u32) -> i32 {
    let field = with_session(id, |s| s.field(res as usize));
    reply(
        field.map(|v| v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        0,
    )
}

/// Training sample `n` forward and backward ([`session::Explained`]) as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn sn_explain(id: i32, n: u32) -> i32 {
    reply(with_session(id, |s| json(&s.explain(n as usize)?)), 0)
}

/// The model file (the CLI's JSON) of the run's network as it is now.
#[unsafe(no_mangle)]
pub extern "C" fn sn_export(id: i32) -> i32 {
    reply(
        with_session(id, |s| Ok(s.model().to_json().into_bytes())),
        0,
    )
}

/// Adds `delta` to the run's first weight (the chaos toggle's twin).
#[unsafe(no_mangle)]
pub extern "C" fn sn_nudge(id: i32, delta: f64) -> i32 {
    reply(
        with_session(id, |s| s.nudge_first_weight(delta).map(|()| Vec::new())),
        0,
    )
}

/// The run's data as CSV text ([`Session::data_csv`]).
#[unsafe(no_mangle)]
pub extern "C" fn sn_data_csv(id: i32) -> i32 {
    reply(with_session(id, |s| Ok(s.data_csv().into_bytes())), 0)
}

/// The run's training rows as CSV text, in training order ([`Session::train_csv`]).
#[unsafe(no_mangle)]
pub extern "C" fn sn_train_csv(id: i32) -> i32 {
    reply(with_session(id, |s| Ok(s.train_csv().into_bytes())), 0)
}

/// Imports a model file into run `id` ([`Session::import`]): the file's name (`name_len` bytes
/// at `name`), then its bytes (`len` at `ptr`).
///
/// # Safety
/// Both ranges must be initialized bytes of the module's memory (from [`sn_alloc`]).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sn_import(
    id: i32,
    name: *const u8,
    name_len: usize,
    ptr: *const u8,
    len: usize,
) -> i32 {
    // SAFETY: the caller wrote both ranges
    let (name, bytes) = unsafe {
        (
            std::slice::from_raw_parts(name, name_len),
            std::slice::from_raw_parts(ptr, len),
        )
    };
    let name = String::from_utf8_lossy(name).into_owned();
    reply(
        with_session(id, |s| s.import(&name, bytes).map(|()| Vec::new())),
        0,
    )
}
