//! Throughput of the engine on scenarios/baseline.toml (or the scenario file
//! named by `ROFRSIM_BENCH_SCENARIO`, to time one engine on another's
//! scenario): whole simulations (one thread and all threads), the month step
//! alone, CSV row formatting, and summary / percentile computation. Figures
//! are per trial-month where that is the natural unit (Throughput::Elements).

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rofrsim::analysis::stats::{Histogram, summarise};
use rofrsim::engine::{Block, Model, NoObserver, Scratch};
use rofrsim::jobs::simulate::{SimOptions, simulate};
use rofrsim::scenario::{Scenario, load_file};

fn baseline() -> Scenario {
    let path = match std::env::var_os("ROFRSIM_BENCH_SCENARIO") {
        Some(path) => std::path::PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/baseline.toml"),
    };
    match load_file(&path, &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whole simulations without CSV output: the engine, the per-month
/// histograms and the outcome columns.
fn engine(c: &mut Criterion) {
    let scenario = baseline();
    let model = Model::new(&scenario);
    let trials = 16_384;
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(trials * model.months() as u64));
    let stop = AtomicBool::new(false);
    for threads in [1, cores()] {
        let opts = SimOptions {
            trials,
            seed: 1,
            threads,
            paths: 0,
            keep_inputs: 0,
            progress: false,
            spill_dir: None,
        };
        group.bench_with_input(BenchmarkId::new("threads", threads), &opts, |b, opts| {
            b.iter(|| {
                black_box(
                    simulate(&model, opts, None, None, &stop)
                        .map(|s| s.trials)
                        .unwrap_or(0),
                )
            })
        });
    }
    group.finish();
}

/// The month step alone: a block of 256 trials side by side (`run` steps
/// blocks of 1,024; 256 keeps this benchmark comparable with earlier
/// figures) from their first month to their last, inputs sampled, no
/// histograms, no outcome columns.
fn step(c: &mut Criterion) {
    let scenario = baseline();
    let model = Model::new(&scenario);
    let lanes = 256;
    let mut block = Block::default();
    let mut group = c.benchmark_group("step");
    group.throughput(Throughput::Elements(lanes as u64 * model.months() as u64));
    let mut first = 0u64;
    group.bench_function("block_256_lanes", |b| {
        b.iter(|| {
            model.start_block(1, first, lanes, &mut block);
            for m in 0..model.months() {
                model.step_block(m, &mut block);
            }
            first += lanes as u64;
            black_box(model.finish_lane(&block, 0).demand_gw_end)
        })
    });
    group.finish();
}

/// Formatting trials.csv rows.
fn csv_rows(c: &mut Criterion) {
    let scenario = baseline();
    let model = Model::new(&scenario);
    let inputs = rofrsim::folder::trials::input_columns(&model);
    let mut scratch = Scratch::default();
    let outcome = model.run_trial(1, 0, &mut scratch, &mut NoObserver);
    let mut metrics = Vec::new();
    rofrsim::folder::outcomes::metrics(&model, &outcome, &mut metrics);
    let mut line = String::new();
    let mut group = c.benchmark_group("csv");
    group.throughput(Throughput::Elements(1));
    group.bench_function("trial_row", |b| {
        b.iter(|| {
            line.clear();
            rofrsim::folder::trials::row(
                &model,
                0,
                &inputs,
                scratch.values(0),
                &outcome,
                &metrics,
                &mut line,
            );
            black_box(line.len())
        })
    });
    group.finish();
}

/// summary.csv statistics of one million values, and band percentiles from
/// a histogram of them.
fn summary(c: &mut Criterion) {
    let values: Vec<f64> = (0..1_000_000u64)
        .map(|i| ((i * 2_654_435_761) % 1_000_003) as f64 / 7.0)
        .collect();
    let mut group = c.benchmark_group("summary");
    group.sample_size(10);
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function("summarise_1e6", |b| {
        b.iter(|| black_box(summarise(&values).map(|s| s.mean)))
    });
    let mut hist = Histogram::default();
    hist.add_all(&values);
    group.bench_function("histogram_add_1e6", |b| {
        b.iter(|| {
            let mut h = Histogram::default();
            h.add_all(black_box(&values));
            black_box(h.len())
        })
    });
    group.bench_function("histogram_percentiles", |b| {
        b.iter(|| black_box([0.05, 0.25, 0.5, 0.75, 0.95].map(|p| hist.percentile(p))))
    });
    group.finish();
}

criterion_group!(benches, engine, step, csv_rows, summary);
criterion_main!(benches);
