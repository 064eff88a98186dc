//! Output: deterministic YAML, directories written atomically, streams.
pub mod yaml;
