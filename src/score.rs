//! The forecast: findings combined as independent risks into one 0–100 score.
//!
//! `score = 100 × (1 − Π(1 − wᵢ·mᵢ))`, where `wᵢ` is the rule's weight from the catalogue and
//! `mᵢ` the finding's multiplier (table size, down migration). `docs/scoring.md` states the
//! model with a worked example.

use serde::Serialize;

use crate::finding::{Finding, Severity};

/// The score band a reader sees first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    Low,
    Moderate,
    High,
    Critical,
}

impl Band {
    pub fn of(score: f64) -> Band {
        if score >= 80.0 {
            Band::Critical
        } else if score >= 50.0 {
            Band::High
        } else if score >= 20.0 {
            Band::Moderate
        } else {
            Band::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Moderate => "moderate",
            Band::High => "high",
            Band::Critical => "critical",
        }
    }
}

/// One finding's share of the forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contributor {
    pub code: String,
    pub slug: String,
    pub path: String,
    pub line: usize,
    pub weight: f64,
    pub multiplier: f64,
    /// `wᵢ·mᵢ`, capped at 0.99.
    pub risk: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    /// 0–100, one decimal.
    pub score: f64,
    pub band: Band,
    /// The largest contributors, largest first (at most 5).
    pub top: Vec<Contributor>,
    /// Number of findings that counted (info findings carry no weight).
    pub counted: usize,
}

/// Combine findings into the forecast. Pre-existing findings a diff-mode run shows with
/// `--all` do not count.
pub fn forecast(findings: &[Finding]) -> Forecast {
    let counted: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.counts() && f.severity > Severity::Info && f.risk() > 0.0)
        .collect();
    let survive: f64 = counted.iter().map(|f| 1.0 - f.risk()).product();
    let score = ((1.0 - survive) * 1000.0).round() / 10.0;
    let mut top: Vec<Contributor> = counted
        .iter()
        .map(|f| Contributor {
            code: f.code.clone(),
            slug: f.slug.clone(),
            path: f.location.path.clone(),
            line: f.location.start.line,
            weight: f.weight,
            multiplier: f.multiplier,
            risk: (f.risk() * 1000.0).round() / 1000.0,
        })
        .collect();
    top.sort_by(|a, b| {
        b.risk
            .total_cmp(&a.risk)
            .then_with(|| (&a.path, a.line, &a.code).cmp(&(&b.path, b.line, &b.code)))
    });
    top.truncate(5);
    Forecast {
        score,
        band: Band::of(score),
        top,
        counted: counted.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        assert_eq!(Band::of(0.0), Band::Low);
        assert_eq!(Band::of(19.9), Band::Low);
        assert_eq!(Band::of(20.0), Band::Moderate);
        assert_eq!(Band::of(50.0), Band::High);
        assert_eq!(Band::of(80.0), Band::Critical);
    }

    #[test]
    fn empty_is_zero() {
        let f = forecast(&[]);
        assert_eq!(f.score, 0.0);
        assert_eq!(f.band, Band::Low);
    }
}
