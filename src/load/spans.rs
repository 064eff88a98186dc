//! The source span of every node of a document, by JSON pointer, in 16 bytes a node.
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;

/// Where a node and (for mapping entries) its key stand in the file, as byte ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSpan {
    /// The key of a mapping entry.
    pub key: Option<Range<usize>>,
    /// The value.
    pub value: Range<usize>,
}

/// A span packed into 16 bytes (files are limited far below 4 GiB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Packed {
    pub(super) key: (u32, u32),
    pub(super) value: (u32, u32),
}

const NO_KEY: (u32, u32) = (u32::MAX, u32::MAX);

impl Packed {
    pub(super) fn new(key: Option<&Range<usize>>, value: &Range<usize>) -> Self {
        let pack = |r: &Range<usize>| (clamp(r.start), clamp(r.end));
        Self { key: key.map_or(NO_KEY, pack), value: pack(value) }
    }

    fn unpack(self) -> NodeSpan {
        let range = |(a, b): (u32, u32)| a as usize..b as usize;
        NodeSpan { key: (self.key != NO_KEY).then(|| range(self.key)), value: range(self.value) }
    }
}

pub(super) fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX - 1)
}

/// JSON pointer (RFC 6901) -> spans. Pointers are kept as 64-bit hashes: a document's index costs
/// about 30 bytes a node instead of the pointer strings.
#[derive(Debug, Default)]
pub struct SpanIndex {
    pub(super) spans: HashMap<u64, Packed>,
}

pub(super) fn pointer_hash(pointer: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    pointer.hash(&mut hasher);
    hasher.finish()
}

impl SpanIndex {
    /// The spans of the node at `pointer`, or of its nearest ancestor that exists.
    pub fn nearest(&self, pointer: &str) -> Option<NodeSpan> {
        let mut current = pointer;
        loop {
            if let Some(span) = self.spans.get(&pointer_hash(current)) {
                return Some(span.unpack());
            }
            if current.is_empty() {
                return None;
            }
            current = current.rfind('/').map_or("", |i| &current[..i]);
        }
    }

    /// The spans of exactly this node.
    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        self.spans.get(&pointer_hash(pointer)).map(|s| s.unpack())
    }

    /// Number of nodes indexed.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}
