//! Checkout's cancel link comes back here: the course page then says whether the card was
//! declined or the student simply left.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use backend::AppState;
use backend::store::unix_now;
use tower_sessions::Session;

/// Checkout's cancel link: back to the course page, which says whether the card was declined
/// or the student simply left.
pub async fn cancelled(
    State(state): State<AppState>,
    session: Session,
    Path(checkout_id): Path<String>,
) -> Response {
    let user = match backend::auth::current_user(&state.db, &session, unix_now()).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(error) => return crate::rest::ApiError(error).into_response(),
    };
    match backend::services::payments::cancelled_checkout(&state.db, &user.id, &checkout_id).await {
        Ok(Some((course_id, message))) => {
            let notice = if message == wire::payments::PAYMENT_FAILED {
                "failed"
            } else {
                "cancelled"
            };
            course_page(&course_id, notice)
        }
        Ok(None) => Redirect::to("/").into_response(),
        Err(error) => crate::rest::ApiError(error).into_response(),
    }
}

fn course_page(course_id: &str, notice: &str) -> Response {
    Redirect::to(&format!(
        "/courses/{}?checkout={notice}",
        url::form_urlencoded::byte_serialize(course_id.as_bytes()).collect::<String>()
    ))
    .into_response()
}
