//! Plain routes of a session's room page (SROM): its "Join session" button, which sends the
//! browser into the session's video room, and its feedback form. Both come back to the room page
//! with what went wrong, so the page works without JavaScript.

use crate::checkout::{session_page, signed_in_or_log_in};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use backend::AppState;
use backend::store::unix_now;
use tower_sessions::Session;
use wire::error::AppError;

/// Opens the room if needed and sends the browser into it with its token; back to the room page
/// when the video service is down or refused (it says so and offers a retry), or when the room
/// may not be joined now (the page says when it opens, or why it is closed).
pub async fn join(
    State(state): State<AppState>,
    session: Session,
    Path(booking_id): Path<String>,
) -> Response {
    let page = format!("{}/room", session_page(&booking_id));
    let user = match signed_in_or_log_in(&state, &session, &page).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let joined = backend::services::booking::join_room(
        &state.db,
        state.video.as_ref(),
        &user,
        &booking_id,
        unix_now(),
    )
    .await;
    match joined {
        Ok(joined) => Redirect::to(&joined.url).into_response(),
        Err(AppError::Unavailable(message)) => {
            let outcome = if message == wire::sessions::UNABLE_TO_CONNECT {
                "failed"
            } else {
                "unavailable"
            };
            Redirect::to(&format!("{page}?join={outcome}")).into_response()
        }
        Err(AppError::Conflict(_)) => Redirect::to(&page).into_response(),
        Err(error) => crate::rest::ApiError(error).into_response(),
    }
}

/// The feedback form: 1 to 5 stars and an optional comment.
#[derive(serde::Deserialize)]
pub struct FeedbackForm {
    /// Absent when no star was chosen.
    stars: Option<String>,
    comment: Option<String>,
}

/// Keeps a participant's feedback on a completed session, and back to the room page, which
/// thanks them (or asks again for the stars).
pub async fn feedback(
    State(state): State<AppState>,
    session: Session,
    Path(booking_id): Path<String>,
    axum::Form(form): axum::Form<FeedbackForm>,
) -> Response {
    let page = format!("{}/room", session_page(&booking_id));
    let user = match signed_in_or_log_in(&state, &session, &page).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    // No choice, or not a number: zero stars, which the rules refuse with their message.
    let stars = form
        .stars
        .and_then(|stars| stars.trim().parse().ok())
        .unwrap_or(0);
    let given = backend::services::booking::give_feedback(
        &state.db,
        &user,
        &booking_id,
        stars,
        form.comment.as_deref(),
        unix_now(),
    )
    .await;
    match given {
        Ok(_) => Redirect::to(&format!("{page}?feedback=sent")).into_response(),
        // The form again, saying which field to correct.
        Err(AppError::Invalid(fields)) => {
            let field = if fields.0.contains_key("comment") {
                "comment"
            } else {
                "stars"
            };
            Redirect::to(&format!("{page}?feedback={field}")).into_response()
        }
        // Given before, or not completed: the page shows where the session stands.
        Err(AppError::Conflict(_)) => Redirect::to(&page).into_response(),
        Err(error) => crate::rest::ApiError(error).into_response(),
    }
}
