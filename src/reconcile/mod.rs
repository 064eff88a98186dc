//! Pure decisions of the in-cluster companion (issue 12, in progress): given what a plan wants and
//! what a broker or registry reports, which calls to make and what the status must say. No I/O
//! here; the part that talks to Kubernetes and Rivven will call these.
pub mod registry;
pub mod status;
pub mod topics;
