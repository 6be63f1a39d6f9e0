//! Stripe: webhook signatures, reading events, and the local Stripe used without keys.

pub mod api;
pub mod events;
pub mod local;
pub mod signature;
