//! The contract terms as the month step applies them (docs/model.md, steps
//! 1 and 5): when a term's window is active, which route each workload
//! class takes in a month — exclusive, then ROFR, then open, the first
//! matching window in file order deciding —, the order classes are served
//! in, when IP rights end, and the ROFR offer. The month step and the
//! tests' lane-by-lane reference take these rules from here.

use crate::scenario::{InputId, Month, Scenario, Until};

/// A term window resolved to month indices: active in month m when
/// `from <= m` and m is before its end.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    from: i64,
    until: End,
}

/// `Until` with its month resolved to an index, so the month loop compares
/// integers only.
#[derive(Debug, Clone, Copy)]
enum End {
    Month(i64),
    Never,
    AgiVerified,
    IpExpiry,
}

impl Window {
    fn new(from: i64, until: Until, start: Month) -> Window {
        let until = match until {
            Until::Month(u) => End::Month(i64::from(u.since(start))),
            Until::Never => End::Never,
            Until::AgiVerified => End::AgiVerified,
            Until::IpExpiry => End::IpExpiry,
        };
        Window { from, until }
    }

    /// Whether the window is active in month `m`, given the months AGI was
    /// verified and IP rights expire (if known by then).
    #[inline]
    pub fn active(&self, m: i64, verified: Option<i64>, ip_expiry: Option<i64>) -> bool {
        self.from <= m
            && match self.until {
                End::Month(u) => m < u,
                End::Never => true,
                End::AgiVerified => verified.is_none_or(|v| m < v),
                End::IpExpiry => ip_expiry.is_none_or(|e| m < e),
            }
    }

    /// Where the window stands in month `m` for every trial at once.
    fn in_month(&self, m: i64) -> InMonth {
        if m < self.from {
            return InMonth::Closed;
        }
        match self.until {
            End::Month(u) if m < u => InMonth::Open,
            End::Month(_) => InMonth::Closed,
            End::Never => InMonth::Open,
            End::AgiVerified => InMonth::UntilAgiVerified,
            End::IpExpiry => InMonth::UntilIpExpiry,
        }
    }

    /// Whether the window's end depends on the trial (AGI or IP expiry).
    fn hangs_on_agi(&self) -> bool {
        matches!(self.until, End::AgiVerified | End::IpExpiry)
    }
}

/// Where a window stands in one month for every trial: closed or open for
/// all, or open for a trial until its verified AGI or its IP expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InMonth {
    /// Closed for every trial.
    Closed,
    /// Open for every trial.
    Open,
    /// Open while a trial's AGI is not verified.
    UntilAgiVerified,
    /// Open while a trial's IP rights have not expired.
    UntilIpExpiry,
}

/// How a class is routed in a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Only this provider may serve it.
    Exclusive(usize),
    /// Offered first to the holder of this ROFR window (its index).
    Rofr(usize),
    /// Any provider under the policy.
    Open,
}

impl Route {
    /// Serving order: exclusive, then ROFR, then open.
    fn pass(self) -> u8 {
        match self {
            Route::Exclusive(_) => 0,
            Route::Rofr(_) => 1,
            Route::Open => 2,
        }
    }
}

/// The classes with their routes in serving order: exclusive classes
/// first, then ROFR, then open, in config order within each.
pub fn serving_order(routes: &[Route]) -> impl Iterator<Item = (usize, Route)> + '_ {
    (0..3).flat_map(move |pass| {
        routes
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.pass() == pass)
            .map(|(c, &r)| (c, r))
    })
}

/// Whether a class asks for capacity this month: its unplaced `need` is
/// more than a negligible part (1e-12) of its `demand`, which is rounding
/// left over rather than demand. Only then is it routed (step 5) and can
/// it have unmet need, and so a part of the month's contract (step 6).
#[inline]
pub fn has_need(need: f64, demand: f64) -> bool {
    need > 1e-12 * demand
}

/// The holder's answer to one monthly offer: it takes the offer up when
/// the class's uniform draw of the month falls below the window's
/// exercise probability.
#[inline]
pub fn exercised(draw: f64, exercise_probability: f64) -> bool {
    draw < exercise_probability
}

/// An exclusivity window: only `provider` may serve the classes it covers.
#[derive(Debug, Clone)]
struct Exclusive {
    window: Window,
    provider: usize,
    covers: Vec<bool>,
}

/// A ROFR window: the classes it covers are offered to `holder` first.
#[derive(Debug, Clone)]
pub struct RofrWindow {
    window: Window,
    /// The holding provider.
    pub holder: usize,
    /// The input drawn once per trial: chance the holder takes up an offer.
    pub exercise_probability: InputId,
    covers: Vec<bool>,
}

/// Every class's route and whether a ROFR window is active, month by
/// month, for scenarios whose windows all end at fixed months.
#[derive(Debug, Clone)]
pub struct FixedRoutes {
    n_class: usize,
    routes: Vec<Route>,
    rofr_active: Vec<bool>,
}

impl FixedRoutes {
    /// The classes' routes in month `m`.
    pub fn routes(&self, m: usize) -> &[Route] {
        &self.routes[m * self.n_class..(m + 1) * self.n_class]
    }

    /// Whether a ROFR window is active in month `m`.
    pub fn rofr_active(&self, m: usize) -> bool {
        self.rofr_active[m]
    }
}

/// A scenario's terms compiled for the month loop: windows as month
/// indices, workloads as masks over the classes.
#[derive(Debug, Clone)]
pub struct Terms {
    exclusivity: Vec<Exclusive>,
    /// ROFR windows, in file order.
    pub rofr: Vec<RofrWindow>,
    revenue_share: Option<Window>,
    /// IP sunset month index and whether verified AGI ends the rights.
    ip: Option<(i64, bool)>,
}

impl Terms {
    /// Compiles the terms of `scenario`.
    pub fn new(scenario: &Scenario) -> Terms {
        let start = scenario.start;
        let window =
            |from: Month, until: Until| Window::new(i64::from(from.since(start)), until, start);
        let mask = |ws: &[usize]| {
            let mut m = vec![false; scenario.workloads.len()];
            for &w in ws {
                m[w] = true;
            }
            m
        };
        let terms = &scenario.terms;
        Terms {
            exclusivity: terms
                .exclusivity
                .iter()
                .map(|e| Exclusive {
                    window: window(e.from, e.until),
                    provider: e.provider,
                    covers: mask(&e.workloads),
                })
                .collect(),
            rofr: terms
                .rofr
                .iter()
                .map(|r| RofrWindow {
                    window: window(r.from, r.until),
                    holder: r.holder,
                    exercise_probability: r.exercise_probability,
                    covers: mask(&r.workloads),
                })
                .collect(),
            revenue_share: terms
                .revenue_share
                .as_ref()
                .map(|rs| Window::new(i64::MIN, rs.until, start)),
            ip: terms
                .ip
                .as_ref()
                .map(|ip| (i64::from(ip.sunset.since(start)), ip.ends_at_agi)),
        }
    }

    /// Each class's route in month `m` (the first matching window in file
    /// order decides: exclusivity, then ROFR, else open), and whether any
    /// ROFR window is active.
    pub fn routes(
        &self,
        m: i64,
        verified: Option<i64>,
        ip_expiry: Option<i64>,
        routes: &mut [Route],
    ) -> bool {
        let active = |w: &Window| w.active(m, verified, ip_expiry);
        for (c, route) in routes.iter_mut().enumerate() {
            *route = if let Some(e) = self
                .exclusivity
                .iter()
                .find(|e| e.covers[c] && active(&e.window))
            {
                Route::Exclusive(e.provider)
            } else if let Some(ri) = self
                .rofr
                .iter()
                .position(|r| r.covers[c] && active(&r.window))
            {
                Route::Rofr(ri)
            } else {
                Route::Open
            };
        }
        self.rofr.iter().any(|r| active(&r.window))
    }

    /// Every month's routes, when no window's end hangs on AGI (the usual
    /// case): then the month loop looks routes up instead of searching the
    /// windows. `None` when some window ends at `agi_verified` or
    /// `ip_expiry`, so routes differ between trials.
    pub fn fixed_routes(&self, months: usize, n_class: usize) -> Option<FixedRoutes> {
        let windows = self.exclusivity.iter().map(|e| e.window);
        if windows
            .chain(self.rofr.iter().map(|r| r.window))
            .any(|w| w.hangs_on_agi())
        {
            return None;
        }
        let mut routes = vec![Route::Open; months * n_class];
        let mut rofr_active = vec![false; months];
        for m in 0..months {
            let row = &mut routes[m * n_class..(m + 1) * n_class];
            rofr_active[m] = self.routes(m as i64, None, None, row);
        }
        Some(FixedRoutes {
            n_class,
            routes,
            rofr_active,
        })
    }

    /// The month IP rights end, given the verified month so far: the
    /// sunset, or verified AGI when earlier and the rights end at AGI.
    /// `None` without `[terms.ip]` (the rights never end).
    pub fn ip_expiry(&self, verified: Option<i64>) -> Option<i64> {
        let (sunset, ends_at_agi) = self.ip?;
        match verified {
            Some(v) if ends_at_agi => Some(v.min(sunset)),
            _ => Some(sunset),
        }
    }

    /// The IP sunset as a month index, if there are IP rights.
    pub fn sunset(&self) -> Option<i64> {
        self.ip.map(|(sunset, _)| sunset)
    }

    /// Whether revenue is shared in month `m` (before the cap is reached),
    /// for every trial at once: the revenue share's window in that month.
    pub fn sharing_in(&self, m: i64) -> InMonth {
        self.revenue_share
            .as_ref()
            .map_or(InMonth::Closed, |window| window.in_month(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_served_exclusive_then_rofr_then_open_in_config_order() {
        let routes = [
            Route::Open,
            Route::Rofr(0),
            Route::Exclusive(2),
            Route::Open,
            Route::Exclusive(0),
        ];
        let order: Vec<usize> = serving_order(&routes).map(|(c, _)| c).collect();
        assert_eq!(order, [2, 4, 1, 0, 3]);
    }

    #[test]
    fn need_is_more_than_rounding_and_an_offer_is_taken_below_the_probability() {
        assert!(has_need(1e-9, 1.0));
        assert!(!has_need(1e-12, 1.0));
        assert!(!has_need(0.0, 0.0));
        assert!(exercised(0.59, 0.6) && !exercised(0.6, 0.6));
    }

    #[test]
    fn windows_end_at_their_month_or_at_agi() {
        let start = Month::parse("2025-01").unwrap();
        let fixed = Window::new(2, Until::Month(start.plus(5)), start);
        assert!(!fixed.active(1, None, None) && fixed.active(2, None, None));
        assert!(fixed.active(4, None, None) && !fixed.active(5, None, None));
        let agi = Window::new(0, Until::AgiVerified, start);
        assert!(agi.active(7, Some(8), None) && !agi.active(8, Some(8), None));
        assert!(agi.active(100, None, None));
        let ip = Window::new(0, Until::IpExpiry, start);
        assert!(ip.active(3, None, Some(4)) && !ip.active(4, None, Some(4)));
        assert!(ip.hangs_on_agi() && !fixed.hangs_on_agi());
    }

    /// A window's standing in a month for every trial at once, resolved
    /// per trial as the month step does (months as doubles, infinite for
    /// never), agrees with asking it trial by trial.
    #[test]
    fn a_window_in_a_month_agrees_with_each_trial() {
        let start = Month::parse("2025-01").unwrap();
        let windows = [
            Window::new(2, Until::Month(start.plus(5)), start),
            Window::new(3, Until::Never, start),
            Window::new(1, Until::AgiVerified, start),
            Window::new(0, Until::IpExpiry, start),
        ];
        let months = [None, Some(0), Some(2), Some(4), Some(9)];
        let as_double = |m: Option<i64>| m.map_or(f64::INFINITY, |m| m as f64);
        for w in windows {
            for m in 0..10 {
                for verified in months {
                    for expiry in months {
                        let mf = m as f64;
                        let all_at_once = match w.in_month(m) {
                            InMonth::Closed => false,
                            InMonth::Open => true,
                            InMonth::UntilAgiVerified => mf < as_double(verified),
                            InMonth::UntilIpExpiry => mf < as_double(expiry),
                        };
                        assert_eq!(
                            all_at_once,
                            w.active(m, verified, expiry),
                            "{w:?}, month {m}, verified {verified:?}, expiry {expiry:?}"
                        );
                    }
                }
            }
        }
    }
}
