//! Source files and positions in them.
use std::ops::Range;
use std::sync::Arc;

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

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&start| start <= byte).max(1);
        let start = self.line_starts[line - 1];
        let end = byte.min(self.text.len()).max(start);
        let column = self.text.get(start..end).map_or(end - start, |s| s.chars().count()) + 1;
        (line, column)
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

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
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
