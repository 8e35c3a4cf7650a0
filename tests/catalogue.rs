//! The catalogue test: `rules/*.toml`, the registered rules, the fixtures and `docs/rules/`
//! stay in step. Regenerate the docs with `FORECAST_BLESS=1 cargo test --test catalogue`.

use std::collections::BTreeSet;
use std::path::Path;

use forecast::catalogue::Catalogue;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_catalogue_entry_has_exactly_one_rule_and_back() {
    let catalogue = Catalogue::embedded();
    let registered: Vec<&str> = forecast::rules::registry()
        .iter()
        .map(|r| r.code())
        .collect();
    let unique: BTreeSet<&str> = registered.iter().copied().collect();
    assert_eq!(
        unique.len(),
        registered.len(),
        "a code is registered twice: {registered:?}"
    );
    let in_toml: BTreeSet<&str> = catalogue.rules().map(|r| r.code.as_str()).collect();
    assert_eq!(unique, in_toml, "rules/*.toml and the registry disagree");
}

#[test]
fn entries_are_well_formed() {
    let catalogue = Catalogue::embedded();
    let mut slugs = BTreeSet::new();
    for fam in &catalogue.families {
        for r in &fam.rules {
            let ok_code = r.code.len() == 4
                && r.code.starts_with(&fam.letter)
                && r.code[1..].chars().all(|c| c.is_ascii_digit());
            assert!(
                ok_code,
                "{}: code must be `{}` plus three digits",
                r.code, fam.letter
            );
            assert!(
                r.slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !r.slug.starts_with('-')
                    && !r.slug.ends_with('-'),
                "{}: slug `{}` is not kebab-case",
                r.code,
                r.slug
            );
            assert!(
                slugs.insert(r.slug.clone()),
                "{}: slug `{}` is used twice",
                r.code,
                r.slug
            );
            assert!(
                (0.0..=1.0).contains(&r.weight),
                "{}: weight out of [0, 1]",
                r.code
            );
            if r.severity != forecast::finding::Severity::Info {
                assert!(
                    r.weight > 0.0,
                    "{}: a rule above info needs a weight",
                    r.code
                );
            }
            for (field, text) in [
                ("title", &r.title),
                ("what", &r.what),
                ("why", &r.why),
                ("use_instead", &r.use_instead),
                ("rollback", &r.rollback),
            ] {
                assert!(!text.trim().is_empty(), "{}: `{field}` is empty", r.code);
            }
            assert!(
                !r.title.ends_with('.'),
                "{}: titles have no trailing period",
                r.code
            );
        }
    }
}

#[test]
fn every_rule_has_fixtures_that_fire_and_fixtures_that_must_not() {
    for r in Catalogue::embedded().rules() {
        for kind in ["bad", "ok"] {
            let dir = root().join("testdata/rules").join(&r.code).join(kind);
            let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            assert!(
                n > 0,
                "{}: no fixture in testdata/rules/{}/{kind}/",
                r.code,
                r.code
            );
        }
    }
}

#[test]
fn docs_are_generated_from_the_catalogue() {
    let catalogue = Catalogue::embedded();
    let docs = root().join("docs/rules");
    let bless = std::env::var_os("FORECAST_BLESS").is_some();
    let generated = forecast::docs::generate(catalogue, root());
    let mut stale = Vec::new();
    for (name, text) in &generated {
        let path = docs.join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != *text {
            if bless {
                std::fs::create_dir_all(&docs).unwrap();
                std::fs::write(&path, text).unwrap();
            } else {
                stale.push(name.clone());
            }
        }
    }
    let wanted: BTreeSet<String> = generated.iter().map(|(n, _)| n.clone()).collect();
    if let Ok(rd) = std::fs::read_dir(&docs) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !wanted.contains(&name) {
                if bless {
                    std::fs::remove_file(e.path()).unwrap();
                } else {
                    stale.push(format!("{name} (no longer generated)"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is out of date: {stale:?}; run `FORECAST_BLESS=1 cargo test --test catalogue`"
    );
}

/// The claims a rule makes about PostgreSQL (`lock`, `rewrites`, `scans`, `transactional`)
/// agree with what the server did with every statement the rule flags, as recorded by the
/// PostgreSQL suite in `rules/postgres-verified.toml`. This holds the catalogue to the
/// measurements even where no server is installed; tests/postgres holds the records to the
/// server.
#[test]
fn server_claims_agree_with_the_postgres_measurements() {
    let catalogue = Catalogue::embedded();
    let verified = forecast::verified::Verified::embedded();
    let rerun = "run `FORECAST_BLESS=1 cargo test --test postgres`";
    for m in &verified.statements {
        assert!(
            catalogue.get(&m.rule).is_some(),
            "{}: measurements of an unknown rule {}; {rerun}",
            m.fixture,
            m.rule
        );
    }
    for r in catalogue.rules() {
        let claims = r.lock.is_some()
            || r.rewrites.is_some()
            || r.scans.is_some()
            || r.transactional.is_some();
        let fired: Vec<_> = verified
            .statements_of(&r.code)
            .filter(|m| m.fires)
            .collect();
        if !claims {
            continue;
        }
        assert!(
            !fired.is_empty(),
            "{}: makes claims about PostgreSQL but no statement it flags was measured; {rerun}",
            r.code
        );
        for m in fired {
            let at = format!("{} ({}: `{}`)", r.code, m.fixture, m.sql);
            if let Some(lock) = &r.lock {
                assert_eq!(lock, &m.lock, "{at}: lock claimed vs measured");
            }
            if let Some(rewrites) = r.rewrites {
                assert_eq!(rewrites, m.rewrites, "{at}: rewrites claimed vs measured");
            }
            if let Some(scans) = r.scans {
                assert_eq!(scans, m.scans, "{at}: scans claimed vs measured");
            }
            if let Some(t) = r.transactional {
                assert_eq!(
                    t, m.transactional,
                    "{at}: transactional claimed vs measured"
                );
            }
        }
    }
}
