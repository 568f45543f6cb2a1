//! `scratchnet generate`: a synthetic data set as CSV.

use std::path::Path;

use anyhow::Result;
use scratchnet::train::{Stream, rng};

use crate::cli::GenerateArgs;
use crate::output::{check_outputs, print_out};

/// `scratchnet generate`.
pub fn generate(args: &GenerateArgs) -> Result<()> {
    if let Some(path) = &args.output {
        check_outputs(&[], &[("-o", path)])?;
    }
    let g = args.kind;
    let noise = args.noise.unwrap_or(g.default_noise());
    let data = g.generate(
        args.n,
        args.classes,
        noise,
        &mut rng(args.seed, Stream::Data),
    )?;
    match &args.output {
        Some(path) if path != Path::new("-") => {
            data.to_csv(path)?;
            eprintln!(
                "wrote {} points ({g}) to {}",
                data.n_samples(),
                path.display()
            );
        }
        _ => print_out(&data.to_csv_string())?,
    }
    Ok(())
}
