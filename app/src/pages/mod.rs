//! One routed page per file, named for what it is.

pub mod admin;
pub mod booking;
pub mod course_catalog;
pub mod course_detail;
pub mod creator_dashboard;
pub mod log_in;
pub mod not_found;
pub mod payments;
pub mod profiles;
pub mod session_detail;
pub mod session_room;
pub mod settings;
pub mod sign_up;
pub mod student_dashboard;
pub mod teacher_dashboard;
