//! Facts that need more than one file: migrations grouped and ordered into timelines, the
//! transaction each statement runs in, the schema as each migration leaves it; Kubernetes
//! objects by deploy unit and the object graph between them; compose files and Dockerfiles;
//! what each environment provides against what the code reads, and per-environment config.
//!
//! The model reads nothing from disk: it is handed parsed files and returns plain values.

pub mod env;
pub mod graph;
pub mod history;
pub mod inverse;
pub mod kube;
pub mod manifests;
pub mod migrations;
pub mod providers;
pub mod schema;
pub mod secrets;
