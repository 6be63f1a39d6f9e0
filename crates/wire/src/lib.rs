//! What crosses the wire: the request and response types the browser and the server share, and
//! the one error shape every API answers with. Plain data: no I/O, no framework.

pub mod auth;
pub mod availability;
pub mod courses;
pub mod error;
pub mod forms;
pub mod learning;
pub mod payments;
pub mod sessions;
