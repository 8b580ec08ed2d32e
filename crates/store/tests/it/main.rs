//! The store crate's integration tests, one binary: each storage story on SQLite and on
//! PostgreSQL (`store::backend_tests!`).
// One binary per crate links once instead of once per file.

mod after_hours;
mod evening;
mod fixtures;
mod healing;
mod home_visits;
mod intake;
mod learning;
mod petitions;
mod practice;
mod programs;
mod protection;
mod stories;
mod suggestions;
mod wellbeing;
