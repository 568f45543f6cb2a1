//! A progress bar on standard error, shown only when standard error is a terminal.

use std::io::IsTerminal;
use std::ops::ControlFlow;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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
        if info.epoch % self.step == 0 || info.epoch == info.epochs {
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
