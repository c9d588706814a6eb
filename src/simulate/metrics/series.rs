//! Time series sampled after each allocation cycle, thinned to at most `MAX_POINTS` so that
//! month-long traces still give plots and CSVs of a readable size. Thinning keeps every other
//! point and halves the sampling rate, so the result depends only on the run.

use serde::Serialize;

/// Points kept per series at most.
pub const MAX_POINTS: usize = 2000;

/// The state at one instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds.
    pub t: f64,
    /// Used / total per resource name (in the recorder's name order).
    pub utilization: Vec<f64>,
    /// Dominant share per role (not divided by weight).
    pub shares: Vec<f64>,
    pub running: Vec<u64>,
    pub jain: f64,
    pub envy: f64,
}

#[derive(Debug, Default)]
pub struct Series {
    pub samples: Vec<Sample>,
    stride: u64,
    offered: u64,
}

impl Series {
    pub fn new() -> Self {
        Series {
            samples: Vec::new(),
            stride: 1,
            offered: 0,
        }
    }

    /// Counts one instant; true when its sample is to be kept (then [`push`](Self::push) it).
    pub fn tick(&mut self) -> bool {
        let keep = self.offered % self.stride == 0;
        self.offered += 1;
        keep
    }

    /// Keeps a sample; past `MAX_POINTS`, drops every other one and halves the rate.
    pub fn push(&mut self, sample: Sample) {
        self.samples.push(sample);
        if self.samples.len() >= MAX_POINTS {
            let mut i = 0;
            self.samples.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
        }
    }

    /// The last instant (the end of the run) is always kept.
    pub fn last(&mut self, sample: Sample) {
        if self.samples.last().map(|s| s.t) != Some(sample.t) {
            self.samples.push(sample);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: f64) -> Sample {
        Sample {
            t,
            utilization: vec![],
            shares: vec![],
            running: vec![],
            jain: 1.0,
            envy: 0.0,
        }
    }

    #[test]
    fn thinning_keeps_at_most_max_points_evenly() {
        let mut s = Series::new();
        for i in 0..10 * MAX_POINTS {
            if s.tick() {
                s.push(at(i as f64));
            }
        }
        assert!(s.samples.len() < MAX_POINTS);
        assert!(s.samples.len() > MAX_POINTS / 4);
        let gaps: Vec<f64> = s.samples.windows(2).map(|w| w[1].t - w[0].t).collect();
        assert!(gaps.iter().all(|g| *g == gaps[0]), "even spacing");
        s.last(at(1e9));
        assert_eq!(s.samples.last().map(|x| x.t), Some(1e9));
    }
}
