//! The baseline: findings a team has accepted, recorded by fingerprint in
//! `.forecast-baseline.json` (`forecast baseline write`). Later scans hide them and say how
//! many they hid, so a check can be switched on in a repository with a history.
//!
//! Fingerprints hash the rule, the path and the whitespace-normalised text of the primary
//! span (see [`crate::finding::fingerprint`]): a baselined finding stays hidden when lines
//! above it move, and comes back when its statement changes.
//!
//! The file is JSON, sorted, one entry per finding, so it diffs well in review:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     { "code": "M101", "path": "db/migrations/0002_idx.up.sql", "fingerprint": "3f1c…" }
//!   ]
//! }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The default file name, beside forecast.toml (or in the scanned folder).
pub const FILE_NAME: &str = ".forecast-baseline.json";

/// Version of the file format.
pub const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The rule, for readers; matching uses the fingerprint alone.
    pub code: String,
    /// The file, for readers.
    pub path: String,
    pub fingerprint: String,
}

/// A baseline file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
    /// Where it was read from, for messages.
    #[serde(skip)]
    pub source: Option<String>,
}

/// A baseline file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "`{path}` is not a forecast baseline ({message}); write it again with `forecast baseline write`"
    )]
    Invalid { path: PathBuf, message: String },
}

/// What applying a baseline did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings hidden.
    pub hidden: usize,
    /// Entries that matched no finding: fixed, or their statement changed.
    pub stale: usize,
}

impl Baseline {
    /// A baseline recording `findings`.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                code: f.code.clone(),
                path: f.location.path.clone(),
                fingerprint: f.fingerprint.clone(),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline {
            version: VERSION,
            findings: entries,
            source: None,
        }
    }

    /// Parse a baseline; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        let invalid = |message: String| BaselineError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut b: Baseline = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if b.version != VERSION {
            return Err(invalid(format!(
                "version {} is not supported; expected {VERSION}",
                b.version
            )));
        }
        b.source = Some(path.display().to_string());
        Ok(b)
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Baseline::parse(&text, path)
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Hide the findings the baseline records. Each entry hides one finding.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> Applied {
        let mut left: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &self.findings {
            *left.entry(e.fingerprint.as_str()).or_default() += 1;
        }
        let before = findings.len();
        findings.retain(|f| match left.get_mut(f.fingerprint.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        Applied {
            hidden: before - findings.len(),
            stale: left.values().sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_other_files_with_a_hint() {
        let e = Baseline::parse("{\"runs\": []}", Path::new("b.json")).unwrap_err();
        assert!(e.to_string().contains("baseline write"), "{e}");
        let e =
            Baseline::parse("{\"version\": 9, \"findings\": []}", Path::new("b.json")).unwrap_err();
        assert!(e.to_string().contains("version 9"), "{e}");
    }

    #[test]
    fn round_trips() {
        let b = Baseline {
            version: VERSION,
            findings: vec![Entry {
                code: "M101".into(),
                path: "a.sql".into(),
                fingerprint: "ab".into(),
            }],
            source: None,
        };
        let back = Baseline::parse(&b.to_json(), Path::new("x")).unwrap();
        assert_eq!(back.findings, b.findings);
    }
}
