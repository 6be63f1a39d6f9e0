//! Reusable view pieces.

pub mod course_card;
pub mod layout;
pub mod notice;
pub mod status;
