//! The tutorial in library calls: `cargo run --release --example tutorial`.
//! The README shows this same code (a test keeps the two identical).

use scratchnet::data::{Standardizer, synth};
use scratchnet::experiment::evaluate;
use scratchnet::model_file::Model;
use scratchnet::train::{Stream, TrainConfig, rng};
use std::ops::ControlFlow;

#[rustfmt::skip]
fn main() -> Result<(), scratchnet::Error> {
    let seed = 69; // set.seed(69)
    let mut data = synth::flower(400, &mut rng(seed, Stream::Data))?; // the planar flower, 400 points
    data.shuffle(&mut rng(seed, Stream::Data)); // df[sample(nrow(df)), ]
    let (train, test) = data.split(0.8)?; // 80/20
    let scaler = Standardizer::fit(train.x.view()); // scale() with the *training* statistics
    let (x, y) = (scaler.transform(train.x.view())?, train.y()); // X 2×320, Y 1×320
    let config = TrainConfig::default().seed(seed); // 2-4-1, tanh/sigmoid, α = 1.2, 10,000 epochs
    let fitted = config.fit(x.view(), y.view(), |_| ControlFlow::Continue(()))?;
    println!("loss {:.4} → {:.4}", fitted.history[0], fitted.history[config.epochs]);
    let model = Model::from_training(&train, scaler, fitted, &config); // network + scaler + labels
    for (name, set) in [("train", &train), ("test", &test)] {
        let metrics = evaluate(&model, set)?; // predictions at 0.5 → accuracy, precision, recall, F1
        println!("{name}: {}", metrics.summary());
    }
    Ok(())
}
