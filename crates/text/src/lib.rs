//! Korean text intelligence for Minwon (민원): normalisation, tokenising, abuse screening,
//! routing, similar petitions, duplicate clustering, draft answers, training and evaluation.
//!
//! The crate is pure: no file or network I/O and no clock. Models are read from and written to
//! byte slices; the `minwon` binary does the reading and writing.

pub mod abuse;
pub mod data;
pub mod draft;
pub mod eval;
pub mod features;
pub mod lbfgs;
pub mod lexicon;
pub mod linear;
pub mod maxent;
pub mod normalize;
pub mod routing;
pub mod similar;
pub mod tokenize;
pub mod vocab;

pub use abuse::{AbuseModel, Screening, Span, evaluate_abuse, train_abuse};
pub use draft::{Draft, DraftSource, draft_answer, reference_answers};
pub use lexicon::AbuseKind;
pub use normalize::normalize;
pub use routing::{Router, RoutingExample, Suggestion, evaluate_routing, train_routing};
pub use similar::{Bm25Index, cluster_duplicates};
pub use tokenize::{Token, TokenKind, tokenize};

/// Errors of this crate: bad model bytes, bad training input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A model file could not be read.
    Model(String),
    /// Training could not run.
    Training(String),
    /// Input the function cannot work with.
    Input(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Model(m) => write!(f, "model: {m}"),
            Self::Training(m) => write!(f, "training: {m}"),
            Self::Input(m) => write!(f, "input: {m}"),
        }
    }
}

impl std::error::Error for Error {}
