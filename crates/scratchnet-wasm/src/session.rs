//! One playground run: the data, its split, the network and its logistic-regression baseline,
//! trained a few epochs at a time with the library's own training loop.
//!
//! Everything here is plain safe Rust (tested natively); `exports.rs` puts it behind the
//! WebAssembly module's C-ABI functions.

use ndarray::{Array2, Axis, s};
use scratchnet::data::{CsvInput, Dataset, Scalers, Standardized, synth};
use scratchnet::experiment::{Experiment, evaluate, loss_and_score};
use scratchnet::metrics::Metrics;
use scratchnet::model_file::Model;
use scratchnet::nn::{Activation, Dense, Init, Network};
use scratchnet::prep::{Plan, PrepSettings, TrainingFile, prepare_training};
use scratchnet::preset::Preset;
use scratchnet::train::{Fitted, Stream, TrainConfig, Trainer, l2_penalty, rng};
use serde::{Deserialize, Serialize};

/// Most epochs one [`Session::step`] call runs (a guard against a frozen tab).
pub const MAX_STEP: usize = 1_000_000;
/// Most points a generated data set may have in the playground.
pub const MAX_POINTS: usize = 20_000;
/// Largest side of the probability grid ([`Session::field`]).
pub const MAX_GRID: usize = 400;

/// The page's settings of a run: the tutorial's unless changed (`scratchnet train
/// --preset tutorial` with the same values trains the same network).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// A generator's name (`flower`, `moons`, `circles`, `xor`, `spiral`, `gaussians`), or
    /// `csv` for [`Settings::csv`].
    pub data: String,
    /// Points to generate.
    pub points: usize,
    /// The generator's noise; `None` is its default.
    pub noise: Option<f64>,
    /// The seed of the data, the split and the initial weights (`--seed`).
    pub seed: u64,
    /// The test share (`--test-split`).
    pub test_split: f64,
    /// Units per hidden layer (`--hidden`).
    pub hidden: Vec<usize>,
    /// The hidden layers' activation (`--activation`).
    pub activation: String,
    /// The initializer (`--init`); `None` is the tutorial preset's for the activation.
    pub init: Option<String>,
    /// The learning rate α (`--learning-rate`).
    pub learning_rate: f64,
    /// The L2 weight decay λ (`--l2`).
    pub l2: f64,
    /// The update rule (`--optimizer`: gd, momentum, nesterov, adam).
    pub optimizer: String,
    /// Rows per mini-batch (`--batch-size`); `None` is the full batch.
    pub batch_size: Option<usize>,
    /// An uploaded CSV's text, read by the CLI's loader (when `data` is `csv`).
    pub csv: Option<String>,
    /// The uploaded file's name (it appears in the loader's messages).
    pub csv_name: String,
    /// The CSV's target column (`--target`).
    pub target: String,
    /// Extra input features computed from the two features a and b (as the TensorFlow
    /// Playground offers): any of [`EXTRA_FEATURES`]. They become columns of the data (and of
    /// its CSV), so the CLI trains on exactly the same numbers.
    pub features: Vec<String>,
}

/// The extra features' keys, with a and b the data's two features: a², b², a·b, sin a, sin b.
pub const EXTRA_FEATURES: [&str; 5] = ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];

/// An extra feature's value from the two features (a, b).
type Feature = fn(f64, f64) -> f64;

/// The column name and value of extra feature `key` for features named `na`, `nb`.
fn extra_feature(key: &str, na: &str, nb: &str) -> Option<(String, Feature)> {
    let f: (String, Feature) = match key {
        "x1^2" => (format!("{na}^2"), |a, _| a * a),
        "x2^2" => (format!("{nb}^2"), |_, b| b * b),
        "x1*x2" => (format!("{na}*{nb}"), |a, b| a * b),
        "sin(x1)" => (format!("sin({na})"), |a, _| a.sin()),
        "sin(x2)" => (format!("sin({nb})"), |_, b| b.sin()),
        _ => return None,
    };
    Some(f)
}

/// X (2 × m) with the extra features' rows below it, and their names.
fn with_extra(
    x: ndarray::ArrayView2<f64>,
    names: &[String],
    keys: &[String],
) -> Result<(Array2<f64>, Vec<String>), String> {
    let mut rows = vec![x.row(0).to_owned(), x.row(1).to_owned()];
    let mut out_names = names.to_vec();
    for key in keys {
        let (name, f) = extra_feature(key, &names[0], &names[1]).ok_or_else(|| {
            format!(
                "error: unknown extra feature `{}`; expected one of {}",
                scratchnet::shown(key, scratchnet::MAX_QUOTED),
                EXTRA_FEATURES.join(", ")
            )
        })?;
        if out_names.contains(&name) {
            return Err(format!("error: the extra feature `{name}` is given twice"));
        }
        rows.push(
            ndarray::Zip::from(&x.row(0))
                .and(&x.row(1))
                .map_collect(|&a, &b| f(a, b)),
        );
        out_names.push(name);
    }
    let views: Vec<_> = rows.iter().map(|r| r.view().insert_axis(Axis(0))).collect();
    let x = ndarray::concatenate(Axis(0), &views).map_err(err)?;
    Ok((x, out_names))
}

impl Default for Settings {
    fn default() -> Self {
        let exp = Preset::Tutorial.experiment();
        Settings {
            data: "flower".into(),
            points: 400,
            noise: None,
            seed: exp.config.seed,
            test_split: exp.test_split,
            hidden: exp.config.hidden.clone(),
            activation: exp.config.hidden_activation.name().into(),
            init: None,
            learning_rate: exp.config.learning_rate,
            l2: exp.config.l2,
            optimizer: exp.config.optimizer.name().into(),
            batch_size: exp.config.batch_size,
            csv: None,
            csv_name: "upload.csv".into(),
            target: "y".into(),
            features: Vec::new(),
        }
    }
}

/// One sample's numbers through the network (what `scratchnet explain --sample N` prints).
#[derive(Debug, Serialize)]
pub struct Explained {
    /// The sample's index among the training rows (0-based, training order).
    pub sample: usize,
    /// The raw features.
    pub raw: Vec<f64>,
    /// The feature names.
    pub features: Vec<String>,
    /// The label's index and its class name.
    pub label: usize,
    /// The class name of the label.
    pub class: String,
    /// The standardized features X (n_x × 1).
    pub x: Vec<f64>,
    /// Per layer: W, b, Z, A, the activation's name, dW, db, dZ.
    pub layers: Vec<ExplainedLayer>,
    /// The sample's cost J.
    pub cost: f64,
}

/// One layer of [`Explained`]; matrices as rows.
#[derive(Debug, Serialize)]
pub struct ExplainedLayer {
    /// W (rows).
    pub w: Vec<Vec<f64>>,
    /// b.
    pub b: Vec<f64>,
    /// Z = W·A_prev + b.
    pub z: Vec<f64>,
    /// A = g(Z).
    pub a: Vec<f64>,
    /// The name of g.
    pub activation: String,
    /// dZ of this layer.
    pub dz: Vec<f64>,
    /// dW (rows).
    pub dw: Vec<Vec<f64>>,
    /// db.
    pub db: Vec<f64>,
}

/// What the page draws after each step.
#[derive(Debug, Serialize)]
pub struct State {
    /// Epochs trained so far.
    pub epoch: usize,
    /// Training losses of the epochs since the last [`Session::state`] call (`loss[e]` is the
    /// loss at the weights after e epochs, as in the CLI's history).
    pub new_losses: Vec<f64>,
    /// The epoch of the first of `new_losses`.
    pub first_epoch: usize,
    /// The test loss at the current weights (`null` without test rows).
    pub test_loss: Option<f64>,
    /// The network's metrics on the training rows.
    pub train: Metrics,
    /// The network's metrics on the test rows (`null` without test rows).
    pub test: Option<Metrics>,
    /// Logistic regression's metrics on the training rows, trained as many epochs.
    pub baseline_train: Metrics,
    /// Logistic regression's metrics on the test rows.
    pub baseline_test: Option<Metrics>,
    /// The network, e.g. `2-4-1 tanh/sigmoid`.
    pub model: String,
    /// Per layer: W (rows) and b, for the drawing of the network.
    pub weights: Vec<(Vec<Vec<f64>>, Vec<f64>)>,
}

/// The points to draw: raw coordinates, class, and whether each trains.
#[derive(Debug, Serialize)]
pub struct Points {
    /// The two feature names.
    pub features: Vec<String>,
    /// The class names.
    pub classes: Vec<String>,
    /// x1 of each point (training rows first, in training order, then the test rows).
    pub x1: Vec<f64>,
    /// x2 of each point.
    pub x2: Vec<f64>,
    /// The class index of each point.
    pub label: Vec<usize>,
    /// Rows `0..train` train; the rest are test rows.
    pub train: usize,
    /// The grid's bounds [x1 min, x1 max, x2 min, x2 max] of [`Session::field`].
    pub bounds: [f64; 4],
}

/// A run in progress (see the module docs).
#[derive(Debug)]
pub struct Session {
    data: Dataset,
    extra: Vec<String>,
    train_raw: Dataset,
    test_raw: Dataset,
    train: Standardized,
    test: Standardized,
    scalers: Scalers,
    plan: Option<Plan>,
    network: Trainer,
    baseline: Trainer,
    /// loss[e] for e = 0..=epoch (the last one: the cost at the current weights).
    losses: Vec<f64>,
    reported: usize,
    bounds: [f64; 4],
}

fn err(e: impl std::fmt::Display) -> String {
    format!("error: {e}")
}

impl Session {
    /// Reads or generates the data, splits and standardizes it as `scratchnet train
    /// --preset tutorial` does, and initializes the network and the baseline. Errors are
    /// the CLI's one line (`error: …`).
    pub fn new(settings: &Settings) -> Result<Session, String> {
        let mut exp = experiment(settings)?;
        let (mut data, plan) = read_data(settings, &exp)?;
        if data.n_features() != 2 {
            return Err(format!(
                "error: the playground draws two features; this data has {} ({})",
                data.n_features(),
                data.feature_names.join(", ")
            ));
        }
        let task = data.task();
        if data.classes().len() != 2 {
            return Err(format!(
                "error: the playground draws two classes; this target is {task}"
            ));
        }
        if !settings.features.is_empty() {
            if plan.is_some() {
                return Err("error: extra features need a CSV of two numeric columns without missing values".into());
            }
            let (x, names) = with_extra(data.x.view(), &data.feature_names, &settings.features)?;
            data.x = x;
            data.feature_names = names;
        }
        exp.config.output_activation = task.output_activation();
        exp.validate().map_err(err)?;
        let config = exp.config.clone();
        // Experiment::run's split: the seed's data stream, unstratified, no validation share
        let (train_raw, test_raw) = data
            .shuffled_split(&mut rng(config.seed, Stream::Data), 1.0 - exp.test_split)
            .map_err(err)?;
        if train_raw.class_counts().contains(&0) {
            return Err(format!(
                "error: the training rows ({}) miss a class; use more data or another seed",
                train_raw.n_samples()
            ));
        }
        let scalers = Scalers::fit(&train_raw);
        let train = scalers.standardize(train_raw.clone()).map_err(err)?;
        let test = scalers.standardize(test_raw.clone()).map_err(err)?;
        let m = train.n_samples();
        let start = config.init_network(train.x(), train.y()).map_err(err)?;
        let network = Trainer::new(config.clone(), start, m).map_err(err)?;
        let baseline_config = TrainConfig {
            hidden: vec![],
            ..config
        };
        let start = baseline_config
            .init_network(train.x(), train.y())
            .map_err(err)?;
        let baseline = Trainer::new(baseline_config, start, m).map_err(err)?;
        let bounds = bounds_of(&data.x);
        let mut session = Session {
            data,
            extra: settings.features.clone(),
            train_raw,
            test_raw,
            train,
            test,
            scalers,
            plan,
            network,
            baseline,
            losses: Vec::new(),
            reported: 0,
            bounds,
        };
        session.losses.push(session.final_loss()?);
        Ok(session)
    }

    /// Epochs trained so far.
    pub fn epoch(&self) -> usize {
        self.network.epoch()
    }

    /// The network as it is now.
    pub fn network(&self) -> &Network {
        self.network.network()
    }

    /// The training cost at the current weights, with the L2 penalty: the last entry of the
    /// CLI's history (`training.final_loss`).
    fn final_loss(&self) -> Result<f64, String> {
        let net = self.network.network();
        let (cost, _) = self.loss_of(net, true)?;
        let config = self.network.config();
        Ok(cost + l2_penalty(net, config.l2, self.train.n_samples()))
    }

    /// Trains the network and the baseline `epochs` more epochs, going on where the last
    /// step stopped (the optimizer's state and the batch order kept): steps of any size give
    /// the bits of one run (tested).
    pub fn step(&mut self, epochs: usize) -> Result<(), String> {
        if epochs == 0 || epochs > MAX_STEP {
            return Err(format!(
                "error: a step is 1 to {MAX_STEP} epochs, got {epochs}"
            ));
        }
        let (x, y) = (self.train.x(), self.train.y());
        let losses = self.network.epochs(epochs, x, y).map_err(err)?;
        self.baseline.epochs(epochs, x, y).map_err(err)?;
        // the last loss so far was the cost at these weights; the loop's own is the CLI's
        self.losses.pop();
        self.losses.extend_from_slice(&losses);
        self.losses.push(self.final_loss()?);
        Ok(())
    }

    /// Adds `delta` to the first weight of the first layer (the chaos toggle's twin run).
    pub fn nudge_first_weight(&mut self, delta: f64) -> Result<(), String> {
        let mut layers: Vec<Dense> = self.network().layers().to_vec();
        let first = &layers[0];
        let mut w = first.w().clone();
        w[[0, 0]] += delta;
        layers[0] = Dense::new(w, first.b().clone(), first.activation()).map_err(err)?;
        let nudged = Network::new(layers).map_err(err)?;
        self.network.set_network(nudged).map_err(err)?;
        let loss = self.final_loss()?;
        if let Some(last) = self.losses.last_mut() {
            *last = loss;
        }
        Ok(())
    }

    fn loss_of(&self, net: &Network, train: bool) -> Result<(f64, f64), String> {
        let set = if train { &self.train } else { &self.test };
        loss_and_score(self.network.config().engine, net, set.x(), set.y()).map_err(err)
    }

    /// The model file of the network as it is now (what `scratchnet train -o` writes, so
    /// `scratchnet eval` reads it).
    pub fn model(&self) -> Model {
        self.model_of(&self.network)
    }

    fn model_of(&self, trainer: &Trainer) -> Model {
        let (net, config) = (trainer.network(), trainer.config());
        let fitted = Fitted {
            network: net.clone(),
            history: self.losses.clone(),
            validation_history: Vec::new(),
            validation_scores: Vec::new(),
            best_epoch: None,
            stopped_at: None,
        };
        let config = TrainConfig {
            epochs: trainer.epoch(),
            ..config.clone()
        };
        let mut model = Model::from_training(
            &self.train_raw,
            self.scalers.features.clone(),
            fitted,
            &config,
        );
        model.prep = self.plan.clone();
        model
    }

    /// Looks inside a model trained elsewhere (`scratchnet train -o`, or exported here): its
    /// network and standardizer replace this run's, on this run's data, from epoch 0 (Play goes
    /// on training it). The model must read this data's features (names in order, the extra
    /// features included) and classes. `name` is the file's, for the messages.
    pub fn import(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let error = |e: scratchnet::Error| format!("error: {e}");
        let model = Model::from_json(bytes).map_err(|message| {
            error(scratchnet::Error::Model {
                path: name.into(),
                message,
            })
        })?;
        let ours = &self.train_raw.feature_names;
        if &model.features != ours || model.classes != self.train_raw.classes() {
            return Err(format!(
                "error: {name}: the model reads features ({}) and classes ({}); this data has ({}) and ({})",
                model.features.join(", "),
                model.classes.join(", "),
                ours.join(", "),
                self.train_raw.classes().join(", ")
            ));
        }
        let scalers = Scalers {
            features: model.standardizer.clone(),
            target: None,
        };
        let train = scalers.standardize(self.train_raw.clone()).map_err(err)?;
        let test = scalers.standardize(self.test_raw.clone()).map_err(err)?;
        let config = self.network.config().clone();
        let m = train.n_samples();
        self.network = Trainer::new(config, model.network, m).map_err(err)?;
        (self.train, self.test, self.scalers) = (train, test, scalers);
        self.losses = vec![self.final_loss()?];
        self.reported = 0;
        Ok(())
    }

    /// The data as a CSV file, in its original row order (what `scratchnet generate` writes;
    /// `scratchnet train` on it with the same seed makes the same split).
    pub fn data_csv(&self) -> String {
        self.data.to_csv_string()
    }

    /// The training rows as a CSV file, in training order: `scratchnet explain --model M
    /// --data` on it numbers the samples as [`Session::explain`] does.
    pub fn train_csv(&self) -> String {
        self.train_raw.to_csv_string()
    }

    /// The points, their classes and split, and the field's bounds.
    pub fn points(&self) -> Points {
        let (mut x1, mut x2) = (Vec::new(), Vec::new());
        for d in [&self.train_raw, &self.test_raw] {
            x1.extend(d.x.row(0).iter().copied());
            x2.extend(d.x.row(1).iter().copied());
        }
        let mut label = self.train_raw.labels().to_vec();
        label.extend_from_slice(self.test_raw.labels());
        Points {
            features: self.train_raw.feature_names.clone(),
            classes: self.train_raw.classes().to_vec(),
            x1,
            x2,
            label,
            train: self.train_raw.n_samples(),
            bounds: self.bounds,
        }
    }

    /// The losses since the last call, the metrics of the network and of the baseline, and
    /// the weights.
    pub fn state(&mut self) -> Result<State, String> {
        let first = self.reported.min(self.losses.len());
        let new_losses = self.losses[first..].to_vec();
        self.reported = self.losses.len();
        let has_test = self.test_raw.n_samples() > 0;
        let test_loss = match has_test {
            true => Some(self.loss_of(self.network(), false)?.0),
            false => None,
        };
        let model = self.model();
        let base = self.model_of(&self.baseline);
        let on = |m: &Model, d: &Dataset| evaluate(m, d).map_err(err);
        let test = has_test.then(|| on(&model, &self.test_raw)).transpose()?;
        let baseline_test = has_test.then(|| on(&base, &self.test_raw)).transpose()?;
        Ok(State {
            epoch: self.epoch(),
            new_losses,
            first_epoch: first,
            test_loss,
            train: on(&model, &self.train_raw)?,
            test,
            baseline_train: on(&base, &self.train_raw)?,
            baseline_test,
            model: self.network().describe(),
            weights: self
                .network()
                .layers()
                .iter()
                .map(|l| {
                    let w = l.w().rows().into_iter().map(|r| r.to_vec()).collect();
                    (w, l.b().to_vec())
                })
                .collect(),
        })
    }

    /// The positive class's probability on a `res` × `res` grid over [`Points::bounds`], row
    /// by row from the top (largest x2) and left to right; then, per hidden unit of the first
    /// hidden layer, its activation on the same grid.
    pub fn field(&self, res: usize) -> Result<Vec<f64>, String> {
        if !(2..=MAX_GRID).contains(&res) {
            return Err(format!("error: the grid is 2 to {MAX_GRID} points a side"));
        }
        let [x0, x1, y0, y1] = self.bounds;
        let step = |lo: f64, hi: f64, i: usize| lo + (hi - lo) * i as f64 / (res - 1) as f64;
        let grid = Array2::from_shape_fn((2, res * res), |(f, k)| {
            let (row, col) = (k / res, k % res);
            match f {
                0 => step(x0, x1, col),
                _ => step(y1, y0, row),
            }
        });
        let (grid, _) = with_extra(grid.view(), &self.data.feature_names[..2], &self.extra)?;
        let model = self.model();
        let p = model.predict_proba(grid.view()).map_err(err)?;
        let mut out: Vec<f64> = p.row(0).to_vec();
        let xs = self.scalers.features.transform(grid.view()).map_err(err)?;
        let cache = self.network().forward(xs.view());
        if let Some(hidden) = cache.layers.first().filter(|_| cache.layers.len() > 1) {
            out.extend(hidden.a.iter().copied());
        }
        Ok(out)
    }

    /// Training sample `n` (0-based) forward and backward with the current weights.
    pub fn explain(&self, n: usize) -> Result<Explained, String> {
        let m = self.train.n_samples();
        if n >= m {
            return Err(format!(
                "error: --sample {n} is out of range: the training data has {m} samples (0…{})",
                m.saturating_sub(1)
            ));
        }
        let x = self.train.x().slice(s![.., n..n + 1]).to_owned();
        let y = self.train.y().slice(s![.., n..n + 1]).to_owned();
        let net = self.network();
        let cache = net.forward(x.view());
        let cost = net.cost(&cache, y.view());
        let grads = net.backward(&cache, y.view());
        let big_l = net.layers().len();
        let rows = |a: &Array2<f64>| -> Vec<Vec<f64>> {
            a.rows().into_iter().map(|r| r.to_vec()).collect()
        };
        let layers = net
            .layers()
            .iter()
            .zip(&cache.layers)
            .zip(&grads.layers)
            .enumerate()
            .map(|(i, ((layer, c), g))| ExplainedLayer {
                w: rows(layer.w()),
                b: layer.b().to_vec(),
                z: c.z.iter().copied().collect(),
                a: c.a.iter().copied().collect(),
                activation: layer.activation().name().into(),
                // with m = 1, dZ of a layer is its db; the output's is A − Y
                dz: match i + 1 == big_l {
                    true => (cache.output().to_owned() - &y).iter().copied().collect(),
                    false => g.db.to_vec(),
                },
                dw: rows(&g.dw),
                db: g.db.to_vec(),
            })
            .collect();
        let label = self.train_raw.labels()[n];
        Ok(Explained {
            sample: n,
            raw: self.train_raw.x.column(n).to_vec(),
            features: self.train_raw.feature_names.clone(),
            label,
            class: self.train_raw.classes()[label].clone(),
            x: x.iter().copied().collect(),
            layers,
            cost,
        })
    }
}

/// The tutorial preset's experiment with the page's settings.
fn experiment(settings: &Settings) -> Result<Experiment, String> {
    let preset = Preset::Tutorial;
    let mut exp = preset.experiment();
    let activation: Activation = settings.activation.parse().map_err(err)?;
    let init = match &settings.init {
        Some(name) => Some(name.parse::<Init>().map_err(err)?),
        None => preset.init(activation),
    };
    exp.test_split = settings.test_split;
    exp.config.seed = settings.seed;
    exp.config.hidden = settings.hidden.clone();
    exp.config.hidden_activation = activation;
    exp.config.init = init;
    exp.config.learning_rate = settings.learning_rate;
    exp.config.l2 = settings.l2;
    exp.config.optimizer = settings.optimizer.parse().map_err(err)?;
    exp.config.batch_size = settings.batch_size;
    exp.validate().map_err(err)?;
    Ok(exp)
}

/// The generated or uploaded data, and the column plan when the CSV needed one.
fn read_data(settings: &Settings, exp: &Experiment) -> Result<(Dataset, Option<Plan>), String> {
    if settings.data == "csv" {
        let text = settings.csv.as_deref().unwrap_or_default();
        let input = CsvInput::bytes(&settings.csv_name, text.as_bytes().to_vec());
        let file = TrainingFile {
            input,
            target: &settings.target,
            features: None,
            regression: false,
            positive: None,
        };
        let prepared = prepare_training(file, &PrepSettings::default(), exp, None).map_err(err)?;
        let plan = prepared.plan_if_needed().cloned();
        return Ok((prepared.data, plan));
    }
    if settings.points > MAX_POINTS {
        return Err(format!(
            "error: the playground generates at most {MAX_POINTS} points, got {}",
            settings.points
        ));
    }
    let mut data_rng = rng(settings.seed, Stream::Data);
    let data = match settings.data.as_str() {
        "flower" if settings.noise.is_none() => synth::flower(settings.points, &mut data_rng),
        name => {
            let generator = synth::Generator::ALL
                .into_iter()
                .find(|g| g.name() == name && !g.is_regression())
                .ok_or_else(|| {
                    format!(
                        "error: unknown data set `{}`",
                        scratchnet::shown(name, scratchnet::MAX_QUOTED)
                    )
                })?;
            let noise = settings.noise.unwrap_or(generator.default_noise());
            generator.generate(settings.points, 2, noise, &mut data_rng)
        }
    }
    .map_err(err)?;
    Ok((data, None))
}

/// [x1 min, x1 max, x2 min, x2 max] of the points, widened by a tenth on each side.
fn bounds_of(x: &Array2<f64>) -> [f64; 4] {
    let range = |r: usize| {
        let row = x.index_axis(Axis(0), r);
        let lo = row.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.1).max(1e-6);
        (lo - pad, hi + pad)
    };
    let ((a, b), (c, d)) = (range(0), range(1));
    [a, b, c, d]
}
