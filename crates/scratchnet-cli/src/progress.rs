//! A progress bar on standard error, shown only when standard error is a terminal.

use std::io::IsTerminal;
use std::ops::ControlFlow;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scratchnet::data::Dataset;
use scratchnet::experiment::{Experiment, Outcome};
use scratchnet::train::EpochInfo;

/// A training progress bar; invisible when stderr is not a terminal (pipes, CI, tests).
pub struct Progress {
    bar: ProgressBar,
    step: usize,
}

impl Progress {
    /// A bar for `epochs` epochs.
    pub fn new(epochs: usize, label: &str) -> Self {
        let bar = if std::io::stderr().is_terminal() && epochs > 0 {
            let bar =
                ProgressBar::with_draw_target(Some(epochs as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} epochs  {msg}  ({elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            step: (epochs / 200).max(1),
        }
    }

    /// The callback to hand to training.
    pub fn on_epoch(&self, info: EpochInfo) -> ControlFlow<()> {
        if info.epoch.is_multiple_of(self.step) || info.epoch == info.epochs {
            self.bar.set_position(info.epoch as u64);
            self.bar.set_message(format!("loss {:.5}", info.loss));
        }
        ControlFlow::Continue(())
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar counting `total` units of work (`folds`, `fits`), with a label; invisible when
/// stderr is not a terminal.
pub fn count_bar(total: usize, unit: &str, label: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() || total == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    let template =
        format!("{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit}  {{msg}}  ({{elapsed}})");
    let style = ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(label.to_string());
    bar
}

/// Trains with a progress bar and Ctrl-C handling; takes the data so that it can be freed as
/// soon as it is split.
pub fn run_with_progress(exp: &Experiment, data: Dataset) -> scratchnet::Result<Outcome> {
    let mut exp = exp.clone();
    exp.cancel = Some(interrupt::flag());
    // in a group of processes, process 0 alone shows the bar
    let shown = exp.group.as_ref().is_none_or(|g| g.rank() == 0);
    let progress = Progress::new(if shown { exp.config.epochs } else { 0 }, "training");
    let out = exp.run_owned(data, |info| progress.on_epoch(info));
    progress.finish();
    out
}

/// Ctrl-C (and SIGTERM, SIGHUP) handling for long trainings: the first signal sets a flag that
/// training checks at the end of every epoch (the command then saves what it has and exits with
/// 130); a second one exits at once with 130, except while a file is being written, which is
/// let finish (the command exits right after it).
pub mod interrupt {
    use std::sync::Arc;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

    /// Installs the handler (once) and returns the flag it sets.
    pub fn flag() -> Arc<AtomicBool> {
        FLAG.get_or_init(|| {
            let flag = Arc::new(AtomicBool::new(false));
            let f = Arc::clone(&flag);
            // If a handler cannot be installed, Ctrl-C keeps its default meaning (exit at once).
            let _ = ctrlc::set_handler(move || on_signal(&f));
            flag
        })
        .clone()
    }

    /// Raises the flag as a signal would (another process of a training group was
    /// interrupted); true when it was not raised before.
    pub fn raise() -> bool {
        !flag().swap(true, Ordering::SeqCst)
    }

    /// True when a signal arrived since the handler was installed.
    pub fn received() -> bool {
        FLAG.get().is_some_and(|f| f.load(Ordering::SeqCst))
    }

    /// The handler's work: first signal → flag; later ones → exit, unless a write is under way.
    fn on_signal(flag: &AtomicBool) {
        let first = !flag.swap(true, Ordering::SeqCst);
        if first && !scratchnet::io::writing() {
            eprintln!(
                "\ninterrupted: stopping at the end of this epoch (Ctrl-C again to quit now)"
            );
        } else if scratchnet::io::writing() {
            eprintln!("\ninterrupted: finishing the file being written, then stopping");
        } else {
            std::process::exit(130);
        }
    }
}

/// The error for a training stopped by Ctrl-C; `main` exits with 130 on it.
#[derive(Debug)]
pub struct Interrupted(pub String);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Interrupted {}
