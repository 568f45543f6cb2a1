//! Synthetic data sets, all seeded: the tutorial's planar flower and the classic 2-D toys.
//!
//! Every generator returns features `x1, x2` (d = 2) and target `y` with classes `0`, `1`, …;
//! samples are spread over the classes as evenly as possible, in class order (shuffle before
//! splitting). `noise` is the standard deviation of the Gaussian noise each one adds.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use ndarray::Array2;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use super::Dataset;
use crate::{Error, Result, Rng};

/// The built-in generators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// The planar flower of the tutorial (two classes, petals).
    Flower,
    /// Two interleaving half circles.
    Moons,
    /// A small circle inside a large one.
    Circles,
    /// Four quadrants, opposite ones of the same class.
    Xor,
    /// Interleaved spiral arms, one per class.
    Spiral,
    /// Gaussian blobs placed on a circle, one per class.
    Gaussians,
    /// A regression curve: x ~ U(−π, π), y = sin(x) + noise (feature `x1`, numeric target `y`).
    Sine,
}

impl Generator {
    /// Every generator, in the order the help lists them.
    pub const ALL: [Generator; 7] = [
        Generator::Flower,
        Generator::Moons,
        Generator::Circles,
        Generator::Xor,
        Generator::Spiral,
        Generator::Gaussians,
        Generator::Sine,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Generator::Flower => "flower",
            Generator::Moons => "moons",
            Generator::Circles => "circles",
            Generator::Xor => "xor",
            Generator::Spiral => "spiral",
            Generator::Gaussians => "gaussians",
            Generator::Sine => "sine",
        }
    }

    /// The noise used when none is given.
    pub fn default_noise(self) -> f64 {
        match self {
            Generator::Flower => 0.2,
            Generator::Moons => 0.1,
            Generator::Circles => 0.05,
            Generator::Xor => 0.1,
            Generator::Spiral => 0.2,
            Generator::Gaussians => 0.5,
            Generator::Sine => 0.1,
        }
    }

    /// True when the generator makes a regression target (numbers, not classes).
    pub fn is_regression(self) -> bool {
        self == Generator::Sine
    }

    /// True when the generator can make more than two classes.
    pub fn supports_classes(self) -> bool {
        matches!(self, Generator::Spiral | Generator::Gaussians)
    }

    /// Generates `n` samples with `classes` classes (2 unless [`Generator::supports_classes`]).
    pub fn generate(self, n: usize, classes: usize, noise: f64, rng: &mut Rng) -> Result<Dataset> {
        if n > MAX_SAMPLES {
            return Err(Error::config(
                "n_samples",
                format!("must be at most {MAX_SAMPLES}, got {n}"),
            ));
        }
        if self == Generator::Sine {
            return sine(n, noise, rng);
        }
        self.check(n, classes, noise)?;
        let mut points: Vec<(f64, f64, usize)> = Vec::with_capacity(n);
        for class in 0..classes {
            let count = n / classes + usize::from(class < n % classes);
            for i in 0..count {
                let (a, b) = self.point(class, classes, i, count, noise, rng);
                points.push((a, b, class));
            }
        }
        if points.iter().any(|p| !(p.0.is_finite() && p.1.is_finite())) {
            return Err(Error::config(
                "noise",
                format!(
                    "{} is too large: the points are no longer finite numbers",
                    crate::error::short(noise)
                ),
            ));
        }
        let x = Array2::from_shape_fn(
            (2, n),
            |(r, j)| if r == 0 { points[j].0 } else { points[j].1 },
        );
        Dataset::new(
            vec!["x1".into(), "x2".into()],
            "y".into(),
            x,
            points.iter().map(|p| p.2).collect(),
            (0..classes).map(|c| c.to_string()).collect(),
        )
    }

    /// The settings of a classification set: a sample per class at least, finite noise ≥ 0,
    /// 2 classes or more (more only for the generators that make them).
    fn check(self, n: usize, classes: usize, noise: f64) -> Result<()> {
        if n < classes {
            return Err(Error::config(
                "n_samples",
                format!("must give at least one sample per class, got {n} for {classes} classes"),
            ));
        }
        if !(noise >= 0.0 && noise.is_finite()) {
            return Err(Error::config(
                "noise",
                format!("must be a non-negative number, got {noise}"),
            ));
        }
        if classes < 2 {
            return Err(Error::config(
                "classes",
                format!("must be at least 2, got {classes}"),
            ));
        }
        if classes > 2 && !self.supports_classes() {
            return Err(Error::config(
                "classes",
                format!(
                    "must be 2: `{}` makes exactly 2 classes, got {classes} (spiral and gaussians make more)",
                    self.name()
                ),
            ));
        }
        Ok(())
    }

    /// Sample i of `count` of class `class`, before its label is attached.
    fn point(
        self,
        class: usize,
        classes: usize,
        i: usize,
        count: usize,
        noise: f64,
        rng: &mut Rng,
    ) -> (f64, f64) {
        let mut gauss = || -> f64 { StandardNormal.sample(rng) };
        let c = class as f64;
        match self {
            Generator::Flower => {
                // t = linspace(3.12·j, 3.12·(j+1), N) + 0.2·N(0,1);  r = 4·sin(4t) + 0.2·N(0,1)
                let t = linspace(3.12 * c, 3.12 * (c + 1.0), i, count) + noise * gauss();
                let r = 4.0 * (4.0 * t).sin() + noise * gauss();
                (r * t.sin(), r * t.cos())
            }
            Generator::Moons => {
                let t = linspace(0.0, PI, i, count);
                let (a, b) = if class == 0 {
                    (t.cos(), t.sin())
                } else {
                    (1.0 - t.cos(), 0.5 - t.sin())
                };
                (a + noise * gauss(), b + noise * gauss())
            }
            Generator::Circles => {
                let t = 2.0 * PI * i as f64 / count as f64;
                let r = if class == 0 { 1.0 } else { 0.5 };
                (r * t.cos() + noise * gauss(), r * t.sin() + noise * gauss())
            }
            Generator::Xor => xor_point(class, noise, rng),
            Generator::Spiral => {
                // CS231n: r = linspace(0, 1, N), t = linspace(4j, 4(j+1), N) + 0.2·N(0,1)
                let r = linspace(0.0, 1.0, i, count);
                let width = 4.0 * 3.0 / classes as f64;
                let t = linspace(width * c, width * (c + 1.0), i, count) + noise * gauss();
                (r * t.sin(), r * t.cos())
            }
            Generator::Sine => (0.0, 0.0),
            Generator::Gaussians => {
                let angle = 2.0 * PI * c / classes as f64 + PI / 4.0;
                (
                    2.0 * angle.cos() + noise * gauss(),
                    2.0 * angle.sin() + noise * gauss(),
                )
            }
        }
    }
}

/// Most points a generator makes in one call.
pub const MAX_SAMPLES: usize = 10_000_000;

/// The i-th of `count` evenly spaced values from `a` to `b` inclusive (numpy's `linspace`).
fn linspace(a: f64, b: f64, i: usize, count: usize) -> f64 {
    if count <= 1 {
        a
    } else {
        a + (b - a) * i as f64 / (count - 1) as f64
    }
}

/// `n` points of y = sin(x) + noise·N(0,1), x ~ U(−π, π): a regression data set.
fn sine(n: usize, noise: f64, rng: &mut Rng) -> Result<Dataset> {
    if n == 0 {
        return Err(Error::config("n_samples", "must be at least 1"));
    }
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let x: f64 = rng.random_range(-PI..PI);
        let e: f64 = StandardNormal.sample(rng);
        xs.push(x);
        ys.push(x.sin() + noise * e);
    }
    if ys.iter().any(|y| !y.is_finite()) {
        return Err(Error::config(
            "noise",
            format!(
                "{} is too large: the values are no longer finite",
                crate::error::short(noise)
            ),
        ));
    }
    let x = Array2::from_shape_vec((1, n), xs).map_err(|e| Error::Internal(e.to_string()))?;
    Dataset::regression(vec!["x1".into()], "y".into(), x, ys)
}

/// A point of the XOR set: class 0 in quadrants I and III, class 1 in II and IV.
fn xor_point(class: usize, noise: f64, rng: &mut Rng) -> (f64, f64) {
    let a: f64 = rng.random_range(0.05..1.0);
    let b: f64 = rng.random_range(0.05..1.0);
    let flip: bool = rng.random();
    let (sa, sb) = match (class, flip) {
        (0, false) => (1.0, 1.0),
        (0, true) => (-1.0, -1.0),
        (_, false) => (-1.0, 1.0),
        (_, true) => (1.0, -1.0),
    };
    let mut gauss = || -> f64 { StandardNormal.sample(rng) };
    (sa * a + noise * gauss(), sb * b + noise * gauss())
}

/// The tutorial's planar flower: `n` points, half per class, with its classic noise 0.2.
pub fn flower(n: usize, rng: &mut Rng) -> Result<Dataset> {
    Generator::Flower.generate(n, 2, Generator::Flower.default_noise(), rng)
}

impl fmt::Display for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Generator {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Generator::ALL
            .into_iter()
            .find(|g| g.name() == s)
            .ok_or_else(|| {
                Error::unknown(
                    "data set",
                    s,
                    "flower, moons, circles, xor, spiral, gaussians, sine",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn flower_has_400_points_200_per_class_within_the_petals() {
        let d = flower(400, &mut Rng::seed_from_u64(1)).unwrap();
        assert_eq!(d.x.dim(), (2, 400));
        assert_eq!(d.class_counts(), vec![200, 200]);
        // r = 4·sin(4t) + noise: every point lies within radius ~4 + a few σ
        assert!(d.x.columns().into_iter().all(|c| c[0].hypot(c[1]) < 5.0));
    }

    #[test]
    fn flower_resembles_the_reference_draw() {
        // Same generator as ../shared/data/planar_flower.csv: compare the spread of the points.
        let d = flower(400, &mut Rng::seed_from_u64(2)).unwrap();
        let mean_r: f64 =
            d.x.columns()
                .into_iter()
                .map(|c| c[0].hypot(c[1]))
                .sum::<f64>()
                / 400.0;
        // E|4 sin 4t| = 8/π ≈ 2.55
        assert!((mean_r - 2.55).abs() < 0.25, "mean radius {mean_r}");
    }

    #[test]
    fn every_generator_is_seeded_and_balanced() {
        for g in Generator::ALL.into_iter().filter(|g| !g.is_regression()) {
            let a = g
                .generate(101, 2, g.default_noise(), &mut Rng::seed_from_u64(5))
                .unwrap();
            let b = g
                .generate(101, 2, g.default_noise(), &mut Rng::seed_from_u64(5))
                .unwrap();
            let c = g
                .generate(101, 2, g.default_noise(), &mut Rng::seed_from_u64(6))
                .unwrap();
            assert_eq!(a, b, "{g}");
            assert_ne!(a, c, "{g}");
            assert_eq!(a.class_counts(), vec![51, 50], "{g}");
            assert!(a.x.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn sine_is_a_seeded_regression_curve() {
        let d = Generator::Sine
            .generate(200, 2, 0.0, &mut Rng::seed_from_u64(1))
            .unwrap();
        assert!(d.classes().is_empty());
        for j in 0..200 {
            assert!((d.values()[j] - d.x[[0, j]].sin()).abs() < 1e-15);
        }
    }

    #[test]
    fn multiclass_generators() {
        let d = Generator::Spiral
            .generate(300, 3, 0.2, &mut Rng::seed_from_u64(1))
            .unwrap();
        assert_eq!(d.class_counts(), vec![100, 100, 100]);
        assert!(
            Generator::Moons
                .generate(300, 3, 0.1, &mut Rng::seed_from_u64(1))
                .is_err()
        );
        assert!(
            Generator::Flower
                .generate(10, 2, -1.0, &mut Rng::seed_from_u64(1))
                .is_err()
        );
    }
}
