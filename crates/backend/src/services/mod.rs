//! Use cases. A service validates input into domain types, owns the transaction, and returns
//! wire types; REST handlers and server functions both call these.

pub mod accounts;
pub mod availability;
pub mod booking;
pub mod booking_page;
pub mod catalog;
pub mod dashboards;
pub mod learning;
pub mod mail;
pub mod payments;
