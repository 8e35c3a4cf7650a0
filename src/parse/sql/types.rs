//! Column type normalisation and the volatility of default expressions, read from tokens.
//!
//! Both lowerings locate a type or an expression in the statement's tokens and call into
//! this module, so the AST and token paths agree by construction and the text kept is the
//! text as written.
//!
//! # Volatility
//!
//! PostgreSQL rewrites the table for `ADD COLUMN ... DEFAULT expr` only when `expr` is
//! volatile. An expression's volatility is the highest of its parts:
//!
//! * literals, casts, operators, `interval '1 day'`, `ARRAY[...]`: immutable;
//! * bare SQL-standard keywords in [`STABLE_KEYWORDS`] (`current_timestamp`, ...): stable;
//! * function calls: looked up (by their unqualified name) in [`IMMUTABLE_FUNCTIONS`],
//!   [`STABLE_FUNCTIONS`] and [`VOLATILE_FUNCTIONS`]; a function in none of them is
//!   treated as volatile, since a wrong "volatile" only costs a warning while a wrong
//!   "stable" hides a table rewrite.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::view::{View, normalize};
use super::{Expr, TypeName, Volatility};

/// Functions known to be immutable (sorted; binary-searched).
pub const IMMUTABLE_FUNCTIONS: &[&str] = &[
    "abs",
    "array_fill",
    "array_length",
    "ascii",
    "btrim",
    "cast",
    "cbrt",
    "ceil",
    "ceiling",
    "char_length",
    "character_length",
    "chr",
    "coalesce",
    "decode",
    "degrees",
    "div",
    "encode",
    "exp",
    "floor",
    "greatest",
    "initcap",
    "int4range",
    "int8range",
    "least",
    "left",
    "length",
    "ln",
    "log",
    "lower",
    "lpad",
    "ltrim",
    "make_date",
    "make_interval",
    "make_time",
    "make_timestamp",
    "md5",
    "mod",
    "nullif",
    "numrange",
    "octet_length",
    "overlay",
    "pi",
    "position",
    "power",
    "quote_ident",
    "radians",
    "regexp_replace",
    "repeat",
    "replace",
    "reverse",
    "right",
    "round",
    "row",
    "rpad",
    "rtrim",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sign",
    "split_part",
    "sqrt",
    "strpos",
    "substr",
    "substring",
    "timezone",
    "to_hex",
    "translate",
    "trim",
    "trunc",
    "upper",
    "uuid_nil",
];

/// Functions known to be stable: one value per statement (sorted; binary-searched).
pub const STABLE_FUNCTIONS: &[&str] = &[
    "age",
    "concat",
    "concat_ws",
    "current_database",
    "current_date",
    "current_role",
    "current_schema",
    "current_schemas",
    "current_setting",
    "current_time",
    "current_timestamp",
    "current_user",
    "date_part",
    "date_trunc",
    "extract",
    "format",
    "json_build_array",
    "json_build_object",
    "jsonb_build_array",
    "jsonb_build_object",
    "localtime",
    "localtimestamp",
    "now",
    "pg_backend_pid",
    "session_user",
    "statement_timestamp",
    "to_char",
    "to_date",
    "to_json",
    "to_jsonb",
    "to_number",
    "to_timestamp",
    "transaction_timestamp",
];

/// Functions known to be volatile (sorted). Any function not listed above is treated as
/// volatile too; this list documents the common ones.
pub const VOLATILE_FUNCTIONS: &[&str] = &[
    "clock_timestamp",
    "currval",
    "gen_random_bytes",
    "gen_random_uuid",
    "lastval",
    "nextval",
    "random",
    "random_normal",
    "setval",
    "timeofday",
    "txid_current",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
];

/// SQL keywords that read the clock or the session without parentheses (sorted).
pub const STABLE_KEYWORDS: &[&str] = &[
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "localtime",
    "localtimestamp",
    "session_user",
    "user",
];

/// Keywords that may precede `(` without being a function call (sorted).
const NOT_FUNCTIONS: &[&str] = &[
    "all", "and", "any", "array", "as", "between", "case", "distinct", "else", "exists", "filter",
    "from", "ilike", "in", "is", "like", "not", "or", "over", "similar", "some", "then", "values",
    "when", "within",
];

/// Volatility of a function called `name` (unqualified, lowercase).
pub fn function_volatility(name: &str) -> Volatility {
    if IMMUTABLE_FUNCTIONS.binary_search(&name).is_ok() {
        Volatility::Immutable
    } else if STABLE_FUNCTIONS.binary_search(&name).is_ok() {
        Volatility::Stable
    } else {
        Volatility::Volatile
    }
}

/// The implicit default of a `serial`-family column.
pub fn serial_default() -> Expr {
    Expr {
        text: "nextval(...)".to_string(),
        volatility: Volatility::Volatile,
        is_null: false,
    }
}

/// Whether a normalised type is one of the `serial` pseudo-types.
pub fn is_serial(t: &TypeName) -> bool {
    matches!(t.base.as_str(), "serial" | "bigserial" | "smallserial") && !t.array
}

/// The expression written in `range`.
pub(crate) fn expr(v: &View, range: Range<usize>) -> Expr {
    Expr {
        text: v.text(range.clone()).trim().to_string(),
        volatility: volatility(v, range.clone()),
        is_null: is_null(v, range),
    }
}

/// `range` without parentheses enclosing all of it (`((a))` → `a`, `(a)+(b)` unchanged).
/// One pass: the layers that can go are those the interior never closes.
pub(crate) fn strip_parens(v: &View, range: Range<usize>) -> Range<usize> {
    let end = range.end.min(v.len());
    let start = range.start.min(end);
    let lead = (start..end)
        .take_while(|&j| v.is(j, &Token::LParen))
        .count();
    let trail = (start..end)
        .rev()
        .take_while(|&j| v.is(j, &Token::RParen))
        .count();
    let layers = lead.min(trail).min((end - start) / 2);
    if layers == 0 {
        return start..end;
    }
    let mut depth = layers as isize;
    let mut min = depth;
    for j in start + layers..end - layers {
        match v.token(j) {
            Some(Token::LParen) => depth += 1,
            Some(Token::RParen) => depth -= 1,
            _ => {}
        }
        min = min.min(depth);
    }
    if depth != layers as isize || min <= 0 {
        return start..end;
    }
    let strip = layers.min(min as usize);
    start + strip..end - strip
}

/// `NULL`, `NULL::type`, `CAST(NULL AS type)`.
fn is_null(v: &View, range: Range<usize>) -> bool {
    let r = strip_parens(v, range);
    if v.kw(r.start, "null") {
        return r.len() == 1 || v.is(r.start + 1, &Token::DoubleColon);
    }
    v.kw(r.start, "cast")
        && v.is(r.start + 1, &Token::LParen)
        && v.kw(r.start + 2, "null")
        && v.kw(r.start + 3, "as")
}

/// Volatility of the expression in `range` (see the module docs).
pub(crate) fn volatility(v: &View, range: Range<usize>) -> Volatility {
    let mut result = Volatility::Immutable;
    let end = range.end.min(v.len());
    let mut i = range.start;
    while i < end {
        let next = match v.token(i) {
            Some(Token::DoubleColon) => skip_type(v, i + 1, end),
            Some(Token::Word(w)) if w.quote_style.is_none() && v.kw(i, "as") => {
                skip_type(v, i + 1, end)
            }
            Some(Token::Word(w)) => {
                let name = normalize(w);
                if v.is(i + 1, &Token::LParen) {
                    if NOT_FUNCTIONS.binary_search(&name.as_str()).is_err() {
                        result = result.max(function_volatility(&name));
                    }
                } else if w.quote_style.is_none()
                    && !v.is(i + 1, &Token::Period)
                    && STABLE_KEYWORDS.binary_search(&name.as_str()).is_ok()
                {
                    result = result.max(Volatility::Stable);
                }
                i + 1
            }
            _ => i + 1,
        };
        i = next.max(i + 1);
    }
    result
}

/// Skips a type name starting at `i` (words, a modifier list, array brackets).
fn skip_type(v: &View, mut i: usize, end: usize) -> usize {
    while i < end && (v.word(i).is_some() || v.is(i, &Token::Period)) {
        i += 1;
    }
    while i < end && (v.is(i, &Token::LParen) || v.is(i, &Token::LBracket)) {
        match v.close(i) {
            Some(close) => i = close + 1,
            None => return end,
        }
    }
    i
}

/// The type written in `range`, normalised.
pub(crate) fn type_name(v: &View, range: Range<usize>) -> TypeName {
    let mut words: Vec<String> = Vec::new();
    let mut quoted = false;
    let mut modifiers = Vec::new();
    let mut array = false;
    let mut depth = 0usize;
    let end = range.end.min(v.len());
    for i in range.start..end {
        match v.token(i) {
            Some(Token::LParen) => depth += 1,
            Some(Token::RParen) => depth = depth.saturating_sub(1),
            Some(Token::LBracket) => {
                array = true;
                depth += 1;
            }
            Some(Token::RBracket) => depth = depth.saturating_sub(1),
            Some(Token::Number(n, _)) if depth == 1 && !array => {
                modifiers.extend(n.parse::<u32>().ok());
            }
            Some(Token::Word(w)) if depth == 0 => {
                if v.is(i + 1, &Token::Period) {
                    continue; // schema qualifier
                }
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("array") {
                    array = true;
                    continue;
                }
                quoted |= w.quote_style.is_some();
                words.push(normalize(w));
            }
            _ => {}
        }
    }
    let written = words.join(" ");
    let base = if quoted {
        written
    } else {
        fold_type(&written, &mut modifiers)
    };
    TypeName {
        base,
        modifiers,
        array,
        text: v.text(range).trim().to_string(),
    }
}

/// Folds a lowercase, unqualified type name to PostgreSQL's internal spelling.
pub fn fold_type(name: &str, modifiers: &mut Vec<u32>) -> String {
    let folded = match name {
        "int" | "integer" | "int4" => "int4",
        "bigint" | "int8" => "int8",
        "smallint" | "int2" => "int2",
        "serial" | "serial4" => "serial",
        "bigserial" | "serial8" => "bigserial",
        "smallserial" | "serial2" => "smallserial",
        "character varying" | "char varying" | "varchar" | "national character varying" => {
            "varchar"
        }
        "character" | "char" | "bpchar" | "national character" | "nchar" => "bpchar",
        "decimal" | "dec" | "numeric" => "numeric",
        "double precision" | "float8" => "float8",
        "real" | "float4" => "float4",
        "float" => {
            let single = modifiers.first().is_some_and(|p| *p <= 24);
            modifiers.clear();
            if single { "float4" } else { "float8" }
        }
        "bool" | "boolean" => "boolean",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "time" | "time without time zone" => "time",
        "timetz" | "time with time zone" => "timetz",
        "bit varying" | "varbit" => "varbit",
        other if other.starts_with("interval") => "interval",
        other => other,
    };
    folded.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::sql::split::{Lexed, tokenize};
    use sqlparser::dialect::PostgreSqlDialect;

    fn lexed(text: &str) -> Lexed {
        tokenize(text, 0, &PostgreSqlDialect {}).unwrap_or_default()
    }

    fn ty(text: &str) -> TypeName {
        let lx = lexed(text);
        let v = View::new(text, &lx, 0..lx.toks.len(), false);
        type_name(&v, 0..v.len())
    }

    fn vol(text: &str) -> Volatility {
        let lx = lexed(text);
        let v = View::new(text, &lx, 0..lx.toks.len(), false);
        volatility(&v, 0..v.len())
    }

    fn null(text: &str) -> bool {
        let lx = lexed(text);
        let v = View::new(text, &lx, 0..lx.toks.len(), false);
        expr(&v, 0..v.len()).is_null
    }

    #[test]
    fn tables_are_sorted() {
        for table in [
            IMMUTABLE_FUNCTIONS,
            STABLE_FUNCTIONS,
            VOLATILE_FUNCTIONS,
            STABLE_KEYWORDS,
            NOT_FUNCTIONS,
        ] {
            assert!(table.windows(2).all(|w| w[0] < w[1]), "{table:?}");
        }
        for f in VOLATILE_FUNCTIONS {
            assert_eq!(function_volatility(f), Volatility::Volatile);
        }
    }

    #[test]
    fn type_aliases_fold() {
        let cases = [
            ("int", "int4"),
            ("INTEGER", "int4"),
            ("int4", "int4"),
            ("bigint", "int8"),
            ("int8", "int8"),
            ("smallint", "int2"),
            ("int2", "int2"),
            ("serial", "serial"),
            ("serial4", "serial"),
            ("BIGSERIAL", "bigserial"),
            ("serial8", "bigserial"),
            ("smallserial", "smallserial"),
            ("serial2", "smallserial"),
            ("character varying", "varchar"),
            ("varchar", "varchar"),
            ("character", "bpchar"),
            ("char", "bpchar"),
            ("bpchar", "bpchar"),
            ("decimal", "numeric"),
            ("numeric", "numeric"),
            ("float8", "float8"),
            ("double precision", "float8"),
            ("real", "float4"),
            ("float4", "float4"),
            ("bool", "boolean"),
            ("boolean", "boolean"),
            ("timestamp", "timestamp"),
            ("timestamp without time zone", "timestamp"),
            ("timestamptz", "timestamptz"),
            ("timestamp with time zone", "timestamptz"),
            ("TIMESTAMP(3) WITH TIME ZONE", "timestamptz"),
            ("time", "time"),
            ("time with time zone", "timetz"),
            ("timetz", "timetz"),
            ("text", "text"),
            ("uuid", "uuid"),
            ("jsonb", "jsonb"),
            ("json", "json"),
            ("bytea", "bytea"),
            ("inet", "inet"),
            ("citext", "citext"),
            ("public.citext", "citext"),
            ("date", "date"),
            ("interval", "interval"),
            ("interval day to second", "interval"),
            ("\"MyType\"", "MyType"),
            ("float", "float8"),
            ("float(10)", "float4"),
        ];
        for (text, base) in cases {
            assert_eq!(ty(text).base, base, "{text}");
        }
    }

    #[test]
    fn type_modifiers_and_arrays() {
        let t = ty("varchar(20)");
        assert_eq!(
            (t.base.as_str(), t.modifiers.as_slice(), t.array),
            ("varchar", &[20][..], false)
        );
        assert_eq!(ty("numeric(10, 2)").modifiers, [10, 2]);
        assert_eq!(ty("character varying (255)").modifiers, [255]);
        let t = ty("text[]");
        assert!(t.array);
        assert_eq!(t.text, "text[]");
        assert!(ty("integer ARRAY").array);
        let t = ty("int[3]");
        assert!(t.array && t.modifiers.is_empty());
        assert_eq!(ty("varchar(20)[]").modifiers, [20]);
        assert_eq!(ty("Character Varying(5)").text, "Character Varying(5)");
    }

    #[test]
    fn immutable_defaults() {
        for text in [
            "0",
            "-1.5",
            "'x'",
            "TRUE",
            "false",
            "NULL",
            "'{}'::jsonb",
            "'{}'::text[]",
            "ARRAY[]::text[]",
            "ARRAY['a', 'b']",
            "CAST('1' AS integer)",
            "'active'::status",
            "'active'::public.status",
            "1 + 2 * 3",
            "interval '1 day'",
            "'1 day'::interval",
            "''::character varying",
            "(0)::numeric(10,2)",
            "lower('X')",
            "coalesce(NULL, 1)",
            "'now'::timestamp",
            "E'\\n'",
        ] {
            assert_eq!(vol(text), Volatility::Immutable, "{text}");
        }
    }

    #[test]
    fn stable_defaults() {
        for text in [
            "now()",
            "NOW()",
            "current_timestamp",
            "CURRENT_TIMESTAMP(3)",
            "current_date",
            "current_time",
            "localtimestamp",
            "localtime",
            "transaction_timestamp()",
            "statement_timestamp()",
            "current_user",
            "session_user",
            "current_setting('app.tenant')",
            "now() - interval '1 day'",
            "(now() at time zone 'utc')",
            "timezone('utc', now())",
            "now()::date",
            "CAST(now() AS date)",
            "concat('a', 'b')",
            "jsonb_build_object('a', 1)",
            "to_jsonb('x'::text)",
            "pg_catalog.now()",
        ] {
            assert_eq!(vol(text), Volatility::Stable, "{text}");
        }
    }

    #[test]
    fn volatile_defaults() {
        for text in [
            "random()",
            "clock_timestamp()",
            "timeofday()",
            "gen_random_uuid()",
            "uuid_generate_v1()",
            "uuid_generate_v1mc()",
            "uuid_generate_v4()",
            "public.uuid_generate_v4()",
            "extensions.uuid_generate_v4()",
            "\"public\".gen_random_uuid()",
            "nextval('s'::regclass)",
            "txid_current()",
            "my_function()",
            "floor(random() * 10)",
            "(gen_random_uuid())::text",
            "md5(random()::text)",
        ] {
            assert_eq!(vol(text), Volatility::Volatile, "{text}");
        }
    }

    #[test]
    fn null_defaults() {
        assert!(null("NULL"));
        assert!(null("null::text"));
        assert!(null("(NULL)"));
        assert!(null("CAST(NULL AS int)"));
        assert!(!null("'NULL'"));
        assert!(!null("NULLIF(a, b)"));
        assert!(!null("0"));
    }

    #[test]
    fn strips_enclosing_parens_only() {
        let strip = |text: &str| {
            let lx = lexed(text);
            let v = View::new(text, &lx, 0..lx.toks.len(), false);
            let r = strip_parens(&v, 0..v.len());
            v.text(r).to_string()
        };
        assert_eq!(strip("((a))"), "a");
        assert_eq!(strip("(a)+(b)"), "(a)+(b)");
        assert_eq!(strip("((a)+(b))"), "(a)+(b)");
        assert_eq!(strip("((a)"), "((a)");
        assert_eq!(strip("(()"), "(()");
        assert_eq!(strip("a"), "a");
        assert_eq!(strip("()"), "");
        let deep = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(strip(&deep), "x");
    }

    #[test]
    fn serial_types() {
        assert!(is_serial(&ty("serial8")));
        assert!(!is_serial(&ty("int")));
        assert_eq!(serial_default().volatility, Volatility::Volatile);
    }
}
