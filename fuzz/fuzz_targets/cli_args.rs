//! Bytes → command-line arguments (split at NUL) → clap and our value parsers. Parsing must
//! return a command or a usage error, never panic.
#![no_main]

use clap::Parser;
use libfuzzer_sys::fuzz_target;
use scratchnet_cli::cli::{Cli, parse_count, parse_hidden};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let args: Vec<&str> = std::iter::once("scratchnet").chain(text.split('\0')).collect();
    let _ = Cli::try_parse_from(&args);
    for a in &args {
        let _ = parse_hidden(a);
        let _ = parse_count(a);
    }
});
