//! The summary of repeated measurements: median and spread, robust to one slow outlier.

use serde::Serialize;

/// Samples of one measurement, summarized.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub median: f64,
    /// Half the distance between the smallest and the largest sample: every sample lies
    /// within `median ± 2 * spread`, and it is 0 for a single sample.
    pub spread: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// Summarizes `samples`, or `None` if there are none.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (min, max) = (*sorted.first()?, *sorted.last()?);
        let middle = sorted.len() / 2;
        let median = if sorted.len().is_multiple_of(2) {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        } else {
            sorted[middle]
        };
        Some(Summary {
            median,
            spread: (max - min) / 2.0,
            min,
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(Summary::of(&[3.0, 1.0, 2.0]).unwrap().median, 2.0);
        assert_eq!(Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
    }

    #[test]
    fn spread_is_half_the_range() {
        let summary = Summary::of(&[10.0, 14.0, 11.0]).unwrap();
        assert_eq!(summary.spread, 2.0);
        assert_eq!((summary.min, summary.max), (10.0, 14.0));
        assert_eq!(Summary::of(&[5.0]).unwrap().spread, 0.0);
    }

    #[test]
    fn no_samples_no_summary() {
        assert_eq!(Summary::of(&[]), None);
    }
}
