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

/// The floor: only the work no engine can avoid in a baseline trial-month
/// — its random draws (a Box–Muller pair every other month, one uniform per
/// class for ROFR offers) and its transcendental calls (2^x for the decaying
/// growth, ln(1 + g), e^x for the demand step) — vectorised on the CPU's
/// widest path over a block of 1,024 lanes, state in memory as the engine
/// keeps it. The engine's ratio to it is how close to the limit it runs.
fn floor(c: &mut Criterion) {
    use rofrsim::lanes::random::{LaneStreams, normal_pair};
    use rofrsim::lanes::{Lanes, Path, WithLanes, math};

    const LANES: usize = 1024;
    const CLASSES: usize = 3;
    struct Floor {
        months: usize,
        shocks: LaneStreams,
        offers: LaneStreams,
        demand: Vec<f64>,
        spare: Vec<f64>,
        growth0: Vec<f64>,
        halflife: Vec<f64>,
        draws: Vec<f64>,
    }
    impl WithLanes for &mut Floor {
        type Output = f64;
        #[inline(always)]
        fn run<L: Lanes>(self, s: L) -> f64 {
            let dt = s.splat(1.0 / 12.0);
            for m in 1..self.months {
                let y = s.splat(-(m as f64) / 12.0);
                for i in (0..LANES).step_by(L::N) {
                    let decay = math::exp2(s, s.div(y, s.load(&self.halflife[i..])));
                    let g = s.mul(s.load(&self.growth0[i..]), decay);
                    let log_growth = math::ln(s, s.add(s.splat(1.0), g));
                    let z = if m % 2 == 1 {
                        let mut st = self.shocks.load(s, i);
                        let (u1, u2) = (st.uniform(s), st.uniform(s));
                        self.shocks.store(s, i, &st);
                        let (z, spare) = normal_pair(s, u1, u2);
                        s.store(spare, &mut self.spare[i..]);
                        z
                    } else {
                        s.load(&self.spare[i..])
                    };
                    let step = s.add(s.mul(log_growth, dt), s.mul(s.splat(0.05), z));
                    let d = s.mul(s.load(&self.demand[i..]), math::exp(s, step));
                    s.store(d, &mut self.demand[i..]);
                    let mut st = self.offers.load(s, i);
                    for c in 0..CLASSES {
                        s.store(st.uniform(s), &mut self.draws[c * LANES + i..]);
                    }
                    self.offers.store(s, i, &st);
                }
            }
            self.demand[0] + self.draws[0]
        }
    }
    let months = Model::new(&baseline()).months();
    let mut floor = Floor {
        months,
        shocks: LaneStreams::default(),
        offers: LaneStreams::default(),
        demand: vec![1.0; LANES],
        spare: vec![0.0; LANES],
        growth0: (0..LANES).map(|l| 0.5 + l as f64 / 4096.0).collect(),
        halflife: (0..LANES).map(|l| 3.0 + l as f64 / 256.0).collect(),
        draws: vec![0.0; CLASSES * LANES],
    };
    floor.shocks.reset(LANES);
    floor.offers.reset(LANES);
    for l in 0..LANES {
        floor.shocks.seed(l, l as u64);
        floor.offers.seed(l, !(l as u64));
    }
    let path = Path::detect().unwrap_or_else(|_| Path::widest());
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Elements((LANES * months) as u64));
    group.bench_function(format!("block_1024_lanes_{path}"), |b| {
        b.iter(|| {
            floor.demand.fill(1.0);
            black_box(path.run(&mut floor))
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

criterion_group!(benches, engine, step, floor, csv_rows, summary);
criterion_main!(benches);
