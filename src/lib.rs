//! forecast: deployment risk forecasting.

pub mod parse;
pub mod span;
pub mod catalogue;
pub mod classify;
pub mod config;
pub mod finding;
pub mod source;
