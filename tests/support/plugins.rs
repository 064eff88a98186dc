//! Helpers of the plugin tests (KRM function, Argo CD plugin): fresh copies of example apps and
//! YAML streams read back as JSON values.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A fresh copy of a directory's files (not its subdirectories) in a temporary directory named
/// after `name`, as Argo CD's repo-server untars an application.
pub fn fresh_copy(from: &Path, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rivven-render-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

/// The documents of a YAML stream (YAML 1.2 reading, which keeps every quoted string a string),
/// empty ones left out.
pub fn yaml_documents(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml_ng::Deserializer::from_str(text).map(|d| Value::deserialize(d).unwrap()).filter(|v| !v.is_null()).collect()
}
