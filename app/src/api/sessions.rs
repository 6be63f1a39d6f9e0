//! Booked 1-on-1 sessions as the REST API and the pages see them. Times on the wire are
//! RFC 3339 in UTC; pages get them pre-formatted in the viewer's zone as well.

use crate::api::codec::JsonText;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use wire::error::AppError;
pub use wire::sessions::*;

#[cfg(feature = "ssr")]
fn now() -> i64 {
    backend::store::unix_now()
}

#[server(prefix = "/rpc", endpoint = "booking_page", input = GetUrl, output = JsonText)]
pub async fn get_booking_page(
    course_id: String,
    st: Option<String>,
    month: Option<String>,
    day: Option<String>,
    start: Option<String>,
    minutes: Option<i64>,
    reschedule: Option<String>,
) -> Result<BookingPage, AppError> {
    crate::ssr::request::respond(
        async move {
            use backend::services::booking_page::{BookingQuery, booking_page};
            let (state, user) = crate::ssr::signed_in().await?;
            let query = BookingQuery {
                course_id: &course_id,
                st_id: st.as_deref().filter(|s| !s.is_empty()),
                month: month.as_deref(),
                day: day.as_deref(),
                start_at: start.as_deref(),
                duration_minutes: minutes,
                reschedule: reschedule.as_deref().filter(|s| !s.is_empty()),
            };
            booking_page(&state.db, &user, &query, now()).await
        }
        .await,
    )
    .await
}

/// Books the confirmed slot (or, without a credit in a course that sells single sessions, holds
/// it for its payment) and sends the browser to the new session's page.
#[server(prefix = "/rpc", endpoint = "book_session", output = JsonText)]
pub async fn book_session(
    course_id: String,
    st_id: String,
    start_at: String,
    duration_minutes: i64,
    idempotency_key: String,
) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            use backend::services::booking::{BookingRequest, book};
            let (state, user) = crate::ssr::signed_in().await?;
            let request = BookingRequest {
                st_id: &st_id,
                course_id: &course_id,
                start_at: &start_at,
                duration_minutes,
            };
            let key = Some(idempotency_key.as_str()).filter(|key| !key.is_empty());
            let booked = crate::ssr::flash::keep_failure(
                "book",
                &[],
                book(&state.db, &user, &request, key, now()).await,
            )
            .await?;
            let id = booked.session.id;
            // A session held for its payment (no credit left) shows how to pay on its page.
            if booked.session.status == domain::booking::BookingStatus::PendingPayment {
                leptos_axum::redirect(&format!("/sessions/{id}"));
            } else {
                leptos_axum::redirect(&format!("/sessions/{id}?booked=1"));
            }
            Ok(id)
        }
        .await,
    )
    .await
}

/// "Schedule later": keeps a credit for booking when ready (SDSH shows a card for it).
#[server(prefix = "/rpc", endpoint = "defer_session", output = JsonText)]
pub async fn defer_session(enrollment_id: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            crate::ssr::flash::keep_failure(
                "defer",
                &[],
                backend::services::booking::defer(&state.db, &user, &enrollment_id).await,
            )
            .await?;
            crate::ssr::request::redirect_to(None, "/dashboard");
            Ok(())
        }
        .await,
    )
    .await
}

/// A session for its pages (with its recordings once completed); `back_from_checkout` waits a
/// little for its payment to be confirmed.
#[server(prefix = "/rpc", endpoint = "session_detail", input = GetUrl, output = JsonText)]
pub async fn get_session_detail(
    id: String,
    back_from_checkout: bool,
) -> Result<SessionDetail, AppError> {
    crate::ssr::request::respond(
        async move {
            use backend::services::booking::{session_detail, session_detail_after_checkout};
            let (state, user) = crate::ssr::signed_in().await?;
            if back_from_checkout {
                return session_detail_after_checkout(&state.db, &user, &id).await;
            }
            let mut shown = session_detail(&state.db, &user, &id, now()).await?;
            if shown.session.status == domain::booking::BookingStatus::Completed {
                // Without its links (the store failed to sign them, and said so in the log) the
                // page still serves the rest.
                if let Ok(found) = backend::services::booking::recordings(
                    &state.db,
                    state.blobs.as_ref(),
                    &user,
                    &id,
                    now(),
                )
                .await
                {
                    shown.recordings = recording_links(found.recordings);
                }
            }
            Ok(shown)
        }
        .await,
    )
    .await
}

/// Each recording's link, and what the link says (with its size: in whole tenths, as the page
/// once formatted them).
#[cfg(feature = "ssr")]
fn recording_links(recordings: Vec<Recording>) -> Vec<(String, String)> {
    let count = recordings.len();
    recordings
        .into_iter()
        .enumerate()
        .map(|(index, recording)| {
            let tenths = recording.size_bytes.max(0) / 100_000;
            let size = format!("{}.{} MB", tenths / 10, tenths % 10);
            let text = if count == 1 {
                format!("Watch the recording ({size})")
            } else {
                format!("Watch recording {} of {count} ({size})", index + 1)
            };
            (recording.url, text)
        })
        .collect()
}

#[server(prefix = "/rpc", endpoint = "cancel_session", output = JsonText)]
pub async fn cancel_session(id: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            crate::ssr::flash::keep_failure(
                "cancel",
                &[],
                backend::services::booking::cancel(&state.db, &user, &id, now()).await,
            )
            .await?;
            Ok(())
        }
        .await,
    )
    .await
}

/// Moves a session and sends the browser to its page.
#[server(prefix = "/rpc", endpoint = "reschedule_session", output = JsonText)]
pub async fn reschedule_session(id: String, start_at: String) -> Result<String, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            crate::ssr::flash::keep_failure(
                "book",
                &[],
                backend::services::booking::reschedule(&state.db, &user, &id, &start_at, now())
                    .await,
            )
            .await?;
            leptos_axum::redirect(&format!("/sessions/{id}?moved=1"));
            Ok(id)
        }
        .await,
    )
    .await
}

/// SDSH (as a student) or TDSH (as a Student-Teacher).
#[server(prefix = "/rpc", endpoint = "my_sessions", input = GetUrl, output = JsonText)]
pub async fn my_sessions(as_teacher: bool) -> Result<SessionLists, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::booking::session_lists(&state.db, &user, as_teacher, now()).await
        }
        .await,
    )
    .await
}
