//! The playground's session, natively: its runs are the CLI's (`scratchnet train --preset
//! tutorial` = `Experiment::run` with the tutorial preset) bit for bit, however the epochs are
//! split into steps; its errors are one line. (In WebAssembly the numbers differ from these in
//! the last bits, no fused multiply-add there: `playground/tests/numerics.mjs` measures it.)

use scratchnet::data::{CsvInput, Dataset};
use scratchnet::preset::Preset;
use scratchnet_wasm::session::{Session, Settings};

fn cli_model(
    session: &Session,
    settings: &Settings,
    epochs: usize,
) -> scratchnet::model_file::Model {
    let csv = session.data_csv();
    let data = Dataset::from_csv(
        CsvInput::bytes("data.csv", csv.into_bytes()),
        "y",
        None,
        None,
    )
    .expect("the session's CSV reads back");
    let mut exp = Preset::Tutorial.experiment();
    exp.config.seed = settings.seed;
    exp.config.epochs = epochs;
    exp.config.hidden = settings.hidden.clone();
    exp.run_owned(data, |_| std::ops::ControlFlow::Continue(()))
        .expect("the run trains")
        .model
}

#[test]
fn steps_of_any_size_train_the_clis_network_bit_for_bit() {
    let settings = Settings::default();
    let mut chunked = Session::new(&settings).unwrap();
    for n in [1, 9, 90, 400, 500] {
        chunked.step(n).unwrap();
    }
    assert_eq!(chunked.epoch(), 1000);
    let cli = cli_model(&chunked, &settings, 1000);
    assert_eq!(chunked.model().network, cli.network);
    assert_eq!(chunked.model().standardizer, cli.standardizer);
    let mut whole = Session::new(&settings).unwrap();
    whole.step(1000).unwrap();
    assert_eq!(whole.network(), chunked.network());
    // the losses: one per epoch and the final one, as the CLI's history
    let state = whole.state().unwrap();
    assert_eq!(state.new_losses.len(), 1001);
    assert_eq!(
        state.new_losses.last().copied(),
        Some(cli.training.final_loss)
    );
}

#[test]
fn a_wider_network_on_moons_matches_too() {
    let settings = Settings {
        data: "moons".into(),
        hidden: vec![8, 8],
        learning_rate: 0.3,
        ..Settings::default()
    };
    let mut s = Session::new(&settings).unwrap();
    s.step(50).unwrap();
    s.step(150).unwrap();
    let csv = s.data_csv();
    let data =
        Dataset::from_csv(CsvInput::bytes("d.csv", csv.into_bytes()), "y", None, None).unwrap();
    let mut exp = Preset::Tutorial.experiment();
    exp.config.epochs = 200;
    exp.config.hidden = vec![8, 8];
    exp.config.learning_rate = 0.3;
    let cli = exp
        .run_owned(data, |_| std::ops::ControlFlow::Continue(()))
        .unwrap()
        .model;
    assert_eq!(s.model().network, cli.network);
}

#[test]
fn the_tutorial_run_reaches_the_demos_numbers() {
    let mut s = Session::new(&Settings::default()).unwrap();
    s.step(10_000).unwrap();
    let state = s.state().unwrap();
    let test = state.test.unwrap();
    assert_eq!(test.accuracy(), Some(0.8625));
    assert_eq!(state.train.accuracy(), Some(0.925));
    // logistic regression, the same epochs: near chance
    assert!(state.baseline_test.unwrap().accuracy().unwrap() < 0.7);
}

#[test]
fn bad_settings_and_csv_give_the_clis_one_line_errors() {
    let bad_rate = Settings {
        learning_rate: -1.0,
        ..Settings::default()
    };
    let e = Session::new(&bad_rate).unwrap_err();
    assert!(
        e.starts_with("error: ") && e.contains("learning_rate"),
        "{e}"
    );
    let csv = |text: &str| Settings {
        data: "csv".into(),
        csv: Some(text.into()),
        csv_name: "bad.csv".into(),
        ..Settings::default()
    };
    let e = Session::new(&csv("x1,x2,y\n1,2,0\n3,oops,1\n")).unwrap_err();
    assert!(e.starts_with("error: ") && !e.contains('\n'), "{e}");
    let e = Session::new(&csv("a,b\n1,2\n")).unwrap_err();
    assert!(e.contains("y"), "{e}");
    let three = Settings {
        data: "csv".into(),
        csv: Some("x1,y\n1,0\n2,1\n3,0\n4,1\n5,0\n".into()),
        ..Settings::default()
    };
    assert!(Session::new(&three).unwrap_err().contains("two features"));
    let mut s = Session::new(&Settings::default()).unwrap();
    assert!(s.step(0).unwrap_err().starts_with("error: "));
    assert!(s.explain(320).unwrap_err().contains("out of range"));
    assert!(s.field(1).is_err());
}

#[test]
fn a_good_csv_trains_and_exports_a_model_the_cli_reads() {
    let mut text = String::from("a,b,label\n");
    for i in 0..60 {
        let (x, y) = (f64::from(i % 10), f64::from(i / 10));
        text.push_str(&format!("{x},{y},{}\n", if x > y { "yes" } else { "no" }));
    }
    let settings = Settings {
        data: "csv".into(),
        csv: Some(text),
        target: "label".into(),
        ..Settings::default()
    };
    let mut s = Session::new(&settings).unwrap();
    s.step(200).unwrap();
    let json = s.model().to_json();
    let model = scratchnet::model_file::Model::from_json(json.as_bytes()).unwrap();
    assert_eq!(model.features, ["a", "b"]);
    assert_eq!(model.classes, ["no", "yes"]);
    assert_eq!(model.training.epochs, 200);
    assert!(s.state().unwrap().train.accuracy().unwrap() > 0.9);
}

#[test]
fn explain_shows_the_sample_through_every_layer() {
    let s = Session::new(&Settings::default()).unwrap();
    let e = s.explain(3).unwrap();
    assert_eq!(e.layers.len(), 2);
    assert_eq!(e.layers[0].w.len(), 4);
    assert_eq!(e.layers[0].z.len(), 4);
    assert_eq!(e.layers[1].a.len(), 1);
    // with one sample, dZ2 = A2 − y and db2 = dZ2
    let y = e.label as f64;
    assert_eq!(e.layers[1].dz[0], e.layers[1].a[0] - y);
    assert_eq!(e.layers[1].db, e.layers[1].dz);
    let field = s.field(10).unwrap();
    assert_eq!(field.len(), 100 + 4 * 100);
    assert!(field.iter().all(|p| p.is_finite()));
}

#[test]
fn the_chaos_twin_starts_1e_15_apart() {
    let a = Session::new(&Settings::default()).unwrap();
    let mut b = Session::new(&Settings::default()).unwrap();
    b.nudge_first_weight(1e-15).unwrap();
    let (wa, wb) = (
        a.network().layers()[0].w()[[0, 0]],
        b.network().layers()[0].w()[[0, 0]],
    );
    assert!(wa != wb && (wa - wb).abs() < 2e-15);
}

#[test]
fn adam_on_mini_batches_in_steps_is_the_clis_run() {
    let settings = Settings {
        optimizer: "adam".into(),
        batch_size: Some(32),
        learning_rate: 0.01,
        l2: 0.1,
        hidden: vec![6],
        ..Settings::default()
    };
    let mut s = Session::new(&settings).unwrap();
    for n in [3, 17, 80] {
        s.step(n).unwrap();
    }
    let csv = s.data_csv();
    let data =
        Dataset::from_csv(CsvInput::bytes("d.csv", csv.into_bytes()), "y", None, None).unwrap();
    let mut exp = Preset::Tutorial.experiment();
    exp.config.epochs = 100;
    exp.config.hidden = vec![6];
    exp.config.optimizer = scratchnet::optim::OptimizerKind::ADAM;
    exp.config.batch_size = Some(32);
    exp.config.learning_rate = 0.01;
    exp.config.l2 = 0.1;
    let cli = exp
        .run_owned(data, |_| std::ops::ControlFlow::Continue(()))
        .unwrap()
        .model;
    let page = s.model();
    assert_eq!(page.network, cli.network);
    assert_eq!(page.training, cli.training);
}

#[test]
fn extra_input_features_are_columns_of_the_data_the_cli_trains_on() {
    let settings = Settings {
        data: "circles".into(),
        features: vec![
            "x1^2".into(),
            "x2^2".into(),
            "x1*x2".into(),
            "sin(x1)".into(),
        ],
        learning_rate: 0.5,
        ..Settings::default()
    };
    let mut s = Session::new(&settings).unwrap();
    s.step(300).unwrap();
    let csv = s.data_csv();
    assert!(
        csv.starts_with("x1,x2,x1^2,x2^2,x1*x2,sin(x1),y\n"),
        "{}",
        &csv[..60]
    );
    let data =
        Dataset::from_csv(CsvInput::bytes("d.csv", csv.into_bytes()), "y", None, None).unwrap();
    let row = data.x.column(0);
    assert_eq!(row[2], row[0] * row[0]);
    assert_eq!(row[5], row[0].sin());
    let mut exp = Preset::Tutorial.experiment();
    exp.config.epochs = 300;
    exp.config.learning_rate = 0.5;
    let cli = exp
        .run_owned(data, |_| std::ops::ControlFlow::Continue(()))
        .unwrap()
        .model;
    assert_eq!(s.model().network, cli.network);
    assert_eq!(s.model().features, cli.features);
    // the field reads the grid through the same features; circles are learned at once with x1², x2²
    let p = s.field(20).unwrap();
    assert_eq!(p.len(), 20 * 20 * 5);
    assert!(s.state().unwrap().test.unwrap().accuracy().unwrap() > 0.95);
    let bad = Settings {
        features: vec!["cos(x1)".into()],
        ..Settings::default()
    };
    assert!(
        Session::new(&bad)
            .unwrap_err()
            .contains("unknown extra feature")
    );
}

#[test]
fn a_model_trained_by_the_cli_is_imported_and_scored_as_the_cli_scores_it() {
    let settings = Settings::default();
    let mut s = Session::new(&settings).unwrap();
    let csv = s.data_csv();
    let data =
        Dataset::from_csv(CsvInput::bytes("d.csv", csv.into_bytes()), "y", None, None).unwrap();
    let mut exp = Preset::Tutorial.experiment();
    exp.config.epochs = 2000;
    let out = exp
        .run_owned(data, |_| std::ops::ControlFlow::Continue(()))
        .unwrap();
    s.import("cli.json", out.model.to_json().as_bytes())
        .unwrap();
    assert_eq!(s.epoch(), 0);
    assert_eq!(s.network(), &out.model.network);
    let state = s.state().unwrap();
    assert_eq!(
        state.test.unwrap().accuracy(),
        out.report.test.unwrap().accuracy()
    );
    assert_eq!(state.train.accuracy(), out.report.train.accuracy());
    // a model of other features, and a broken file: one line naming the file
    let moons = Settings {
        features: vec!["x1^2".into()],
        ..Settings::default()
    };
    let other = Session::new(&moons).unwrap().model().to_json();
    let e = s.import("other.json", other.as_bytes()).unwrap_err();
    assert!(
        e.starts_with("error: other.json: the model reads features (x1, x2, x1^2)"),
        "{e}"
    );
    let e = s.import("bad.json", b"{\"format\": 3").unwrap_err();
    assert!(e.starts_with("error: bad.json") && !e.contains('\n'), "{e}");
}
