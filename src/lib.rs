//! rivven-render: Rivven custom resources in, plain Kubernetes manifests out.
//!
//! The pipeline: [`load`] (files, YAML with source spans) -> [`validate`] (schemas and rules, pure)
//! -> [`render`] (pure builders per kind) -> [`output`] (directory, stream). With the feature
//! `companion`, `companion` runs in a cluster and applies what manifests cannot carry, deciding
//! with the pure functions of [`reconcile`].
pub mod cli;
pub mod compile;
#[cfg(feature = "companion")]
pub mod companion;
pub mod diagnostics;
pub mod diff;
pub mod load;
pub mod model;
pub mod output;
pub mod reconcile;
pub mod render;
pub mod rivven;
pub mod schema;
pub mod source;
pub mod validate;
pub mod yaml;
