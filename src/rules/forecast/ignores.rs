//! F001 ignore-without-reason, F002 ignore-unknown-rule, F003 unused-ignore.

use crate::rules::{FileDraft, IgnoreCtx, Rule};
use crate::suppress::Directive;

fn keyword(d: &Directive) -> &'static str {
    if d.file_level {
        "forecast-ignore-file"
    } else {
        "forecast-ignore"
    }
}

/// F001: a directive with no reason after a colon.
pub struct IgnoreWithoutReason;

impl Rule for IgnoreWithoutReason {
    fn code(&self) -> &'static str {
        "F001"
    }

    fn check_ignores(&self, cx: &IgnoreCtx<'_>, out: &mut Vec<FileDraft>) {
        for d in cx.directives.iter().filter(|d| d.reason.is_none()) {
            // A directive naming nothing known is F002's; one reason-less finding per comment.
            if !d.is_blanket() && d.codes.iter().all(|c| c.rule.is_none()) {
                continue;
            }
            let codes: Vec<&str> = d.codes.iter().map(|c| c.text.as_str()).collect();
            let example = if codes.is_empty() {
                format!("{}: <why>", keyword(d))
            } else {
                format!("{} {}: <why>", keyword(d), codes.join(", "))
            };
            let message = match &d.stray {
                Some(_) => format!(
                    "`{}` gives no reason: the words after the codes are not read as one; put the reason after a colon",
                    keyword(d)
                ),
                None => format!("`{}` gives no reason for silencing {}", keyword(d), what(d)),
            };
            out.push(FileDraft {
                code: "F001",
                span: d.span,
                message,
                label: "no reason after a colon".into(),
                safe_alternative: Some(format!("write the reason after a colon: `{example}`")),
            });
        }
    }
}

/// What a directive silences, in words.
fn what(d: &Directive) -> String {
    if d.is_blanket() {
        return "every rule in this file".into();
    }
    let codes: Vec<String> = d
        .codes
        .iter()
        .filter_map(|c| c.rule.as_ref().map(|r| format!("`{r}`")))
        .collect();
    codes.join(", ")
}

/// F002: a code that names no rule, or a line directive naming no code.
pub struct IgnoreUnknownRule;

impl Rule for IgnoreUnknownRule {
    fn code(&self) -> &'static str {
        "F002"
    }

    fn check_ignores(&self, cx: &IgnoreCtx<'_>, out: &mut Vec<FileDraft>) {
        let catalogue = crate::catalogue::Catalogue::embedded();
        for d in cx.directives {
            if !d.file_level && d.codes.is_empty() {
                out.push(FileDraft {
                    code: "F002",
                    span: d.span,
                    message: "`forecast-ignore` names no rule, so it silences nothing; list the codes it is for".into(),
                    label: "no rule code".into(),
                    safe_alternative: Some(
                        "name the rules: `forecast-ignore M101: <why>`, or silence the whole file with `forecast-ignore-file: <why>`".into(),
                    ),
                });
            }
            for c in d.codes.iter().filter(|c| c.rule.is_none()) {
                let near = closest(&c.text, catalogue);
                let hint = near
                    .as_ref()
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_else(|| "; run `forecast rules` for the list".into());
                let safe = match &near {
                    Some(s) => format!("write `{s}`"),
                    None => "write a rule code or slug as `forecast rules` lists them".into(),
                };
                out.push(FileDraft {
                    code: "F002",
                    span: c.span,
                    message: format!(
                        "`{}` is not a rule code or slug, so it silences nothing{hint}",
                        c.text
                    ),
                    label: "unknown rule".into(),
                    safe_alternative: Some(safe),
                });
            }
        }
    }
}

/// The rule code or slug nearest to a misspelling, when one is close.
fn closest(word: &str, catalogue: &crate::catalogue::Catalogue) -> Option<String> {
    let w = word.to_ascii_uppercase();
    let mut best: Option<(usize, String)> = None;
    for r in catalogue.rules() {
        for cand in [r.code.clone(), r.slug.to_ascii_uppercase()] {
            let d = distance(&w, &cand);
            let limit = if cand.len() <= 4 { 1 } else { 3 };
            if d <= limit && best.as_ref().is_none_or(|(bd, _)| d < *bd) {
                let shown = if cand == r.code {
                    r.code.clone()
                } else {
                    r.slug.clone()
                };
                best = Some((d, shown));
            }
        }
    }
    best.map(|(_, s)| s)
}

/// Levenshtein distance over bytes (codes and slugs are ASCII).
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// F003: a directive code that silenced nothing (reported on request).
pub struct UnusedIgnore;

impl Rule for UnusedIgnore {
    fn code(&self) -> &'static str {
        "F003"
    }

    fn check_ignores(&self, cx: &IgnoreCtx<'_>, out: &mut Vec<FileDraft>) {
        if !cx.report_unused {
            return;
        }
        for d in cx.directives {
            if d.is_blanket() && !d.used_blanket {
                out.push(FileDraft {
                    code: "F003",
                    span: d.span,
                    message: "`forecast-ignore-file` silences nothing: no rule reports anything in this file".into(),
                    label: "silences nothing".into(),
                    safe_alternative: Some("delete the comment".into()),
                });
            }
            for c in &d.codes {
                let Some(rule) = &c.rule else { continue };
                // A rule switched off here may run elsewhere: its code is not dead.
                if c.used || !(cx.enabled)(rule) || rule.starts_with('F') {
                    continue;
                }
                let whole = d.codes.len() == 1;
                out.push(FileDraft {
                    code: "F003",
                    span: c.span,
                    message: format!(
                        "`{rule}` reports nothing {}, so this `{}` silences nothing",
                        if d.file_level {
                            "in this file"
                        } else {
                            "on the lines this comment covers"
                        },
                        keyword(d)
                    ),
                    label: "silences nothing".into(),
                    safe_alternative: Some(if whole {
                        "delete the comment".into()
                    } else {
                        format!("remove `{}` from the comment", c.text)
                    }),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_codes() {
        let c = crate::catalogue::Catalogue::embedded();
        assert_eq!(closest("M1O1", c).as_deref(), Some("M101"));
        assert_eq!(
            closest("blocking-index-biuld", c).as_deref(),
            Some("blocking-index-build")
        );
        assert_eq!(closest("because", c), None);
    }
}
