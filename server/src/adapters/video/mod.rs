//! Video rooms: PlugNmeet over its server API (reqwest) when `PLUGNMEET_SERVER_URL` is set,
//! otherwise the built-in room; and the verification of PlugNmeet's webhooks, which the built-in
//! room's reports go through as well.

pub mod local;
pub mod plugnmeet;
pub mod webhook;
