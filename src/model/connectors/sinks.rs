//! Typed sink connector configurations.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Typed sink configurations; at most one is set, matching `connector`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TypedSinkConfig {}
