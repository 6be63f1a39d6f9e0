//! Reusable view pieces.

pub mod countdown;
pub mod course_card;
pub mod form;
pub mod layout;
pub mod notice;
pub mod session;
pub mod session_list;
pub mod sign_in;
pub mod status;
pub mod time_zone;
