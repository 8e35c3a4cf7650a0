//! Go: `os.Getenv("X")` and `os.LookupEnv("X")`, with the checks Go code writes around them
//! (`if v == "" { log.Fatal(...) }`, `if !ok { ... }`, `cmp.Or(os.Getenv("X"), "d")`).

use super::lex::{K, Toks, lex};
use super::{Extracted, Lang, Need, read};
use crate::span::Span;

/// Calls that stop the program.
const FATAL: &[&str] = &[
    "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "panic", "Exit",
];

pub fn extract(text: &str) -> Extracted {
    let lexed = lex(text, Lang::Go);
    let t = Toks {
        text,
        t: &lexed.toks,
    };
    let mut out = Extracted::default();
    for i in 0..t.len() {
        if !(t.is(i, "os") && t.is(i + 1, ".") && t.is(i + 3, "(")) {
            continue;
        }
        let lookup = match t.s(i + 2) {
            "Getenv" => false,
            "LookupEnv" => true,
            "Environ" => {
                out.reads_all.push(Span::new(t.t[i].s, t.t[i + 2].e));
                continue;
            }
            _ => continue,
        };
        let Some(name) = t.name(i + 4) else {
            continue;
        };
        if !t.is(i + 5, ")") {
            continue;
        }
        let close = i + 5;
        let span = Span::new(t.t[i].s, t.t[close].e);
        let via = if lookup { "os.LookupEnv" } else { "os.Getenv" };
        let need = need_of(&t, i, close, lookup);
        out.refs.push(read(name, span, need, via));
    }
    out
}

fn need_of(t: &Toks<'_>, first: usize, close: usize, lookup: bool) -> Need {
    let fallback = if lookup {
        Need::Optional
    } else {
        Need::NoDefault
    };
    // `cmp.Or(os.Getenv("X"), "d")`
    if first >= 2 && t.is(first - 1, "(") && t.is(first - 2, "Or") {
        return Need::Defaulted;
    }
    // `if os.Getenv("X") == "" { ... }` directly in a condition.
    if matches!(t.s(close + 1), "==" | "!=") {
        return match fatal_block(t, close + 1) {
            Some(true) => Need::Required,
            _ => Need::Optional,
        };
    }
    // `v := os.Getenv("X")`, `v, ok := os.LookupEnv("X")`, `var v = ...`: the variables the
    // value lands in, then the first `if` that tests the right one.
    if first < 2 || !matches!(t.s(first - 1), ":=" | "=") {
        return fallback;
    }
    let mut names = Vec::new();
    let mut k = first - 1;
    let mut in_if = false;
    while k > 0 {
        k -= 1;
        match t.kind(k) {
            Some(K::Ident) if t.s(k) == "if" => {
                in_if = true;
                break;
            }
            Some(K::Ident) if matches!(t.s(k), "for" | "switch" | "else" | "return") => break,
            Some(K::Ident) if t.s(k) != "var" => names.push(t.s(k)),
            _ if t.is(k, ",") => {}
            _ => break,
        }
        if t.t[k].nl {
            break;
        }
    }
    names.reverse();
    let tested = if lookup { names.get(1) } else { names.first() };
    let Some(var) = tested.copied().filter(|v| *v != "_") else {
        return fallback;
    };
    // `if v := os.Getenv("X"); v != "" { ... }`: the value lives only in the `if`, which
    // tests it.
    if in_if && t.is(close + 1, ";") {
        let limit = (close + 40).min(t.len());
        if let Some(open) = (close + 2..limit).find(|&j| t.is(j, "{"))
            && (close + 2..open).any(|j| t.is(j, var))
        {
            return match fatal_block(t, close + 1) {
                Some(true) => Need::Required,
                _ => Need::Optional,
            };
        }
        return fallback;
    }
    let limit = (close + 80).min(t.len());
    for k in close + 1..limit {
        // `switch v { case ...: default: ... }`: every value, unset included, has a branch.
        if t.is(k, "switch") && t.is(k + 1, var) && t.is(k + 2, "{") {
            if let Some(end) = t.close_of(k + 2)
                && (k + 3..end).any(|j| t.is(j, "default"))
            {
                return Need::Optional;
            }
            break;
        }
        if !t.is(k, "if") {
            continue;
        }
        let Some(open) = (k + 1..limit).find(|&j| t.is(j, "{")) else {
            break;
        };
        if (k + 1..open).any(|j| t.is(j, var)) {
            return match fatal_block(t, k) {
                Some(true) => Need::Required,
                Some(false) if !lookup => Need::Defaulted,
                _ => Need::Optional,
            };
        }
    }
    fallback
}

/// From a condition at `at`, find its `{ ... }` block: does it stop the program?
fn fatal_block(t: &Toks<'_>, at: usize) -> Option<bool> {
    let open = (at..t.len().min(at + 30)).find(|&k| t.is(k, "{"))?;
    let close = t.close_of(open)?;
    Some((open..close).any(|k| FATAL.contains(&t.s(k)) && t.is(k + 1, "(")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(text: &str) -> Vec<(String, Need)> {
        let mut e = extract(text);
        e.refs.sort_by_key(|r| r.span);
        e.refs.into_iter().map(|r| (r.name, r.need)).collect()
    }

    fn r(n: &str, need: Need) -> (String, Need) {
        (n.to_string(), need)
    }

    #[test]
    fn getenv_and_lookupenv() {
        let go = r#"
func main() {
	addr := os.Getenv("ADDR")
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	db := os.Getenv("DATABASE_URL")
	if db == "" {
		log.Fatal("DATABASE_URL is required")
	}
	key, ok := os.LookupEnv("API_KEY")
	if !ok {
		panic("API_KEY")
	}
	level, _ := os.LookupEnv("LEVEL")
	host := cmp.Or(os.Getenv("HOST"), "localhost")
	if os.Getenv("DEBUG") != "" {
	}
	if topic := os.Getenv("KAFKA_TOPIC"); topic != "" {
		use(topic)
	}
	if v := os.Getenv("SECRET"); v == "" {
		log.Fatalf("SECRET is required")
	}
	api := os.Getenv("DB_API")
	switch api {
	case "cosmos":
	default:
	}
	// os.Getenv("COMMENTED")
	s := "os.Getenv(\"IN_STRING\")"
}
"#;
        assert_eq!(
            reads(go),
            vec![
                r("ADDR", Need::NoDefault),
                r("PORT", Need::Defaulted),
                r("DATABASE_URL", Need::Required),
                r("API_KEY", Need::Required),
                r("LEVEL", Need::Optional),
                r("HOST", Need::Defaulted),
                r("DEBUG", Need::Optional),
                r("KAFKA_TOPIC", Need::Optional),
                r("SECRET", Need::Required),
                r("DB_API", Need::Optional),
            ]
        );
    }
}
