//! The `scratchnet` command-line tool as a library: argument definitions, the commands, the
//! pictures and the HTML report. `main.rs` only parses, dispatches and maps errors to exit codes.

pub mod cli;
pub mod commands;
pub mod explain;
pub mod html;
pub mod plot;
pub mod plot_cmd;
pub mod progress;
pub mod table;
