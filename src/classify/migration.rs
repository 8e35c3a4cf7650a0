//! Migration framework detection from paths and first-line markers.
//!
//! Each framework has its own naming convention and directives; this module recognises them
//! and says, per file, which framework it is, its version, its direction, and which
//! migration it belongs to. Transaction modes are worked out in `model::migrations`.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use super::{RepoIndex, parent_dir};

/// A migration framework, or plain SQL in a migrations folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    GolangMigrate,
    Goose,
    Dbmate,
    Diesel,
    Sqlx,
    Flyway,
    Liquibase,
    Prisma,
    Atlas,
    Sqitch,
    /// gobuffalo pop / Ory popx: `<version>_<name>[.<dialect>].{up,down}.sql`.
    Pop,
    /// SQL files in a migrations folder with no recognised framework.
    Plain,
}

impl Framework {
    pub fn name(self) -> &'static str {
        match self {
            Framework::GolangMigrate => "golang-migrate",
            Framework::Goose => "goose",
            Framework::Dbmate => "dbmate",
            Framework::Diesel => "diesel",
            Framework::Sqlx => "sqlx",
            Framework::Flyway => "flyway",
            Framework::Liquibase => "liquibase",
            Framework::Prisma => "prisma",
            Framework::Atlas => "atlas",
            Framework::Sqitch => "sqitch",
            Framework::Pop => "pop",
            Framework::Plain => "plain",
        }
    }

    /// Does the framework have a way to write a down migration?
    pub fn supports_down(self) -> bool {
        !matches!(
            self,
            Framework::Prisma | Framework::Flyway | Framework::Atlas | Framework::Plain
        )
    }

    /// The command that runs one migration back, for the rollback plan. `dir` is the
    /// migrations folder (repository-relative).
    pub fn revert_command(self, dir: &str) -> String {
        let dir = if dir.is_empty() { "." } else { dir };
        match self {
            Framework::GolangMigrate => {
                format!("migrate -path {dir} -database \"$DATABASE_URL\" down 1")
            }
            Framework::Goose => format!("goose -dir {dir} postgres \"$DATABASE_URL\" down"),
            Framework::Dbmate => format!("dbmate --migrations-dir {dir} rollback"),
            Framework::Diesel => format!("diesel migration revert --migration-dir {dir}"),
            Framework::Sqlx => format!("sqlx migrate revert --source {dir}"),
            Framework::Flyway => {
                "flyway undo (Flyway Teams), or run the inverse SQL by hand".into()
            }
            Framework::Liquibase => "liquibase rollback-count 1".into(),
            Framework::Prisma => {
                "run the inverse SQL, then `prisma migrate resolve --rolled-back <migration>`"
                    .into()
            }
            Framework::Atlas => format!("atlas migrate down --dir file://{dir}"),
            Framework::Sqitch => "sqitch revert --to @HEAD^".into(),
            Framework::Pop => {
                "the application's `migrate down` command (pop: `soda migrate down`)".into()
            }
            Framework::Plain => "run the inverse SQL by hand".into(),
        }
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A migration version: the numeric parts of its prefix (`20240101120000`, `1.2.3`,
/// `2019-01-01-000000`), compared numerically part by part, then by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Version {
    pub parts: Vec<u64>,
    /// The version as written.
    pub text: String,
}

impl Version {
    pub fn none() -> Self {
        Version {
            parts: Vec::new(),
            text: String::new(),
        }
    }

    /// Parse the leading version of a file or folder name: optional `V`/`U`/`v`, then digits
    /// separated by `.`, `_` (Flyway), or `-` (diesel dates). Returns the version and the rest.
    pub fn parse_prefix(name: &str) -> Option<(Version, &str)> {
        let body = name
            .strip_prefix(['V', 'v', 'U'])
            .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(name);
        let bytes = body.as_bytes();
        let mut parts = Vec::new();
        let mut i = 0;
        loop {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                break;
            }
            let digits = &body[start..i];
            // Very long digit runs cannot be u64; keep the last 19 digits (still orders
            // timestamps correctly in practice) rather than fail.
            let tail = &digits[digits.len().saturating_sub(19)..];
            parts.push(tail.parse::<u64>().unwrap_or(u64::MAX));
            // A separator followed by more digits continues the version.
            if i + 1 < bytes.len()
                && matches!(bytes[i], b'.' | b'-' | b'_')
                && bytes[i + 1].is_ascii_digit()
                && !(bytes[i] == b'_' && i + 1 < bytes.len() && body[i + 1..].starts_with('_'))
            {
                i += 1;
                continue;
            }
            break;
        }
        if parts.is_empty() {
            return None;
        }
        let prefix_len = name.len() - body.len() + i;
        Some((
            Version {
                parts,
                text: name[..prefix_len].to_string(),
            },
            &name[prefix_len..],
        ))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Which way a file migrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Up,
    Down,
    /// One file holds both (goose, dbmate, Liquibase `--rollback`).
    Both,
    /// Flyway repeatable (`R__`): re-run whenever it changes.
    Repeatable,
}

/// What detection says about one SQL file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationFile {
    pub framework: Framework,
    pub version: Version,
    pub direction: Direction,
    /// Files with the same key form one migration (its up and its down).
    pub unit: String,
    /// The dialect the path or content says the file is for, when it says one.
    pub dialect: Option<&'static str>,
}

const META_NAMES: &[&str] = &[
    "metadata.toml",
    "migration_lock.toml",
    "atlas.sum",
    "sqitch.plan",
];

/// The dialect infixes pop / popx put in file names.
const POP_DIALECTS: &[&str] = &["postgres", "cockroach", "mysql", "sqlite3", "sqlite"];

/// Is this a framework file that sits beside migrations?
pub fn is_meta_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    META_NAMES.contains(&name) || name.ends_with(".sql.conf")
}

/// Folder names that hold migrations.
fn is_migrations_segment(seg: &str) -> bool {
    let s = seg.to_ascii_lowercase();
    s.contains("migrat")
        || matches!(
            s.as_str(),
            "versioned"
                | "upgrade"
                | "upgrades"
                | "patches"
                | "changelog"
                | "changelogs"
                | "deltas"
                | "evolutions"
                | "deploy"
                | "revert"
        )
}

/// Does the path lie under a migrations-like folder, or one the configuration names?
pub fn in_migrations_folder(path: &str, extra: &[String]) -> bool {
    let dir = parent_dir(path);
    if extra.iter().any(|p| {
        let p = p.trim_end_matches('/');
        !p.is_empty() && (dir == p || dir.starts_with(&format!("{p}/")))
    }) {
        return true;
    }
    dir.split('/').any(is_migrations_segment)
}

fn dialect_word(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" | "pg" | "psql" | "pgsql" => "postgres",
        "mysql" | "mariadb" => "mysql",
        "sqlite" | "sqlite3" => "sqlite",
        "cockroach" | "cockroachdb" | "crdb" => "cockroach",
        "clickhouse" => "clickhouse",
        "h2" => "h2",
        "mssql" | "sqlserver" | "tsql" => "mssql",
        "oracle" => "oracle",
        _ => return None,
    })
}

/// The dialect a path names: a file-name infix (`x.mysql.up.sql`) or a folder
/// (`migrations/sqlite/`, `jdbc-h2/`).
pub fn dialect_from_path(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts: Vec<&str> = name.split('.').collect();
    parts.pop(); // extension
    if let Some(d) = parts.iter().skip(1).find_map(|p| dialect_word(p)) {
        return Some(d);
    }
    parent_dir(path).split('/').rev().find_map(|seg| {
        dialect_word(seg).or_else(|| {
            // `jdbc-postgres`, `db_mysql`, `postgres-migrations`
            seg.split(['-', '_']).find_map(dialect_word)
        })
    })
}

/// The dialect the content gives away, for files the path says nothing about.
pub fn dialect_from_content(text: &str) -> Option<&'static str> {
    let head = text.get(..text.len().min(16 * 1024)).unwrap_or(text);
    if head.contains("MergeTree") || head.contains("ON CLUSTER") {
        return Some("clickhouse");
    }
    let upper_has =
        |needle: &str| memchr::memmem::find(head.as_bytes(), needle.as_bytes()).is_some();
    if upper_has("ENGINE=InnoDB")
        || upper_has("ENGINE = InnoDB")
        || upper_has("AUTO_INCREMENT")
        || upper_has("AUTOINCREMENT")
        || (backticks_outside_comments(head) >= 4 && !head.contains("$$"))
    {
        return Some("mysql");
    }
    None
}

/// Backticks in SQL code, not in `--` comments (where Markdown-style quoting is common).
fn backticks_outside_comments(text: &str) -> usize {
    text.lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .map(|code| code.matches('`').count())
        .sum()
}

/// The first `n` lines that are not blank.
fn leading_lines(head: &str, n: usize) -> impl Iterator<Item = &str> {
    head.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(n)
}

fn has_marker(head: &str, marker: &str) -> bool {
    head.lines().any(|l| {
        let l = l.trim();
        l.starts_with("--")
            && l.trim_start_matches('-')
                .trim()
                .to_ascii_lowercase()
                .starts_with(marker)
    })
}

/// Recognise a SQL file as a migration. `head` is the start of the file (a few KB is
/// enough); `extra_dirs` are the configured migration folders.
pub fn detect(
    path: &str,
    head: &str,
    repo: &RepoIndex,
    extra_dirs: &[String],
) -> Option<MigrationFile> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let dir = parent_dir(path);
    let dir_name = dir.rsplit('/').next().unwrap_or(dir);
    let dialect = dialect_from_path(path).or_else(|| dialect_from_content(head));
    let make = |framework, version, direction, unit: String| {
        Some(MigrationFile {
            framework,
            version,
            direction,
            unit,
            dialect,
        })
    };

    // Content markers are unambiguous wherever the file lives.
    if leading_lines(head, 1).any(|l| {
        l.to_ascii_lowercase()
            .starts_with("--liquibase formatted sql")
    }) {
        let version = Version::parse_prefix(name)
            .map(|v| v.0)
            .unwrap_or_else(Version::none);
        return make(
            Framework::Liquibase,
            version,
            Direction::Both,
            path.to_string(),
        );
    }
    if has_marker(head, "+goose up") {
        let version = Version::parse_prefix(name)
            .map(|v| v.0)
            .unwrap_or_else(Version::none);
        return make(Framework::Goose, version, Direction::Both, path.to_string());
    }
    if has_marker(head, "migrate:up") {
        let version = Version::parse_prefix(name)
            .map(|v| v.0)
            .unwrap_or_else(Version::none);
        return make(
            Framework::Dbmate,
            version,
            Direction::Both,
            path.to_string(),
        );
    }

    // Prisma: prisma/migrations/<ts>_<name>/migration.sql
    if name == "migration.sql" {
        let migrations_dir = parent_dir(dir);
        if repo.contains(&format!("{migrations_dir}/migration_lock.toml"))
            || migrations_dir.ends_with("prisma/migrations")
        {
            let version = Version::parse_prefix(dir_name)
                .map(|v| v.0)
                .unwrap_or_else(Version::none);
            return make(Framework::Prisma, version, Direction::Up, dir.to_string());
        }
    }

    // diesel: migrations/<version>_<name>/{up,down}.sql
    if (name == "up.sql" || name == "down.sql")
        && let Some((version, _)) = Version::parse_prefix(dir_name)
    {
        let direction = if name == "up.sql" {
            Direction::Up
        } else {
            Direction::Down
        };
        return make(Framework::Diesel, version, direction, dir.to_string());
    }

    // Sqitch: <plan dir>/{deploy,revert,verify}/<change>.sql
    if let Some(kind) = ["deploy", "revert", "verify"].iter().find(|k| {
        dir_name == **k || dir.contains(&format!("/{k}/")) || dir.starts_with(&format!("{k}/"))
    }) {
        let (root, rest) = split_at_segment(path, kind);
        if repo.contains(&join(root, "sqitch.plan")) {
            if *kind == "verify" {
                return None;
            }
            let change = rest.trim_end_matches(".sql");
            let direction = if *kind == "deploy" {
                Direction::Up
            } else {
                Direction::Down
            };
            return make(
                Framework::Sqitch,
                Version::none(),
                direction,
                format!("{}#{change}", join(root, "sqitch.plan")),
            );
        }
    }

    // Flyway: V<ver>__desc.sql, U<ver>__desc.sql, R__desc.sql
    if let Some(rest) = name.strip_prefix("R__")
        && rest.ends_with(".sql")
    {
        return make(
            Framework::Flyway,
            Version::none(),
            Direction::Repeatable,
            path.to_string(),
        );
    }
    if (name.starts_with('V') || name.starts_with('U'))
        && name.contains("__")
        && let Some((version, rest)) = Version::parse_prefix(name)
        && rest.starts_with("__")
    {
        let direction = if name.starts_with('U') {
            Direction::Down
        } else {
            Direction::Up
        };
        let unit = format!("{dir}/V{}", version.text.trim_start_matches(['V', 'U']));
        return make(Framework::Flyway, version, direction, unit);
    }

    let lower = name.to_ascii_lowercase();
    let up_down = if let Some(stem) = lower.strip_suffix(".up.sql") {
        Some((stem, Direction::Up))
    } else {
        lower
            .strip_suffix(".down.sql")
            .map(|stem| (stem, Direction::Down))
    };
    if let Some((stem, direction)) = up_down
        && let Some((version, rest)) = Version::parse_prefix(&name[..stem.len()])
    {
        // Pop / popx: <version>_<name>.<dialect>.{up,down}.sql
        // Pop / popx mark a file's dialect and autocommit mode with infixes.
        let base = &name[..stem.len()];
        let pop_dialect = stem
            .split('.')
            .skip(1)
            .any(|p| p == "autocommit" || dialect_word(p).is_some())
            || POP_DIALECTS.iter().any(|d| {
                ["up", "down"].iter().any(|ud| {
                    repo.contains(&format!("{dir}/{base}.{d}.{ud}.sql"))
                        || repo.contains(&format!("{dir}/{base}.{d}.autocommit.{ud}.sql"))
                })
            });
        let unit = format!("{dir}/{base}");
        let framework = if pop_dialect {
            Framework::Pop
        } else if !rest.starts_with('_') {
            Framework::Plain
        } else if has_marker(head, "no-transaction")
            || repo.in_ancestors(dir, "Cargo.toml").is_some()
        {
            Framework::Sqlx
        } else {
            Framework::GolangMigrate
        };
        return make(framework, version, direction, unit);
    }

    let in_folder = in_migrations_folder(path, extra_dirs);
    if !in_folder {
        return None;
    }
    let version = Version::parse_prefix(name)
        .map(|v| v.0)
        .unwrap_or_else(Version::none);
    let framework = if repo.contains(&join(dir, "atlas.sum")) {
        Framework::Atlas
    } else if !version.parts.is_empty()
        && (has_marker(head, "no-transaction") || repo.in_ancestors(dir, "Cargo.toml").is_some())
    {
        Framework::Sqlx
    } else {
        Framework::Plain
    };
    make(framework, version, Direction::Up, path.to_string())
}

/// The folder whose migrations run as one sequence with the file at `path`: its parent
/// folder, or, for layouts with one folder per migration (diesel, Prisma), the folder above,
/// or a Sqitch plan's folder. Works from the path alone (and the list of paths), so diff mode
/// can find a changed migration's neighbours before reading anything.
pub fn sequence_dir(path: &str, repo: &RepoIndex) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let dir = parent_dir(path);
    let dir_name = dir.rsplit('/').next().unwrap_or(dir);
    let per_migration_folder = matches!(
        name,
        "up.sql" | "down.sql" | "migration.sql" | "metadata.toml"
    ) && (Version::parse_prefix(dir_name).is_some()
        || repo.contains(&join(parent_dir(dir), "migration_lock.toml")));
    if per_migration_folder {
        return parent_dir(dir).to_string();
    }
    for kind in ["deploy", "revert", "verify"] {
        if dir.split('/').any(|s| s == kind) {
            let (root, _) = split_at_segment(path, kind);
            if repo.contains(&join(root, "sqitch.plan")) {
                return root.to_string();
            }
        }
    }
    dir.to_string()
}

/// What identifies a migration to its runner, for telling two migrations that share a
/// version apart: the up file's path, or for pop/popx the path without the dialect and
/// `autocommit` infixes (one migration, one file per dialect).
pub fn identity(m: &MigrationFile, path: &str) -> String {
    match m.framework {
        Framework::Pop => {
            let (dir, name) = match m.unit.rfind('/') {
                Some(i) => (&m.unit[..i], &m.unit[i + 1..]),
                None => ("", m.unit.as_str()),
            };
            let stem = name.split('.').next().unwrap_or(name);
            join(dir, stem)
        }
        Framework::Diesel | Framework::Prisma => m.unit.clone(),
        _ => path.to_string(),
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Split `a/b/deploy/x/y.sql` at the `deploy` segment: (`a/b`, `x/y.sql`).
fn split_at_segment<'a>(path: &'a str, seg: &str) -> (&'a str, &'a str) {
    let parts: Vec<&str> = path.split('/').collect();
    let Some(pos) = parts.iter().rposition(|p| *p == seg) else {
        return ("", path);
    };
    let root_len: usize = parts[..pos].iter().map(|p| p.len() + 1).sum::<usize>();
    let root = path.get(..root_len.saturating_sub(1)).unwrap_or("");
    let rest = path.get(root_len + seg.len() + 1..).unwrap_or("");
    (root, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(path: &str, head: &str, files: &[&str]) -> Option<MigrationFile> {
        let repo = RepoIndex::new(
            files
                .iter()
                .map(|s| s.to_string())
                .chain([path.to_string()]),
        );
        detect(path, head, &repo, &[])
    }

    #[test]
    fn versions() {
        let (v, rest) = Version::parse_prefix("20240101120000_add.up.sql").unwrap();
        assert_eq!(v.parts, vec![20240101120000]);
        assert_eq!(rest, "_add.up.sql");
        let (v, rest) = Version::parse_prefix("V1_2__init.sql").unwrap();
        assert_eq!(v.parts, vec![1, 2]);
        assert_eq!(rest, "__init.sql");
        let (v, _) = Version::parse_prefix("V1.10.3__x.sql").unwrap();
        assert_eq!(v.parts, vec![1, 10, 3]);
        let (v, rest) = Version::parse_prefix("2019-01-01-000000_create").unwrap();
        assert_eq!(v.parts, vec![2019, 1, 1, 0]);
        assert_eq!(rest, "_create");
        assert!(Version::parse_prefix("init.sql").is_none());
        let a = Version::parse_prefix("V1.9__a").unwrap().0;
        let b = Version::parse_prefix("V1.10__a").unwrap().0;
        assert!(a < b);
        // 40 digits do not overflow.
        assert!(Version::parse_prefix(&"9".repeat(40)).is_some());
    }

    #[test]
    fn frameworks() {
        let f = |p, h, files: &[&str]| det(p, h, files).map(|m| m.framework);
        assert_eq!(
            f("db/migrations/1_init.up.sql", "", &[]),
            Some(Framework::GolangMigrate)
        );
        assert_eq!(
            f("migrations/1_init.up.sql", "", &["Cargo.toml"]),
            Some(Framework::Sqlx)
        );
        assert_eq!(
            f("migrations/1_init.sql", "-- no-transaction\n", &[]),
            Some(Framework::Sqlx)
        );
        assert_eq!(
            f("db/1_a.sql", "-- +goose Up\nSELECT 1;", &[]),
            Some(Framework::Goose)
        );
        assert_eq!(
            f("db/x/1_a.sql", "-- migrate:up\n", &[]),
            Some(Framework::Dbmate)
        );
        assert_eq!(
            f("migrations/2020-01-01-000000_x/up.sql", "", &[]),
            Some(Framework::Diesel)
        );
        assert_eq!(f("src/db/V1_2__init.sql", "", &[]), Some(Framework::Flyway));
        assert_eq!(f("db/R__views.sql", "", &[]), Some(Framework::Flyway));
        assert_eq!(
            f(
                "changes/a.sql",
                "--liquibase formatted sql\n--changeset a:1\n",
                &[]
            ),
            Some(Framework::Liquibase)
        );
        assert_eq!(
            f("prisma/migrations/20240101_init/migration.sql", "", &[]),
            Some(Framework::Prisma)
        );
        assert_eq!(
            f("migrations/20240101_a.sql", "", &["migrations/atlas.sum"]),
            Some(Framework::Atlas)
        );
        assert_eq!(
            f("db/deploy/users.sql", "", &["db/sqitch.plan"]),
            Some(Framework::Sqitch)
        );
        assert_eq!(f("db/verify/users.sql", "", &["db/sqitch.plan"]), None);
        assert_eq!(
            f(
                "persistence/sql/migrations/20200101_x.postgres.up.sql",
                "",
                &[]
            ),
            Some(Framework::Pop)
        );
        assert_eq!(
            f(
                "m/20200101_x.down.sql",
                "",
                &["m/20200101_x.postgres.up.sql"]
            ),
            Some(Framework::Pop)
        );
        assert_eq!(
            f("m/20200101_x.postgres.autocommit.up.sql", "", &[]),
            Some(Framework::Pop)
        );
        assert_eq!(
            f("migrations/seed/data.sql", "", &[]),
            Some(Framework::Plain)
        );
        assert_eq!(f("queries/report.sql", "", &[]), None);
    }

    #[test]
    fn units_pair_up_and_down() {
        let up = det("m/1_a.up.sql", "", &[]).unwrap();
        let down = det("m/1_a.down.sql", "", &[]).unwrap();
        assert_eq!(up.unit, down.unit);
        assert_eq!(down.direction, Direction::Down);
        let v = det("db/V3__x.sql", "", &[]).unwrap();
        let u = det("db/U3__x.sql", "", &[]).unwrap();
        assert_eq!(v.unit, u.unit);
    }

    #[test]
    fn dialects() {
        assert_eq!(dialect_from_path("m/1_x.mysql.up.sql"), Some("mysql"));
        assert_eq!(
            dialect_from_path("internal/storage/migrations/postgres/V1.up.sql"),
            Some("postgres")
        );
        assert_eq!(
            dialect_from_path("jdbc-h2/src/main/resources/migrations/V1__a.sql"),
            Some("h2")
        );
        assert_eq!(dialect_from_path("migrations/1_x.up.sql"), None);
        assert_eq!(
            dialect_from_content("CREATE TABLE t (id int) ENGINE=InnoDB;"),
            Some("mysql")
        );
        assert_eq!(dialect_from_content("CREATE TABLE t (id int);"), None);
        assert_eq!(
            dialect_from_content("-- `sqlx` does not wrap it, so `BEGIN` here\nBEGIN;\nCOMMIT;"),
            None
        );
        assert_eq!(
            dialect_from_content("CREATE TABLE `t` (`id` int, `name` text);"),
            Some("mysql")
        );
    }
}
