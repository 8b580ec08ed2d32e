//! Programs (교육·힐링 프로그램, capability C5). [learning's part; the programs branch's mod.rs
//! replaces this one and keeps `pub mod learning;`]

pub mod learning;
