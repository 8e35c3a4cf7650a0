//! Per-format parsers. Each turns a file's text into typed values carrying byte spans back
//! into the source. Parsers never fail: what they cannot read becomes a note.

pub mod compose;
pub mod dockerfile;
pub mod dotenv;
pub mod envrefs;
pub mod keytree;
pub mod sql;
pub mod yaml;
