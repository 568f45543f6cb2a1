//! Cancellation at every phase of an experiment counts as an interruption.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use scratchnet::data::synth;
use scratchnet::experiment::Experiment;
use scratchnet::train::{Stream, TrainConfig, rng};

#[test]
fn a_cancellation_while_the_baseline_trains_interrupts_the_run() {
    // the flag is set in the network's last epoch: the network finishes, then the baseline
    // stops after its first epoch; the run counts as interrupted and both models say so
    let data = synth::flower(80, &mut rng(3, Stream::Data)).unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let exp = Experiment {
        config: TrainConfig::default().epochs(30),
        cancel: Some(flag.clone()),
        ..Experiment::default()
    };
    let out = exp
        .run(&data, |info| {
            if info.epoch == info.epochs {
                flag.store(true, Ordering::Relaxed);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(out.interrupted_at, Some(30));
    assert_eq!(out.model.training.interrupted_at, Some(30));
    let cut = out.baseline.training.interrupted_at.unwrap();
    assert!(cut < 30, "baseline stopped after {cut} epochs");
    assert_eq!(out.report.baseline.interrupted_at, Some(cut));
}
