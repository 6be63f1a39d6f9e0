//! Pure business rules: no I/O, no framework types. Every layer above may use these; they use none.

pub mod catalog;
pub mod money;
