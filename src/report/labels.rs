//! Words and numbers as the report shows them: uncertain inputs by name
//! (a tranche by its provider and online month, not its index in the
//! file), outcomes in title phrases, and numbers to three significant
//! digits with their unit and thousands separators.

use crate::report::draw::group_thousands;
use std::collections::BTreeMap;
use std::path::Path;

use crate::folder::manifest::sha256_hex;
use crate::scenario::{self, Override, Scenario, Until};

/// A provider's or workload's name as a reader writes it: `aws` → `AWS`,
/// `stateless_api` → `Stateless API`, `stargate` → `Stargate`.
pub fn display_name(name: &str) -> String {
    name.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| match w.to_ascii_lowercase().as_str() {
            "aws" | "api" | "gcp" | "ip" | "agi" | "ibm" => w.to_ascii_uppercase(),
            "coreweave" => "CoreWeave".to_string(),
            "openai" => "OpenAI".to_string(),
            _ => {
                let mut c = w.chars();
                c.next().map_or_else(String::new, |f| {
                    f.to_uppercase().collect::<String>() + c.as_str()
                })
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the report calls each uncertain input of a scenario. Inputs held
/// in lists (tranches, ROFR windows) are named from the scenario file the
/// run's manifest points to; without it they keep their dotted path, which
/// is still exact.
#[derive(Debug, Clone, Default)]
pub struct InputLabels {
    /// `providers.stargate.tranches.3`, `terms.rofr.0` → what it is.
    lists: BTreeMap<String, Listed>,
}

/// A tranche or a ROFR window, as the scenario describes it.
#[derive(Debug, Clone)]
enum Listed {
    Tranche {
        /// "Stargate".
        provider: String,
        /// "2027-06".
        online: String,
        /// " (2 of 2)" when the provider has two tranches that month.
        nth: String,
    },
    Rofr {
        /// "Azure".
        holder: String,
        /// "training and products", "all workloads".
        covered: String,
        /// "2025-01".
        from: String,
        /// " to 2025-10", " until verified AGI", "" (never).
        until: String,
    },
}

impl InputLabels {
    /// Labels from a loaded scenario.
    pub fn of(scenario: &Scenario) -> InputLabels {
        let mut lists = BTreeMap::new();
        for p in &scenario.providers {
            for t in &p.tranches {
                // Two tranches of one provider online the same month are
                // told apart by their order in the file.
                let same: Vec<&scenario::Tranche> =
                    p.tranches.iter().filter(|o| o.online == t.online).collect();
                let nth = match same.iter().position(|o| o.path == t.path) {
                    Some(k) if same.len() > 1 => format!(" ({} of {})", k + 1, same.len()),
                    _ => String::new(),
                };
                lists.insert(
                    t.path.clone(),
                    Listed::Tranche {
                        provider: display_name(&p.name),
                        online: t.online.to_string(),
                        nth,
                    },
                );
            }
        }
        let workload = |i: &usize| {
            scenario
                .workloads
                .get(*i)
                .map_or_else(|| format!("workload {i}"), |w| display_name(&w.name))
        };
        for r in &scenario.terms.rofr {
            let holder = scenario
                .providers
                .get(r.holder)
                .map_or_else(|| "the holder".to_string(), |p| display_name(&p.name));
            let covered = if r.workloads.len() == scenario.workloads.len() {
                "all workloads".to_string()
            } else {
                r.workloads
                    .iter()
                    .map(workload)
                    .collect::<Vec<_>>()
                    .join(" and ")
                    .to_lowercase()
            };
            let until = match r.until {
                Until::Month(m) => format!(" to {m}"),
                Until::Never => String::new(),
                Until::AgiVerified => " until verified AGI".to_string(),
                Until::IpExpiry => " until the IP rights end".to_string(),
            };
            lists.insert(
                r.path.clone(),
                Listed::Rofr {
                    holder,
                    covered,
                    from: r.from.to_string(),
                    until,
                },
            );
        }
        InputLabels { lists }
    }

    /// Labels for the scenario a manifest records: the file at `path`, as
    /// given when the run was made (so relative to where it was run: tried
    /// as it is, then below each folder holding the output `folder`, since
    /// outputs usually sit in the project's `output/`), with its
    /// `overrides`. A file is used only while its SHA-256 is still
    /// `sha256` (a changed file may list other tranches); without one,
    /// inputs in lists keep their path.
    pub fn from_file(folder: &Path, path: &str, sha256: &str, overrides: &[String]) -> InputLabels {
        if path.is_empty() || sha256.is_empty() {
            return InputLabels::default();
        }
        let given = Path::new(path);
        let mut candidates = vec![given.to_path_buf()];
        if given.is_relative()
            && let Ok(abs) = std::path::absolute(folder)
        {
            candidates.extend(abs.ancestors().skip(1).map(|a| a.join(given)));
        }
        let Some(text) = candidates.iter().find_map(|c| {
            let bytes = std::fs::read(c).ok()?;
            (sha256_hex(&bytes) == sha256).then_some(String::from_utf8(bytes).ok()?)
        }) else {
            return InputLabels::default();
        };
        let Ok(overrides) = overrides
            .iter()
            .map(|o| o.parse::<Override>())
            .collect::<Result<Vec<_>, _>>()
        else {
            return InputLabels::default();
        };
        match scenario::load_str(path, &text, &overrides) {
            Ok(s) => InputLabels::of(&s),
            Err(_) => InputLabels::default(),
        }
    }

    /// The reader's name of input (or `--vary` key) `path`, e.g.
    /// `providers.stargate.tranches.3.gw` → "Stargate tranche online
    /// 2027-06, GW". A path it does not know is returned as it is.
    pub fn label(&self, path: &str) -> String {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["providers", p, "tranches", i, key] => {
                let Some(Listed::Tranche {
                    provider,
                    online,
                    nth,
                }) = self.lists.get(&format!("providers.{p}.tranches.{i}"))
                else {
                    return path.to_string();
                };
                let what = match *key {
                    "gw" => "GW",
                    "delay_months" => "delay in months",
                    "probability" => "probability it comes",
                    // The month itself is what varies: name the tranche
                    // by the month the file plans.
                    "online" => {
                        return format!(
                            "Online month of the {provider} tranche planned for {online}{nth}"
                        );
                    }
                    _ => return path.to_string(),
                };
                format!("{provider} tranche online {online}{nth}, {what}")
            }
            ["terms", "rofr", i, key] => {
                let Some(Listed::Rofr {
                    holder,
                    covered,
                    from,
                    until,
                }) = self.lists.get(&format!("terms.rofr.{i}"))
                else {
                    return path.to_string();
                };
                // A window's own start or end is left out of its name
                // when that is what varies.
                match *key {
                    "exercise_probability" => format!(
                        "{holder} ROFR on {covered} from {from}{until}, exercise probability"
                    ),
                    "until" => format!("End of the {holder} ROFR on {covered} (from {from})"),
                    "from" => format!("Start of the {holder} ROFR on {covered}{until}"),
                    "workloads" => format!("Workloads of the {holder} ROFR from {from}{until}"),
                    _ => path.to_string(),
                }
            }
            ["providers", p, key] => {
                let p = display_name(p);
                let what = match *key {
                    "initial_gw" => "capacity at the start, GW",
                    "growth" => "capacity growth a year",
                    "max_gw" => "capacity ceiling, GW",
                    "price" => "price, US$ bn per GW-year",
                    "max_new_gw_per_year" => "new capacity signed at most, GW a year",
                    _ => return path.to_string(),
                };
                format!("{p} {what}")
            }
            ["workloads", w, "share"] => format!("{} share of demand", display_name(w)),
            _ => match path {
                "demand.initial_gw" => "Demand at the start, GW",
                "demand.growth" => "Demand growth a year",
                "demand.growth_halflife_years" => "Half-life of demand growth, years",
                "demand.volatility" => "Demand volatility",
                "demand.ceiling_gw" => "Demand ceiling, GW",
                "new_capacity.lead_time_months" => "Lead time of new capacity, months",
                "new_capacity.coverage" => "Share of a shortfall signed each month",
                "allocation.policy" => "Allocation policy",
                "terms.revenue_share.rate" => "Revenue share rate",
                "terms.revenue_share.cap_usd_bn" => "Revenue share cap, US$ bn",
                "terms.revenue_share.until" => "Revenue share end",
                "terms.ip.sunset" => "IP rights sunset",
                "terms.ip.ends_at_agi" => "IP rights end at AGI",
                "revenue.per_gw_year" => "OpenAI revenue per GW-year, US$ bn",
                "revenue.growth" => "Growth of revenue per GW-year, a year",
                "microsoft.azure_margin" => "Azure margin on OpenAI's spend",
                "microsoft.discount_rate" => "Microsoft's discount rate",
                "agi.year" => "AGI year",
                "agi.annual_hazard" => "AGI hazard a year",
                "agi.hazard_growth" => "Growth of the AGI hazard a year",
                "agi.threshold_gw_years" => "AGI compute threshold, GW-years",
                "agi.panel.months" => "AGI panel review, months",
                "agi.panel.confirm_probability" => "AGI panel confirms, probability",
                "agi.panel.retry_months" => "AGI panel retry after a rejection, months",
                "seed" => "Seed",
                _ => path,
            }
            .to_string(),
        }
    }
}

/// A label inside a sentence ("… against revenue share rate"): its first
/// letter in lower case when its first word is a common one, never a
/// name ("Azure margin…", "AGI year", "IP rights sunset" stay).
pub fn in_sentence(label: &str) -> String {
    const COMMON: [&str; 13] = [
        "Online",
        "End",
        "Start",
        "Workloads",
        "Demand",
        "Half-life",
        "Lead",
        "Share",
        "Allocation",
        "Revenue",
        "Growth",
        "Seed",
        "Probability",
    ];
    let first = label.split([' ', ',']).next().unwrap_or("");
    if COMMON.contains(&first) {
        let mut c = label.chars();
        c.next().map_or_else(String::new, |f| {
            f.to_lowercase().collect::<String>() + c.as_str()
        })
    } else {
        label.to_string()
    }
}

/// The outcome as the object of a sentence: "What drives Microsoft's NPV".
pub fn outcome_phrase(metric: &str) -> String {
    use crate::folder::outcomes::{
        AZURE_SHARE_END, IP_EXPIRY_YEAR, MICROSOFT_VALUE_NPV, OPENAI_REVENUE, REVENUE_SHARE,
        UNMET_SHARE,
    };
    match metric {
        MICROSOFT_VALUE_NPV => "Microsoft's NPV".into(),
        AZURE_SHARE_END => "Azure's share of placed compute at the end".into(),
        UNMET_SHARE => "the unmet share of demand".into(),
        IP_EXPIRY_YEAR => "when the IP rights end".into(),
        OPENAI_REVENUE => "OpenAI's revenue".into(),
        REVENUE_SHARE => "the revenue share paid to Microsoft".into(),
        _ => super::charts::describe(metric).0,
    }
}

/// `v` to three significant digits, thousands separated: 2596 → "2,600",
/// 157.24 → "157", 71.0 → "71.0", 0.21494 → "0.215".
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let exp = a.log10().floor() as i32;
    // Rounding can carry into the next power of ten (999.7 → 1000).
    let rounded = |e: i32| {
        let scale = 10f64.powi(2 - e);
        (a * scale).round() / scale
    };
    let mut r = rounded(exp);
    if r >= 10f64.powi(exp + 1) {
        r = rounded(exp + 1);
    }
    // Trailing zeros are kept: they are significant (71.0 % beside 27.3 %).
    let decimals = (2 - r.log10().floor() as i32).max(0) as usize;
    let s = format!("{r:.decimals$}");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let grouped = group_thousands(&int);
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{grouped}{frac}")
}

/// A share 0..1 as a percentage to three significant digits: "28.2 %".
pub fn percent(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    format!("{} %", sig3(v * 100.0))
}

/// A difference of shares in percentage points, signed: "+4.71 pp".
pub fn points(d: f64) -> String {
    let sign = if d > 0.0 { "+" } else { "" };
    format!("{sign}{} pp", sig3(d * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits_with_separators() {
        for (v, want) in [
            (2596.0, "2,600"),
            (157.24, "157"),
            (64.56, "64.6"),
            (2.5, "2.50"),
            (71.0, "71.0"),
            (0.21494, "0.215"),
            (0.05, "0.0500"),
            (999.7, "1,000"),
            (1_234_567.0, "1,230,000"),
            (-187.7, "-188"),
            (-0.004467, "-0.00447"),
            (0.0, "0"),
            (9.996, "10.0"),
        ] {
            assert_eq!(sig3(v), want, "{v}");
        }
        assert_eq!(sig3(f64::NAN), "–");
        assert_eq!(percent(0.2821), "28.2 %");
        assert_eq!(percent(0.001), "0.100 %");
        assert_eq!(percent(1.0), "100 %");
        assert_eq!(points(0.04711), "+4.71 pp");
        assert_eq!(points(-0.004467), "-0.447 pp");
    }

    #[test]
    fn names_as_a_reader_writes_them() {
        assert_eq!(display_name("aws"), "AWS");
        assert_eq!(display_name("stateless_api"), "Stateless API");
        assert_eq!(display_name("coreweave"), "CoreWeave");
        assert_eq!(display_name("stargate"), "Stargate");
    }

    const TWO_TRANCHES: &str = r#"
name = "t"
[time]
start = "2025-01"
end = "2026-12"
[demand]
initial_gw = 1.0
growth = 0.5
[[workloads]]
name = "training"
share = 0.5
[[workloads]]
name = "stateless_api"
share = 0.5
[[providers]]
name = "azure"
initial_gw = 1.0
price = 10.0
[[providers]]
name = "stargate"
initial_gw = 0.0
price = 10.0
[[providers.tranches]]
gw = { dist = "uniform", min = 1, max = 2 }
online = "2026-01"
[[providers.tranches]]
gw = 1.0
online = "2027-06"
[[providers.tranches]]
gw = 1.0
online = "2027-06"
[terms]
[[terms.rofr]]
holder = "azure"
workloads = ["training"]
from = "2025-01"
until = "2025-10"
exercise_probability = { dist = "uniform", min = 0.2, max = 0.8 }
[revenue]
per_gw_year = 10.0
[microsoft]
azure_margin = 0.3
discount_rate = 0.08
"#;

    #[test]
    fn a_tranche_is_named_by_its_provider_and_online_month() {
        let s = scenario::load_str("t.toml", TWO_TRANCHES, &[]).expect("valid scenario");
        let l = InputLabels::of(&s);
        assert_eq!(
            l.label("providers.stargate.tranches.0.gw"),
            "Stargate tranche online 2026-01, GW"
        );
        assert_eq!(
            l.label("providers.stargate.tranches.2.probability"),
            "Stargate tranche online 2027-06 (2 of 2), probability it comes"
        );
        assert_eq!(
            l.label("terms.rofr.0.exercise_probability"),
            "Azure ROFR on training from 2025-01 to 2025-10, exercise probability"
        );
        // What varies is left out of the name.
        assert_eq!(
            l.label("terms.rofr.0.until"),
            "End of the Azure ROFR on training (from 2025-01)"
        );
        assert_eq!(
            l.label("providers.stargate.tranches.0.online"),
            "Online month of the Stargate tranche planned for 2026-01"
        );
        assert_eq!(
            l.label("providers.azure.price"),
            "Azure price, US$ bn per GW-year"
        );
        assert_eq!(
            l.label("workloads.stateless_api.share"),
            "Stateless API share of demand"
        );
        // Unknown to the scenario, or no scenario at all: the path.
        assert_eq!(
            l.label("providers.stargate.tranches.9.gw"),
            "providers.stargate.tranches.9.gw"
        );
        let none = InputLabels::default();
        assert_eq!(
            none.label("providers.stargate.tranches.0.gw"),
            "providers.stargate.tranches.0.gw"
        );
        assert_eq!(none.label("demand.growth"), "Demand growth a year");
        assert_eq!(none.label("no.such.key"), "no.such.key");
    }

    #[test]
    fn a_changed_or_missing_scenario_file_names_nothing_by_index() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.toml");
        std::fs::write(&path, TWO_TRANCHES).expect("write");
        let p = path.to_str().expect("utf-8");
        let sha = sha256_hex(TWO_TRANCHES.as_bytes());
        let key = "providers.stargate.tranches.1.gw";
        assert_eq!(
            InputLabels::from_file(dir.path(), p, &sha, &[]).label(key),
            "Stargate tranche online 2027-06 (1 of 2), GW"
        );
        // The overrides the run had are applied.
        let moved = ["providers.stargate.tranches.1.online=\"2028-03\"".to_string()];
        assert_eq!(
            InputLabels::from_file(dir.path(), p, &sha, &moved).label(key),
            "Stargate tranche online 2028-03, GW"
        );
        assert_eq!(
            InputLabels::from_file(dir.path(), p, "00", &[]).label(key),
            key
        );
        // A relative path is also looked for above the output folder (a
        // report drawn from elsewhere than where the run was made).
        std::fs::create_dir_all(dir.path().join("scenarios")).expect("mkdir");
        std::fs::write(dir.path().join("scenarios/t2.toml"), TWO_TRANCHES).expect("write");
        let run = dir.path().join("output").join("run");
        assert_eq!(
            InputLabels::from_file(&run, "scenarios/t2.toml", &sha, &[]).label(key),
            "Stargate tranche online 2027-06 (1 of 2), GW"
        );
        assert_eq!(
            InputLabels::from_file(dir.path(), "nowhere.toml", &sha, &[]).label(key),
            key
        );
    }

    #[test]
    fn labels_inside_a_sentence_keep_their_names() {
        assert_eq!(in_sentence("Revenue share rate"), "revenue share rate");
        assert_eq!(
            in_sentence("Azure margin on OpenAI's spend"),
            "Azure margin on OpenAI's spend"
        );
        assert_eq!(in_sentence("AGI year"), "AGI year");
        assert_eq!(
            in_sentence("End of the Azure ROFR on training (from 2025-01)"),
            "end of the Azure ROFR on training (from 2025-01)"
        );
        assert_eq!(in_sentence("terms.rofr.0.until"), "terms.rofr.0.until");
    }

    #[test]
    fn outcomes_read_in_a_title() {
        assert_eq!(
            format!(
                "What drives {}",
                outcome_phrase("microsoft_value_npv_usd_bn")
            ),
            "What drives Microsoft's NPV"
        );
    }
}
