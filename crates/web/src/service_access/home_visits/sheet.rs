//! The round sheet.
