//! The course catalog: what the catalog page (home) and the course detail page (CDET) show.

use crate::api::codec::JsonText;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
pub use wire::courses::*;
use wire::error::AppError;

#[server(prefix = "/rpc", endpoint = "list_courses", input = GetUrl, output = JsonText)]
pub async fn list_courses(search: Option<String>) -> Result<Vec<CourseSummary>, AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            backend::services::catalog::list_courses(&state.db, search.as_deref()).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "get_course", input = GetUrl, output = JsonText)]
pub async fn get_course(id: String) -> Result<CourseDetail, AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            backend::services::catalog::get_course(&state.db, &id).await
        }
        .await,
    )
    .await
}
