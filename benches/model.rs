//! Criterion benchmarks, throughput in person-months (criterion reports
//! elements/s = person-months per second).
//!
//! - `month`: one month of the whole baseline district (~450,000 residents);
//! - `replication`: a full 60-month replication at 10% of residents;
//! - `monte_carlo`: a batch of replications on all threads;
//! - `national`: one month of the national synthetic scenario at 0.1 %
//!   (9,000 street offices, 112,000 committees, ~900,000 residents).
//!
//! CI runs `cargo test --release --benches`, which executes each benchmark
//! once (criterion's test mode), so a broken benchmark fails CI quickly.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use shequ::files::scenario_file;
use shequ::model::scenario::Scenario;
use shequ::model::{init, rng, schedule};
use shequ::study::runner;
use std::path::Path;

fn baseline() -> Scenario {
    scenario_file::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    )))
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Criterion group `group`/`name`: one month of `s` from month 0.
fn one_month(c: &mut Criterion, group: &str, name: &str, s: &Scenario) {
    let w0 = init::build(&s.params, &s.jurisdictions, rng::replication_seed(1, 0));
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(w0.total_persons()));
    g.sample_size(10);
    g.bench_function(name, |b| {
        b.iter_batched(
            || w0.clone(),
            |mut w| {
                schedule::step(&mut w, &s.params);
                w
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn month(c: &mut Criterion) {
    one_month(c, "month", "baseline_district", &baseline());
}

fn scaled(scale: f64) -> Scenario {
    let mut s = baseline();
    s.params.simulation.population_scale = scale;
    s
}

fn replication(c: &mut Criterion) {
    let s = scaled(0.1);
    let pm = schedule::run(&s.params, &s.jurisdictions, 1).person_months;
    let mut g = c.benchmark_group("replication");
    g.throughput(Throughput::Elements(pm));
    g.sample_size(10);
    g.bench_function("baseline_60_months_10pct", |b| {
        b.iter(|| schedule::run(&s.params, &s.jurisdictions, rng::replication_seed(1, 0)))
    });
    g.finish();
}

fn monte_carlo(c: &mut Criterion) {
    let s = vec![scaled(0.05)];
    let reps = 8;
    let pm: u64 = (0..reps).map(|r| runner::replicate(&s[0], 1, r).person_months).sum();
    let mut g = c.benchmark_group("monte_carlo");
    g.throughput(Throughput::Elements(pm));
    g.sample_size(10);
    g.bench_function("8_replications_5pct_all_threads", |b| {
        b.iter(|| runner::run(&s, reps, 1, 0, &|| {}).map(|r| r.len()))
    });
    g.finish();
}

fn national(c: &mut Criterion) {
    let s = scenario_file::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/national_small.toml"
    )))
    .unwrap_or_else(|e| panic!("{e}"));
    one_month(c, "national", "month_0.1pct", &s);
}

criterion_group!(benches, month, replication, monte_carlo, national);
criterion_main!(benches);
