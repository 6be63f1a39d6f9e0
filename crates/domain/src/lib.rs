//! Pure business rules: no I/O, no framework types. Every layer above may use these; they use none.

pub mod access;
pub mod account;
pub mod attendance;
pub mod availability;
pub mod booking;
pub mod catalog;
pub mod earnings;
pub mod ladder;
pub mod ledger;
pub mod money;
pub mod recording;
