//! Pictures, drawn with plotters: the data, the activation functions, learning curves,
//! decision boundaries, hidden units, permutation importance and regression residuals.
//!
//! Each picture is a struct implementing [`Picture`]; [`render`] draws it to PNG or SVG bytes in
//! memory and [`save`] writes them atomically, the format following the file extension. Text
//! uses an embedded DejaVu Sans font, so nothing depends on the fonts of the machine. The same
//! inputs always give byte-identical files.

pub mod curves;
pub mod field;
pub mod functions;
pub mod importance;
pub mod residuals;
pub mod scaling;
pub mod scatter;

use std::path::Path;
use std::sync::Once;

use anyhow::{Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// Class colours: Tableau 10, the ten clearly distinct colours of matplotlib's default
/// cycle; blue for the first class and orange for the second (colour-blind safe). `plot data`
/// refuses more classes than this.
pub const CLASS_COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of class `i` (classes past the palette's ten repeat its colours; only a model's
/// boundary picture can have that many).
pub fn class_color(i: usize) -> RGBColor {
    CLASS_COLORS[i % CLASS_COLORS.len()]
}

/// The embedded font (DejaVu Sans; licence in `assets/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded file is a valid font; a failure here would show as missing text, and
        // the tests that render pictures would catch it.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT);
        let _ = register_font("sans-serif", FontStyle::Bold, FONT);
    });
}

/// The picture file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG bitmap.
    Png,
    /// SVG vector graphics.
    Svg,
}

impl Format {
    /// The format named by the extension of `path` (`.png` or `.svg`).
    pub fn from_path(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            Some(other) => bail!(
                "{}: unsupported picture format `.{other}`; use .png or .svg",
                path.display()
            ),
            None => bail!(
                "{}: the file name needs an extension, .png or .svg",
                path.display()
            ),
        }
    }
}

/// Something that can be drawn on any plotters backend.
pub trait Picture {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the picture on `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, format: Format)
    -> Result<()>;
}

/// Turns a plotters error into ours.
pub fn pe<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e}")
}

/// Draws `pic` into PNG or SVG bytes.
pub fn render(pic: &impl Picture, format: Format) -> Result<Vec<u8>> {
    ensure_font();
    let (w, h) = pic.size();
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        bail!("picture size must be between 16 and 8192 pixels a side, got {w}×{h}");
    }
    match format {
        Format::Png => {
            let mut buf = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(pe)?;
                pic.draw(&root, format)?;
                root.present().map_err(pe)?;
            }
            encode_png(&buf, w, h)
        }
        Format::Svg => {
            let mut s = String::new();
            {
                let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(pe)?;
                pic.draw(&root, format)?;
                root.present().map_err(pe)?;
            }
            Ok(s.into_bytes())
        }
    }
}

/// Encodes an RGB buffer as PNG.
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let failed = |e: png::EncodingError| anyhow!("PNG encoding failed: {e}");
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(rgb).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

/// Draws `pic` and writes it to `path` atomically, in the format of the extension.
pub fn save(pic: &impl Picture, path: &Path) -> Result<()> {
    let format = Format::from_path(path)?;
    let bytes = render(pic, format)?;
    scratchnet::io::write_atomic(path, &bytes)?;
    Ok(())
}

/// A font of the embedded family at `size` pixels.
pub fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().into()
}

/// Draws the legend of `chart`'s labelled series in the house style, at `position`.
pub fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<()> {
    chart
        .configure_series_labels()
        .label_font(font(font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .position(position)
        .draw()
        .map_err(pe)
}

/// `lo..hi` padded by 5% on each side (and widened when empty).
pub fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = if hi > lo { hi - lo } else { 1.0 };
    (lo - 0.05 * span, hi + 0.05 * span)
}

/// Mixes `c` with white: `t` = 0 gives white, 1 gives `c`.
pub fn tint(c: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |v: u8| (255.0 - (255.0 - f64::from(v)) * t).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}
