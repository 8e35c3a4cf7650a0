//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/tools/validate-sarif`, when present. Absent outside the project's workplace:
/// the caller skips, unless `CI` is set, where its absence is a failure.
pub fn sarif_validator() -> Option<PathBuf> {
    let p = root().join("../shared/tools/validate-sarif");
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but ../shared/tools/validate-sarif is missing: SARIF output cannot be validated"
    );
    eprintln!("skipped: ../shared/tools/validate-sarif is not present");
    None
}

/// Run `validate-sarif --strict` over `files`; panic with its report when one is invalid.
/// Does nothing when the validator is absent (see [`sarif_validator`]).
pub fn validate_sarif(files: &[PathBuf]) {
    let Some(validator) = sarif_validator() else {
        return;
    };
    let out = Command::new("bash")
        .arg(&validator)
        .arg("--strict")
        .args(files)
        .output()
        .expect("run validate-sarif");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "validate-sarif --strict rejected forecast's SARIF:\n{stdout}\n{stderr}"
    );
    for f in files {
        assert!(
            stdout.contains(&format!("{}: valid", f.display())),
            "no verdict for {}:\n{stdout}",
            f.display()
        );
    }
}
