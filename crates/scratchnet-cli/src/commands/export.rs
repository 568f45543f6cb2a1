//! `scratchnet export`: a saved model as an ONNX file (see the library's `onnx` module for the
//! graph's inputs, outputs and metadata).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use scratchnet::model_file::Model;
use scratchnet::onnx::{DEFAULT_OPSET, OnnxOptions};

use crate::cli::ExportArgs;
use crate::output::check_outputs;

/// `scratchnet export`.
pub fn export(args: &ExportArgs) -> Result<()> {
    check_outputs(&[("model", args.model.as_path())], &[("-o", &args.output)])?;
    let model = Model::load(&args.model)?;
    let options = OnnxOptions {
        precision: args.precision.unwrap_or_default(),
        opset: args.opset.unwrap_or(DEFAULT_OPSET),
    };
    let bytes = model.to_onnx(&options)?;
    if args.output == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(&bytes)
            .and_then(|()| out.flush())
            .context("standard output")?;
    } else {
        scratchnet::io::write_atomic(&args.output, &bytes)?;
        eprintln!(
            "wrote {} ({} bytes, opset {}, {}) from {}",
            args.output.display(),
            bytes.len(),
            options.opset,
            options.precision.name(),
            args.model.display()
        );
    }
    Ok(())
}
