//! The fairness measures as plain functions, so each is checked by hand on small inputs.

/// Jain's index of `x`: (Σx)² / (n·Σx²); 1 for an empty list or all zeros (nothing unfair).
pub fn jain(x: &[f64]) -> f64 {
    jain_from_sums(x.len(), x.iter().sum(), x.iter().map(|v| v * v).sum())
}

/// Jain's index from n, Σx and Σx².
pub fn jain_from_sums(n: usize, sum: f64, sum_sq: f64) -> f64 {
    if n == 0 || sum_sq <= 1e-15 {
        1.0
    } else {
        (sum * sum / (n as f64 * sum_sq)).clamp(0.0, 1.0)
    }
}

/// Tasks of per-task `demand` that fit in `have` (Leontief utility), both in thousandths by
/// resource; 0 when the demand is empty.
pub fn tasks_fitting(have: &[i64], demand: &[f64]) -> u64 {
    let mut best = f64::INFINITY;
    for (h, d) in have.iter().zip(demand) {
        if *d > 0.0 {
            best = best.min(*h as f64 / d);
        }
    }
    if best.is_finite() {
        // `as` truncates toward zero and saturates below at 0: the floor of a count, without
        // a call into libm on every role pair.
        (best + 1e-9) as u64
    } else {
        0
    }
}

/// Dominant share of `used` in `totals` over the resources `counted`.
pub fn dominant_share(used: &[i64], totals: &[i64], counted: &[bool]) -> f64 {
    let mut share: f64 = 0.0;
    for ((u, t), c) in used.iter().zip(totals).zip(counted) {
        if *c && *t > 0 {
            share = share.max(*u as f64 / *t as f64);
        }
    }
    share
}

/// Nearest-rank percentile (`p` in 0..=100) of (value, count) pairs sorted by value.
pub fn percentile(sorted: &[(u64, u64)], total: u64, p: f64) -> u64 {
    if total == 0 {
        return 0;
    }
    let rank = ((p / 100.0 * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (value, count) in sorted {
        seen += count;
        if seen >= rank {
            return *value;
        }
    }
    sorted.last().map_or(0, |(v, _)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jain_by_hand() {
        // (1+1)²/(2·2) = 1; (1+0)²/(2·1) = 0.5; (1+2+3)²/(3·14) = 36/42.
        assert_eq!(jain(&[1.0, 1.0]), 1.0);
        assert_eq!(jain(&[1.0, 0.0]), 0.5);
        assert!((jain(&[1.0, 2.0, 3.0]) - 36.0 / 42.0).abs() < 1e-12);
        assert_eq!(jain(&[]), 1.0);
        assert_eq!(jain(&[0.0, 0.0]), 1.0);
    }

    #[test]
    fn leontief_tasks_by_hand() {
        // DRF paper: B holds <6 cpus, 2 GB>; A's tasks need <1, 4 GB>: min(6/1, 2/4) = 0.5 → 0.
        assert_eq!(tasks_fitting(&[6000, 2_048_000], &[1000.0, 4_096_000.0]), 0);
        // A holds <3, 12 GB>: exactly 3 of its own tasks.
        assert_eq!(
            tasks_fitting(&[3000, 12_288_000], &[1000.0, 4_096_000.0]),
            3
        );
        assert_eq!(tasks_fitting(&[5, 5], &[0.0, 0.0]), 0);
    }

    #[test]
    fn dominant_share_skips_excluded_and_empty_totals() {
        let share = dominant_share(&[3, 12, 4], &[9, 18, 4], &[true, true, false]);
        assert!((share - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(dominant_share(&[1], &[0], &[true]), 0.0);
    }

    #[test]
    fn nearest_rank_percentiles() {
        // Values 1, 2, 2, 10 (2 twice).
        let v = [(1, 1), (2, 2), (10, 1)];
        assert_eq!(percentile(&v, 4, 50.0), 2);
        assert_eq!(percentile(&v, 4, 25.0), 1);
        assert_eq!(percentile(&v, 4, 90.0), 10);
        assert_eq!(percentile(&[], 0, 50.0), 0);
    }
}
