//! RivvenSchemaRegistry: rivven-schema servers run by a Deployment.
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{ClusterRef, MetricsSpec, NetworkPolicySpec, PodDisruptionBudgetSpec, PodOverrides, TlsSpec};
use super::{Rivven, DEFAULT_RIVVEN_VERSION};

/// Desired state of a schema registry.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RivvenSchemaRegistrySpec {
    /// The RivvenCluster the registry belongs to (and stores schemas in, with `storage.mode: broker`).
    pub cluster_ref: ClusterRef,
    /// Number of registry replicas. rivven-schema 0.0.22 keeps schemas in memory, so replicas do not
    /// share ids: validation warns above 1.
    #[schemars(range(min = 0, max = 100))]
    pub replicas: u32,
    /// rivven-schema version; the image tag unless `image` carries its own tag or digest.
    #[schemars(length(min = 1))]
    pub version: String,
    /// Registry image repository (or a full reference with tag or digest).
    pub image: String,
    /// HTTP server settings.
    pub server: RegistryServerSpec,
    /// Where schemas are stored.
    pub storage: RegistryStorageSpec,
    /// Compatibility levels, applied through the registry's API by the in-cluster companion.
    pub compatibility: CompatibilitySpec,
    /// Schema formats the registry accepts.
    pub formats: FormatsSpec,
    /// Authentication of registry clients.
    pub auth: RegistryAuthSpec,
    /// TLS of the HTTP server.
    pub tls: TlsSpec,
    /// Prometheus metrics.
    pub metrics: MetricsSpec,
    /// Synchronisation with an external registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_registry: Option<ExternalRegistrySpec>,
    /// PodDisruptionBudget (rendered only with more than one replica).
    pub pod_disruption_budget: PodDisruptionBudgetSpec,
    /// NetworkPolicy of the pods (rendered by default).
    pub network_policy: NetworkPolicySpec,
    /// Pod-level settings.
    #[serde(flatten)]
    pub pod: PodOverrides,
}

impl Default for RivvenSchemaRegistrySpec {
    fn default() -> Self {
        Self {
            cluster_ref: ClusterRef::default(),
            replicas: 1,
            version: DEFAULT_RIVVEN_VERSION.into(),
            image: crate::rivven::NEWEST.registry.image.into(),
            server: RegistryServerSpec::default(),
            storage: RegistryStorageSpec::default(),
            compatibility: CompatibilitySpec::default(),
            formats: FormatsSpec::default(),
            auth: RegistryAuthSpec::default(),
            tls: TlsSpec::default(),
            metrics: MetricsSpec::default(),
            external_registry: None,
            pod_disruption_budget: PodDisruptionBudgetSpec::default(),
            network_policy: NetworkPolicySpec::default(),
            pod: PodOverrides::default(),
        }
    }
}

/// HTTP server settings of the registry.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistryServerSpec {
    /// HTTP port (`serve --port`).
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Bind address (`serve --host`); an IP address.
    pub bind_address: String,
    /// Request timeout in milliseconds. rivven-schema 0.0.22 has no such setting.
    #[schemars(range(min = 1))]
    pub request_timeout_ms: u64,
    /// Answer CORS pre-flight requests. rivven-schema 0.0.22 has no such setting.
    pub cors_enabled: bool,
}

impl Default for RegistryServerSpec {
    fn default() -> Self {
        Self { port: 8081, bind_address: "0.0.0.0".into(), request_timeout_ms: 30_000, cors_enabled: false }
    }
}

/// Schema storage modes.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StorageMode {
    /// In memory: schemas are lost on restart.
    Memory,
    /// In a topic on the RivvenCluster.
    Broker,
}

/// Where schemas are stored.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistryStorageSpec {
    /// Storage mode. rivven-schema 0.0.22 serves only `memory` (validation warns on `broker`).
    pub mode: StorageMode,
    /// Topic holding the schemas (`storage.mode: broker`).
    #[schemars(length(min = 1, max = 255))]
    pub topic: String,
    /// Replication factor of the storage topic.
    #[schemars(range(min = 1, max = 100))]
    pub replication_factor: u16,
    /// Partitions of the storage topic.
    #[schemars(range(min = 1, max = 1000))]
    pub partitions: u32,
}

impl Default for RegistryStorageSpec {
    fn default() -> Self {
        Self { mode: StorageMode::Broker, topic: "_schemas".into(), replication_factor: 1, partitions: 1 }
    }
}

/// Schema compatibility levels.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityLevel {
    /// No compatibility checking.
    None,
    /// New schema can read old data.
    Backward,
    /// All previous schemas can be read.
    BackwardTransitive,
    /// Old schema can read new data.
    Forward,
    /// All future schemas can read old data.
    ForwardTransitive,
    /// Both backward and forward compatible.
    Full,
    /// Full compatibility with all versions.
    FullTransitive,
}

/// Compatibility levels.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct CompatibilitySpec {
    /// Global compatibility level.
    pub default_level: CompatibilityLevel,
    /// Per-subject overrides, by subject name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub per_subject: BTreeMap<String, CompatibilityLevel>,
}

impl Default for CompatibilitySpec {
    fn default() -> Self {
        Self { default_level: CompatibilityLevel::Backward, per_subject: BTreeMap::new() }
    }
}

/// Schema formats the registry accepts.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct FormatsSpec {
    /// Accept Avro schemas.
    pub avro: bool,
    /// Accept JSON Schema.
    pub json_schema: bool,
    /// Accept Protobuf schemas.
    pub protobuf: bool,
}

impl Default for FormatsSpec {
    fn default() -> Self {
        Self { avro: true, json_schema: true, protobuf: true }
    }
}

/// Authentication methods.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// HTTP basic authentication with users from a Secret.
    Basic,
    /// JWT / OIDC bearer tokens.
    Jwt,
    /// Cedar policies.
    Cedar,
}

/// Authentication of registry clients. rivven-schema 0.0.22 has no authentication: validation
/// warns when it is enabled.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistryAuthSpec {
    /// Require authentication.
    pub enabled: bool,
    /// Authentication method.
    pub method: AuthMethod,
    /// Secret holding the passwords of `users` (`method: basic`); defaults to
    /// `rivven-schema-{name}-users`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users_secret_ref: Option<String>,
    /// Users (`method: basic`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<RegistryUser>,
    /// JWT / OIDC settings (`method: jwt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<JwtAuthSpec>,
    /// Cedar settings (`method: cedar`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cedar: Option<CedarAuthSpec>,
}

impl Default for RegistryAuthSpec {
    fn default() -> Self {
        Self { enabled: false, method: AuthMethod::Basic, users_secret_ref: None, users: Vec::new(), jwt: None, cedar: None }
    }
}

/// Roles of registry users.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RegistryRole {
    /// Everything.
    Admin,
    /// Register and read schemas.
    Writer,
    /// Read schemas.
    Reader,
}

/// A basic-auth user.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RegistryUser {
    /// User name.
    #[schemars(length(min = 1))]
    pub username: String,
    /// Key of the user's password in `auth.usersSecretRef`.
    #[schemars(length(min = 1))]
    pub password_secret_key: String,
    /// Role of the user.
    #[serde(default = "default_role")]
    pub role: RegistryRole,
}

fn default_role() -> RegistryRole {
    RegistryRole::Reader
}

/// JWT / OIDC settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JwtAuthSpec {
    /// Issuer URL of the tokens.
    #[schemars(length(min = 1))]
    pub issuer_url: String,
    /// URL of the issuer's key set; discovered from the issuer when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// Expected audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Claim holding the user name.
    #[serde(default = "default_username_claim")]
    pub username_claim: String,
    /// Claim holding the roles.
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
}

fn default_username_claim() -> String {
    "sub".into()
}

fn default_roles_claim() -> String {
    "groups".into()
}

/// Cedar settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CedarAuthSpec {
    /// Secret holding the Cedar policies.
    #[schemars(length(min = 1))]
    pub policy_secret_ref: String,
}

/// Kinds of external registry.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExternalRegistryType {
    /// A Confluent-compatible registry.
    Compatible,
    /// AWS Glue Schema Registry.
    Glue,
}

/// Synchronisation directions.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Copy schemas from the external registry.
    Mirror,
    /// Copy schemas to the external registry.
    Push,
    /// Both directions.
    Bidirectional,
}

/// Synchronisation with an external registry. rivven-schema 0.0.22 cannot synchronise: validation
/// warns when it is enabled.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExternalRegistrySpec {
    /// Enable synchronisation.
    #[serde(default)]
    pub enabled: bool,
    /// Kind of external registry.
    #[serde(default = "default_registry_type")]
    pub registry_type: ExternalRegistryType,
    /// URL of the external registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_url: Option<String>,
    /// Direction of synchronisation.
    #[serde(default = "default_sync_mode")]
    pub sync_mode: SyncMode,
    /// Subject patterns to synchronise (`*` wildcards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_subjects: Vec<String>,
    /// Seconds between synchronisations.
    #[serde(default = "default_sync_interval")]
    #[schemars(range(min = 1))]
    pub sync_interval_seconds: u32,
    /// Secret holding the external registry's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_secret_ref: Option<String>,
}

fn default_registry_type() -> ExternalRegistryType {
    ExternalRegistryType::Compatible
}

fn default_sync_mode() -> SyncMode {
    SyncMode::Mirror
}

fn default_sync_interval() -> u32 {
    300
}

/// A schema registry.
pub type RivvenSchemaRegistry = Rivven<RivvenSchemaRegistrySpec>;
