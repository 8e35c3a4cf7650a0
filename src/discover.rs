//! Discovery: list the files under the scan root, honouring `.gitignore`.

use std::path::{Path, PathBuf};

/// A file found under the root, with its repository-relative path (`/` separators).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    pub rel: String,
    pub abs: PathBuf,
}

/// Something that went wrong while walking: a path that could not be read.
#[derive(Debug, Clone)]
pub struct WalkWarning {
    pub path: String,
    pub message: String,
}

/// Walk `root` (a folder or a single file), in parallel. Hidden folders such as `.git` are skipped,
/// except `.env*` files, which are data here. Symlink loops and unreadable folders become
/// warnings. The result is sorted.
pub fn walk(root: &Path) -> (Vec<Found>, Vec<WalkWarning>) {
    if root.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let found = vec![Found {
            rel: name,
            abs: root.to_path_buf(),
        }];
        return (found, Vec::new());
    }
    let results = std::sync::Mutex::new((Vec::new(), Vec::new()));
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && (name == ".git" || name == "node_modules" || name == "target"))
        })
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                let item = match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        let abs = e.path().to_path_buf();
                        let rel = abs
                            .strip_prefix(root)
                            .unwrap_or(&abs)
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect::<Vec<_>>()
                            .join("/");
                        Ok(Found { rel, abs })
                    }
                    Ok(_) => return ignore::WalkState::Continue,
                    Err(err) => Err(WalkWarning {
                        path: err_path(&err).unwrap_or_default(),
                        message: err.to_string(),
                    }),
                };
                if let Ok(mut guard) = results.lock() {
                    match item {
                        Ok(f) => guard.0.push(f),
                        Err(w) => guard.1.push(w),
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let (mut found, mut warnings) = results.into_inner().unwrap_or_default();
    warnings.sort_by(|a: &WalkWarning, b: &WalkWarning| {
        (&a.path, &a.message).cmp(&(&b.path, &b.message))
    });
    found.sort();
    (found, warnings)
}

fn err_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            err_path(err)
        }
        _ => None,
    }
}
