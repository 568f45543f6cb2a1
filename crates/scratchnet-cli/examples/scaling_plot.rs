//! Draws the benchmark's scaling picture with scratchnet's plot module:
//! `cargo run --release -p scratchnet-cli --example scaling_plot -- bench/scaling.csv bench/scaling.png`
//! (`bench/scaling.py` measures the CSV and runs this).

use std::path::PathBuf;

use scratchnet_cli::plot::save;
use scratchnet_cli::plot::scaling::{ScalingPlot, read};

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [csv, out] = args.as_slice() else {
        anyhow::bail!("usage: scaling_plot SCALING.csv OUT.png|OUT.svg");
    };
    let pic = ScalingPlot {
        sweeps: read(csv)?,
        title: "scratchnet and numpy: seconds per full-batch epoch (same machine, same run)".into(),
        size: (1200, 520),
    };
    save(&pic, out)?;
    println!("wrote {}", out.display());
    Ok(())
}
