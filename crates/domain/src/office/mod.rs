//! The office itself (사무실): accounts and roles, the access log and its monthly review, the
//! office's contact facts.

pub mod accounts;
pub mod audit;
pub mod audit_review;
pub mod contact;
