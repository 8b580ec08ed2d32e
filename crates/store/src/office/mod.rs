//! The office itself (사무실): accounts, sessions and sign-in, departments, settings, holidays,
//! the access log and its monthly review.

pub mod accounts;
pub mod audit;
pub mod audit_review;
pub mod departments;
pub mod holidays;
pub mod mfa;
pub mod settings;
pub mod signup;
