//! The `scratchnet` command-line tool as a library: argument definitions, the commands, the
//! pictures and the HTML report. `main.rs` only parses, dispatches and maps errors to exit codes.
//!
//! Dependencies flow one way: `commands` → `cli`, `output`, `equations`, `table`, `progress`,
//! `html`, `plot` → the `scratchnet` library. No module imports one that imports it back.

pub mod cli;
pub mod commands;
pub mod distributed;
pub mod equations;
pub mod html;
pub mod output;
pub mod plot;
pub mod progress;
pub mod table;
