//! `--format json`: the [`Report`](super::Report) serialised as is. The schema is documented
//! in docs/json-output.md and versioned by `schema_version`.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise the report: {e}\"}}"));
    s.push('\n');
    s
}
