//! Signing new capacity (docs/model.md, month step 6): how one trial's
//! contract of a month is split over providers, each within what it can
//! still build this month (its headroom), under the allocation policy.

use crate::scenario::Policy;

/// One trial's signing in one month.
pub struct Signing<'a> {
    /// The allocation policy.
    pub policy: Policy,
    /// The trial's provider order for `cheapest_first` / `in_order`.
    pub order: &'a [usize],
    /// What each provider can still sign this month, GW (infinite when
    /// unlimited).
    pub headroom: &'a mut [f64],
    /// What each provider has signed this month, GW.
    pub signed: &'a mut [f64],
}

impl Signing<'_> {
    /// Provider `p` signs up to `amount` within its headroom; returns what
    /// is left.
    pub fn sign(&mut self, p: usize, amount: f64) -> f64 {
        let x = amount.min(self.headroom[p]).max(0.0);
        self.signed[p] += x;
        self.headroom[p] -= x;
        amount - x
    }

    /// Signs `amount` under the policy over every provider but `except`;
    /// returns what found no headroom.
    pub fn spread(&mut self, amount: f64, except: Option<usize>) -> f64 {
        if amount <= 0.0 {
            return amount.max(0.0);
        }
        let eligible = |p: usize| Some(p) != except;
        match self.policy {
            Policy::CheapestFirst | Policy::InOrder => {
                let mut left = amount;
                for i in 0..self.order.len() {
                    if left <= 0.0 {
                        break;
                    }
                    let p = self.order[i];
                    if eligible(p) {
                        left = self.sign(p, left);
                    }
                }
                left
            }
            Policy::ProRata => {
                let n = self.headroom.len();
                let unlimited = (0..n)
                    .filter(|&p| eligible(p) && self.headroom[p] == f64::INFINITY)
                    .count();
                if unlimited > 0 {
                    // In proportion to headroom, as some headroom grows
                    // without bound: the unlimited providers share equally.
                    let each = amount / unlimited as f64;
                    for p in (0..n).filter(|&p| eligible(p) && self.headroom[p] == f64::INFINITY) {
                        self.signed[p] += each;
                    }
                    return 0.0;
                }
                let total: f64 = (0..n)
                    .filter(|&p| eligible(p))
                    .map(|p| self.headroom[p])
                    .sum();
                if total <= 0.0 {
                    return amount;
                }
                if total <= amount {
                    for p in (0..n).filter(|&p| eligible(p)) {
                        self.signed[p] += self.headroom[p];
                        self.headroom[p] = 0.0;
                    }
                    return amount - total;
                }
                for p in (0..n).filter(|&p| eligible(p)) {
                    let x = amount * self.headroom[p] / total;
                    self.signed[p] += x;
                    self.headroom[p] -= x;
                }
                0.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        policy: Policy,
        headroom: &[f64],
        amount: f64,
        except: Option<usize>,
    ) -> (Vec<f64>, f64) {
        let order = [1, 0, 2];
        let mut room = headroom.to_vec();
        let mut signed = vec![0.0; headroom.len()];
        let left = Signing {
            policy,
            order: &order,
            headroom: &mut room,
            signed: &mut signed,
        }
        .spread(amount, except);
        (signed, left)
    }

    #[test]
    fn each_policy_signs_within_headroom() {
        // Walk the order 1, 0, 2: provider 1 has 1 GW of headroom, 0 has 3.
        assert_eq!(
            run(Policy::CheapestFirst, &[3.0, 1.0, 2.0], 4.0, None),
            (vec![3.0, 1.0, 0.0], 0.0)
        );
        assert_eq!(
            run(Policy::InOrder, &[3.0, 1.0, 2.0], 7.0, Some(2)),
            (vec![3.0, 1.0, 0.0], 3.0)
        );
        // In proportion to headroom 1 : 3 : 2 (total 6) of 3 GW.
        assert_eq!(
            run(Policy::ProRata, &[1.0, 3.0, 2.0], 3.0, None),
            (vec![0.5, 1.5, 1.0], 0.0)
        );
        // More than all the headroom: each signs all of it.
        assert_eq!(
            run(Policy::ProRata, &[1.0, 3.0, 2.0], 10.0, Some(1)),
            (vec![1.0, 0.0, 2.0], 7.0)
        );
        // Unlimited providers share equally; the limited ones sign nothing.
        let inf = f64::INFINITY;
        assert_eq!(
            run(Policy::ProRata, &[inf, 3.0, inf], 3.0, None),
            (vec![1.5, 0.0, 1.5], 0.0)
        );
        assert_eq!(
            run(Policy::CheapestFirst, &[inf, 0.0, 2.0], 3.0, None),
            (vec![3.0, 0.0, 0.0], 0.0)
        );
    }
}
