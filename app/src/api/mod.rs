//! Wire types (DTOs) and the thin server functions the pages call. One resource per module.

pub mod auth;
pub mod availability;
pub mod codec;
pub mod courses;
pub mod forms;
pub mod learning;
pub mod payments;
pub mod sessions;
