//! Typed connector configurations and the table of known connector types.
//!
//! Each known connector type has one typed configuration, written either under its camelCase field
//! next to `connector` (e.g. `postgresCdc:`) or as the generic `config` map; [`registry`] ties the
//! connector type strings to the field and to the JSON Schema both are checked against.
pub mod cdc;
pub mod cdc_pipeline;
pub mod queue_sources;
pub mod registry;
pub mod shared;
pub mod sinks;
pub mod sources;
pub mod warehouse_sinks;

#[cfg(test)]
mod tests;

pub use registry::{all, lookup, Direction, KnownConnector};

/// Implements the accessors of a typed-config container (`TypedSourceConfig`, `TypedSinkConfig`):
/// every field is an `Option` of a config type, named by its camelCase string.
macro_rules! typed_config_accessors {
    ($ty:ident { $($field:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// camelCase names of every typed field, in declaration order.
            pub const FIELDS: &'static [&'static str] = &[$($name),*];

            /// camelCase names of the typed fields that are set.
            pub fn set_fields(&self) -> Vec<&'static str> {
                let mut set = Vec::new();
                $(if self.$field.is_some() { set.push($name); })*
                set
            }

            /// The set typed config as (camelCase field name, camelCase JSON), the first in declaration
            /// order when several are set (validation reports that case); `None` when none is set.
            pub fn to_value(&self) -> Option<(&'static str, serde_json::Value)> {
                $(if let Some(config) = &self.$field {
                    let value = serde_json::to_value(config).expect("typed connector configs always serialize");
                    return Some(($name, value));
                })*
                None
            }

            /// Reads a generic `config` map as the typed config of `field` (a name from [`Self::FIELDS`]);
            /// missing values get their defaults. Unknown keys are ignored here (the schema rejects them).
            pub fn from_config(
                field: &str,
                config: &serde_json::Map<String, serde_json::Value>,
            ) -> Result<Self, serde_json::Error> {
                let mut this = Self::default();
                match field {
                    $($name => this.$field = Some(serde_json::from_value(config.clone().into())?),)*
                    other => {
                        return Err(<serde_json::Error as serde::de::Error>::unknown_field(other, Self::FIELDS));
                    }
                }
                Ok(this)
            }
        }
    };
}
pub(crate) use typed_config_accessors;

/// A config deserialized from `{}`: what a user gets by writing the key with nothing under it.
#[cfg(test)]
pub(crate) fn minimal<T: for<'de> serde::Deserialize<'de>>() -> T {
    serde_json::from_value(serde_json::json!({})).expect("every field has a default")
}
