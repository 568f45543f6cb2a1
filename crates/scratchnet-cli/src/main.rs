//! The `scratchnet` binary: parse, run, report errors once, exit with a documented code.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use scratchnet_cli::{cli, commands};

/// Exit code for bad input or usage.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;
/// Exit code for a bug in scratchnet.
const EXIT_INTERNAL: u8 = 1;

/// The system allocator, except that running out of memory ends the program with one clear
/// line and exit code 2 instead of an abort (Rust's default is "memory allocation failed" and
/// SIGABRT).
struct ClearOutOfMemory;

fn out_of_memory() -> ! {
    // No formatting here: nothing may allocate.
    let _ = std::io::stderr().write_all(
        b"error: out of memory: the data or the network does not fit in this machine's memory; \
          use fewer rows or columns, a smaller --hidden, or --batch-size\n",
    );
    std::process::exit(i32::from(EXIT_BAD_INPUT))
}

// SAFETY: every call is forwarded unchanged to `System`; only a null result is handled.
unsafe impl GlobalAlloc for ClearOutOfMemory {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory()
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory()
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory()
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: ClearOutOfMemory = ClearOutOfMemory;

fn main() -> ExitCode {
    if !standard_output_is_open() {
        eprintln!(
            "error: standard output is closed, so the output would be lost; nothing was done \
             (redirect it to /dev/null to discard it)"
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if let Some(n) = cli.threads {
        set_threads(n);
    }
    let result = match &cli.command {
        cli::Command::Demo(a) => commands::demo(a),
        cli::Command::Generate(a) => commands::generate(a),
        cli::Command::Train(a) => commands::train(a),
        cli::Command::Cv(a) => commands::cv(a),
        cli::Command::Tune(a) => commands::tune(a),
        cli::Command::Eval(a) => commands::eval(a),
        cli::Command::Predict(a) => commands::predict(a),
        cli::Command::Importance(a) => commands::importance(a),
        cli::Command::Export(a) => commands::export(a),
        cli::Command::Explain(a) => commands::explain(a),
        cli::Command::Plot(a) => commands::plot(a),
        cli::Command::Playground(a) => commands::playground(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

/// False when the program was started with file descriptor 1 closed (`>&-`). Rust's runtime
/// then opens `/dev/null` in its place (so no file opened later takes the number), read-write,
/// which is how it is told apart from a `> /dev/null` of the shell (write-only): everything
/// printed would be discarded without an error. Linux only (it reads `/proc`); elsewhere true.
fn standard_output_is_open() -> bool {
    let Ok(target) = std::fs::read_link("/proc/self/fd/1") else {
        return true;
    };
    if target != std::path::Path::new("/dev/null") {
        return true;
    }
    let info = std::fs::read_to_string("/proc/self/fdinfo/1").unwrap_or_default();
    let flags = info
        .lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok());
    // O_ACCMODE = 3, O_RDWR = 2
    flags.is_none_or(|f| f & 3 != 2)
}

/// `--threads N`: warns when N is more than the cores here, then sets it.
fn set_threads(n: u16) {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    if usize::from(n) > cores {
        eprintln!(
            "warning: --threads {n} is more than the {cores} cores here; extra threads only wait"
        );
    }
    scratchnet::set_threads(n.into());
}

/// `--help` and `--version` print and succeed; a usage error prints its first line (and the
/// pointer to `--help`) and exits with 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let mut out = std::io::stdout().lock();
        let text = e.render().to_string();
        if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: standard output: {err}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(EXIT_BAD_INPUT)
        } else {
            ExitCode::SUCCESS
        };
    }
    // The first paragraph of clap's message, on one line (missing arguments are listed on the
    // lines after the first).
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let first = if first.is_empty() {
        "error: invalid usage".to_string()
    } else {
        first.join(" ")
    };
    eprintln!("{first} (see --help)");
    ExitCode::from(EXIT_BAD_INPUT)
}

/// `line` and a line break on standard error in one write, so that the lines of processes
/// that share the stream (the processes of `mpirun`) stay whole.
fn print_line(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}

/// Prints the error on one line and picks the exit code.
fn report(e: &anyhow::Error) -> ExitCode {
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        return ExitCode::SUCCESS;
    }
    if e.downcast_ref::<scratchnet_cli::progress::Interrupted>()
        .is_some()
    {
        print_line(&e.to_string());
        return ExitCode::from(EXIT_INTERRUPTED);
    }
    match e.downcast_ref::<scratchnet::Error>() {
        Some(scratchnet::Error::Config { setting, message }) => {
            print_line(&format!("error: {}", cli::config_message(setting, message)));
        }
        _ => print_line(&format!("error: {e:#}")),
    }
    match e.downcast_ref::<scratchnet::Error>() {
        Some(err) if err.is_internal() => ExitCode::from(EXIT_INTERNAL),
        _ => ExitCode::from(EXIT_BAD_INPUT),
    }
}
