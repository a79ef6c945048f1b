//! Times the Bayesian-network routines on a synthetic flow-like table.
//!
//! Run with `cargo run --release -p flowchronicle --example bn_timing [ROWS]`
//! (1,000,000 rows by default). The table has 10 columns shaped like the
//! default features: a protocol (3 values), source and destination hosts
//! (5,000 and 3,000 values), a destination port (50 values, tied to the
//! destination host), five binned counters (20 values each, correlated
//! with each other) and TCP flags (30 values, tied to the protocol).

use std::time::Instant;

use flowchronicle::bn::{self, BayesNet, CostTable};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn synthetic_table(rows: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut columns: Vec<Vec<u32>> = (0..10).map(|_| Vec::with_capacity(rows)).collect();
    for _ in 0..rows {
        let proto: u32 = if rng.random_bool(0.8) {
            0
        } else {
            rng.random_range(1..3)
        };
        let src = (rng.random_range(0..5000u32) * rng.random_range(1..5u32)) % 5000;
        let dst = (rng.random_range(0..3000u32) * rng.random_range(1..3u32)) % 3000;
        let port = if rng.random_bool(0.7) {
            dst % 50
        } else {
            rng.random_range(0..50)
        };
        let size = rng.random_range(0..20u32);
        let noisy = |rng: &mut ChaCha8Rng| {
            if rng.random_bool(0.3) {
                rng.random_range(0..20)
            } else {
                size
            }
        };
        let counters = [
            size,
            noisy(&mut rng),
            noisy(&mut rng),
            noisy(&mut rng),
            noisy(&mut rng),
        ];
        let flags = if proto == 0 {
            rng.random_range(0..30)
        } else {
            0
        };
        let row = [
            proto,
            src,
            dst,
            port,
            counters[0],
            counters[1],
            counters[2],
            counters[3],
            counters[4],
            flags,
        ];
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    columns
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let columns = synthetic_table(rows, 1);
    let slices: Vec<&[u32]> = columns.iter().map(|c| c.as_slice()).collect();
    let alphabets = [3, 5000, 3000, 50, 20, 20, 20, 20, 20, 30];
    println!(
        "{rows} rows x {} columns, {} threads",
        slices.len(),
        rayon::current_num_threads()
    );

    let start = Instant::now();
    let structure = bn::learn(&slices, bn::DEFAULT_MAX_PARENTS).expect("valid table");
    println!(
        "learn: {:.2} s, {} edges: {:?}",
        start.elapsed().as_secs_f64(),
        structure.edge_count(),
        structure.parents()
    );

    let start = Instant::now();
    let bits = bn::data_bits(&structure, &slices, &alphabets).expect("valid table");
    println!(
        "data_bits: {:.2} s, {bits:.0} bits",
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let mut table = CostTable::new(&structure, &alphabets, &slices).expect("valid table");
    println!(
        "CostTable::new: {:.2} s, {:.0} bits",
        start.elapsed().as_secs_f64(),
        table.total_bits()
    );

    let candidate: Vec<usize> = (0..rows).step_by(100).collect();
    let start = Instant::now();
    let without = table
        .cost_without_indices(&slices, &candidate)
        .expect("rows counted");
    println!(
        "cost_without of {} rows: {:.1} ms, {without:.0} bits",
        candidate.len(),
        start.elapsed().as_secs_f64() * 1e3
    );

    let start = Instant::now();
    let mut row = vec![0u32; slices.len()];
    for &index in &candidate {
        for (slot, column) in row.iter_mut().zip(&slices) {
            *slot = column[index];
        }
        table.remove_row(&row).expect("row counted");
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "remove_row: {:.0} rows/s, {:.0} bits (from scratch {:.0})",
        candidate.len() as f64 / elapsed,
        table.total_bits(),
        table.recomputed_bits()
    );

    let start = Instant::now();
    let network = BayesNet::fit(&structure, &slices).expect("valid table");
    println!("BayesNet::fit: {:.2} s", start.elapsed().as_secs_f64());

    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let draws = 1_000_000;
    let start = Instant::now();
    let mut checksum = 0u64;
    for _ in 0..draws {
        network.sample_into(&mut rng, &mut row);
        checksum = checksum.wrapping_add(u64::from(row[3]));
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "sample: {:.2} M rows/s (checksum {checksum})",
        draws as f64 / elapsed / 1e6
    );
}
