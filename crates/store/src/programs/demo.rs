//! Demo programs: filled in below.
