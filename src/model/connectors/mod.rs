//! Typed connector configurations and the table of known connector types.
pub mod sinks;
pub mod sources;
