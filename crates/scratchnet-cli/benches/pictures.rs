//! Drawing speed: a 500×500 decision-boundary picture is 250,000 predictions plus the drawing
//! and PNG encoding. Target: well under a second (compare with `predict_250k`, the network
//! alone, measured in the same run).

use std::cell::RefCell;
use std::ops::ControlFlow;

use criterion::{Criterion, criterion_group, criterion_main};
use scratchnet::data::synth;
use scratchnet::experiment::Experiment;
use scratchnet::train::{Stream, TrainConfig, rng};
use scratchnet_cli::plot::field::{BoundaryPanel, BoundaryPlot, Plane, grid_inputs};
use scratchnet_cli::plot::{Format, render};

fn bench(c: &mut Criterion) {
    let data = synth::flower(400, &mut rng(69, Stream::Data)).unwrap();
    let exp = Experiment {
        config: TrainConfig::default().epochs(2000),
        ..Experiment::default()
    };
    let out = exp.run(&data, |_| ControlFlow::Continue(())).unwrap();
    let pic = BoundaryPlot {
        panels: vec![BoundaryPanel {
            model: &out.model,
            title: "network".into(),
        }],
        data: &data,
        axes: (0, 1),
        title: "bench".into(),
        size: (500, 500),
        geometry: RefCell::new(vec![]),
    };
    c.bench_function("boundary_500x500_png", |b| {
        b.iter(|| render(&pic, Format::Png).unwrap())
    });
    c.bench_function("boundary_500x500_svg", |b| {
        b.iter(|| render(&pic, Format::Svg).unwrap())
    });
    let plane = Plane {
        axes: (0, 1),
        x: (-4.0, 4.0),
        y: (-4.0, 4.0),
    };
    let grid = grid_inputs(&plane, &[0.0, 0.0], 500, 500);
    c.bench_function("predict_250k", |b| {
        b.iter(|| out.model.predict_proba(grid.view()).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
