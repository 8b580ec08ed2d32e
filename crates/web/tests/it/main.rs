//! The web crate's integration tests, one binary: a real server over real HTTP on each database
//! (`common`), one module per story file.
// One binary per crate links once instead of once per file.

mod accounts;
mod admin_pages;
mod after_hours;
mod answers;
mod assist;
mod chrome;
mod clock;
mod common;
mod desk_pages;
mod errors;
mod evening;
mod filing_pages;
mod healing;
mod home_visits;
mod http;
mod intake;
mod learning;
mod open311;
mod open311_form_props;
mod outbox;
mod pages;
mod pages_supplement;
mod petitions;
mod practice;
mod privacy;
mod programs;
mod protection;
mod protection_alerts;
mod registration;
mod wellbeing;
mod wellbeing_versions;
