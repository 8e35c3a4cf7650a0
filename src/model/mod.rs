//! Facts that need more than one file: migrations grouped and ordered into timelines, the
//! transaction each statement runs in, and the schema as each migration leaves it.
//!
//! The model reads nothing from disk: it is handed parsed files and returns plain values.

pub mod history;
pub mod inverse;
pub mod migrations;
pub mod schema;
