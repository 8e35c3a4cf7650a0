//! A scanned file's text and its line index.

use crate::span::{LineCol, LineIndex, Span};

/// A file read from the scanned tree. `path` is repository-relative with `/` separators.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
    /// The file was not valid UTF-8 and was decoded lossily.
    pub lossy: bool,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: String) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile {
            path: path.into(),
            text,
            lines,
            lossy: false,
        }
    }

    /// Decode bytes, replacing invalid UTF-8.
    pub fn from_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => SourceFile::new(path, text),
            Err(e) => {
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let mut f = SourceFile::new(path, text);
                f.lossy = true;
                f
            }
        }
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }

    pub fn slice(&self, span: Span) -> &str {
        span.slice(&self.text)
    }

    /// The file's name, the last path component.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}
