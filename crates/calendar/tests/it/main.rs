//! The calendar crate's integration tests, one binary: worked deadline examples, properties, and
//! the comparison with the Python oracles (their scripts stay in `tests/oracle/`).
// One binary per crate links once instead of once per file.

mod deadline_examples;
mod deadline_props;
mod oracle;
