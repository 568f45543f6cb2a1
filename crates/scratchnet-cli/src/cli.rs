//! Command-line arguments (clap derive). Every flag documents its meaning and default.
//!
//! Flags are typed when they are parsed: names go through the library's `FromStr`
//! (`Activation`, `Init`, `OptimizerKind`, `Precision`, `Generator`) or a small enum here
//! (`--lr-schedule`, `--task`), so an unknown name is a usage error naming the flag. The rules
//! that depend on another flag's *value* (`--momentum` only for momentum and nesterov, …) are
//! checked in one place, [`TrainingFlags::check_rules`]; [`TrainingFlags::experiment`] turns
//! the flags into the library's settings.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use scratchnet::data::synth::Generator;
use scratchnet::data::{CsvInput, Delimiter};
use scratchnet::engine::EngineKind;
use scratchnet::experiment::Experiment;
use scratchnet::nn::{Activation, Init};
use scratchnet::optim::{OptimizerKind, Schedule};
use scratchnet::prep::TrainingFile;
use scratchnet::preset::Preset;
use scratchnet::train::{Precision, TrainConfig};
use scratchnet::weights::ClassWeight;

/// A neural network from scratch: the "neural net from scratch" tutorial as a fast,
/// dependable command-line classifier.
#[derive(Debug, Parser)]
#[command(name = "scratchnet", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 internal error, 2 bad input or usage, 130 interrupted."
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
    /// Threads for training, eval and predict [default: every core]. Only batches with enough
    /// work are split (never the tutorial's); the same N gives bit-identical results.
    #[arg(long, global = true, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole tutorial on the built-in planar flower data and print the results.
    Demo(DemoArgs),
    /// Write a synthetic data set as CSV (header x1,x2,y; x1,y for sine), the rows grouped by
    /// class (shuffle them, e.g. with `shuf`, before `train --stream`).
    Generate(GenerateArgs),
    /// Train a network on a CSV file and optionally save the model.
    Train(Box<TrainArgs>),
    /// k-fold cross-validation: each fold the test set of one training, mean ± sd of every
    /// test metric for the network and its baseline.
    Cv(Box<CvArgs>),
    /// Hyper-parameter search scored by cross-validation: a grid or random trials; prints a
    /// leaderboard and writes the best model, refit on all rows, with -o.
    Tune(Box<TuneArgs>),
    /// Evaluate a saved model on labelled data.
    Eval(EvalArgs),
    /// Predict labels (and probabilities) for new data with a saved model.
    Predict(PredictArgs),
    /// Permutation importance: how much the score drops when one input column is shuffled,
    /// for each raw input column of a saved model, on labelled data.
    Importance(ImportanceArgs),
    /// Write a saved model as one ONNX graph (its column plan, standardization, network,
    /// probabilities and label) for ONNX Runtime and other runtimes.
    Export(ExportArgs),
    /// Print each step of the tutorial: the equation, the shapes and what they mean.
    Explain(ExplainArgs),
    /// Draw a picture (PNG or SVG, from the extension of -o): data, activations, history,
    /// boundary, hidden, importance or residuals.
    Plot(PlotArgs),
    /// Serve the playground on 127.0.0.1: the tutorial's network training live in the browser
    /// (WebAssembly), with the data, the boundary, the loss, the metrics and the equations.
    Playground(PlaygroundArgs),
}

/// `scratchnet playground`.
#[derive(Debug, Args)]
pub struct PlaygroundArgs {
    /// Port on 127.0.0.1; 0 picks a free one. The URL is printed either way.
    #[arg(long, value_name = "N", default_value_t = 8069)]
    pub port: u16,
    /// Open the page in the default browser (xdg-open, open or start).
    #[arg(long)]
    pub open: bool,
}

/// `scratchnet plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// What to draw.
    #[command(subcommand)]
    pub what: PlotCommand,
}

/// Output options shared by every picture.
#[derive(Debug, Args, Clone)]
pub struct PlotOutput {
    /// Output picture; the extension picks the format: .png or .svg.
    #[arg(short, long, value_name = "FILE.png|FILE.svg")]
    pub output: PathBuf,
    /// Width in pixels.
    #[arg(long, value_name = "PX", default_value_t = 900)]
    pub width: u32,
    /// Height in pixels.
    #[arg(long, value_name = "PX", default_value_t = 700)]
    pub height: u32,
}

/// The pictures.
#[derive(Debug, Subcommand)]
pub enum PlotCommand {
    /// The scatter of the classes over two features, titled with the class counts.
    Data {
        /// A CSV file with a header (`-`: standard input; `.gz`: decompressed).
        #[arg(value_name = "DATA.csv")]
        data: PathBuf,
        /// The class column.
        #[arg(long, value_name = "COLUMN", default_value = "y")]
        target: String,
        /// The two features to plot (default: the first two columns besides the target).
        #[arg(long, value_name = "A,B", value_delimiter = ',', value_parser = parse_column)]
        features: Option<Vec<String>>,
        #[command(flatten)]
        reader: ReaderFlags,
        #[command(flatten)]
        out: PlotOutput,
    },
    /// Sigmoid, tanh, ReLU and leaky ReLU with their derivatives on [-5, 5].
    Activations {
        #[command(flatten)]
        out: PlotOutput,
    },
    /// Loss and accuracy per epoch, from `train --history FILE.csv`.
    History {
        /// The history CSV written by `train --history` (`-`: standard input).
        #[arg(value_name = "HISTORY.csv")]
        history: PathBuf,
        /// Draw the loss on a logarithmic axis.
        #[arg(long)]
        log_y: bool,
        #[command(flatten)]
        reader: ReaderFlags,
        #[command(flatten)]
        out: PlotOutput,
    },
    /// The model's probability over the input plane, its 0.5 contour and the labelled points
    /// (misclassified ones crossed).
    Boundary {
        /// A model written by `train -o` (network or logistic regression).
        #[arg(value_name = "MODEL.json")]
        model: PathBuf,
        /// Labelled data with the model's columns (`-`: standard input; `.gz`: decompressed).
        #[arg(value_name = "DATA.csv")]
        data: PathBuf,
        /// The two features spanning the plane; the others are held at their training means.
        #[arg(long, value_name = "A,B", value_delimiter = ',', value_parser = parse_column)]
        features: Option<Vec<String>>,
        #[command(flatten)]
        reader: ReaderFlags,
        #[command(flatten)]
        out: PlotOutput,
    },
    /// Permutation importance as bars: the mean score drop of each input column with ±sd
    /// error bars, the most important at the top (see `scratchnet importance`).
    Importance {
        /// A model written by `train -o`.
        #[arg(value_name = "MODEL.json")]
        model: PathBuf,
        /// Labelled data with the model's columns.
        #[arg(value_name = "DATA.csv")]
        data: PathBuf,
        #[command(flatten)]
        flags: ImportanceFlags,
        #[command(flatten)]
        out: PlotOutput,
    },
    /// A regression model's errors, two panels: predicted against actual (with the line
    /// y = x) and residuals (actual − predicted) against predicted (with the line 0).
    Residuals {
        /// A regression model written by `train --task regression -o`.
        #[arg(value_name = "MODEL.json")]
        model: PathBuf,
        /// Data with the model's columns and its numeric target.
        #[arg(value_name = "DATA.csv")]
        data: PathBuf,
        /// A category the model has not seen is an error (exit 2) instead of a warning.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        out: PlotOutput,
    },
    /// One map per hidden unit of the first layer: its activation over the input plane.
    Hidden {
        /// A model with at least one hidden layer.
        #[arg(value_name = "MODEL.json")]
        model: PathBuf,
        /// The two features spanning the plane; the others are held at their training means.
        #[arg(long, value_name = "A,B", value_delimiter = ',', value_parser = parse_column)]
        features: Option<Vec<String>>,
        #[command(flatten)]
        out: PlotOutput,
    },
}

impl PlotCommand {
    /// The output options of whichever picture this is.
    pub fn output(&self) -> &PlotOutput {
        match self {
            PlotCommand::Data { out, .. }
            | PlotCommand::Activations { out }
            | PlotCommand::History { out, .. }
            | PlotCommand::Boundary { out, .. }
            | PlotCommand::Hidden { out, .. }
            | PlotCommand::Importance { out, .. }
            | PlotCommand::Residuals { out, .. } => out,
        }
    }
}

/// The settings of a permutation importance, shared by `importance` and `plot importance`.
#[derive(Debug, Args, Clone)]
pub struct ImportanceFlags {
    /// Shuffles per input column (at least 1); the mean and sd are over them.
    #[arg(long, value_name = "R", default_value = "5", value_parser = parse_repeats, allow_negative_numbers = true)]
    pub repeats: usize,
    /// Seed of the shuffles.
    #[arg(long, value_name = "S", default_value_t = 69)]
    pub seed: u64,
    /// A category the model has not seen is an error (exit 2) instead of a warning.
    #[arg(long)]
    pub strict: bool,
}

/// `scratchnet importance`.
#[derive(Debug, Args)]
pub struct ImportanceArgs {
    /// A model written by `scratchnet train -o`.
    #[arg(value_name = "MODEL.json")]
    pub model: PathBuf,
    /// Labelled data with the model's input columns and target column, as raw as the training
    /// file (rows without a target are dropped); a held-out test file says the most.
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,
    #[command(flatten)]
    pub flags: ImportanceFlags,
    /// Print the JSON report (every repeat's drop too) on standard output and nothing else there.
    #[arg(long)]
    pub json: bool,
    /// Also write the table as CSV: column, score drop mean and sd, loss increase mean and sd.
    #[arg(short, long, value_name = "FILE.csv")]
    pub output: Option<PathBuf>,
}

/// Training settings shared by `demo`, `train` and `cv`. A flag that is not given takes its
/// value from `--preset` (the README's "Defaults and presets" lists both presets).
#[derive(Debug, Args, Clone)]
pub struct TrainingFlags {
    /// The settings every flag not given takes: tabular (Adam at 0.003, one ReLU layer of 64,
    /// mini-batches of 32, up to 500 epochs with early stopping on a stratified 10% validation
    /// share, L2 2) or tutorial (2-4-1 tanh/sigmoid, small-uniform weights, gradient
    /// descent at α = 1.2, 10,000 full-batch epochs, no validation, no early stopping)
    /// [default: tabular for train and cv, tutorial for demo].
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(["tabular", "tutorial"]).try_map(|s| s.parse::<Preset>()))]
    pub preset: Option<Preset>,
    /// Hidden layer sizes, comma-separated ("4", "16,8"; "" for logistic regression)
    /// [default: 64; tutorial 4].
    #[arg(long, value_name = "SIZES", value_parser = parse_hidden)]
    pub hidden: Option<HiddenSizes>,
    /// Number of epochs, passes over the training rows (0 writes the initial weights); with
    /// early stopping, the most [default: 500; tutorial 10000].
    #[arg(long, value_name = "N", value_parser = parse_count, allow_negative_numbers = true)]
    pub epochs: Option<usize>,
    /// Learning rate α [default: by optimizer: adam 0.003, momentum and nesterov 0.01, gd
    /// 0.1; tutorial gd 1.2].
    #[arg(long, value_name = "ALPHA", allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// Seed of every random choice (data, shuffle, split, initial weights).
    #[arg(long, value_name = "S", default_value_t = 69)]
    pub seed: u64,
    /// Share of rows held out for testing, in [0, 1).
    #[arg(
        long,
        value_name = "FRACTION",
        default_value_t = 0.2,
        allow_negative_numbers = true
    )]
    pub test_split: f64,
    /// Activation of the hidden layers: tanh, relu, leaky-relu, sigmoid or identity
    /// [default: relu; tutorial tanh].
    #[arg(long, value_name = "NAME", value_parser = str::parse::<Activation>)]
    pub activation: Option<Activation>,
    /// Weight initialization: small-uniform (the tutorial's U(0,1)·0.01), xavier or he.
    /// Default: he for relu and leaky-relu, xavier for the others; the tutorial preset uses
    /// small-uniform for one tanh/sigmoid hidden layer, xavier for deeper ones.
    #[arg(long, value_name = "NAME", value_parser = str::parse::<Init>)]
    pub init: Option<Init>,
    /// Update rule: gd (the tutorial's), momentum, nesterov or adam [default: adam; tutorial
    /// gd].
    #[arg(long, value_name = "NAME", value_parser = str::parse::<OptimizerKind>)]
    pub optimizer: Option<OptimizerKind>,
    /// Momentum μ for momentum and nesterov [default: 0.9].
    #[arg(long, value_name = "MU", allow_negative_numbers = true)]
    pub momentum: Option<f64>,
    /// Adam's first-moment decay β1 [default: 0.9].
    #[arg(long, value_name = "B1", allow_negative_numbers = true)]
    pub beta1: Option<f64>,
    /// Adam's second-moment decay β2 [default: 0.999].
    #[arg(long, value_name = "B2", allow_negative_numbers = true)]
    pub beta2: Option<f64>,
    /// Adam's ε [default: 1e-8].
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub eps: Option<f64>,
    /// Samples per mini-batch, reshuffled every epoch with the seed, or `full` for the whole
    /// training set at once [default: 32; tutorial full].
    #[arg(long, value_name = "N|full", value_parser = parse_batch_size)]
    pub batch_size: Option<BatchSize>,
    /// Number type of the forward and backward passes of the network and its baseline: f64, or
    /// f32 (about 1.5× faster on wide layers; weights, updates and the saved model stay f64)
    /// [default: f64].
    #[arg(long, value_name = "TYPE", value_parser = PossibleValuesParser::new(["f64", "f32"]).try_map(|s| s.parse::<Precision>()))]
    pub precision: Option<Precision>,
    /// The engine that runs forward, cost and backward: fast (preallocated buffers, SIMD,
    /// threads), or reference (the plain code of the library's `nn` module, as the tutorial
    /// writes it: slower, same numbers) [default: fast].
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(["fast", "reference"]).try_map(|s| s.parse::<EngineKind>()))]
    pub engine: Option<EngineKind>,
    /// L2 weight decay λ: adds (λ/2m)·Σ‖W‖² to the cost, m the training rows (also with
    /// mini-batches), so it weighs less the more rows there are [default: 2; tutorial 0].
    #[arg(long, value_name = "LAMBDA", allow_negative_numbers = true)]
    pub l2: Option<f64>,
    /// Learning-rate schedule: constant, step (× --lr-gamma every --lr-step epochs) or cosine.
    #[arg(long, value_name = "NAME", default_value = "constant", value_parser = str::parse::<ScheduleName>)]
    pub lr_schedule: ScheduleName,
    /// Epochs between drops of the step schedule (default: a third of the epochs).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub lr_step: Option<usize>,
    /// Factor of each drop of the step schedule [default: 0.1].
    #[arg(long, value_name = "GAMMA", allow_negative_numbers = true)]
    pub lr_gamma: Option<f64>,
    /// Share of the training rows held out for validation (early stopping), in [0, 1)
    /// [default: 0.1; tutorial 0].
    #[arg(long, value_name = "FRACTION", allow_negative_numbers = true)]
    pub validation: Option<f64>,
    /// Stop after this many epochs without a lower validation loss, keeping the best weights
    /// (needs a validation share) [default: 20 with a validation share; tutorial none].
    #[arg(long, value_name = "EPOCHS", value_parser = parse_count)]
    pub patience: Option<usize>,
    /// Stratify the test and validation splits (classification): each class keeps its share
    /// in every split within one sample [default: on; tutorial off, so its split is the
    /// tutorial's].
    #[arg(long, conflicts_with = "no_stratify")]
    pub stratify: bool,
    /// Split classification rows by a plain shuffle, not stratified.
    #[arg(long)]
    pub no_stratify: bool,
    /// Class weights in the cost (classification): balanced weighs each class's training rows
    /// by n / (k · n_c), so a rare class counts as much as a common one (it raises the rare
    /// class's recall, usually at some precision); none weighs every row 1. Metrics stay
    /// unweighted [default: none].
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(["none", "balanced"]).try_map(|s| s.parse::<ClassWeight>()))]
    pub class_weight: Option<ClassWeight>,
    /// Decision threshold of a two-class target, in (0, 1): positive when p > T. The report
    /// uses it and the model records it, so `eval` and `predict` use it too (their own
    /// --threshold overrides it) [default: 0.5].
    #[arg(long, value_name = "T", value_parser = parse_threshold, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
}

/// `--batch-size`: a number of rows or the whole training set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchSize {
    /// This many rows per mini-batch.
    Rows(usize),
    /// Every training row in one batch (the tutorial's).
    Full,
}

/// Parses `--batch-size`: `full` or a whole number ≥ 1.
pub fn parse_batch_size(s: &str) -> Result<BatchSize, String> {
    if s.trim() == "full" {
        return Ok(BatchSize::Full);
    }
    parse_count(s).map(BatchSize::Rows)
}

/// `scratchnet demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub training: TrainingFlags,
    /// Also write into this directory (created if missing): model.json, baseline.json,
    /// report.json, history.csv, the pictures (data, activations, loss, boundary, hidden) and
    /// report.html, one self-contained page with all of them.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `scratchnet generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The data set: flower, moons, circles, xor, spiral, gaussians (classes) or sine (a
    /// regression curve, y = sin(x1) + noise).
    #[arg(value_name = "KIND", value_parser = str::parse::<Generator>)]
    pub kind: Generator,
    /// Number of points.
    #[arg(short = 'n', long = "samples", value_name = "N", default_value = "400", value_parser = parse_count, allow_negative_numbers = true)]
    pub n: usize,
    /// Standard deviation of the noise (default: the data set's classic value, e.g. 0.2 for flower).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub noise: Option<f64>,
    /// Number of classes (spiral and gaussians only).
    #[arg(long, value_name = "K", default_value_t = 2)]
    pub classes: usize,
    /// Seed of the generator.
    #[arg(long, value_name = "S", default_value_t = 69)]
    pub seed: u64,
    /// Output CSV file (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The data a training command reads and how it reads it: shared by `train` and `cv` (and any
/// command that fits on a CSV file).
#[derive(Debug, Args)]
pub struct DataFlags {
    /// The CSV file: a header line, feature columns (numbers or text categories; missing
    /// values imputed, ID-like columns ignored: see the column flags) and a target column.
    /// `-` reads standard input; a `.gz` file is decompressed while reading.
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,
    /// Name of the target column: two or more classes (any text), or numbers with
    /// --task regression.
    #[arg(long, value_name = "COLUMN", default_value = "y")]
    pub target: String,
    /// Feature columns to use, comma-separated (default: every column but the target).
    #[arg(long, value_name = "A,B,…", value_delimiter = ',', value_parser = parse_column)]
    pub features: Option<Vec<String>>,
    /// The target value that counts as positive (1) for two classes; default: the larger value
    /// in sorted order.
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// classification (two or more classes, read from the target) or regression (a numeric
    /// target: identity output, mean squared error).
    #[arg(long, value_name = "TASK", default_value = "classification", value_parser = str::parse::<TaskName>)]
    pub task: TaskName,
    #[command(flatten)]
    pub columns: ColumnFlags,
    #[command(flatten)]
    pub reader: ReaderFlags,
}

impl DataFlags {
    /// The data file as an input: `-` is standard input, `--delimiter` applied.
    pub fn input(&self) -> CsvInput {
        self.reader.input(&self.data)
    }

    /// What to read from the file, checked: `--positive` only for classification,
    /// `--max-categories` at least 2.
    pub fn training_file(&self) -> Result<TrainingFile<'_>> {
        let regression = self.task == TaskName::Regression;
        if regression && self.positive.is_some() {
            bail!("--positive applies to classification, not --task regression");
        }
        if self.columns.max_categories < 2 {
            bail!(
                "--max-categories must be at least 2 (one kept category and `(other)`), got {}",
                self.columns.max_categories
            );
        }
        Ok(TrainingFile {
            input: self.input(),
            target: &self.target,
            features: self.features.as_deref(),
            regression,
            positive: self.positive.as_deref(),
        })
    }
}

/// How a command reads its CSV input: the flags of every command that reads one.
#[derive(Debug, Args, Clone)]
pub struct ReaderFlags {
    /// The character between the input's fields: `,`, `;`, `|`, or `tab` (also `\t`)
    /// [default: `,`; tab for a .tsv or .tsv.gz file]. Written output stays comma-separated.
    #[arg(long, value_name = "C", value_parser = str::parse::<Delimiter>)]
    pub delimiter: Option<Delimiter>,
}

impl ReaderFlags {
    /// The input at `path` (`-`: standard input), with `--delimiter` when given.
    pub fn input(&self, path: &Path) -> CsvInput {
        let input = if path == Path::new("-") {
            CsvInput::stdin()
        } else {
            CsvInput::file(path)
        };
        match self.delimiter {
            Some(d) => input.with_delimiter(d),
            None => input,
        }
    }
}

/// Reading data larger than memory (`scratchnet::stream`).
#[derive(Debug, Args, Clone)]
pub struct StreamFlags {
    /// Read the data a block of rows at a time, with memory bounded by the block, not the
    /// file (see "Data larger than memory" in the README). Automatic for a file bigger than a
    /// quarter of the memory available (a .gz counted at 4× its size).
    #[arg(long)]
    pub stream: bool,
    /// Rows per block when streaming.
    #[arg(long, value_name = "ROWS", default_value = "65536", value_parser = parse_count)]
    pub block_rows: usize,
}

impl StreamFlags {
    /// Whether to stream `input`, with the line that says why when the size decided it.
    pub fn wanted(&self, input: &CsvInput) -> Option<Option<String>> {
        if self.stream {
            return Some(None);
        }
        if scratchnet::stream::is_parquet(input) {
            let why = format!(
                "reading {} in blocks (Parquet input always streams)",
                input.name().display()
            );
            return Some(Some(why));
        }
        scratchnet::stream::automatic(input).map(Some)
    }

    /// The library's settings.
    pub fn settings(&self) -> scratchnet::stream::StreamSettings {
        scratchnet::stream::StreamSettings {
            block_rows: self.block_rows.max(1),
        }
    }
}

/// `scratchnet train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataFlags,
    #[command(flatten)]
    pub stream: StreamFlags,
    /// Continue training this saved model (same features, classes and shapes) instead of a
    /// fresh network.
    #[arg(long, value_name = "MODEL.json")]
    pub init_from: Option<PathBuf>,
    #[command(flatten)]
    pub training: TrainingFlags,
    /// Write the trained model here (JSON).
    #[arg(short, long, value_name = "MODEL.json")]
    pub output: Option<PathBuf>,
    /// Print the JSON report on standard output and nothing else there.
    #[arg(long)]
    pub json: bool,
    /// Write the learning curve here (CSV: epoch, train and test loss and accuracy).
    #[arg(long, value_name = "HISTORY.csv")]
    pub history: Option<PathBuf>,
    /// Record the learning curve every K epochs (with --history).
    #[arg(long, value_name = "K", default_value = "1", value_parser = parse_count)]
    pub log_every: usize,
    /// Train as one of the processes an MPI launcher started (`mpirun`, `srun`), sharing
    /// every batch; found without the flag under OpenMPI's and MPICH's launchers. Needs a
    /// build with `--features mpi` (README, "Scaling out").
    #[arg(long)]
    pub distributed: bool,
}

/// `scratchnet cv`.
#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub data: DataFlags,
    /// Number of folds: every row is a test row once (stratified by class for classification).
    #[arg(long, value_name = "K", default_value = "5", value_parser = parse_count)]
    pub folds: usize,
    #[command(flatten)]
    pub training: TrainingFlags,
    /// Print the JSON report (mean ± sd and every fold's report) on standard output.
    #[arg(long)]
    pub json: bool,
}

/// `scratchnet tune`.
#[derive(Debug, Args)]
#[command(after_help = tune_help())]
pub struct TuneArgs {
    #[command(flatten)]
    pub data: DataFlags,
    /// A grid: every combination of the values of each setting, e.g.
    /// "hidden=16,64;lr=0.001,0.01" (see the settings below).
    #[arg(long, value_name = "SPEC", conflicts_with = "trials")]
    pub grid: Option<String>,
    /// Random search: this many trials drawn from the ranges below, seeded by --seed
    /// [default: 10 when no --grid is given].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub trials: Option<usize>,
    /// Number of folds every candidate is scored on (the same folds for all).
    #[arg(long, value_name = "K", default_value = "5", value_parser = parse_count)]
    pub folds: usize,
    #[command(flatten)]
    pub training: TrainingFlags,
    /// Write the best candidate's model here, refit on all rows (JSON).
    #[arg(short, long, value_name = "MODEL.json")]
    pub output: Option<PathBuf>,
    /// Print the JSON report (the whole leaderboard) on standard output.
    #[arg(long)]
    pub json: bool,
    /// Rows of the leaderboard to print (--json has all).
    #[arg(long, value_name = "N", default_value = "10", value_parser = parse_count)]
    pub top: usize,
}

/// The settings a grid may vary and the ranges of random trials, from the library.
fn tune_help() -> String {
    format!(
        "Settings a grid may vary: {} (hidden as 16 or 64x32; batch-size as N or full).\n\
         Random trials draw: {}.",
        scratchnet::tune::SETTINGS.join(", "),
        scratchnet::tune::RANDOM_RANGES
    )
}

/// How `train` reads raw columns (see the README's "Raw tables"): text columns are one-hot
/// categories, numbers are numeric, ID-like columns are ignored with a warning; missing values
/// are imputed from the training rows (median, most frequent category).
#[derive(Debug, Args)]
pub struct ColumnFlags {
    /// Columns to one-hot encode as categories even when their values are numbers (codes).
    #[arg(long, value_name = "A,B,…", value_delimiter = ',', value_parser = parse_column)]
    pub categorical: Vec<String>,
    /// Columns to read as numbers even when they look like a row ID.
    #[arg(long, value_name = "A,B,…", value_delimiter = ',', value_parser = parse_column)]
    pub numeric: Vec<String>,
    /// Columns to leave out.
    #[arg(long, value_name = "A,B,…", value_delimiter = ',', value_parser = parse_column)]
    pub ignore: Vec<String>,
    /// The values that mean "missing", case-insensitive (default: empty, NA, NaN, null, ?).
    #[arg(
        long,
        value_name = "A,B,…",
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_parser = parse_trimmed
    )]
    pub na_values: Option<Vec<String>>,
    /// Most one-hot columns per categorical column; beyond it the rarest categories are pooled
    /// into `COL=(other)` (with a warning).
    #[arg(long, value_name = "K", default_value = "50", value_parser = parse_count)]
    pub max_categories: usize,
    /// A numeric column of per-row weights in the training cost, not a feature: a row of
    /// weight 2 counts as two rows. Every weight finite and ≥ 0, not all 0; metrics stay
    /// unweighted, and predict and eval do not need the column.
    #[arg(long, value_name = "COLUMN")]
    pub sample_weight: Option<String>,
    /// How a numeric column's missing values are filled, from the training rows: `median`,
    /// `mean` or `most-frequent` [default: median]. A categorical column's missing values
    /// always become its most frequent category.
    #[arg(long, value_name = "HOW", value_parser = parse_impute, conflicts_with = "drop_missing")]
    pub impute: Option<scratchnet::prep::Impute>,
    /// For each column with a missing value in the training rows, add the 0/1 feature
    /// `COL=(missing)`: 1 where the value was missing (before imputation). Stored in the
    /// model, so predict and eval add it too.
    #[arg(long, conflicts_with = "drop_missing")]
    pub missing_indicators: bool,
    /// Drop the rows with a missing feature value (before the split) instead of imputing them,
    /// with a warning that counts them. The model still imputes in predict and eval (it cannot
    /// drop the rows it is asked about).
    #[arg(long)]
    pub drop_missing: bool,
}

/// `--impute`: `median`, `mean` or `most-frequent`.
fn parse_impute(s: &str) -> Result<scratchnet::prep::Impute, String> {
    use scratchnet::prep::Impute;
    match s {
        "median" => Ok(Impute::Median),
        "mean" => Ok(Impute::Mean),
        "most-frequent" => Ok(Impute::MostFrequent),
        other => Err(format!(
            "unknown --impute `{other}`; expected median, mean or most-frequent"
        )),
    }
}

impl ColumnFlags {
    /// The library's settings of the column plan.
    pub fn settings(&self) -> scratchnet::prep::PrepSettings {
        let mut s = scratchnet::prep::PrepSettings {
            categorical: self.categorical.clone(),
            numeric: self.numeric.clone(),
            ignore: self.ignore.clone(),
            max_categories: self.max_categories,
            sample_weight: self.sample_weight.as_ref().map(|s| s.trim().to_string()),
            impute: self.impute.unwrap_or_default(),
            missing_indicators: self.missing_indicators,
            drop_missing: self.drop_missing,
            ..Default::default()
        };
        if let Some(na) = &self.na_values {
            s.na_values.clone_from(na);
        }
        s
    }
}

/// `scratchnet eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A model written by `scratchnet train -o`.
    #[arg(value_name = "MODEL.json")]
    pub model: PathBuf,
    /// Labelled data with the model's input columns and target column, as raw as the training
    /// file (rows without a target are dropped). `-` reads standard input; a `.gz` file is
    /// decompressed while reading.
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,
    #[command(flatten)]
    pub reader: ReaderFlags,
    /// Print the JSON report on standard output and nothing else there.
    #[arg(long)]
    pub json: bool,
    /// Decision threshold of a two-class model: positive when p > T, in (0, 1)
    /// [default: 0.5].
    #[arg(long, value_name = "T", value_parser = parse_threshold, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// A category the model has not seen is an error (exit 2) instead of a warning.
    #[arg(long)]
    pub strict: bool,
}

/// `scratchnet predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model written by `scratchnet train -o`.
    #[arg(value_name = "MODEL.json")]
    pub model: PathBuf,
    /// Data with the model's input columns, as raw as the training file (other columns are
    /// ignored). `-` reads standard input; a `.gz` file is decompressed while reading.
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,
    #[command(flatten)]
    pub reader: ReaderFlags,
    /// Output CSV file (default: standard output), always comma-separated whatever
    /// --delimiter the input has: the --keep columns, `prediction`, then with --proba one
    /// `proba_<label>` column per class.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Copy these columns of the input, as written there (spaces around a value trimmed), to
    /// the output as its first columns, so the predictions can be joined back (an ID column).
    #[arg(long, visible_alias = "id", value_name = "COL,…", value_delimiter = ',', value_parser = parse_column)]
    pub keep: Vec<String>,
    /// Also write one probability column per class (`proba_<label>`); classifiers only.
    #[arg(long)]
    pub proba: bool,
    /// Decision threshold of a two-class model: positive when p > T, in (0, 1)
    /// [default: 0.5].
    #[arg(long, value_name = "T", value_parser = parse_threshold, allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// A category the model has not seen is an error (exit 2) instead of a warning.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub stream: StreamFlags,
}

/// `scratchnet export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A model written by `scratchnet train -o`.
    #[arg(value_name = "MODEL.json")]
    pub model: PathBuf,
    /// The ONNX file to write (`-`: standard output).
    #[arg(short, long, value_name = "FILE.onnx")]
    pub output: PathBuf,
    /// The graph's number type: f64 (`double`, the numbers of `predict` to rounding) or f32
    /// (`float`, weights rounded to f32) [default: f64].
    #[arg(long, value_name = "TYPE", value_parser = PossibleValuesParser::new(["f64", "f32"]).try_map(|s| s.parse::<Precision>()))]
    pub precision: Option<Precision>,
    /// The ONNX opset, 17 to 21 (a model with a categorical column needs 19 or later)
    /// [default: 19].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub opset: Option<i64>,
}

/// `scratchnet explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Hidden layer sizes of the network to explain.
    #[arg(long, value_name = "SIZES", default_value = "4", value_parser = parse_hidden)]
    pub hidden: HiddenSizes,
    /// Show the numbers of training sample N (0-based) flowing forward and backward.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// Use this trained model instead of a freshly initialized network.
    #[arg(long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
    /// Data for --sample (default: the built-in flower data); needs the model's columns.
    /// `-` reads standard input; a `.gz` file is decompressed while reading.
    #[arg(long, value_name = "DATA.csv")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub reader: ReaderFlags,
    /// The target column of --data (without --model; a model knows its own).
    #[arg(long, value_name = "COLUMN", default_value = "y")]
    pub target: String,
    /// Seed for the built-in data and the fresh network.
    #[arg(long, value_name = "S", default_value_t = 69)]
    pub seed: u64,
}

/// Hidden layer sizes as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenSizes(pub Vec<usize>);

/// `--lr-schedule`: the schedule's name; [`TrainingFlags::schedule`] adds its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleName {
    /// The same learning rate every epoch.
    Constant,
    /// × `--lr-gamma` every `--lr-step` epochs.
    Step,
    /// Cosine decay to 0 over the epochs.
    Cosine,
}

impl ScheduleName {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ScheduleName::Constant => "constant",
            ScheduleName::Step => "step",
            ScheduleName::Cosine => "cosine",
        }
    }
}

impl FromStr for ScheduleName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "constant" => Ok(ScheduleName::Constant),
            "step" => Ok(ScheduleName::Step),
            "cosine" => Ok(ScheduleName::Cosine),
            other => Err(format!(
                "unknown --lr-schedule `{other}`; expected one of: constant, step, cosine"
            )),
        }
    }
}

/// `--task`: what the target column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskName {
    /// Two or more classes, read from the target.
    Classification,
    /// A numeric target.
    Regression,
}

impl FromStr for TaskName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "classification" => Ok(TaskName::Classification),
            "regression" => Ok(TaskName::Regression),
            other => Err(format!(
                "unknown --task `{other}`; expected classification or regression"
            )),
        }
    }
}

impl TrainingFlags {
    /// `--preset`, or `default` when it is not given.
    pub fn preset_or(&self, default: Preset) -> Preset {
        self.preset.unwrap_or(default)
    }

    /// `--epochs`, or the preset's.
    pub fn epochs(&self, preset: Preset) -> usize {
        self.epochs.unwrap_or(preset.epochs())
    }

    /// The rules between flags that depend on another flag's value (clap's `requires` and
    /// `conflicts_with` only see whether a flag is present): the optimizer's and the
    /// schedule's own settings apply only to that optimizer or schedule.
    pub fn check_rules(&self, preset: Preset) -> Result<()> {
        let optimizer = self.optimizer(preset).name();
        if self.momentum.is_some() && !matches!(optimizer, "momentum" | "nesterov") {
            bail!("--momentum applies to --optimizer momentum or nesterov, not {optimizer}");
        }
        if (self.beta1.is_some() || self.beta2.is_some() || self.eps.is_some())
            && optimizer != "adam"
        {
            bail!("--beta1, --beta2 and --eps apply to --optimizer adam, not {optimizer}");
        }
        if self.lr_schedule != ScheduleName::Step
            && (self.lr_step.is_some() || self.lr_gamma.is_some())
        {
            bail!(
                "--lr-step and --lr-gamma apply to --lr-schedule step, not {}",
                self.lr_schedule.name()
            );
        }
        Ok(())
    }

    /// `--optimizer` (or the preset's) with `--momentum`, `--beta1`, `--beta2` and `--eps`
    /// where given.
    pub fn optimizer(&self, preset: Preset) -> OptimizerKind {
        match self.optimizer.unwrap_or(preset.optimizer()) {
            OptimizerKind::Momentum { momentum } => OptimizerKind::Momentum {
                momentum: self.momentum.unwrap_or(momentum),
            },
            OptimizerKind::Nesterov { momentum } => OptimizerKind::Nesterov {
                momentum: self.momentum.unwrap_or(momentum),
            },
            OptimizerKind::Adam { beta1, beta2, eps } => OptimizerKind::Adam {
                beta1: self.beta1.unwrap_or(beta1),
                beta2: self.beta2.unwrap_or(beta2),
                eps: self.eps.unwrap_or(eps),
            },
            OptimizerKind::Gd => OptimizerKind::Gd,
        }
    }

    /// `--lr-schedule` with `--lr-step` (default: a third of the epochs) and `--lr-gamma`
    /// (default 0.1).
    pub fn schedule(&self, preset: Preset) -> Schedule {
        match self.lr_schedule {
            ScheduleName::Constant => Schedule::Constant,
            ScheduleName::Cosine => Schedule::Cosine,
            ScheduleName::Step => Schedule::Step {
                every: self.lr_step.unwrap_or((self.epochs(preset) / 3).max(1)),
                gamma: self.lr_gamma.unwrap_or(0.1),
            },
        }
    }

    /// The library's settings from these flags, checked: every flag not given takes its
    /// value from `--preset`, or from `default` without one; `log_every` records the learning
    /// curve every K epochs.
    pub fn experiment(&self, default: Preset, log_every: Option<usize>) -> Result<Experiment> {
        let preset = self.preset_or(default);
        self.check_rules(preset)?;
        let optimizer = self.optimizer(preset);
        let activation = self.activation.unwrap_or(preset.activation());
        let validation = self.validation.unwrap_or(preset.validation());
        let batch_size = match self.batch_size {
            Some(BatchSize::Rows(n)) => Some(n),
            Some(BatchSize::Full) => None,
            None => preset.batch_size(),
        };
        let exp = Experiment {
            config: TrainConfig {
                hidden: self.hidden.clone().map_or_else(|| preset.hidden(), |h| h.0),
                hidden_activation: activation,
                init: self.init.or(preset.init(activation)),
                epochs: self.epochs(preset),
                learning_rate: self.lr.unwrap_or(preset.learning_rate(optimizer)),
                seed: self.seed,
                optimizer,
                batch_size,
                l2: self.l2.unwrap_or(preset.l2()),
                schedule: self.schedule(preset),
                patience: self.patience.or(preset.patience(validation)),
                precision: self.precision.unwrap_or_default(),
                engine: self.engine.unwrap_or_default(),
                ..TrainConfig::default()
            },
            test_split: self.test_split,
            validation,
            stratify: (self.stratify || preset.stratify()) && !self.no_stratify,
            threshold: self.threshold,
            log_every,
            init_from: None,
            cancel: None,
            class_weight: self.class_weight.unwrap_or_default(),
            group: None,
        };
        exp.validate()?;
        Ok(exp)
    }
}

/// Parses "4", "16,8" or "" (no hidden layer).
pub fn parse_hidden(s: &str) -> Result<HiddenSizes, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(HiddenSizes(Vec::new()));
    }
    s.split(',')
        .map(|part| {
            let part = part.trim();
            match part.parse::<usize>() {
                Ok(0) => Err("every hidden layer needs at least 1 unit, got 0".to_string()),
                Ok(n) => Ok(n),
                Err(_) => Err(format!(
                    "`{part}` is not a number of units (expected e.g. 4 or 16,8)"
                )),
            }
        })
        .collect::<Result<Vec<usize>, String>>()
        .map(HiddenSizes)
}

/// One column name of a comma-separated list (`--features "a, b"`): spaces around it trimmed;
/// an empty name (a doubled or trailing comma) is refused.
pub fn parse_column(s: &str) -> Result<String, String> {
    let name = s.trim();
    if name.is_empty() {
        return Err("empty column name in the list (a doubled or trailing comma?)".into());
    }
    Ok(name.to_string())
}

/// One value of a comma-separated list, spaces around it trimmed (`--na-values "NA, -"`; an
/// empty value is allowed).
pub fn parse_trimmed(s: &str) -> Result<String, String> {
    Ok(s.trim().to_string())
}

/// Parses a count (epochs, samples): a whole number ≥ 0.
pub fn parse_count(s: &str) -> Result<usize, String> {
    let t = s.trim();
    t.parse::<usize>().map_err(|_| {
        if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
            format!("`{t}` is too large")
        } else {
            format!("expected a whole number ≥ 0, got `{t}`")
        }
    })
}

/// `--repeats R`: a whole number ≥ 1.
pub fn parse_repeats(s: &str) -> Result<usize, String> {
    match parse_count(s) {
        Ok(0) => Err("must be at least 1, got 0".into()),
        Ok(n) => Ok(n),
        Err(e) if e.contains("too large") => Err(e),
        Err(_) => Err(format!("expected a whole number ≥ 1, got `{}`", s.trim())),
    }
}

/// `--threshold T`: a number strictly inside (0, 1).
pub fn parse_threshold(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let value: f64 = t
        .parse()
        .map_err(|_| format!("expected a number in (0, 1), got `{t}`"))?;
    scratchnet::experiment::check_threshold(value)
        .map(|()| value)
        .map_err(|_| format!("must be in (0, 1), got {t}"))
}

/// The flag that sets a library setting (the names of [`scratchnet::Error::Config`]).
pub fn flag_for(setting: &str) -> Option<&'static str> {
    Some(match setting {
        "hidden" => "--hidden",
        "hidden_activation" | "activation" => "--activation",
        "init" => "--init",
        "epochs" => "--epochs",
        "learning_rate" => "--lr",
        "seed" => "--seed",
        "optimizer" => "--optimizer",
        "momentum" => "--momentum",
        "beta1" => "--beta1",
        "beta2" => "--beta2",
        "eps" => "--eps",
        "batch_size" => "--batch-size",
        "l2" => "--l2",
        "schedule" => "--lr-schedule",
        "lr_step" => "--lr-step",
        "lr_gamma" => "--lr-gamma",
        "patience" => "--patience",
        "validation" => "--validation",
        "test_split" => "--test-split",
        "precision" => "--precision",
        "opset" => "--opset",
        "engine" => "--engine",
        "folds" => "--folds",
        "threshold" => "--threshold",
        "grid" => "--grid",
        "trials" => "--trials",
        "repeats" => "--repeats",
        "init_from" => "--init-from",
        "n_samples" => "-n",
        "noise" => "--noise",
        "classes" => "--classes",
        "features" => "--features",
        "positive" => "--positive",
        "categorical" => "--categorical",
        "numeric" => "--numeric",
        "ignore" => "--ignore",
        "na_values" => "--na-values",
        "columns" => "--keep",
        "class_weight" => "--class-weight",
        "sample_weight" => "--sample-weight",
        "impute" => "--impute",
        "missing_indicators" => "--missing-indicators",
        "drop_missing" => "--drop-missing",
        "distributed" => "--distributed",
        "data_set" => "the data set",
        _ => return None,
    })
}

/// A library settings error in the command line's words: `batch_size must be at least 1`
/// becomes `--batch-size must be at least 1`, and settings named in backticks in the message
/// become their flags too.
pub fn config_message(setting: &str, message: &str) -> String {
    let text = format!("{} {message}", flag_for(setting).unwrap_or(setting));
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        let name = &after[..close];
        out.push_str(&rest[..open]);
        match flag_for(name) {
            Some(flag) => out.push_str(flag),
            None => {
                out.push('`');
                out.push_str(name);
                out.push('`');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}
