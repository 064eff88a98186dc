//! What the real Rivven 0.0.22 programs need, as measured (see the README's "Rivven 0.0.22" notes):
//! images, ports, flags, probe paths, and what each program cannot do.

/// uid and gid of the images' `USER 65532:65532`.
pub const IMAGE_UID: i64 = 65532;

/// rivvend's binary protocol port.
pub const BROKER_CLIENT_PORT: i32 = 9092;
/// rivvend's cluster (Raft/SWIM) port: the client port + 1.
pub const BROKER_CLUSTER_PORT: i32 = 9093;
/// rivvend's HTTP API port (health, metrics).
pub const BROKER_API_PORT: i32 = 9094;
/// Where the broker's data volume is mounted.
pub const BROKER_DATA_DIR: &str = "/data";
/// Seconds rivvend needs to drain after SIGTERM (measured 5-7 s).
pub const BROKER_DRAIN_SECONDS: i64 = 10;

/// Where connect.yaml is mounted in the worker.
pub const CONNECT_CONFIG_DIR: &str = "/etc/rivven-connect";
/// The worker's state directory (offsets, checkpoints), an emptyDir.
pub const CONNECT_STATE_DIR: &str = "/var/lib/rivven-connect";

/// The image reference for a repository and version: a reference that already carries a tag or
/// digest is used as written.
pub fn image_reference(image: &str, version: &str) -> String {
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') || last_segment.contains(':') {
        image.to_owned()
    } else {
        format!("{image}:{version}")
    }
}

#[cfg(test)]
mod tests {
    use super::image_reference;

    #[test]
    fn tags_only_untagged_images() {
        assert_eq!(image_reference("ghcr.io/hupe1980/rivvend", "0.0.22"), "ghcr.io/hupe1980/rivvend:0.0.22");
        assert_eq!(image_reference("localhost:5000/rivvend", "0.0.22"), "localhost:5000/rivvend:0.0.22");
        assert_eq!(image_reference("my.registry/rivvend:custom", "0.0.22"), "my.registry/rivvend:custom");
        assert_eq!(image_reference("rivvend@sha256:abc", "0.0.22"), "rivvend@sha256:abc");
    }
}
