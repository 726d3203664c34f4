//! Release and routing (MODEL.md steps 4 and 5): what stays placed, and
//! where each class's new need goes under the allocation policy.

use crate::scenario::Policy;

/// Step 4. A class placed above its demand shrinks pro rata across its
/// providers; then a provider holding more than its capacity sheds pro rata
/// across its classes. `placed` is `[class * n_prov + provider]`.
pub fn release(placed: &mut [f64], class_demand: &[f64], capacity: &[f64], n_prov: usize) {
    for (c, &d) in class_demand.iter().enumerate() {
        let row = &mut placed[c * n_prov..(c + 1) * n_prov];
        let total: f64 = row.iter().sum();
        if total > d {
            let k = if total > 0.0 { d / total } else { 0.0 };
            row.iter_mut().for_each(|x| *x *= k);
        }
    }
    let n_class = class_demand.len();
    for (p, &cap) in capacity.iter().enumerate() {
        let total: f64 = (0..n_class).map(|c| placed[c * n_prov + p]).sum();
        if total > cap {
            let k = if total > 0.0 { cap / total } else { 0.0 };
            for c in 0..n_class {
                placed[c * n_prov + p] *= k;
            }
        }
    }
}

/// Places need on providers with free capacity.
pub struct Router<'a> {
    /// Placed GW, `[class * n_prov + provider]`.
    pub placed: &'a mut [f64],
    /// Free GW per provider.
    pub free: &'a mut [f64],
    /// Provider order for `cheapest_first` / `in_order`.
    pub order: &'a [usize],
    /// Number of providers.
    pub n_prov: usize,
    /// The allocation policy.
    pub policy: Policy,
}

impl Router<'_> {
    /// GW placed for class `c`.
    pub fn class_total(&self, c: usize) -> f64 {
        self.placed[c * self.n_prov..(c + 1) * self.n_prov]
            .iter()
            .sum()
    }

    /// Places up to `need` of class `c` on provider `p`; returns what is left.
    pub fn take(&mut self, c: usize, p: usize, need: f64) -> f64 {
        let x = need.min(self.free[p]).max(0.0);
        self.placed[c * self.n_prov + p] += x;
        self.free[p] -= x;
        need - x
    }

    /// Places `need` of class `c` under the policy on every provider but
    /// `except`; returns what found no capacity.
    pub fn spread(&mut self, c: usize, need: f64, except: Option<usize>) -> f64 {
        if need <= 0.0 {
            return need.max(0.0);
        }
        match self.policy {
            Policy::CheapestFirst | Policy::InOrder => {
                let mut left = need;
                for i in 0..self.order.len() {
                    let p = self.order[i];
                    if Some(p) == except || left <= 0.0 {
                        continue;
                    }
                    left = self.take(c, p, left);
                }
                left
            }
            Policy::ProRata => {
                let total: f64 = (0..self.n_prov)
                    .filter(|&p| Some(p) != except)
                    .map(|p| self.free[p])
                    .sum();
                if total <= 0.0 {
                    return need;
                }
                if total <= need {
                    for p in (0..self.n_prov).filter(|&p| Some(p) != except) {
                        let x = self.free[p];
                        self.placed[c * self.n_prov + p] += x;
                        self.free[p] = 0.0;
                    }
                    return need - total;
                }
                for p in (0..self.n_prov).filter(|&p| Some(p) != except) {
                    let x = need * self.free[p] / total;
                    self.placed[c * self.n_prov + p] += x;
                    self.free[p] -= x;
                }
                0.0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_shrinks_classes_then_providers() {
        // 2 classes × 2 providers.
        let mut placed = vec![2.0, 2.0, 1.0, 1.0];
        release(&mut placed, &[2.0, 5.0], &[10.0, 1.5], 2);
        // Class 0 shrinks from 4 to 2 pro rata; provider 1 holds 1 + 1 > 1.5.
        assert_eq!(placed[0], 1.0);
        assert_eq!(placed[2], 1.0);
        assert!((placed[1] - 0.75).abs() < 1e-12 && (placed[3] - 0.75).abs() < 1e-12);
    }

    #[test]
    fn policies_spread_need() {
        let order = [1, 0, 2];
        for (policy, expect) in [
            (Policy::CheapestFirst, [1.0, 3.0, 0.0]),
            (Policy::InOrder, [1.0, 3.0, 0.0]),
            (Policy::ProRata, [4.0 / 6.0, 2.0, 8.0 / 6.0]),
        ] {
            let mut placed = vec![0.0; 3];
            let mut free = vec![1.0, 3.0, 2.0];
            let mut r = Router {
                placed: &mut placed,
                free: &mut free,
                order: &order,
                n_prov: 3,
                policy,
            };
            let left = r.spread(0, 4.0, None);
            assert_eq!(left, 0.0, "{policy:?}");
            for (a, b) in placed.iter().zip(expect) {
                assert!((a - b).abs() < 1e-12, "{policy:?}: {placed:?}");
            }
        }
    }
}
