//! Hostile input: binary files, invalid UTF-8, huge files, deep nesting, templated SQL,
//! symlink loops. Each gets a warning or a note, never a panic, and nothing else is lost.

use std::fs;

use forecast::config::Config;
use forecast::{ScanOptions, scan};

fn scan_dir(dir: &std::path::Path) -> forecast::ScanOutput {
    scan(&ScanOptions {
        root: dir.to_path_buf(),
        config: Config::default(),
    })
    .expect("scan")
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("migrations")).unwrap();
    // A file with a real finding, which must survive the hostile neighbours.
    fs::write(
        dir.path().join("migrations/0001_idx.sql"),
        "CREATE INDEX orders_idx ON orders (customer_id);\n",
    )
    .unwrap();
    dir
}

fn has_index_finding(out: &forecast::ScanOutput) -> bool {
    out.report.findings.iter().any(|f| f.code == "M101")
}

#[test]
fn binary_file_is_a_warning() {
    let dir = setup();
    fs::write(
        dir.path().join("migrations/0002_bin.sql"),
        [0u8, 159, 146, 150, 0, 1, 2],
    )
    .unwrap();
    let out = scan_dir(dir.path());
    assert!(has_index_finding(&out));
    assert!(
        out.report
            .warnings
            .iter()
            .any(|w| w.path.ends_with("0002_bin.sql") && w.message.contains("binary"))
    );
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_warning() {
    let dir = setup();
    let mut bytes = b"ALTER TABLE users ADD COLUMN n\xffame text NOT NULL;\n".to_vec();
    bytes.extend_from_slice(b"TRUNCATE users;\n");
    fs::write(dir.path().join("migrations/0002_bad_utf8.sql"), bytes).unwrap();
    let out = scan_dir(dir.path());
    assert!(has_index_finding(&out));
    assert!(
        out.report
            .warnings
            .iter()
            .any(|w| w.path.ends_with("0002_bad_utf8.sql"))
    );
    assert!(out.report.findings.iter().any(|f| f.code == "M303"));
}

#[test]
fn huge_file_is_skipped_with_a_warning() {
    let dir = setup();
    let big = "SELECT 1;\n".repeat(1_000_000);
    fs::write(dir.path().join("migrations/0002_big.sql"), big).unwrap();
    let out = scan_dir(dir.path());
    assert!(has_index_finding(&out));
    assert!(
        out.report
            .warnings
            .iter()
            .any(|w| w.path.ends_with("0002_big.sql") && w.message.contains("larger"))
    );
}

#[test]
fn deep_nesting_and_garbage_do_not_panic() {
    let dir = setup();
    let deep = format!("SELECT {}1{};\n", "(".repeat(20_000), ")".repeat(20_000));
    fs::write(dir.path().join("migrations/0002_deep.sql"), deep).unwrap();
    fs::write(
        dir.path().join("migrations/0003_garbage.sql"),
        "'unterminated\n$$ also $tag$ /* never closed",
    )
    .unwrap();
    fs::write(dir.path().join("migrations/0004_empty.sql"), "").unwrap();
    let out = scan_dir(dir.path());
    assert!(has_index_finding(&out));
}

#[test]
fn templated_sql_does_not_crash_and_is_still_analysed() {
    let dir = setup();
    fs::write(
        dir.path().join("migrations/0002_tpl.sql"),
        "ALTER TABLE {{ index .Options \"Namespace\" }}.users DROP COLUMN legacy;\nCREATE INDEX x ON ${schema}.orders (a);\n",
    )
    .unwrap();
    let out = scan_dir(dir.path());
    assert!(has_index_finding(&out));
    assert!(
        out.report
            .findings
            .iter()
            .any(|f| f.location.path.ends_with("0002_tpl.sql"))
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_not_followed_forever() {
    let dir = setup();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("migrations/loop")).unwrap();
    let out = scan_dir(dir.path());
    assert!(has_index_finding(&out));
}

/// A manifest with a real finding, which must survive its hostile neighbours.
fn setup_manifests() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("k8s")).unwrap();
    fs::write(
        dir.path().join("k8s/api.yaml"),
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: api\nspec: {}\n",
    )
    .unwrap();
    dir
}

fn has_api_finding(out: &forecast::ScanOutput) -> bool {
    out.report.findings.iter().any(|f| f.code == "K203")
}

fn warned(out: &forecast::ScanOutput, file: &str, what: &str) -> bool {
    out.report
        .warnings
        .iter()
        .any(|w| w.path.ends_with(file) && w.message.contains(what))
}

#[test]
fn yaml_alias_bomb_is_a_warning() {
    let dir = setup_manifests();
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for c in 'b'..='j' {
        bomb.push_str(&format!(
            "  {c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = c;
    }
    fs::write(dir.path().join("k8s/bomb.yaml"), bomb).unwrap();
    let out = scan_dir(dir.path());
    assert!(has_api_finding(&out));
    assert!(
        warned(&out, "bomb.yaml", "alias"),
        "{:?}",
        out.report.warnings
    );
}

#[test]
fn deeply_nested_yaml_is_a_warning() {
    let dir = setup_manifests();
    let flow = format!("a: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    fs::write(dir.path().join("k8s/flow.yaml"), flow).unwrap();
    let mut block = String::new();
    for i in 0..400 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    fs::write(
        dir.path().join("k8s/seq.yaml"),
        format!("{}1\n", "- ".repeat(10_000)),
    )
    .unwrap();
    fs::write(dir.path().join("k8s/block.yaml"), block).unwrap();
    let out = scan_dir(dir.path());
    assert!(has_api_finding(&out));
    assert!(
        warned(&out, "flow.yaml", "YAML"),
        "{:?}",
        out.report.warnings
    );
    assert!(
        warned(&out, "block.yaml", "deeper"),
        "{:?}",
        out.report.warnings
    );
}

#[test]
fn templated_yaml_outside_a_chart_is_a_warning_and_a_chart_is_a_note() {
    let dir = setup_manifests();
    fs::write(
        dir.path().join("k8s/tpl.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n{{- if .Values.enabled }}\nspec: {}\n{{- end }}\n",
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("chart/templates")).unwrap();
    fs::write(
        dir.path().join("chart/Chart.yaml"),
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("chart/templates/deploy.yaml"),
        "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n{{ toYaml .Values.spec }}\n",
    )
    .unwrap();
    let out = scan_dir(dir.path());
    assert!(has_api_finding(&out));
    assert!(
        warned(&out, "tpl.yaml", "templated"),
        "{:?}",
        out.report.warnings
    );
    assert!(
        !warned(&out, "deploy.yaml", ""),
        "chart templates are noted, not warned about"
    );
    assert!(out.report.findings.iter().any(|f| f.code == "K001"));
}

#[test]
fn binary_and_invalid_utf8_manifests_and_dockerfiles_do_not_panic() {
    let dir = setup_manifests();
    fs::write(dir.path().join("k8s/bin.yaml"), [0u8, 1, 2, 3, 0xff, 0]).unwrap();
    fs::write(
        dir.path().join("k8s/latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        b"FROM \xff\xfe\nRUN <<EOF\nCMD [\"a\"\n",
    )
    .unwrap();
    fs::write(dir.path().join("compose.yaml"), "services: [\n  {{ }}\n").unwrap();
    let out = scan_dir(dir.path());
    assert!(has_api_finding(&out));
    assert!(warned(&out, "bin.yaml", "binary"));
    assert!(warned(&out, "latin1.yaml", "UTF-8"));
    assert!(warned(&out, "compose.yaml", "YAML"));
}

#[test]
fn hostile_env_config_and_source_files_are_warnings() {
    let dir = setup();
    let root = dir.path();
    fs::create_dir_all(root.join("config")).unwrap();
    fs::create_dir_all(root.join("src")).unwrap();
    // Binary and invalid UTF-8 env files.
    fs::write(root.join(".env.production"), [0u8, 1, 2, 0, 159, 146]).unwrap();
    fs::write(root.join(".env.staging"), b"A=1\nB=\xff\xfe\nC=3\n").unwrap();
    // Lines that are not declarations.
    fs::write(root.join(".env"), "A=1\nif [ -n \"$X\" ]; then\nB=2\n").unwrap();
    // Deep nesting and templates in per-environment config files.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    fs::write(
        root.join("config/production.json"),
        format!("{{\"a\": {deep}}}"),
    )
    .unwrap();
    fs::write(
        root.join("config/staging.json"),
        "{ \"db\": {{ .Values.db | toJson }} }",
    )
    .unwrap();
    fs::write(root.join("config/qa.toml"), format!("a = {deep}\n")).unwrap();
    // A huge config file and deeply nested, unterminated or binary source files.
    fs::write(
        root.join("config/uat.json"),
        format!("{{\"k\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)),
    )
    .unwrap();
    fs::write(
        root.join("src/deep.rs"),
        format!(
            "fn f() {{ let x = {}1{}; std::env::var(\"X\").unwrap(); }}",
            "(".repeat(50_000),
            ")".repeat(50_000)
        ),
    )
    .unwrap();
    fs::write(
        root.join("src/open.ts"),
        "const a = `${process.env.A ${ \"unterminated /* regex / [",
    )
    .unwrap();
    fs::write(root.join("src/bin.py"), [b'o', b's', 0, 0, 1, 2]).unwrap();
    fs::write(root.join("src/bad.go"), b"os.Getenv(\"\xff\")\n").unwrap();
    let out = scan_dir(root);
    assert!(has_index_finding(&out), "the SQL finding survives");
    let warned = |name: &str| out.report.warnings.iter().any(|w| w.path.ends_with(name));
    for name in [
        ".env.production",
        ".env.staging",
        ".env",
        "config/production.json",
        "config/staging.json",
        "config/qa.toml",
        "config/uat.json",
        "src/bin.py",
    ] {
        assert!(
            warned(name),
            "no warning for {name}: {:?}",
            out.report.warnings
        );
    }
    let env_warning = out
        .report
        .warnings
        .iter()
        .find(|w| w.path == ".env")
        .unwrap();
    assert_eq!(
        env_warning.message, "line 2 is not a `KEY=value` declaration; skipped",
        "the warning names the line, never its text"
    );
}

#[test]
fn hostile_manifest_shapes_for_env_providers_do_not_panic() {
    let dir = setup();
    let root = dir.path();
    for d in ["api", "k8s/production", "chart", "config"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::write(
        root.join("api/Dockerfile"),
        "FROM x\nENV\nENV =x\nENV A=\"unterminated\nARG 1A\nENV B \\\n",
    )
    .unwrap();
    fs::write(
        root.join("api/main.py"),
        "import os\nA = os.environ[\"A\"]\n",
    )
    .unwrap();
    // Every env shape compose and Kubernetes would refuse, and some they accept.
    fs::write(
        root.join("docker-compose.prod.yml"),
        "services:\n  api:\n    build: {context: ./api, dockerfile: ../../../../x}\n    environment: just-a-string\n    env_file: [42, {path: '${HOME}/x.env'}, ../../../../etc/passwd, binary.env]\n  b:\n    extends: b\n    environment: [\"=x\", \"\", \"'Q'=1\", {a: 1}]\n  c: 3\n",
    )
    .unwrap();
    fs::write(root.join("binary.env"), [0u8, 1, 2, 3]).unwrap();
    fs::write(
        root.join("k8s/production/api.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: api\n          env: {A: 1}\n          envFrom: [configMapRef, {secretRef: 3}, {configMapRef: {name: [x]}}]\n        - env:\n            - 3\n            - name: {x: 1}\n            - name: \"{{ .Values.n }}\"\n        - 7\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  A: \"!!!not base64\"\n  B: /w==\n  C: [1]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: [1, 2]\n",
    )
    .unwrap();
    fs::write(
        root.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: api\nversion: 1.0.0\n",
    )
    .unwrap();
    let mut deep = String::from("a:\n");
    for i in 1..200 {
        deep.push_str(&"  ".repeat(i));
        deep.push_str("env:\n");
        deep.push_str(&"  ".repeat(i));
        deep.push_str("b:\n");
    }
    fs::write(root.join("chart/values-prod.yaml"), deep).unwrap();
    fs::write(
        root.join("chart/values-staging.yaml"),
        "env: [1, {name: 2}, {name: X, value: [1]}]\nextraEnv: {A: {b: 1}}\nimage: {repository: [x]}\n",
    )
    .unwrap();
    fs::write(root.join("config/production.yaml"), "- a\n- b\n").unwrap();
    fs::write(root.join("config/staging.yaml"), "a: 1\n---\n[x]\n").unwrap();
    let out = scan_dir(root);
    assert!(has_index_finding(&out), "the SQL finding survives");
    // Deterministic, too.
    let again = scan_dir(root);
    assert_eq!(
        forecast::report::json::render(&out.report),
        forecast::report::json::render(&again.report)
    );
}
