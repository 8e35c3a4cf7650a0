//! Where the scanned root sits in its repository. Finding paths are relative to the scanned
//! root; code review tools (SARIF, workflow commands, GitLab) want them relative to the
//! repository root, so the renderers put this prefix in front.

use std::path::{Path, PathBuf};

/// The nearest folder at or above `start` that holds `.git` (a folder, or a file in a
/// worktree or submodule).
pub fn root_of(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_file() {
        start.parent()?.to_path_buf()
    } else {
        start
    };
    loop {
        if dir.join(".git").exists() {
            return Some(dir);
        }
        dir = dir.parent()?.to_path_buf();
    }
}

/// The scanned root's path relative to its repository root, with `/` separators and a
/// trailing `/`; `""` when the root is the repository root or no repository is found. For a
/// single scanned file, the prefix of the folder that holds it (finding paths are then the
/// file's name).
pub fn prefix(root: &Path) -> String {
    let Some(repo) = root_of(root) else {
        return String::new();
    };
    let Ok(canon) = std::fs::canonicalize(root) else {
        return String::new();
    };
    let folder = if canon.is_file() {
        canon.parent().map(Path::to_path_buf).unwrap_or(canon)
    } else {
        canon
    };
    let Ok(rel) = folder.strip_prefix(&repo) else {
        return String::new();
    };
    let mut s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if !s.is_empty() {
        s.push('/');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_inside_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("db/migrations")).unwrap();
        std::fs::write(dir.path().join("db/migrations/1.sql"), "").unwrap();
        assert_eq!(prefix(dir.path()), "");
        assert_eq!(prefix(&dir.path().join("db")), "db/");
        assert_eq!(
            prefix(&dir.path().join("db/migrations/1.sql")),
            "db/migrations/"
        );
    }
}
