//! The split of a streamed file into training, validation and test rows: each row's part
//! from a seeded hash of its file line, so that every pass over the file (statistics,
//! epochs, validation, test) puts a row in the same part without remembering anything.

/// Which part of a streamed training a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Trained on (and the plan and standardizer fitted on).
    Train,
    /// Watched for early stopping.
    Validation,
    /// Held out for the report.
    Test,
}

/// The seeded split: with u the hash of (seed, line) mapped to [0, 1), a row is a test row
/// when u < t (the test share), a validation row when u < t + (1 − t)·v (v the validation
/// share of the rest), else a training row. Each share is met within sampling noise, not
/// exactly as the in-memory split's counts are.
#[derive(Debug, Clone, Copy)]
pub struct Splitter {
    seed: u64,
    test: f64,
    validation: f64,
}

impl Splitter {
    /// The split of `test` of the rows, then `validation` of the rest, under `seed`.
    pub fn new(seed: u64, test: f64, validation: f64) -> Splitter {
        Splitter {
            seed,
            test,
            validation,
        }
    }

    /// The part of the row on file line `line`.
    pub fn part(&self, line: u64) -> Part {
        let u = unit(self.seed, line);
        if u < self.test {
            Part::Test
        } else if u < self.test + (1.0 - self.test) * self.validation {
            Part::Validation
        } else {
            Part::Train
        }
    }
}

/// A number in [0, 1) from (seed, line): SplitMix64's finalizer of their mix, top 53 bits.
fn unit(seed: u64, line: u64) -> f64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(line)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shares_are_met_and_the_parts_repeat() {
        let s = Splitter::new(7, 0.2, 0.25);
        let n = 200_000u64;
        let mut counts = [0usize; 3];
        for line in 2..n + 2 {
            let k = match s.part(line) {
                Part::Test => 0,
                Part::Validation => 1,
                Part::Train => 2,
            };
            counts[k] += 1;
            assert_eq!(s.part(line), Splitter::new(7, 0.2, 0.25).part(line));
        }
        // expected 20%, 20% (a quarter of the other 80%), 60%; 4 standard deviations
        let close = |got: usize, p: f64| {
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            (got as f64 - n as f64 * p).abs() < 4.0 * sd
        };
        assert!(close(counts[0], 0.2), "{counts:?}");
        assert!(close(counts[1], 0.2), "{counts:?}");
        assert!(close(counts[2], 0.6), "{counts:?}");
        // another seed puts rows elsewhere
        let other = Splitter::new(8, 0.2, 0.25);
        let moved = (2..1002).filter(|&l| s.part(l) != other.part(l)).count();
        assert!(moved > 300, "{moved}");
    }
}
