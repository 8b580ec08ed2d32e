//! The `minwon` binary's integration tests, one test binary: the CLI and its commands run as a
//! process against each database.
// One binary per crate links once instead of once per file.

mod cli;
mod common;
mod protection_alert;
mod wellbeing_import;
