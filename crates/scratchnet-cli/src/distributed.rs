//! `train` as one of N processes (`mpirun -np N scratchnet train …`, `srun`): the
//! library's [`Collective`] over MPI, built with `--features mpi`.
//!
//! Every process reads and prepares the whole file (the column plan, the split and the
//! standardizer are the one-process ones, bit for bit) and runs the same experiment; each
//! training step's batch is shared among the processes and the gradients are summed in rank
//! order (see `scratchnet::collective`). Process 0 alone checks and writes the outputs and
//! prints. Without the feature, a run under a launcher that starts more than one process, or
//! with `--distributed`, is refused instead of training N copies that would all write.

use std::sync::Arc;

use anyhow::Result;
use scratchnet::collective::Collective;
use scratchnet::nn::Network;

/// The environment variables in which launchers give the number of processes: OpenMPI's
/// `mpirun`, and MPICH's Hydra or PMI (`srun --mpi=pmi2`).
const SIZE_VARIABLES: [&str; 2] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"];

/// The number of processes a launcher started, from its environment variables.
pub fn launched_size() -> Option<usize> {
    SIZE_VARIABLES
        .iter()
        .find_map(|v| std::env::var(v).ok()?.trim().parse().ok())
}

/// True when this run should be one process of a group: `--distributed`, or started by a
/// launcher with more than one process.
fn wanted(asked: bool) -> bool {
    asked || launched_size().is_some_and(|n| n > 1)
}

/// The group this process trains in, or `None` for a plain run.
#[cfg(not(feature = "mpi"))]
pub fn join(asked: bool) -> Result<Option<Arc<dyn Collective>>> {
    if wanted(asked) {
        anyhow::bail!(
            "this scratchnet was built without MPI: build it with `cargo build --release --features mpi` to train across processes (or run it without --distributed and outside mpirun)"
        );
    }
    Ok(None)
}

/// The group this process trains in, or `None` for a plain run: MPI is initialized
/// (serialized threading) and kept until the group is dropped.
#[cfg(feature = "mpi")]
pub fn join(asked: bool) -> Result<Option<Arc<dyn Collective>>> {
    if !wanted(asked) {
        return Ok(None);
    }
    Ok(Some(Arc::new(mpi_group::MpiGroup::start()?)))
}

/// True when this process is one of a group but not process 0: it neither writes nor prints.
pub fn is_follower(group: Option<&Arc<dyn Collective>>) -> bool {
    group.is_some_and(|g| g.rank() != 0)
}

/// With `SCRATCHNET_MPI_STATS=1`, every process of a group prints a digest of its trained
/// weights (FNV-1a, 64 bits, over each weight's bits: every layer's W row by row, then b), so
/// that a test or a user can see that all hold the same network: the one process 0 wrote.
pub fn report_weights(group: Option<&Arc<dyn Collective>>, network: &Network) {
    let Some(g) = group else { return };
    if std::env::var_os("SCRATCHNET_MPI_STATS").is_some_and(|v| v == "1") {
        let digest = weights_digest(network);
        let (rank, size) = (g.rank(), g.size());
        line_to_stderr(&format!(
            "mpi: process {rank} of {size}: weights fnv1a {digest:016x}"
        ));
    }
}

/// One line written to standard error at once (one `write`), so that the lines of several
/// processes, merged by the launcher, do not interleave.
fn line_to_stderr(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}

/// FNV-1a (64 bits) over the little-endian bits of every weight, layer by layer, W row by
/// row, then b.
pub fn weights_digest(network: &Network) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for layer in network.layers() {
        for v in layer.w().iter().chain(layer.b()) {
            for byte in v.to_bits().to_le_bytes() {
                h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h
}

#[cfg(feature = "mpi")]
mod mpi_group {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use anyhow::{Result, anyhow};
    use mpi::Threading;
    use mpi::environment::Universe;
    use mpi::topology::{Communicator, SimpleCommunicator};
    use mpi::traits::CommunicatorCollectives;
    use scratchnet::collective::Collective;

    /// `SCRATCHNET_MPI_STATS=1`: process 0 prints, at the end, the time spent in the sums.
    const STATS_VARIABLE: &str = "SCRATCHNET_MPI_STATS";

    /// After a signal, how long the sums may stall before this process takes the group for
    /// broken (a process is gone: the launcher signals the others when one dies): this many
    /// times the longest wait between two sums so far, and at least [`MIN_STALL`].
    const STALL_FACTOR: u64 = 3;
    /// The shortest stall taken for a broken group (OpenMPI's `mpirun` kills the others about
    /// a second after one died).
    const MIN_STALL: Duration = Duration::from_millis(200);

    /// The world communicator of an initialized MPI. The sums run one at a time (the
    /// receive buffer's lock), which is what `Threading::Serialized` asks of MPI.
    pub(super) struct MpiGroup {
        world: SimpleCommunicator,
        rank: usize,
        size: usize,
        received: Mutex<Vec<f64>>,
        nanos: AtomicU64,
        calls: AtomicU64,
        started: Instant,
        // when the last sum finished and the longest wait between two, in ns since `started`:
        // the stall watcher reads them
        clock: Arc<SumClock>,
        // finalizes MPI when dropped: the last field, dropped after the communicator
        _universe: Universe,
    }

    // SAFETY: MPI was initialized with `Threading::Serialized` (checked in `start`), and every
    // call through `world` is made while holding the `received` lock, so no two threads call
    // MPI at once.
    unsafe impl Send for MpiGroup {}
    // SAFETY: as for `Send`.
    unsafe impl Sync for MpiGroup {}

    impl std::fmt::Debug for MpiGroup {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "MPI process {} of {}", self.rank, self.size)
        }
    }

    impl MpiGroup {
        pub(super) fn start() -> Result<MpiGroup> {
            let (universe, level) = mpi::initialize_with_threading(Threading::Serialized)
                .ok_or_else(|| anyhow!("MPI could not be initialized (already initialized)"))?;
            if level < Threading::Serialized {
                return Err(anyhow!(
                    "the MPI library offers thread level {level:?}; training needs Serialized"
                ));
            }
            let world = universe.world();
            let (rank, size) = (world.rank() as usize, world.size() as usize);
            let clock = Arc::new(SumClock {
                started: Instant::now(),
                last: AtomicU64::new(0),
                longest_gap: AtomicU64::new(0),
            });
            watch_for_stalls(Arc::clone(&clock), rank, size);
            Ok(MpiGroup {
                world,
                rank,
                size,
                received: Mutex::new(Vec::new()),
                nanos: AtomicU64::new(0),
                calls: AtomicU64::new(0),
                started: clock.started,
                clock,
                _universe: universe,
            })
        }
    }

    impl Collective for MpiGroup {
        fn rank(&self) -> usize {
            self.rank
        }

        fn size(&self) -> usize {
            self.size
        }

        /// Every process's vector gathered on every process (`MPI_Allgather`), then added in
        /// rank order here: the same bits everywhere, whatever order the MPI library's
        /// `MPI_Allreduce` would add them in.
        fn sum(&self, values: &mut [f64]) {
            let start = Instant::now();
            let mut all = self.received.lock().unwrap_or_else(|e| e.into_inner());
            let n = values.len();
            all.resize(n * self.size, 0.0);
            self.world.all_gather_into(&values[..], &mut all[..]);
            values.copy_from_slice(&all[..n]);
            for part in all[n..].chunks_exact(n.max(1)) {
                values.iter_mut().zip(part).for_each(|(v, p)| *v += p);
            }
            let spent = start.elapsed().as_nanos() as u64;
            self.nanos.fetch_add(spent, Ordering::Relaxed);
            self.calls.fetch_add(1, Ordering::Relaxed);
            self.clock.tick();
        }

        /// Also raises this process's interrupt flag when another process was interrupted,
        /// so that every process ends as an interrupted run (process 0 saves the model so
        /// far and says so).
        fn any(&self, flag: bool) -> bool {
            let mut v = [f64::from(u8::from(flag))];
            self.sum(&mut v);
            let any = v[0] > 0.0;
            if any && !flag && crate::progress::interrupt::raise() && self.rank == 0 {
                eprintln!("\ninterrupted on another process: stopping at the end of this epoch");
            }
            any
        }
    }

    /// A thread that ends this process with exit code 2 when, after a signal (SIGTERM from the
    /// launcher tearing the job down, Ctrl-C), no sum finishes for [`STALL_FACTOR`] times the
    /// longest gap between two sums (at least [`MIN_STALL`]): another process is gone, so the
    /// sum this one waits in never ends and it would stay blocked until the launcher kills
    /// it. Nothing is written (a file being written is let finish).
    fn watch_for_stalls(clock: Arc<SumClock>, rank: usize, size: usize) {
        let watch = move || {
            while !crate::progress::interrupt::received() {
                std::thread::sleep(Duration::from_millis(20));
            }
            let signalled = clock.now();
            loop {
                let gap = clock.longest_gap.load(Ordering::SeqCst) * STALL_FACTOR;
                std::thread::sleep(MIN_STALL.max(Duration::from_nanos(gap)));
                let stalled = clock.last.load(Ordering::SeqCst) < signalled;
                if stalled && !scratchnet::io::writing() {
                    eprintln!(
                        "error: process {rank} of {size}: the training group stopped (another process ended or was killed) before this epoch finished; no model was written"
                    );
                    std::process::exit(2);
                }
                if !stalled {
                    return;
                }
            }
        };
        // without the thread, a broken group waits for the launcher's kill instead
        let _ = std::thread::Builder::new()
            .name("mpi-stall-watch".into())
            .spawn(watch);
    }

    /// When the sums finish.
    struct SumClock {
        started: Instant,
        /// The last sum's end, ns since `started`.
        last: AtomicU64,
        /// The longest time between the ends of two sums, ns.
        longest_gap: AtomicU64,
    }

    impl SumClock {
        fn now(&self) -> u64 {
            self.started.elapsed().as_nanos() as u64
        }

        /// A sum finished.
        fn tick(&self) {
            let now = self.now();
            let before = self.last.swap(now, Ordering::SeqCst);
            if before > 0 {
                self.longest_gap.fetch_max(now - before, Ordering::SeqCst);
            }
        }
    }

    impl Drop for MpiGroup {
        fn drop(&mut self) {
            if self.rank == 0 && std::env::var_os(STATS_VARIABLE).is_some_and(|v| v == "1") {
                let sums = self.calls.load(Ordering::Relaxed);
                let spent = self.nanos.load(Ordering::Relaxed) as f64 * 1e-9;
                let total = self.started.elapsed().as_secs_f64();
                let share = 100.0 * spent / total;
                super::line_to_stderr(&format!(
                    "mpi: {} processes, {sums} sums, {spent:.3} s of {total:.3} s in the sums ({share:.1}%)",
                    self.size
                ));
            }
        }
    }
}
