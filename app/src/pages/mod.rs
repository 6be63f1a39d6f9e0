//! One routed page per file, named for what it is.

pub mod coming_soon;
pub mod course_catalog;
pub mod course_detail;
pub mod not_found;
