//! Enrollments and their progress, the S-T ladder (applications, certification), and the
//! dashboards' and profiles' read models.

use crate::db::Db;
use wire::auth::TaughtCourse;
use wire::error::AppError;

mod dashboards;
mod enrollments;
mod ladder;

pub use dashboards::*;
pub use enrollments::*;
pub use ladder::*;
