//! The course catalog: what the catalog page (home) and the course detail page (CDET) show.

use domain::catalog::Level;
use domain::money::Money;
use serde::{Deserialize, Serialize};

/// A course as listed in the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseSummary {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub level: Level,
    pub price: Money,
    pub creator: CreatorRef,
    pub module_count: i64,
    /// Sum of the modules' durations.
    pub total_minutes: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatorRef {
    pub id: String,
    pub name: String,
}

/// Everything the course detail page (CDET) shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseDetail {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub level: Level,
    pub price: Money,
    pub creator: CreatorProfile,
    pub modules: Vec<CourseModule>,
    pub total_minutes: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatorProfile {
    pub id: String,
    pub name: String,
    pub bio: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseModule {
    pub id: String,
    pub position: i64,
    pub title: String,
    pub summary: String,
    pub duration_minutes: i64,
}
