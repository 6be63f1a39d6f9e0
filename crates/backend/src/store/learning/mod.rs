//! Enrollments and their progress, the S-T ladder (applications, certification), and the
//! rows behind the dashboards and profiles.

use crate::db::Db;
use wire::error::AppError;

mod dashboards;
mod enrollments;
mod ladder;

pub use dashboards::*;
pub use enrollments::*;
pub use ladder::*;
