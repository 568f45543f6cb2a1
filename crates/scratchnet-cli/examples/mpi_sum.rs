//! The cost of one gradient sum of W2's size (74,497 numbers) between MPI processes: the
//! rank-order sum `train` uses (`MPI_Allgather`, then added in rank order) beside
//! `MPI_Allreduce` (whose order of addition the MPI library picks). `bench/mpi.py` runs it:
//!
//!     mpirun -np 2 target/release/examples/mpi_sum [n] [calls]
//!
//! Prints, on process 0, one JSON line: the median and the range of ms per call of each.

use mpi::collective::SystemOperation;
use mpi::traits::CommunicatorCollectives;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(74_497, |a| a.parse().expect("n"));
    let calls: usize = args.next().map_or(500, |a| a.parse().expect("calls"));
    let group = scratchnet_cli::distributed::join(true)
        .expect("MPI")
        .expect("a group");
    let universe_world = mpi::topology::SimpleCommunicator::world();
    let rank = group.rank();
    let values: Vec<f64> = (0..n).map(|i| (i as f64 + rank as f64).sin()).collect();
    let mut buf = values.clone();
    let gather = time(calls, || {
        buf.copy_from_slice(&values);
        group.sum(&mut buf);
    });
    let mut out = vec![0.0; n];
    let reduce = time(calls, || {
        universe_world.all_reduce_into(&values[..], &mut out[..], SystemOperation::sum());
    });
    let worst = buf
        .iter()
        .zip(&out)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    if rank == 0 {
        println!(
            "{{\"processes\": {}, \"n\": {n}, \"calls\": {calls}, \"allgather_rank_order_ms\": {gather:?}, \"allreduce_ms\": {reduce:?}, \"largest_difference\": {worst:e}}}",
            group.size()
        );
    }
}

/// [median, fastest, slowest] ms per call of `f`, after 20 warm-up calls.
fn time(calls: usize, mut f: impl FnMut()) -> [f64; 3] {
    for _ in 0..20 {
        f();
    }
    let mut ms: Vec<f64> = (0..calls)
        .map(|_| {
            let t = std::time::Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let round = |v: f64| (v * 1e3).round() / 1e3;
    [round(ms[calls / 2]), round(ms[0]), round(ms[calls - 1])]
}
