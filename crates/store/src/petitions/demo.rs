//! Demo petitions for `serve --demo`.
