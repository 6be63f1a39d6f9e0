//! The course catalog: what the catalog page (home) and the course detail page (CDET) show.

use crate::domain::catalog::Level;
use crate::domain::money::Money;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

/// A course as listed in the catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatorRef {
    pub id: String,
    pub name: String,
}

/// Everything the course detail page (CDET) shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatorProfile {
    pub id: String,
    pub name: String,
    pub bio: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CourseModule {
    pub id: String,
    pub position: i64,
    pub title: String,
    pub summary: String,
    pub duration_minutes: i64,
}

#[server(prefix = "/rpc", endpoint = "list_courses", input = GetUrl)]
pub async fn list_courses(search: Option<String>) -> Result<Vec<CourseSummary>, AppError> {
    crate::backend::request::respond(
        async move {
            let state = crate::backend::state()?;
            crate::backend::services::catalog::list_courses(&state.db, search.as_deref()).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "get_course", input = GetUrl)]
pub async fn get_course(id: String) -> Result<CourseDetail, AppError> {
    crate::backend::request::respond(
        async move {
            let state = crate::backend::state()?;
            crate::backend::services::catalog::get_course(&state.db, &id).await
        }
        .await,
    )
    .await
}
