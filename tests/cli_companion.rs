//! `rivven-render run` and `status` through the binary, without a cluster: the spec's flags and
//! their environment twins are accepted (`--leader-election=false` included), bad values are
//! refused with exit 2 before anything starts, a missing cluster configuration is a clear error,
//! and a build without the feature `companion` says so.
use std::process::{Command, Output};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rivven-render"));
    command.args(args).env_remove("KUBECONFIG").env_remove("KUBERNETES_SERVICE_HOST");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_spec_flags_and_their_environment_twins_are_documented() {
    let help = run(&["run", "--help"], &[]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in ["--metrics-addr", "[env: METRICS_ADDR=]", "--health-addr", "[env: HEALTH_ADDR=]", "--leader-election", "[env: LEADER_ELECTION=]", "--namespace", "[env: WATCH_NAMESPACE=]", "--resync", "--kubeconfig", "--log-format"] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
    assert!(text.contains("[default: 0.0.0.0:8080]") && text.contains("[default: 0.0.0.0:8081]") && text.contains("[default: 60s]"), "{text}");
}

#[test]
fn bad_values_are_refused_before_anything_starts() {
    type Row<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let table: [Row; 6] = [
        (&["run", "--resync", "10x"], &[], "unknown unit"),
        (&["run", "--resync", "0s"], &[], "shorter than 1s"),
        (&["run", "--leader-election=maybe"], &[], "--leader-election"),
        (&["run"], &[("LEADER_ELECTION", "yes")], "--leader-election"),
        (&["run", "--namespace", "Bad_NS"], &[], "--namespace Bad_NS"),
        (&["status"], &[("WATCH_NAMESPACE", "Bad_NS")], "--namespace Bad_NS"),
    ];
    for (args, env, message) in table {
        let out = run(args, env);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?} {env:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[cfg(feature = "companion")]
#[test]
fn without_a_cluster_configuration_the_companion_says_what_is_missing() {
    let missing = std::env::temp_dir().join("rivven-render-no-such-kubeconfig");
    let kubeconfig = missing.display().to_string();
    let out = run(&["run", "--leader-election=false", "--kubeconfig", &kubeconfig, "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0"], &[("LEADER_ELECTION", "false")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("reading kubeconfig") && stderr(&out).contains(&kubeconfig), "{}", stderr(&out));
    let out = run(&["status", "--kubeconfig", &kubeconfig], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("reading kubeconfig"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[cfg(feature = "companion")]
#[test]
fn a_port_already_taken_is_an_error_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = run(&["run", "--metrics-addr", &address, "--health-addr", "127.0.0.1:0"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("cannot listen for metrics on {address}")), "{}", stderr(&out));
}

#[cfg(not(feature = "companion"))]
#[test]
fn a_build_without_the_companion_says_so() {
    for command in ["run", "status"] {
        let out = run(&[command], &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("cargo feature `companion`"), "{}", stderr(&out));
    }
}
