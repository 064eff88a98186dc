//! Source files and positions in them.
use std::ops::Range;
use std::sync::Arc;

use crate::model::Kind;

/// Index of a file in a [`SourceSet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A file's text, with a table to turn positions into lines and columns.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as given by the user (or `<stdin>`).
    pub name: String,
    /// The text, shared with diagnostics.
    pub text: Arc<String>,
    line_starts: Vec<usize>,
    /// Byte offset of each character, only for non-ASCII text (ASCII: char index == byte offset).
    char_offsets: Option<Vec<usize>>,
}

impl SourceFile {
    /// Wraps a file's text.
    pub fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let char_offsets = (!text.is_ascii()).then(|| {
            let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            offsets.push(text.len());
            offsets
        });
        Self { name, text: Arc::new(text), line_starts, char_offsets }
    }

    /// Byte offset of a character index (saphyr counts characters).
    pub fn byte_of_char(&self, char_index: usize) -> usize {
        match &self.char_offsets {
            None => char_index.min(self.text.len()),
            Some(offsets) => offsets.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    /// 1-based line and column (in characters) of a byte offset; logarithmic in the file's size, so
    /// reporting stays linear even for one-line documents of many megabytes.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= byte).max(1);
        let start = self.line_starts[line - 1];
        (line, self.char_index(byte) - self.char_index(start) + 1)
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, byte: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= byte).max(1) - 1
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        let mut end = self.line_starts.get(line + 1).map_or(self.text.len(), |next| next - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end.max(start)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Index of the character at a byte offset (the offset of a character boundary).
    fn char_index(&self, byte: usize) -> usize {
        match &self.char_offsets {
            None => byte,
            Some(offsets) => offsets.partition_point(|&b| b < byte),
        }
    }
}

/// The files of one run.
#[derive(Debug, Default)]
pub struct SourceSet {
    files: Vec<SourceFile>,
}

impl SourceSet {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: String, text: String) -> FileId {
        self.files.push(SourceFile::new(name, text));
        FileId(self.files.len() - 1)
    }

    /// The file of an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// The id of the first file of this name (and text, when given).
    pub fn find(&self, name: &str, text: Option<&str>) -> Option<FileId> {
        self.files.iter().position(|f| f.name == name && text.is_none_or(|t| *f.text == t)).map(FileId)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Which resource a finding or a rendered object belongs to: its identity and where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceRef {
    /// The kind.
    pub kind: Kind,
    /// `metadata.namespace`, when set.
    pub namespace: Option<String>,
    /// `metadata.name` (`<unnamed>` when missing).
    pub name: String,
    /// The file.
    pub file: FileId,
    /// Position of the document in its file (0-based).
    pub document: usize,
}

impl std::fmt::Display for ResourceRef {
    /// `Kind/namespace/name`, or `Kind/name` without a namespace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{ns}/{}", self.kind.name(), self.name),
            None => write!(f, "{}/{}", self.kind.name(), self.name),
        }
    }
}

/// A byte range in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: FileId,
    /// Byte range of the text the location points at.
    pub bytes: Range<usize>,
}
pub mod pointer;
