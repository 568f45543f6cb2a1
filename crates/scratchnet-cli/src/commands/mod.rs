//! The subcommands, one file each: each parses nothing itself, builds the library's settings,
//! calls the library and prints. Progress and notes go to stderr; results to stdout.
//!
//! Commands import the shared modules (`cli`, `output`, `equations`, `table`, `progress`,
//! `html`, `plot`), never each other.

mod cv;
mod demo;
mod eval;
mod explain;
mod export;
mod generate;
mod importance;
mod playground;
mod plot;
mod predict;
mod stream;
mod train;
mod tune;

pub use cv::cv;
pub use demo::demo;
pub use eval::eval;
pub use explain::explain;
pub use export::export;
pub use generate::generate;
pub use importance::importance;
pub use playground::playground;
pub use plot::plot;
pub use predict::predict;
pub use train::train;
pub use tune::tune;
