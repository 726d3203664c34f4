//! Property tests over random valid scenarios (docs/model.md, the invariants
//! paragraph): a generator writes scenario TOML text — any number of
//! workloads and providers, negative growth, term windows ending at months,
//! "never", "agi_verified" or "ip_expiry", every AGI mode, inputs given as
//! distributions — the loader must accept it, and every month of a few
//! trials must keep the model's bookkeeping consistent.
//!
//! `PROPTEST_CASES` overrides the number of cases (default [`CASES`]).

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use rofrsim::engine::terms::Route;
use rofrsim::engine::{Block, ExpiryCause, Model, MonthState, Observer, Outcome, Scratch};
use rofrsim::scenario::{self, Scenario};

/// Default number of generated scenarios.
const CASES: u32 = 256;
/// Trials run per scenario.
const TRIALS: u64 = 4;
/// Relative tolerance of the accounting identities.
const REL: f64 = 1e-9;

const WORKLOADS: [&str; 4] = ["api", "products", "training", "research"];
const PROVIDERS: [&str; 5] = ["azure", "oracle", "aws", "google", "coreweave"];

// ---------------------------------------------------------------------------
// Uncertain values
// ---------------------------------------------------------------------------

/// A number as TOML text (always a float literal, full precision).
fn num(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// `a < b` inside `[lo, hi]` from two unit draws.
fn interval(lo: f64, hi: f64, u1: f64, u2: f64) -> (f64, f64) {
    let a = lo + (hi - lo) * 0.9 * u1;
    let b = a + (hi - a) * (0.05 + 0.95 * u2);
    (a, b)
}

/// What a value may be: draws (and so the distribution's whole support)
/// stay inside `[lo, hi]`; `lognormal` allows that family (support (0, ∞));
/// `beta` allows beta (support [0, 1]).
#[derive(Debug, Clone, Copy)]
struct Domain {
    lo: f64,
    hi: f64,
    lognormal: bool,
    beta: bool,
    /// A normal without truncation (infinite support) is allowed.
    unbounded: bool,
}

const fn dom(lo: f64, hi: f64, lognormal: bool, beta: bool) -> Domain {
    Domain {
        lo,
        hi,
        lognormal,
        beta,
        unbounded: false,
    }
}

/// Probabilities and shares.
const UNIT: Domain = dom(0.0, 1.0, false, true);
/// GW figures, prices, months, non-negative amounts (kept finite and modest).
fn amount(hi: f64) -> Domain {
    dom(0.0, hi, true, true)
}
/// Annual rates, > −1 (negative growth included).
const RATE: Domain = dom(-0.95, 2.5, true, false);
/// A decimal year around the horizon.
fn year(lo: f64, hi: f64) -> Domain {
    Domain {
        lo,
        hi,
        lognormal: false,
        beta: false,
        unbounded: true,
    }
}

/// An uncertain value: a plain number or a distribution table whose support
/// lies inside the domain.
fn uncertain(d: Domain) -> BoxedStrategy<String> {
    let (lo, hi) = (d.lo, d.hi);
    let unit = || 0.0..=1.0f64;
    let mut options: Vec<(u32, BoxedStrategy<String>)> = vec![
        (4, unit().prop_map(move |u| num(lo + (hi - lo) * u)).boxed()),
        (
            1,
            (unit(), unit())
                .prop_map(move |(u1, u2)| {
                    let (a, b) = interval(lo, hi, u1, u2);
                    format!(
                        "{{ dist = \"uniform\", min = {}, max = {} }}",
                        num(a),
                        num(b)
                    )
                })
                .boxed(),
        ),
        (
            1,
            (unit(), unit(), unit(), prop::bool::ANY)
                .prop_map(move |(u1, u2, u3, pert)| {
                    let (a, b) = interval(lo, hi, u1, u2);
                    let mode = (a + (b - a) * u3).clamp(a, b);
                    let family = if pert { "pert" } else { "triangular" };
                    format!(
                        "{{ dist = \"{family}\", min = {}, mode = {}, max = {} }}",
                        num(a),
                        num(mode),
                        num(b)
                    )
                })
                .boxed(),
        ),
        (
            1,
            (unit(), unit(), unit(), 0.05..=1.0f64)
                .prop_map(move |(u1, u2, u3, s)| {
                    let (a, b) = interval(lo, hi, u1, u2);
                    let mean = a + (b - a) * u3;
                    let sd = (b - a) * s;
                    format!(
                        "{{ dist = \"normal\", mean = {}, sd = {}, truncate = [{}, {}] }}",
                        num(mean),
                        num(sd),
                        num(a),
                        num(b)
                    )
                })
                .boxed(),
        ),
        (
            1,
            vec((unit(), 0.0..=1.0f64), 1..=4)
                .prop_map(move |vw| {
                    let values: Vec<String> =
                        vw.iter().map(|(u, _)| num(lo + (hi - lo) * u)).collect();
                    // The first weight is positive so the sum is.
                    let weights: Vec<String> = vw
                        .iter()
                        .enumerate()
                        .map(|(i, (_, w))| num(if i == 0 { w + 0.1 } else { *w }))
                        .collect();
                    format!(
                        "{{ dist = \"discrete\", values = [{}], weights = [{}] }}",
                        values.join(", "),
                        weights.join(", ")
                    )
                })
                .boxed(),
        ),
        (
            1,
            vec((0.1..=1.0f64, unit()), 1..=5)
                .prop_map(move |steps| {
                    let total: f64 = steps.iter().map(|(dq, _)| dq).sum();
                    let mut vs: Vec<f64> = steps.iter().map(|(_, u)| lo + (hi - lo) * u).collect();
                    vs.push(lo + (hi - lo) * 0.5);
                    vs.sort_by(f64::total_cmp);
                    let mut q = 0.0;
                    let mut points = vec![format!("[0.0, {}]", num(vs[0]))];
                    for (i, (dq, _)) in steps.iter().enumerate() {
                        q += dq;
                        let qi = if i + 1 == steps.len() { 1.0 } else { q / total };
                        points.push(format!("[{}, {}]", num(qi), num(vs[i + 1])));
                    }
                    format!(
                        "{{ dist = \"quantiles\", points = [{}] }}",
                        points.join(", ")
                    )
                })
                .boxed(),
        ),
    ];
    if d.lognormal {
        options.push((
            1,
            (0.01..=1.0f64, 1.2..=8.0f64)
                .prop_map(move |(p5, ratio)| {
                    let p5 = p5 * hi.min(4.0);
                    format!(
                        "{{ dist = \"lognormal\", p5 = {}, p95 = {} }}",
                        num(p5),
                        num(p5 * ratio)
                    )
                })
                .boxed(),
        ));
    }
    if d.beta {
        options.push((
            1,
            (0.3..=5.0f64, 0.3..=5.0f64)
                .prop_map(|(a, b)| {
                    format!(
                        "{{ dist = \"beta\", alpha = {}, beta = {} }}",
                        num(a),
                        num(b)
                    )
                })
                .boxed(),
        ));
    }
    if d.unbounded {
        options.push((
            1,
            (unit(), 0.1..=10.0f64)
                .prop_map(move |(u, sd)| {
                    format!(
                        "{{ dist = \"normal\", mean = {}, sd = {} }}",
                        num(lo + (hi - lo) * u),
                        num(sd)
                    )
                })
                .boxed(),
        ));
    }
    prop::strategy::Union::new_weighted(options).boxed()
}

/// An optional key: `Some(line)` or nothing.
fn opt_key(key: &'static str, d: Domain) -> BoxedStrategy<Option<String>> {
    prop::option::of(uncertain(d).prop_map(move |v| format!("{key} = {v}\n"))).boxed()
}

fn key(key: &'static str, d: Domain) -> BoxedStrategy<String> {
    uncertain(d)
        .prop_map(move |v| format!("{key} = {v}\n"))
        .boxed()
}

// ---------------------------------------------------------------------------
// Months and windows
// ---------------------------------------------------------------------------

/// "YYYY-MM" of `start` (year, month 1..=12) plus `offset` months.
fn month(start: (i32, i32), offset: i32) -> String {
    let k = start.0 * 12 + (start.1 - 1) + offset;
    format!("\"{:04}-{:02}\"", k.div_euclid(12), k.rem_euclid(12) + 1)
}

#[derive(Debug, Clone)]
enum UntilSpec {
    Absent,
    /// Months after `from` (or after the start when `from` is absent).
    Month(i32),
    Word(&'static str),
}

#[derive(Debug, Clone)]
struct WindowSpec {
    /// Offset from the start.
    from: Option<i32>,
    until: UntilSpec,
    /// `None`: no `workloads` key (every workload).
    workloads: Option<Vec<bool>>,
}

fn until_spec(months: i32, words: &'static [&'static str]) -> BoxedStrategy<UntilSpec> {
    let words: Vec<&'static str> = words.to_vec();
    prop_oneof![
        1 => Just(UntilSpec::Absent),
        3 => (1..=months + 12).prop_map(UntilSpec::Month),
        3 => prop::sample::select(words).prop_map(UntilSpec::Word),
    ]
    .boxed()
}

fn window(n_workloads: usize, months: i32) -> BoxedStrategy<WindowSpec> {
    (
        prop::option::of(-24..=months + 6),
        until_spec(months, &["never", "agi_verified", "ip_expiry"]),
        prop::option::of(vec(prop::bool::ANY, n_workloads)),
    )
        .prop_map(|(from, until, workloads)| WindowSpec {
            from,
            until,
            workloads,
        })
        .boxed()
}

fn render_window(w: &WindowSpec, start: (i32, i32), out: &mut String) {
    if let Some(f) = w.from {
        let _ = writeln!(out, "from = {}", month(start, f));
    }
    match &w.until {
        UntilSpec::Absent => {}
        UntilSpec::Month(k) => {
            // Always after `from`, so the window is valid.
            let _ = writeln!(out, "until = {}", month(start, w.from.unwrap_or(-6) + k));
        }
        UntilSpec::Word(word) => {
            let _ = writeln!(out, "until = \"{word}\"");
        }
    }
    if let Some(mask) = &w.workloads {
        let names: Vec<String> = mask
            .iter()
            .zip(WORKLOADS)
            .filter(|(on, _)| **on)
            .map(|(_, n)| format!("\"{n}\""))
            .collect();
        let _ = writeln!(out, "workloads = [{}]", names.join(", "));
    }
}

// ---------------------------------------------------------------------------
// Whole scenarios
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct TrancheSpec {
    gw: String,
    online: i32,
    delay: Option<String>,
    probability: Option<String>,
}

#[derive(Debug, Clone)]
struct ProviderSpec {
    initial_gw: String,
    growth: Option<String>,
    max_gw: Option<String>,
    price: String,
    max_new_gw_per_year: Option<String>,
    tranches: Vec<TrancheSpec>,
}

#[derive(Debug, Clone)]
enum AgiSpec {
    Date(String),
    Hazard(String, Option<String>),
    Compute(String),
}

#[derive(Debug, Clone)]
struct PanelSpec {
    months: Option<String>,
    confirm: Option<String>,
    retry: Option<String>,
}

fn tranche(months: i32) -> BoxedStrategy<TrancheSpec> {
    (
        uncertain(amount(6.0)),
        -36..=months + 12,
        prop::option::of(uncertain(amount(30.0))),
        prop::option::of(uncertain(UNIT)),
    )
        .prop_map(|(gw, online, delay, probability)| TrancheSpec {
            gw,
            online,
            delay,
            probability,
        })
        .boxed()
}

fn provider(months: i32) -> BoxedStrategy<ProviderSpec> {
    (
        uncertain(amount(5.0)),
        prop::option::of(uncertain(RATE)),
        prop::option::of(uncertain(amount(20.0))),
        uncertain(amount(20.0)),
        prop::option::of(uncertain(amount(40.0))),
        vec(tranche(months), 0..=2),
    )
        .prop_map(
            |(initial_gw, growth, max_gw, price, max_new_gw_per_year, tranches)| ProviderSpec {
                initial_gw,
                growth,
                max_gw,
                price,
                max_new_gw_per_year,
                tranches,
            },
        )
        .boxed()
}

fn agi(start_year: f64, months: i32) -> BoxedStrategy<Option<(AgiSpec, Option<PanelSpec>)>> {
    let end_year = start_year + f64::from(months) / 12.0;
    let mode = prop_oneof![
        uncertain(year(start_year - 3.0, end_year + 5.0)).prop_map(AgiSpec::Date),
        (
            uncertain(amount(1.5)),
            prop::option::of(uncertain(dom(-0.9, 1.0, true, false)))
        )
            .prop_map(|(h, g)| AgiSpec::Hazard(h, g)),
        uncertain(amount(40.0)).prop_map(AgiSpec::Compute),
    ];
    let panel = prop::option::of(
        (
            prop::option::of(uncertain(amount(24.0))),
            prop::option::of(uncertain(UNIT)),
            prop::option::of(uncertain(dom(0.5, 30.0, false, false))),
        )
            .prop_map(|(months, confirm, retry)| PanelSpec {
                months,
                confirm,
                retry,
            }),
    );
    prop::option::weighted(0.85, (mode, panel)).boxed()
}

/// Scenario TOML text, always valid.
fn scenario_text() -> impl Strategy<Value = String> {
    scenario_parts().prop_map(render)
}

/// The parts [`render`] writes a scenario from.
type Parts = (
    ((i32, i32), i32),
    Vec<String>,
    Vec<ProviderSpec>,
    (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    &'static str,
    Option<()>,
    (
        Vec<(usize, WindowSpec)>,
        Vec<(usize, WindowSpec, String)>,
        Option<(i32, Option<bool>)>,
        Option<(String, UntilSpec, Option<String>)>,
    ),
    (String, Option<String>, Option<usize>, String, String),
    Option<(AgiSpec, Option<PanelSpec>)>,
    Option<(String, Option<String>)>,
    u64,
);

/// A random valid scenario, as parts.
fn scenario_parts() -> impl Strategy<Value = Parts> {
    (
        1usize..=4,
        1usize..=5,
        2020i32..=2030,
        1i32..=12,
        1i32..=144,
    )
        .prop_flat_map(|(nw, np, y, m, months)| {
            let start = (y, m);
            let start_year = f64::from(y) + f64::from(m - 1) / 12.0;
            let demand = (
                key("initial_gw", amount(10.0)),
                key("growth", RATE),
                opt_key(
                    "growth_halflife_years",
                    // Positive: lognormal's support starts at 0, so not here.
                    dom(0.25, 20.0, false, false),
                ),
                opt_key("volatility", dom(0.0, 1.0, false, true)),
                // Positive: lognormal's support starts at 0, so not here.
                opt_key("ceiling_gw", dom(0.5, 60.0, false, false)),
            );
            let terms = (
                vec(
                    (0..np, window(nw, months)),
                    0..=3, // exclusivity: (provider, window)
                ),
                vec((0..np, window(nw, months), uncertain(UNIT)), 0..=3),
                prop::option::of((-12..=months + 24, prop::option::of(prop::bool::ANY))),
                prop::option::of((
                    uncertain(UNIT),
                    until_spec(months, &["never", "agi_verified", "ip_expiry"]),
                    prop::option::of(uncertain(amount(200.0))),
                )),
            );
            let money = (
                key("per_gw_year", amount(20.0)),
                opt_key("growth", RATE),
                prop::option::of(0..np),
                uncertain(UNIT),
                uncertain(RATE),
            );
            (
                Just((start, months)),
                vec(uncertain(UNIT), nw),
                vec(provider(months), np),
                demand,
                prop::sample::select(vec!["cheapest_first", "pro_rata", "in_order"]),
                prop::option::of(Just(())),
                terms,
                money,
                agi(start_year, months),
                prop::option::of((
                    uncertain(dom(0.5, 48.0, false, false)),
                    prop::option::of(uncertain(UNIT)),
                )),
                any::<u64>(),
            )
        })
}

fn render(
    (
        (start, months),
        shares,
        providers,
        (initial_gw, growth, halflife, volatility, ceiling),
        policy,
        allocation_table,
        (exclusivity, rofr, ip, revenue_share),
        (per_gw_year, revenue_growth, ms_provider, margin, discount),
        agi,
        new_capacity,
        seed,
    ): Parts,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "name = \"generated\"\nseed = {}", seed >> 1);
    let _ = writeln!(
        s,
        "\n[time]\nstart = {}\nend = {}",
        month(start, 0),
        month(start, months - 1)
    );
    s.push_str("\n[demand]\n");
    s.push_str(&initial_gw);
    s.push_str(&growth);
    s.push_str(halflife.as_deref().unwrap_or(""));
    s.push_str(volatility.as_deref().unwrap_or(""));
    s.push_str(ceiling.as_deref().unwrap_or(""));
    for (name, share) in WORKLOADS.iter().zip(&shares) {
        let _ = writeln!(s, "\n[[workloads]]\nname = \"{name}\"\nshare = {share}");
    }
    for (name, p) in PROVIDERS.iter().zip(&providers) {
        let _ = writeln!(s, "\n[[providers]]\nname = \"{name}\"");
        let _ = writeln!(s, "initial_gw = {}", p.initial_gw);
        if let Some(g) = &p.growth {
            let _ = writeln!(s, "growth = {g}");
        }
        if let Some(m) = &p.max_gw {
            let _ = writeln!(s, "max_gw = {m}");
        }
        let _ = writeln!(s, "price = {}", p.price);
        if let Some(x) = &p.max_new_gw_per_year {
            let _ = writeln!(s, "max_new_gw_per_year = {x}");
        }
        for t in &p.tranches {
            let _ = writeln!(s, "[[providers.tranches]]\ngw = {}", t.gw);
            let _ = writeln!(s, "online = {}", month(start, t.online));
            if let Some(d) = &t.delay {
                let _ = writeln!(s, "delay_months = {d}");
            }
            if let Some(p) = &t.probability {
                let _ = writeln!(s, "probability = {p}");
            }
        }
    }
    if let Some((lead, coverage)) = &new_capacity {
        let _ = writeln!(s, "\n[new_capacity]\nlead_time_months = {lead}");
        if let Some(c) = coverage {
            let _ = writeln!(s, "coverage = {c}");
        }
    }
    if allocation_table.is_some() {
        let _ = writeln!(s, "\n[allocation]\npolicy = \"{policy}\"");
    }
    for (p, w) in &exclusivity {
        let _ = writeln!(
            s,
            "\n[[terms.exclusivity]]\nprovider = \"{}\"",
            PROVIDERS[*p]
        );
        render_window(w, start, &mut s);
    }
    for (p, w, e) in &rofr {
        let _ = writeln!(s, "\n[[terms.rofr]]\nholder = \"{}\"", PROVIDERS[*p]);
        render_window(w, start, &mut s);
        let _ = writeln!(s, "exercise_probability = {e}");
    }
    if let Some((sunset, ends)) = ip {
        let _ = writeln!(s, "\n[terms.ip]\nsunset = {}", month(start, sunset));
        if let Some(e) = ends {
            let _ = writeln!(s, "ends_at_agi = {e}");
        }
    }
    if let Some((rate, until, cap)) = &revenue_share {
        let _ = writeln!(s, "\n[terms.revenue_share]\nrate = {rate}");
        match until {
            UntilSpec::Absent => {}
            UntilSpec::Month(k) => {
                let _ = writeln!(s, "until = {}", month(start, k - 6));
            }
            UntilSpec::Word(w) => {
                let _ = writeln!(s, "until = \"{w}\"");
            }
        }
        if let Some(c) = cap {
            let _ = writeln!(s, "cap_usd_bn = {c}");
        }
    }
    s.push_str("\n[revenue]\n");
    s.push_str(&per_gw_year);
    s.push_str(revenue_growth.as_deref().unwrap_or(""));
    s.push_str("\n[microsoft]\n");
    // Without `provider`, the default is the provider named "azure" (the first).
    if let Some(p) = ms_provider {
        let _ = writeln!(s, "provider = \"{}\"", PROVIDERS[p]);
    }
    let _ = writeln!(s, "azure_margin = {margin}\ndiscount_rate = {discount}");
    if let Some((mode, panel)) = agi {
        s.push_str("\n[agi]\n");
        match mode {
            AgiSpec::Date(y) => {
                let _ = writeln!(s, "mode = \"date\"\nyear = {y}");
            }
            AgiSpec::Hazard(h, g) => {
                let _ = writeln!(s, "mode = \"hazard\"\nannual_hazard = {h}");
                if let Some(g) = g {
                    let _ = writeln!(s, "hazard_growth = {g}");
                }
            }
            AgiSpec::Compute(t) => {
                let _ = writeln!(s, "mode = \"compute\"\nthreshold_gw_years = {t}");
            }
        }
        if let Some(p) = panel {
            s.push_str("\n[agi.panel]\n");
            for (k, v) in [
                ("months", p.months),
                ("confirm_probability", p.confirm),
                ("retry_months", p.retry),
            ] {
                if let Some(v) = v {
                    let _ = writeln!(s, "{k} = {v}");
                }
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// `a ≤ b` up to a relative tolerance on the larger magnitude.
fn le(a: f64, b: f64) -> bool {
    a <= b + REL * a.abs().max(b.abs())
}

/// `a = b` up to a relative tolerance on the larger magnitude.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL * a.abs().max(b.abs())
}

/// Checks every month; records what it saw for the outcome checks.
struct Checker<'a> {
    scenario: &'a Scenario,
    errors: Vec<String>,
    months_seen: usize,
    last_demand: f64,
    last_azure_share: f64,
    ip_active_months: u32,
    first_verified: Option<usize>,
    demand_sum: f64,
    unmet_sum: f64,
    placed_sum: Vec<f64>,
    max_demand: f64,
    last_signed: Vec<f64>,
}

impl Checker<'_> {
    fn fail(&mut self, m: usize, what: String) {
        if self.errors.len() < 8 {
            self.errors.push(format!("month {m}: {what}"));
        }
    }
}

impl Observer for Checker<'_> {
    fn month(&mut self, st: &MonthState<'_>) {
        let m = st.month;
        if m != self.months_seen {
            self.fail(m, format!("expected month {}", self.months_seen));
        }
        self.months_seen += 1;
        let np = self.scenario.providers.len();
        let nc = self.scenario.workloads.len();
        let d = st.demand_gw;
        let all = std::iter::once(d)
            .chain(st.capacity_gw.iter().copied())
            .chain(st.placed_gw.iter().copied())
            .chain(st.class_demand_gw.iter().copied())
            .chain(st.placed_by_class_gw.iter().copied())
            .chain([st.unmet_gw, st.azure_share]);
        if all.clone().any(|x| !x.is_finite()) {
            let v: Vec<f64> = all.collect();
            self.fail(m, format!("a value is NaN or infinite: {v:?}"));
            return;
        }
        if st.capacity_gw.len() != np
            || st.placed_gw.len() != np
            || st.class_demand_gw.len() != nc
            || st.placed_by_class_gw.len() != nc * np
        {
            self.fail(m, "slice lengths do not match the scenario".into());
            return;
        }
        // Total capacity is each trial's own sum over the providers (in
        // provider order, so exactly), what timeseries.csv's capacity_gw
        // takes its statistics of.
        let total: f64 = st.capacity_gw.iter().sum();
        if st.capacity_total_gw != total {
            self.fail(
                m,
                format!(
                    "capacity_total_gw = {} but the providers' capacities sum to {total}",
                    st.capacity_total_gw
                ),
            );
        }
        if d < 0.0 {
            self.fail(m, format!("demand {d} < 0"));
        }
        if st.unmet_gw < 0.0 {
            self.fail(m, format!("unmet {} < 0", st.unmet_gw));
        }
        for p in 0..np {
            let (placed, cap) = (st.placed_gw[p], st.capacity_gw[p]);
            if cap < 0.0 {
                self.fail(m, format!("capacity[{p}] = {cap} < 0"));
            }
            if placed < 0.0 {
                self.fail(m, format!("placed[{p}] = {placed} < 0"));
            }
            if !le(placed, cap) {
                self.fail(m, format!("placed[{p}] = {placed} > capacity {cap}"));
            }
            let by_class: f64 = (0..nc).map(|c| st.placed_by_class_gw[c * np + p]).sum();
            if !close(by_class, placed) {
                self.fail(
                    m,
                    format!("placed[{p}] = {placed} but its classes sum to {by_class}"),
                );
            }
        }
        for c in 0..nc {
            let row = &st.placed_by_class_gw[c * np..(c + 1) * np];
            if let Some(x) = row.iter().find(|x| **x < 0.0) {
                self.fail(m, format!("class {c} placed {x} < 0 on some provider"));
            }
            let placed: f64 = row.iter().sum();
            let dc = st.class_demand_gw[c];
            if dc < 0.0 {
                self.fail(m, format!("class demand[{c}] = {dc} < 0"));
            }
            if !le(placed, dc) {
                self.fail(m, format!("class {c} placed {placed} > its demand {dc}"));
            }
        }
        let class_sum: f64 = st.class_demand_gw.iter().sum();
        if !close(class_sum, d) {
            self.fail(m, format!("class demands sum to {class_sum}, D_t = {d}"));
        }
        let placed_total: f64 = st.placed_gw.iter().sum();
        let scale = d.max(placed_total).max(st.unmet_gw);
        if (placed_total + st.unmet_gw - d).abs() > REL * scale {
            self.fail(
                m,
                format!(
                    "Σ placed {placed_total} + unmet {} = {} ≠ D_t {d}",
                    st.unmet_gw,
                    placed_total + st.unmet_gw
                ),
            );
        }
        if !(0.0..=1.0).contains(&st.azure_share) {
            self.fail(m, format!("azure_share {} outside [0, 1]", st.azure_share));
        }
        let ms = self.scenario.microsoft.provider;
        let expected_share = if placed_total > 0.0 {
            st.placed_gw[ms] / placed_total
        } else {
            0.0
        };
        if (st.azure_share - expected_share).abs() > 1e-9 {
            self.fail(
                m,
                format!(
                    "azure_share {} ≠ placed on microsoft.provider / Σ placed = {expected_share}",
                    st.azure_share
                ),
            );
        }
        if st.ip_active {
            self.ip_active_months += 1;
        }
        if st.agi_verified {
            if self.first_verified.is_none() {
                self.first_verified = Some(m);
            }
        } else if self.first_verified.is_some() {
            self.fail(m, "agi_verified went back to false".into());
        }
        // A class has unmet need only when every provider allowed to
        // serve it is full (its exclusive provider, or all of them).
        let full = |p: usize| {
            let (cap, placed) = (st.capacity_gw[p], st.placed_gw[p]);
            cap - placed <= REL * cap.max(1.0)
        };
        for c in 0..nc {
            let u = st.class_unmet_gw[c];
            if u < 0.0 {
                self.fail(m, format!("class {c} unmet {u} < 0"));
            }
            if u <= 1e-12 * st.class_demand_gw[c] {
                continue;
            }
            let allowed: Vec<usize> = match st.class_routes[c] {
                Route::Exclusive(p) => vec![p],
                Route::Rofr(_) | Route::Open => (0..np).collect(),
            };
            if let Some(p) = allowed.into_iter().find(|&p| !full(p)) {
                self.fail(
                    m,
                    format!(
                        "class {c} ({:?}) has {u} GW unmet while provider {p} has {} GW free",
                        st.class_routes[c],
                        st.capacity_gw[p] - st.placed_gw[p]
                    ),
                );
            }
        }
        let class_unmet: f64 = st.class_unmet_gw.iter().sum();
        if !close(class_unmet, st.unmet_gw) && (class_unmet - st.unmet_gw).abs() > 1e-12 {
            self.fail(
                m,
                format!(
                    "classes' unmet sums to {class_unmet}, unmet {}",
                    st.unmet_gw
                ),
            );
        }
        // Signed new capacity is online or in the pipeline; it only grows.
        let signed: f64 = st.signed_gw.iter().sum();
        let online: f64 = st.new_online_gw.iter().sum();
        if (signed - online - st.pipeline_gw).abs() > REL * signed.max(1.0) {
            self.fail(
                m,
                format!(
                    "signed {signed} ≠ online {online} + pipeline {}",
                    st.pipeline_gw
                ),
            );
        }
        for p in 0..np {
            if !le(st.new_online_gw[p], st.signed_gw[p]) || st.signed_gw[p] < self.last_signed[p] {
                self.fail(
                    m,
                    format!(
                        "provider {p}: online {} of signed {} (was {})",
                        st.new_online_gw[p], st.signed_gw[p], self.last_signed[p]
                    ),
                );
            }
            self.last_signed[p] = st.signed_gw[p];
        }
        if self.scenario.new_capacity.is_none() && signed != 0.0 {
            self.fail(m, format!("{signed} GW signed without [new_capacity]"));
        }
        self.max_demand = self.max_demand.max(d);
        self.last_demand = d;
        self.last_azure_share = st.azure_share;
        self.demand_sum += d;
        self.unmet_sum += st.unmet_gw;
        for (s, x) in self.placed_sum.iter_mut().zip(st.placed_gw) {
            *s += x;
        }
    }
}

/// Checks the outcome of a trial against the scenario and what the
/// observer saw.
fn check_outcome(
    s: &Scenario,
    model: &Model<'_>,
    values: &[f64],
    o: &Outcome,
    seen: &Checker<'_>,
) -> Vec<String> {
    let mut e = Vec::new();
    let months = model.months();
    let np = s.providers.len();
    let mut scalars = vec![
        ("demand_gw_end", o.demand_gw_end),
        ("azure_share_end", o.azure_share_end),
        ("unmet_share", o.unmet_share),
        ("unmet_gw_years", o.unmet_gw_years),
        ("openai_revenue_usd_bn", o.openai_revenue_usd_bn),
        ("revenue_share_usd_bn", o.revenue_share_usd_bn),
        ("microsoft_value_npv_usd_bn", o.microsoft_value_npv_usd_bn),
    ];
    if o.gw_years.len() != np || o.spend_usd_bn.len() != np {
        e.push("gw_years / spend_usd_bn lengths ≠ providers".into());
        return e;
    }
    for p in 0..np {
        scalars.push(("gw_years[p]", o.gw_years[p]));
        scalars.push(("spend_usd_bn[p]", o.spend_usd_bn[p]));
    }
    for (name, x) in &scalars {
        if !x.is_finite() {
            e.push(format!("{name} = {x} is not finite"));
        }
    }
    for (name, x) in [
        ("unmet_share", o.unmet_share),
        ("azure_share_end", o.azure_share_end),
    ] {
        if !(0.0..=1.0).contains(&x) {
            e.push(format!("{name} = {x} outside [0, 1]"));
        }
    }
    for (name, x) in &scalars {
        // Margin, spend, revenue share and the discount factor are all ≥ 0,
        // so every amount here (the NPV included) is too.
        if *x < 0.0 {
            e.push(format!("{name} = {x} < 0"));
        }
    }
    if o.rofr_declined > o.rofr_offers {
        e.push(format!(
            "rofr_declined {} > rofr_offers {}",
            o.rofr_declined, o.rofr_offers
        ));
    }
    if s.terms.rofr.is_empty() && o.rofr_offers != 0 {
        e.push(format!("{} ROFR offers without a ROFR term", o.rofr_offers));
    }
    if let Some(c) = s.demand.ceiling_gw {
        let ceiling = values[c.0];
        if seen.max_demand > ceiling {
            e.push(format!(
                "demand reached {} above its ceiling {ceiling}",
                seen.max_demand
            ));
        }
    }
    if s.new_capacity.is_none() && o.rofr_offers != 0 {
        e.push(format!("{} offers without [new_capacity]", o.rofr_offers));
    }
    if (o.microsoft_margin_npv_usd_bn + o.microsoft_revenue_share_npv_usd_bn).to_bits()
        != o.microsoft_value_npv_usd_bn.to_bits()
    {
        e.push("microsoft_value_npv_usd_bn is not the sum of its two parts".into());
    }
    if !(0.0..=1.0).contains(&o.azure_share_cum) {
        e.push(format!(
            "azure_share_cum {} outside [0, 1]",
            o.azure_share_cum
        ));
    }
    if o.shortfall_months as usize > months {
        e.push(format!("shortfall_months {} > months", o.shortfall_months));
    }
    if o.ip_months as usize > months {
        e.push(format!("ip_months {} > months {months}", o.ip_months));
    }
    if o.ip_months != seen.ip_active_months {
        e.push(format!(
            "ip_months {} ≠ months with ip_active {}",
            o.ip_months, seen.ip_active_months
        ));
    }
    match (o.ip_expiry, o.ip_expiry_cause) {
        (None, Some(ExpiryCause::BeyondHorizon)) => {
            if o.ip_months as usize != months {
                e.push(format!(
                    "IP rights beyond the horizon but ip_months {} ≠ {months}",
                    o.ip_months
                ));
            }
        }
        (Some(x), Some(ExpiryCause::Agi | ExpiryCause::Sunset)) => {
            if x as usize >= months {
                e.push(format!("ip_expiry {x} not within the horizon ({months})"));
            }
            if o.ip_months != x {
                e.push(format!("ip_expiry month {x} but ip_months {}", o.ip_months));
            }
            if o.ip_expiry_cause == Some(ExpiryCause::Agi) && o.agi_verified != Some(x) {
                e.push(format!(
                    "cause agi but ip_expiry {x} ≠ agi_verified {:?}",
                    o.agi_verified
                ));
            }
        }
        (x, c) => e.push(format!("ip_expiry {x:?} inconsistent with cause {c:?}")),
    }
    if s.terms.ip.is_none() && o.ip_expiry.is_some() {
        e.push("IP rights expired without [terms.ip]".into());
    }
    if s.agi.is_none() && (o.agi_declared.is_some() || o.agi_verified.is_some()) {
        e.push("AGI declared or verified without [agi]".into());
    }
    if let (Some(dcl), Some(ver)) = (o.agi_declared, o.agi_verified)
        && ver < dcl
    {
        e.push(format!("agi_verified {ver} before agi_declared {dcl}"));
    }
    if o.agi_verified.is_some() && o.agi_declared.is_none() {
        e.push("agi_verified without agi_declared".into());
    }
    if o.agi_verified.map(|v| v as usize) != seen.first_verified {
        e.push(format!(
            "agi_verified {:?} but the monthly flag first set in {:?}",
            o.agi_verified, seen.first_verified
        ));
    }
    if let Some(v) = o.agi_verified.or(o.agi_declared)
        && v as usize >= months
    {
        e.push(format!("AGI month {v} beyond the horizon"));
    }
    if o.demand_gw_end != seen.last_demand {
        e.push(format!(
            "demand_gw_end {} ≠ last month's demand {}",
            o.demand_gw_end, seen.last_demand
        ));
    }
    if o.azure_share_end != seen.last_azure_share {
        e.push(format!(
            "azure_share_end {} ≠ last month's azure_share {}",
            o.azure_share_end, seen.last_azure_share
        ));
    }
    // GW-years are the months' GW over 12.
    if !close(o.unmet_gw_years, seen.unmet_sum / 12.0) {
        e.push(format!(
            "unmet_gw_years {} ≠ Σ unmet / 12 = {}",
            o.unmet_gw_years,
            seen.unmet_sum / 12.0
        ));
    }
    let placed: f64 = o.gw_years.iter().sum();
    if !close(placed + o.unmet_gw_years, seen.demand_sum / 12.0)
        && (placed + o.unmet_gw_years - seen.demand_sum / 12.0).abs() > 1e-9 * seen.demand_sum
    {
        e.push(format!(
            "Σ gw_years {placed} + unmet_gw_years {} ≠ demand GW-years {}",
            o.unmet_gw_years,
            seen.demand_sum / 12.0
        ));
    }
    for p in 0..np {
        if !close(o.gw_years[p], seen.placed_sum[p] / 12.0) {
            e.push(format!(
                "gw_years[{p}] {} ≠ Σ placed / 12 = {}",
                o.gw_years[p],
                seen.placed_sum[p] / 12.0
            ));
        }
        let price = values[s.providers[p].price.0];
        if !close(o.spend_usd_bn[p], o.gw_years[p] * price)
            && (o.spend_usd_bn[p] - o.gw_years[p] * price).abs() > 1e-12
        {
            e.push(format!(
                "spend[{p}] {} ≠ gw_years {} × price {price}",
                o.spend_usd_bn[p], o.gw_years[p]
            ));
        }
    }
    match &s.terms.revenue_share {
        None => {
            if o.revenue_share_usd_bn != 0.0 {
                e.push(format!(
                    "revenue share {} without the term",
                    o.revenue_share_usd_bn
                ));
            }
        }
        Some(rs) => {
            let rate = values[rs.rate.0];
            if !le(o.revenue_share_usd_bn, rate * o.openai_revenue_usd_bn) {
                e.push(format!(
                    "revenue share {} > rate {rate} × revenue {}",
                    o.revenue_share_usd_bn, o.openai_revenue_usd_bn
                ));
            }
            if let Some(cap) = rs.cap_usd_bn {
                let cap = values[cap.0];
                if !le(o.revenue_share_usd_bn, cap) {
                    e.push(format!(
                        "revenue share {} > cap {cap}",
                        o.revenue_share_usd_bn
                    ));
                }
            }
        }
    }
    e
}

fn check_scenario(text: &str, seed: u64) -> Result<(), TestCaseError> {
    let s = match scenario::load_str("generated.toml", text, &[]) {
        Ok(s) => s,
        Err(diags) => {
            let msgs: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            return Err(TestCaseError::fail(format!(
                "the generated scenario does not load:\n{}\n--- scenario ---\n{text}",
                msgs.join("\n")
            )));
        }
    };
    let model = Model::new(&s);
    let months = model.months();
    let mut scratch = Scratch::default();
    let mut alone = Vec::new();
    for trial in 0..TRIALS {
        let mut checker = Checker {
            scenario: &s,
            errors: Vec::new(),
            months_seen: 0,
            last_demand: f64::NAN,
            last_azure_share: f64::NAN,
            ip_active_months: 0,
            first_verified: None,
            demand_sum: 0.0,
            unmet_sum: 0.0,
            placed_sum: vec![0.0; s.providers.len()],
            max_demand: 0.0,
            last_signed: vec![0.0; s.providers.len()],
        };
        let outcome = model.run_trial(seed, trial, &mut scratch, &mut checker);
        if checker.months_seen != months {
            checker.errors.push(format!(
                "observer saw {} months, the horizon has {months}",
                checker.months_seen
            ));
        }
        let values = scratch.values(0).to_vec();
        let mut errors = std::mem::take(&mut checker.errors);
        errors.extend(check_outcome(&s, &model, &values, &outcome, &checker));
        if !errors.is_empty() {
            return Err(TestCaseError::fail(format!(
                "seed {seed}, trial {trial}:\n  {}\noutcome: {outcome:#?}\n--- scenario ---\n{text}",
                errors.join("\n  ")
            )));
        }
        let mut series = SeriesRecorder(Vec::new());
        let again = model.run_trial(seed, trial, &mut scratch, &mut series);
        alone.push((again, series.0));
    }
    same_side_by_side(&model, seed, &alone)
        .map_err(|e| TestCaseError::fail(format!("seed {seed}: {e}\n--- scenario ---\n{text}")))
}

/// Every month's output series of one trial, in `series_names` order.
struct SeriesRecorder(Vec<Vec<f64>>);

impl Observer for SeriesRecorder {
    fn month(&mut self, state: &MonthState<'_>) {
        let mut row = Vec::new();
        rofrsim::folder::timeseries::values(state, |_, x| row.push(x));
        self.0.push(row);
    }
}

/// The trials stepped side by side in one block give, lane by lane, the
/// outcome and monthly series each gave alone (bit for bit), and the
/// block's series slices match what an observer of each lane sees.
fn same_side_by_side(
    model: &Model<'_>,
    seed: u64,
    alone: &[(Outcome, Vec<Vec<f64>>)],
) -> Result<(), String> {
    let lanes = alone.len();
    let mut block = Block::default();
    model.start_block(seed, 0, lanes, &mut block);
    for m in 0..model.months() {
        model.step_block(m, &mut block);
        let mut slices: Vec<Vec<f64>> = Vec::new();
        block.series(|_, xs| slices.push(xs.to_vec()));
        for (lane, (_, months)) in alone.iter().enumerate() {
            let mut seen = SeriesRecorder(Vec::new());
            model.observe(m, &mut block, lane, &mut seen);
            let from_slices: Vec<f64> = slices.iter().map(|xs| xs[lane]).collect();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            if bits(&from_slices) != bits(&months[m]) || bits(&seen.0[0]) != bits(&months[m]) {
                return Err(format!(
                    "month {m}, lane {lane}: block series {from_slices:?}, observed {:?}, alone {:?}",
                    seen.0[0], months[m]
                ));
            }
        }
    }
    for (lane, (outcome, _)) in alone.iter().enumerate() {
        let side = model.finish_lane(&block, lane);
        if format!("{side:?}") != format!("{outcome:?}") {
            return Err(format!(
                "lane {lane}: side by side {side:#?}\nalone {outcome:#?}"
            ));
        }
    }
    Ok(())
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CASES);
    Config {
        cases,
        // Failures print the whole scenario; no regression files in tests/.
        failure_persistence: None,
        // Cases a property cannot use are drawn again: allow as many
        // redraws as it takes at any case count.
        max_global_rejects: cases.saturating_mul(4),
        ..Config::default()
    }
}

#[test]
fn invariants_hold_in_random_valid_scenarios() {
    let mut runner = TestRunner::new(config());
    let result = runner.run(&(scenario_text(), any::<u64>()), |(text, seed)| {
        check_scenario(&text, seed)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// `unmet_share` ≤ 1 even when nothing can be placed: class demands are
/// `share_c · D_t` with normalised shares, whose sum can round one ulp above
/// `D_t`; the share must still not exceed 1 (docs/model.md: shares in [0, 1]).
/// Found by the property test above (rarely: about 1 case in 20,000);
/// pinned here so it fails every time.
#[test]
fn unmet_share_at_most_one_when_nothing_is_placed() {
    let mut bad = Vec::new();
    for shares in [[0.1, 0.3, 0.3], [0.1, 0.3, 0.1], [0.2, 0.3, 0.45]] {
        for demand in [0.3, 1.9, 3.7, 7.0] {
            let mut text = format!(
                "name = \"no_capacity\"\n[time]\nstart = \"2025-01\"\nend = \"2025-01\"\n\
                 [demand]\ninitial_gw = {}\ngrowth = 0.0\n",
                num(demand)
            );
            for (i, share) in shares.iter().enumerate() {
                let _ = writeln!(
                    text,
                    "[[workloads]]\nname = \"w{i}\"\nshare = {}",
                    num(*share)
                );
            }
            text.push_str(
                "[[providers]]\nname = \"azure\"\ninitial_gw = 0.0\nprice = 10.0\n\
                 [revenue]\nper_gw_year = 8.0\n\
                 [microsoft]\nazure_margin = 0.35\ndiscount_rate = 0.08\n",
            );
            let s = scenario::load_str("no_capacity.toml", &text, &[])
                .unwrap_or_else(|d| panic!("does not load: {d:?}\n{text}"));
            let model = Model::new(&s);
            let o = model.run_trial(
                1,
                0,
                &mut Scratch::default(),
                &mut rofrsim::engine::NoObserver,
            );
            if !(0.0..=1.0).contains(&o.unmet_share) {
                bad.push(format!(
                    "shares {shares:?}, demand {demand} GW, no capacity: unmet_share = {:?} (unmet_gw_years {:?})",
                    o.unmet_share, o.unmet_gw_years
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "unmet_share outside [0, 1]:\n  {}",
        bad.join("\n  ")
    );
}

/// The generator's own coverage: every AGI mode, every `until` word and
/// every policy appear in a modest sample (a generator that silently
/// stopped producing some feature would make the property test weaker).
#[test]
fn generator_covers_the_features() {
    let mut runner = TestRunner::deterministic();
    let strategy = scenario_text();
    let mut texts = String::new();
    for _ in 0..200 {
        let tree = strategy.new_tree(&mut runner).expect("generate a scenario");
        texts.push_str(&tree.current());
    }
    for needle in [
        "mode = \"date\"",
        "mode = \"hazard\"",
        "mode = \"compute\"",
        "[agi.panel]",
        "until = \"never\"",
        "until = \"agi_verified\"",
        "until = \"ip_expiry\"",
        "policy = \"pro_rata\"",
        "policy = \"in_order\"",
        "policy = \"cheapest_first\"",
        "cap_usd_bn",
        "[[terms.exclusivity]]",
        "[[terms.rofr]]",
        "[[providers.tranches]]",
        "growth_halflife_years",
        "dist = \"lognormal\"",
        "dist = \"quantiles\"",
        "dist = \"discrete\"",
        "dist = \"beta\"",
        "truncate",
        "growth = -",
        "ends_at_agi = false",
        "max_gw",
        "ceiling_gw",
        "[new_capacity]",
        "coverage",
        "max_new_gw_per_year",
    ] {
        assert!(
            texts.contains(needle),
            "no generated scenario contains {needle:?}"
        );
    }
}

/// The holder's placed GW-years in each of `trials` trials of `text`.
fn holder_gw_years(text: &str, holder: usize, seed: u64, trials: u64) -> Result<Vec<f64>, String> {
    let s = scenario::load_str("generated.toml", text, &[])
        .map_err(|d| format!("does not load: {:?}\n{text}", d.first()))?;
    let model = Model::new(&s);
    let mut scratch = Scratch::default();
    Ok((0..trials)
        .map(|t| {
            model
                .run_trial(seed, t, &mut scratch, &mut rofrsim::engine::NoObserver)
                .gw_years[holder]
        })
        .collect())
}

/// With a single ROFR window (every exercise probability 1), no
/// exclusivity window, and demand and capacity that never fall, removing
/// the window never raises its holder's placed GW-years in any trial.
/// Outside these conditions it can: see docs/model.md, "What the ROFR is
/// worth to its holder", and the three counterexamples in
/// tests/model_hand.rs (`a_rofr_can_cost_its_holder_*`), which a search over
/// random scenarios found and which were then shrunk by hand.
#[test]
fn a_lone_rofr_never_costs_its_holder_when_nothing_shrinks() {
    let mut runner = TestRunner::new(config());
    // Cases in which the window gave its holder strictly more in some
    // trial: the property must be tested where the ROFR does something.
    let gained = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&(scenario_parts(), any::<u64>()), |(mut parts, seed)| {
        let (exclusivity, rofr) = (&mut (parts.6).0, &mut (parts.6).1);
        // Without a window, or with the holder as the only provider, there
        // is nothing to compare: such cases are drawn again, not passed.
        if rofr.is_empty() || parts.2.len() < 2 {
            return Err(TestCaseError::reject("no ROFR window, or one provider"));
        }
        exclusivity.clear();
        rofr.truncate(1);
        rofr[0].2 = "1.0".into();
        let holder = rofr[0].0;
        // Demand grows (no volatility), capacity never shrinks.
        (parts.3).1 = "growth = 0.3\n".into();
        (parts.3).3 = None;
        for p in &mut parts.2 {
            p.growth = None;
        }
        let with = render(parts.clone());
        (parts.6).1.clear();
        let without = render(parts);
        let a = holder_gw_years(&with, holder, seed, TRIALS).map_err(TestCaseError::fail)?;
        let b = holder_gw_years(&without, holder, seed, TRIALS).map_err(TestCaseError::fail)?;
        for (t, (x, y)) in a.iter().zip(&b).enumerate() {
            if !le(*y, *x) {
                return Err(TestCaseError::fail(format!(
                    "seed {seed}, trial {t}: the holder has {x} GW-years with the window, {y} without\n--- with ---\n{with}"
                )));
            }
        }
        if a.iter().zip(&b).any(|(x, y)| !le(*x, *y)) {
            gained.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let gained = gained.into_inner();
    assert!(
        gained * 10 >= config().cases as usize,
        "the window gave its holder more in only {gained} of {} cases",
        config().cases
    );
}
