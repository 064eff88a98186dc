//! Field rules the schema cannot express, one module per kind.
pub mod cdc;
pub mod cluster;
pub mod common;
pub mod pod;
pub mod connect;
pub mod schema_registry;
pub mod topic;
