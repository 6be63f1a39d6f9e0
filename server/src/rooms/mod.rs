//! The meeting point of a session's two participants at its room page: readiness, and the
//! built-in room's signalling (see `socket`), across app servers (see `bus`).

pub mod bus;
pub mod socket;
