//! What every capability's routes and pages share, knowing no capability: errors, extractors,
//! sessions and the request's policy, CSRF, security headers and rate limits, the page
//! responder and the notification worker.

pub mod auth;
pub mod error;
pub mod extract;
pub mod form;
pub mod json;
pub mod outbox;
pub mod page;
pub mod security;
