//! Typed configurations of the queue sources (rivven-queue crate): external broker, MQTT, SQS and
//! Pub/Sub.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::shared::{default_true, SaslMechanism, SecurityProtocol, StartOffset};

/// Consumer of an external message broker (for migrations). The SASL password comes from
/// `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSourceConfig {
    /// Bootstrap addresses of the external broker (`host:port`).
    #[schemars(length(min = 1))]
    pub brokers: Vec<String>,
    /// External topic to consume from.
    #[schemars(length(min = 1))]
    pub topic: String,
    /// Consumer group ID on the external broker.
    #[schemars(length(min = 1))]
    pub consumer_group: String,
    /// Where to start without committed offsets.
    #[serde(default)]
    pub start_offset: StartOffset,
    /// Security protocol.
    #[serde(default)]
    pub security_protocol: SecurityProtocol,
    /// SASL mechanism (with the `sasl_*` protocols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl_mechanism: Option<SaslMechanism>,
    /// SASL username; the password belongs in the Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl_username: Option<String>,
}

/// MQTT quality of service.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MqttQos {
    /// QoS 0.
    AtMostOnce,
    /// QoS 1.
    #[default]
    AtLeastOnce,
    /// QoS 2.
    ExactlyOnce,
}

/// MQTT protocol version.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MqttVersion {
    /// MQTT 3.1.
    V3,
    /// MQTT 3.1.1.
    #[default]
    V311,
    /// MQTT 5.
    V5,
}

/// MQTT subscriber (IoT data ingestion). The password comes from `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MqttSourceConfig {
    /// Broker URL, e.g. `mqtt://broker:1883`.
    #[schemars(length(min = 1))]
    pub broker_url: String,
    /// Topic filters to subscribe to (wildcards `+` and `#` allowed).
    #[schemars(length(min = 1))]
    pub topics: Vec<String>,
    /// Client ID; generated when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Quality of service of the subscriptions.
    #[serde(default)]
    pub qos: MqttQos,
    /// Start with a clean session.
    #[serde(default = "default_true")]
    pub clean_session: bool,
    /// Protocol version.
    #[serde(default)]
    pub mqtt_version: MqttVersion,
    /// Username; the password belongs in the Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

/// AWS SQS queue consumer. Credentials come from `configSecretRef`, a profile or a role.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SqsSourceConfig {
    /// Queue URL.
    #[schemars(length(min = 1))]
    pub queue_url: String,
    /// AWS region, e.g. `us-east-1`.
    #[schemars(length(min = 1))]
    pub region: String,
    /// Messages per poll (1-10).
    #[serde(default = "default_sqs_max_messages")]
    #[schemars(range(min = 1, max = 10))]
    pub max_messages: u32,
    /// Long-polling wait time in seconds (0-20, the SQS limit).
    #[serde(default = "default_wait_time_seconds")]
    #[schemars(range(min = 0, max = 20))]
    pub wait_time_seconds: u32,
    /// Visibility timeout in seconds (0-43200, the SQS limit).
    #[serde(default = "default_visibility_timeout")]
    #[schemars(range(min = 0, max = 43200))]
    pub visibility_timeout: u32,
    /// AWS profile name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_profile: Option<String>,
    /// IAM role ARN to assume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

fn default_sqs_max_messages() -> u32 {
    10
}

fn default_wait_time_seconds() -> u32 {
    20
}

fn default_visibility_timeout() -> u32 {
    30
}

/// Google Cloud Pub/Sub subscriber.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PubSubSourceConfig {
    /// GCP project ID.
    #[schemars(length(min = 1))]
    pub project_id: String,
    /// Subscription name.
    #[schemars(length(min = 1))]
    pub subscription: String,
    /// Topic name, for auto-created subscriptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Messages per pull (1-1000).
    #[serde(default = "default_pubsub_max_messages")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_messages: u32,
    /// Ack deadline in seconds (10-600).
    #[serde(default = "default_ack_deadline_seconds")]
    #[schemars(range(min = 10, max = 600))]
    pub ack_deadline_seconds: u32,
    /// Path of a service account credentials file (mount it from a Secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_file: Option<String>,
    /// Use Application Default Credentials.
    #[serde(default = "default_true")]
    pub use_adc: bool,
}

fn default_pubsub_max_messages() -> u32 {
    100
}

fn default_ack_deadline_seconds() -> u32 {
    30
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_forms_get_the_documented_defaults() {
        let e: ExternalSourceConfig =
            serde_json::from_value(json!({"brokers": ["k:9092"], "topic": "t", "consumerGroup": "g"})).unwrap();
        assert_eq!((e.start_offset, e.security_protocol), (StartOffset::Latest, SecurityProtocol::Plaintext));
        assert!(e.sasl_mechanism.is_none());
        let m: MqttSourceConfig =
            serde_json::from_value(json!({"brokerUrl": "mqtt://b:1883", "topics": ["a/#"]})).unwrap();
        assert_eq!((m.qos, m.clean_session, m.mqtt_version), (MqttQos::AtLeastOnce, true, MqttVersion::V311));
        let s: SqsSourceConfig =
            serde_json::from_value(json!({"queueUrl": "https://sqs/q", "region": "us-east-1"})).unwrap();
        assert_eq!((s.max_messages, s.wait_time_seconds, s.visibility_timeout), (10, 20, 30));
        let p: PubSubSourceConfig = serde_json::from_value(json!({"projectId": "p", "subscription": "s"})).unwrap();
        assert_eq!((p.max_messages, p.ack_deadline_seconds, p.use_adc), (100, 30, true));
    }

    #[test]
    fn required_fields_are_required() {
        assert!(serde_json::from_value::<ExternalSourceConfig>(json!({"brokers": ["k:9092"], "topic": "t"})).is_err());
        assert!(serde_json::from_value::<MqttSourceConfig>(json!({"brokerUrl": "mqtt://b"})).is_err());
        assert!(serde_json::from_value::<SqsSourceConfig>(json!({"queueUrl": "q"})).is_err());
        assert!(serde_json::from_value::<PubSubSourceConfig>(json!({"projectId": "p"})).is_err());
    }

    #[test]
    fn spellings() {
        assert_eq!(serde_json::to_value(MqttVersion::V311).unwrap(), json!("v311"));
        assert_eq!(serde_json::to_value(MqttQos::ExactlyOnce).unwrap(), json!("exactly_once"));
        let e: ExternalSourceConfig = serde_json::from_value(json!({
            "brokers": ["k:9092"], "topic": "t", "consumerGroup": "g", "startOffset": "earliest",
            "securityProtocol": "sasl_ssl", "saslMechanism": "scram-sha-512", "saslUsername": "u"
        }))
        .unwrap();
        assert_eq!(e.sasl_mechanism, Some(SaslMechanism::ScramSha512));
    }
}
