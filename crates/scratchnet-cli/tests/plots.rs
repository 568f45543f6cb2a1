//! Pictures: valid files of the requested size, byte-identical for the same inputs, the right
//! colours where the model is confident, and clean errors for bad input.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use scratchnet::data::synth;
use scratchnet::experiment::Experiment;
use scratchnet::train::{Stream, TrainConfig, rng};
use scratchnet_cli::plot::field::{BoundaryPanel, BoundaryPlot};
use scratchnet_cli::plot::{Format, class_color, render};

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

fn flower_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scratchnet/tests/fixtures/planar_flower.csv")
}

/// Width and height from a PNG's IHDR, after checking the signature and decoding the image.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let img =
        image::load_from_memory_with_format(bytes, image::ImageFormat::Png).expect("PNG decodes");
    (img.width(), img.height())
}

/// Width and height from an SVG's root element.
fn svg_size(text: &str) -> (u32, u32) {
    assert!(
        text.contains("<svg") && text.trim_end().ends_with("</svg>"),
        "not an SVG"
    );
    let attr = |name: &str| -> u32 {
        let start = text.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + text[start..].find('"').unwrap();
        text[start..end].parse().unwrap()
    };
    (attr("width"), attr("height"))
}

/// A trained model and its data in a temp dir: (dir, model.json, baseline.json, history.csv).
fn trained(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    scratchnet()
        .current_dir(dir)
        .args(["demo", "--epochs", "3000", "--out", "run"])
        .assert()
        .success();
    (
        dir.join("run/model.json"),
        dir.join("run/baseline.json"),
        dir.join("run/history.csv"),
    )
}

#[test]
fn every_picture_is_a_valid_png_and_svg_of_the_requested_size_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (model, baseline, history) = trained(d);
    let flower = flower_csv();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("data", vec!["data".into(), flower.display().to_string()]),
        ("activations", vec!["activations".into()]),
        (
            "history",
            vec![
                "history".into(),
                history.display().to_string(),
                "--log-y".into(),
            ],
        ),
        (
            "boundary",
            vec![
                "boundary".into(),
                model.display().to_string(),
                flower.display().to_string(),
            ],
        ),
        (
            "baseline",
            vec![
                "boundary".into(),
                baseline.display().to_string(),
                flower.display().to_string(),
            ],
        ),
        ("hidden", vec!["hidden".into(), model.display().to_string()]),
    ];
    for (name, args) in &cases {
        for ext in ["png", "svg"] {
            let mut bytes = Vec::new();
            for round in 0..2 {
                let out = d.join(format!("{name}-{round}.{ext}"));
                scratchnet()
                    .arg("plot")
                    .args(args)
                    .args(["--width", "640", "--height", "480", "-o"])
                    .arg(&out)
                    .assert()
                    .success();
                bytes.push(std::fs::read(&out).unwrap());
            }
            assert_eq!(
                bytes[0], bytes[1],
                "{name}.{ext} differs between two identical runs"
            );
            let size = if ext == "png" {
                png_size(&bytes[0])
            } else {
                svg_size(std::str::from_utf8(&bytes[0]).unwrap())
            };
            assert_eq!(size, (640, 480), "{name}.{ext}");
        }
    }
}

#[test]
fn boundary_picture_has_each_class_colour_where_the_model_is_confident() {
    let data = synth::flower(400, &mut rng(69, Stream::Data)).unwrap();
    let exp = Experiment {
        config: TrainConfig::default().seed(69),
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
        title: "test".into(),
        size: (500, 500),
        geometry: RefCell::new(vec![]),
    };
    let png = render(&pic, Format::Png).unwrap();
    let img = image::load_from_memory(&png).unwrap().to_rgb8();
    let geo = pic.geometry.borrow()[0];
    let (blue, orange) = (class_color(0), class_color(1));
    let (mut checked_blue, mut checked_orange) = (0, 0);
    for i in 0..25 {
        for j in 0..25 {
            let x = geo.plane.x.0 + (geo.plane.x.1 - geo.plane.x.0) * (i as f64 + 0.5) / 25.0;
            let y = geo.plane.y.0 + (geo.plane.y.1 - geo.plane.y.0) * (j as f64 + 0.5) / 25.0;
            // away from every data point (their markers cover the field)
            let near = data
                .x
                .columns()
                .into_iter()
                .any(|c| (c[0] - x).hypot(c[1] - y) < 0.35);
            if near {
                continue;
            }
            let p = out
                .model
                .predict_proba(ndarray::array![[x], [y]].view())
                .unwrap()[[0, 0]];
            let (px, py) = geo.to_pixel(x, y);
            let c = img.get_pixel(px as u32, py as u32).0;
            if p > 0.95 {
                // orange tint: red well above blue
                assert!(
                    c[0] > c[2] + 30,
                    "p = {p:.3} at ({x:.2}, {y:.2}) but pixel {c:?} is not orange-ish ({orange:?})"
                );
                checked_orange += 1;
            } else if p < 0.05 {
                assert!(
                    c[2] > c[0] + 30,
                    "p = {p:.3} at ({x:.2}, {y:.2}) but pixel {c:?} is not blue-ish ({blue:?})"
                );
                checked_blue += 1;
            }
        }
    }
    assert!(
        checked_blue >= 20 && checked_orange >= 20,
        "checked {checked_blue} blue and {checked_orange} orange pixels"
    );
}

#[test]
fn demo_out_writes_a_self_contained_report() {
    let dir = tempfile::tempdir().unwrap();
    trained(dir.path());
    let run = dir.path().join("run");
    for name in [
        "model.json",
        "baseline.json",
        "report.json",
        "history.csv",
        "data.png",
        "activations.png",
        "loss.png",
        "boundary.png",
        "hidden.png",
        "report.html",
    ] {
        assert!(run.join(name).exists(), "{name} missing");
    }
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 5);
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the page must not fetch anything"
    );
    for needle in [
        "logistic regression",
        "dW2 = (1/m)·dZ2·A1ᵀ",
        "accuracy",
        "<table>",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle:?}");
    }
    let history = std::fs::read_to_string(run.join("history.csv")).unwrap();
    assert!(history.starts_with("epoch,train_loss,train_accuracy,test_loss,test_accuracy\n0,"));
}

fn fails(dir: &Path, args: &[&str], message: &str) {
    let out = scratchnet().current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.contains(message),
        "{args:?}: {stderr:?} lacks {message:?}"
    );
}

#[test]
fn bad_plot_input_gets_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    trained(d);
    let flower = flower_csv();
    let flower = flower.to_str().unwrap();
    fails(
        d,
        &["plot", "hidden", "run/baseline.json", "-o", "h.png"],
        "no hidden layer",
    );
    fails(
        d,
        &[
            "plot",
            "boundary",
            "run/model.json",
            flower,
            "--features",
            "x1,x7",
            "-o",
            "b.png",
        ],
        "no feature `x7`",
    );
    fails(
        d,
        &[
            "plot",
            "data",
            flower,
            "--features",
            "x1,nope",
            "-o",
            "d.png",
        ],
        "no feature column `nope`",
    );
    fails(
        d,
        &["plot", "activations", "-o", "missing/dir/a.png"],
        "does not exist",
    );
    fails(
        d,
        &["plot", "activations", "-o", "a.jpg"],
        "unsupported picture format `.jpg`",
    );
    fails(
        d,
        &["plot", "history", flower, "-o", "h.png"],
        "not a training history",
    );
    fails(
        d,
        &["plot", "activations", "--width", "3", "-o", "a.png"],
        "between 16 and 8192",
    );
    assert!(!d.join("h.png").exists() && !d.join("b.png").exists() && !d.join("a.jpg").exists());
}

#[test]
fn plot_data_draws_ten_classes_in_distinct_colours_and_refuses_eleven() {
    let palette: Vec<_> = (0..10).map(class_color).collect();
    for (i, a) in palette.iter().enumerate() {
        for b in &palette[i + 1..] {
            // far apart in RGB, not merely different
            let d = [(a.0, b.0), (a.1, b.1), (a.2, b.2)]
                .iter()
                .map(|&(x, y)| (f64::from(x) - f64::from(y)).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(d > 60.0, "{a:?} and {b:?} are too close ({d:.0})");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for k in ["10", "11"] {
        scratchnet()
            .current_dir(d)
            .args(["generate", "gaussians", "--classes", k, "-n", "220"])
            .args(["-o", &format!("g{k}.csv")])
            .assert()
            .success();
    }
    scratchnet()
        .current_dir(d)
        .args(["plot", "data", "g10.csv", "-o", "g10.png"])
        .assert()
        .success();
    fails(
        d,
        &["plot", "data", "g11.csv", "-o", "g11.png"],
        "has 11 distinct values; a scatter plot has 10 distinct colours, so at most 10 classes",
    );
    assert!(!d.join("g11.png").exists());
}

#[test]
fn softmax_regression_boundary_is_titled_with_the_librarys_baseline_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scratchnet()
        .current_dir(d)
        .args([
            "generate",
            "spiral",
            "--classes",
            "3",
            "-n",
            "300",
            "-o",
            "s.csv",
        ])
        .assert()
        .success();
    scratchnet()
        .current_dir(d)
        .args([
            "train",
            "s.csv",
            "--hidden",
            "",
            "--epochs",
            "50",
            "-o",
            "soft.json",
        ])
        .assert()
        .success();
    scratchnet()
        .current_dir(d)
        .args(["plot", "boundary", "soft.json", "s.csv", "-o", "b.svg"])
        .assert()
        .success();
    let svg = std::fs::read_to_string(d.join("b.svg")).unwrap();
    assert!(svg.contains("softmax regression"), "no softmax title");
    assert!(!svg.contains("logistic regression"), "titled logistic");
    let model = scratchnet::model_file::Model::load(&d.join("soft.json")).unwrap();
    assert_eq!(
        scratchnet_cli::output::model_title(&model),
        "softmax regression"
    );
}

#[test]
fn demo_without_a_hidden_layer_does_not_claim_a_hidden_picture() {
    let dir = tempfile::tempdir().unwrap();
    let out = scratchnet()
        .current_dir(dir.path())
        .args(["demo", "--hidden", "", "--epochs", "100", "--out", "run"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let run = dir.path().join("run");
    assert!(!run.join("hidden.png").exists());
    assert!(!text.contains("hidden.png"), "claims hidden.png:\n{text}");
    assert!(
        text.contains("data.png, activations.png,\nloss.png, boundary.png and report.html to"),
        "{text}"
    );
    for name in [
        "data.png",
        "activations.png",
        "loss.png",
        "boundary.png",
        "report.html",
    ] {
        assert!(run.join(name).exists(), "{name} missing");
    }
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 4);
}

#[test]
fn report_html_equations_are_the_text_of_explain() {
    let dir = tempfile::tempdir().unwrap();
    trained(dir.path());
    let run = dir.path().join("run");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    let start = html
        .find("<h2>The equations, step by step</h2>\n<pre>")
        .unwrap();
    let section = &html[start..];
    let section = &section[section.find("<pre>").unwrap() + 5..section.find("</pre>").unwrap()];
    let model = scratchnet::model_file::Model::load(&run.join("model.json")).unwrap();
    let text = scratchnet_cli::equations::steps(&model.network, 320, "the demo's trained network");
    assert_eq!(section, scratchnet_cli::html::escape(&text));
    assert!(text.contains("dW2 = (1/m)·dZ2·A1ᵀ"));
}
