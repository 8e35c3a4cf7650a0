//! forecast's own family (F): the `forecast-ignore` comments. One line per rule; metadata in
//! `rules/forecast.toml`. These rules run in the suppression post-pass (src/suppress.rs) and
//! read the directives it parsed, never the files.

mod ignores;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &ignores::IgnoreWithoutReason,
    &ignores::IgnoreUnknownRule,
    &ignores::UnusedIgnore,
];
