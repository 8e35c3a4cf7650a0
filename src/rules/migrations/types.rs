//! What an `ALTER COLUMN ... TYPE` does to the table, from the old and new types.
//!
//! Measured on PostgreSQL 15 (see docs/rules/M203.md): `varchar(n)` widening, `varchar` to
//! `text`, `text` to unbounded `varchar` and a `numeric` precision increase with the same
//! scale keep the table's file; everything else tried rewrote it.

use crate::parse::sql::TypeName;

/// The effect of a type change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeChange {
    /// Same type: nothing happens beyond the lock.
    Same,
    /// Binary-compatible: catalog change only, no rewrite.
    NoRewrite,
    /// Every row is rewritten and every index rebuilt.
    Rewrite,
    /// Rewrites, and fails (or rounds) when a value does not fit.
    Narrowing(String),
    /// Rewrites unless the session's TimeZone is UTC.
    TimestampTz,
    /// The old type is not known.
    Unknown,
}

fn is_textlike(t: &TypeName) -> bool {
    t.base == "text" || (t.base == "varchar" && t.modifiers.is_empty())
}

fn int_rank(base: &str) -> Option<u8> {
    match base {
        "int2" | "smallserial" => Some(2),
        "int4" | "serial" => Some(4),
        "int8" | "bigserial" => Some(8),
        _ => None,
    }
}

/// Classify a change from `old` (when known) to `new`, with or without a USING clause.
pub fn classify(old: Option<&TypeName>, new: &TypeName, using: bool) -> TypeChange {
    let Some(old) = old else {
        return TypeChange::Unknown;
    };
    if old.array != new.array {
        return TypeChange::Rewrite;
    }
    if old.base == new.base && old.modifiers == new.modifiers {
        return if using {
            TypeChange::Rewrite
        } else {
            TypeChange::Same
        };
    }
    if using {
        return TypeChange::Rewrite;
    }
    match (old.base.as_str(), new.base.as_str()) {
        ("varchar", "varchar") | ("varbit", "varbit") => {
            match (old.modifiers.first(), new.modifiers.first()) {
                (_, None) => TypeChange::NoRewrite,
                (Some(o), Some(n)) if n >= o => TypeChange::NoRewrite,
                (Some(o), Some(n)) => TypeChange::Narrowing(format!(
                    "values longer than {n} characters (the column allowed {o}) fail the migration"
                )),
                (None, Some(n)) => TypeChange::Narrowing(format!(
                    "values longer than {n} characters fail the migration"
                )),
            }
        }
        ("varchar", "text") => TypeChange::NoRewrite,
        ("text", "varchar") => match new.modifiers.first() {
            None => TypeChange::NoRewrite,
            Some(n) => TypeChange::Narrowing(format!(
                "values longer than {n} characters fail the migration"
            )),
        },
        ("numeric", "numeric") => {
            let (op, os) = (
                old.modifiers.first(),
                old.modifiers.get(1).copied().unwrap_or(0),
            );
            let (np, ns) = (
                new.modifiers.first(),
                new.modifiers.get(1).copied().unwrap_or(0),
            );
            match (op, np) {
                (_, None) => TypeChange::NoRewrite,
                (None, Some(p)) => TypeChange::Narrowing(format!(
                    "values that do not fit numeric({p},{ns}) fail the migration"
                )),
                (Some(o), Some(n)) => {
                    if ns < os {
                        TypeChange::Narrowing(format!("values are rounded to {ns} decimal places"))
                    } else if ns != os {
                        TypeChange::Rewrite
                    } else if n >= o {
                        TypeChange::NoRewrite
                    } else {
                        TypeChange::Narrowing(format!(
                            "values with more than {} integer digits fail the migration",
                            n.saturating_sub(ns)
                        ))
                    }
                }
            }
        }
        ("timestamp", "timestamptz") => TypeChange::TimestampTz,
        ("cidr", "inet") => TypeChange::NoRewrite,
        (o, n) => match (int_rank(o), int_rank(n)) {
            (Some(a), Some(b)) if b < a => TypeChange::Narrowing(format!(
                "values outside the range of {} fail the migration",
                new.text
            )),
            _ => TypeChange::Rewrite,
        },
    }
}

/// When the old type is unknown: is the new type one that is often a safe widening?
pub fn unknown_may_be_safe(new: &TypeName) -> bool {
    is_textlike(new) || new.base == "varchar" || new.base == "numeric" || new.base == "varbit"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(base: &str, m: &[u32]) -> TypeName {
        TypeName {
            base: base.into(),
            modifiers: m.to_vec(),
            array: false,
            text: base.into(),
        }
    }

    #[test]
    fn measured_pairs() {
        assert_eq!(
            classify(Some(&t("varchar", &[10])), &t("varchar", &[20]), false),
            TypeChange::NoRewrite
        );
        assert_eq!(
            classify(Some(&t("varchar", &[10])), &t("text", &[]), false),
            TypeChange::NoRewrite
        );
        assert_eq!(
            classify(Some(&t("text", &[])), &t("varchar", &[]), false),
            TypeChange::NoRewrite
        );
        assert_eq!(
            classify(
                Some(&t("numeric", &[10, 2])),
                &t("numeric", &[12, 2]),
                false
            ),
            TypeChange::NoRewrite
        );
        assert_eq!(
            classify(Some(&t("int4", &[])), &t("int8", &[]), false),
            TypeChange::Rewrite
        );
        assert_eq!(
            classify(Some(&t("int4", &[])), &t("text", &[]), false),
            TypeChange::Rewrite
        );
        assert!(matches!(
            classify(Some(&t("text", &[])), &t("varchar", &[5]), false),
            TypeChange::Narrowing(_)
        ));
        assert_eq!(
            classify(
                Some(&t("numeric", &[10, 2])),
                &t("numeric", &[12, 4]),
                false
            ),
            TypeChange::Rewrite
        );
        assert_eq!(
            classify(Some(&t("int4", &[])), &t("int4", &[]), true),
            TypeChange::Rewrite
        );
        assert_eq!(
            classify(Some(&t("timestamp", &[])), &t("timestamptz", &[]), false),
            TypeChange::TimestampTz
        );
        assert!(matches!(
            classify(Some(&t("varchar", &[20])), &t("varchar", &[10]), false),
            TypeChange::Narrowing(_)
        ));
        assert!(matches!(
            classify(Some(&t("int8", &[])), &t("int4", &[]), false),
            TypeChange::Narrowing(_)
        ));
        assert_eq!(classify(None, &t("int8", &[]), false), TypeChange::Unknown);
    }
}
