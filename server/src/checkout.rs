//! Plain routes of the payments journey: Checkout's cancel link comes back here (the course page
//! then says whether the card was declined or the student simply left), the held session's
//! "Pay" form, a student's dispute of a session marked taught, and the CSV exports of the
//! payments page and of a Student-Teacher's earnings.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use backend::AppState;
use backend::store::unix_now;
use tower_sessions::Session;
use wire::error::AppError;

/// The signed-in user of a plain route, or the response that sends the browser to log in and
/// come back to `next`.
pub(crate) async fn signed_in_or_log_in(
    state: &AppState,
    session: &Session,
    next: &str,
) -> Result<backend::auth::SessionUser, Response> {
    match backend::auth::current_user(&state.db, session, unix_now()).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Redirect::to(&format!("/login?next={next}")).into_response()),
        Err(error) => Err(crate::rest::ApiError(error).into_response()),
    }
}

/// A session's page, for a redirect.
pub(crate) fn session_page(booking_id: &str) -> String {
    format!(
        "/sessions/{}",
        url::form_urlencoded::byte_serialize(booking_id.as_bytes()).collect::<String>()
    )
}

/// Checkout's cancel link: back to the course page (or the held session's page), which says
/// whether the card was declined or the student simply left.
pub async fn cancelled(
    State(state): State<AppState>,
    session: Session,
    Path(checkout_id): Path<String>,
) -> Response {
    let user = match signed_in_or_log_in(&state, &session, "/dashboard").await {
        Ok(user) => user,
        Err(response) => return response,
    };
    match backend::services::payments::cancelled_checkout(&state.db, &user.id, &checkout_id).await {
        Ok(Some(page)) => Redirect::to(&page).into_response(),
        Ok(None) => Redirect::to("/").into_response(),
        Err(error) => crate::rest::ApiError(error).into_response(),
    }
}

/// The held session page's "Pay" button, a plain form post (with or without JavaScript; the
/// CSRF layer checks its token): opens the session's Checkout Session and sends the browser
/// there, or back to the session page, which says what went wrong.
pub async fn pay_for_session(
    State(state): State<AppState>,
    session: Session,
    Path(booking_id): Path<String>,
) -> Response {
    let page = session_page(&booking_id);
    let user = match signed_in_or_log_in(&state, &session, &page).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let started = backend::services::payments::start_session_checkout(
        &state.db,
        state.payments.as_ref(),
        &state.settings.public_url,
        &user,
        &booking_id,
        unix_now(),
    )
    .await;
    match started {
        Ok(started) => Redirect::to(&started.url).into_response(),
        Err(AppError::Unavailable(_)) => {
            Redirect::to(&format!("{page}?checkout=unavailable")).into_response()
        }
        // The page shows where the session stands (released, or paid meanwhile).
        Err(AppError::Conflict(_)) => Redirect::to(&page).into_response(),
        Err(error) => crate::rest::ApiError(error).into_response(),
    }
}

/// The dispute form on a session's page (a plain form post; the CSRF layer checks its token).
#[derive(serde::Deserialize)]
pub struct DisputeForm {
    reason: String,
}

/// A student's dispute of a session marked taught: recorded for an admin, and back to the
/// session's page, which shows where the dispute stands.
pub async fn dispute_session(
    State(state): State<AppState>,
    session: Session,
    Path(booking_id): Path<String>,
    axum::Form(form): axum::Form<DisputeForm>,
) -> Response {
    let page = session_page(&booking_id);
    let user = match signed_in_or_log_in(&state, &session, &page).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    match backend::services::booking::dispute(
        &state.db,
        &user,
        &booking_id,
        &form.reason,
        unix_now(),
    )
    .await
    {
        Ok(()) => Redirect::to(&format!("{page}?disputed=1")).into_response(),
        // The form again, saying what a reason needs.
        Err(AppError::Invalid(_)) => {
            Redirect::to(&format!("{page}?dispute=invalid")).into_response()
        }
        // The page shows where the session stands (disputed meanwhile, or past the 48 hours).
        Err(AppError::Conflict(_)) => Redirect::to(&page).into_response(),
        Err(error) => crate::rest::ApiError(error).into_response(),
    }
}

/// `/payments.csv`: the payments page as a spreadsheet, for the signed-in creator or admin.
pub async fn payments_csv(State(state): State<AppState>, session: Session) -> Response {
    let user = match signed_in_or_log_in(&state, &session, "/payments").await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let records = match backend::services::payments::payment_records(&state.db, &user).await {
        Ok(records) => records,
        Err(error) => return crate::rest::ApiError(error).into_response(),
    };
    let header = [
        "payment_id",
        "paid_on",
        "course",
        "student",
        "currency",
        "amount",
        "refunded",
        "creator_share",
    ];
    let rows = records.iter().map(|line| {
        [
            line.payment_id.clone(),
            line.paid_on.clone(),
            spreadsheet_text(&line.course_title),
            spreadsheet_text(&line.student_name),
            line.amount.currency.code().to_owned(),
            line.amount.decimal(),
            line.refunded.decimal(),
            line.creator_share.decimal(),
        ]
    });
    csv_download("peerloop-payments.csv", header, rows)
}

/// `/earnings.csv`: a Student-Teacher's earnings, line by line, with where each stands.
pub async fn earnings_csv(State(state): State<AppState>, session: Session) -> Response {
    let user = match signed_in_or_log_in(&state, &session, "/payments").await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let lines =
        match backend::services::earnings::earning_records(&state.db, &user, unix_now()).await {
            Ok(lines) => lines,
            Err(error) => return crate::rest::ApiError(error).into_response(),
        };
    let header = [
        "date", "course", "student", "session", "entry", "currency", "amount", "standing",
    ];
    let rows = lines.iter().map(|line| {
        [
            line.on.clone(),
            spreadsheet_text(&line.course_title),
            spreadsheet_text(&line.student_name),
            line.session.clone().unwrap_or_default(),
            line.entry.as_str().to_owned(),
            line.amount.currency.code().to_owned(),
            line.amount_decimal(),
            line.standing.clone(),
        ]
    });
    csv_download("peerloop-earnings.csv", header, rows)
}

/// A name or title starting like a formula would run as one in a spreadsheet (CSV injection):
/// such a field is written with a leading apostrophe, shown as text.
fn spreadsheet_text(field: &str) -> String {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    }
}

/// A CSV file to download, with its header row.
fn csv_download<const N: usize>(
    filename: &str,
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Response {
    // The csv crate quotes and escapes each field as RFC 4180 says (names with commas or quotes).
    let mut sheet = csv::Writer::from_writer(Vec::new());
    let mut written = sheet.write_record(header);
    for row in rows {
        written = written.and_then(|()| sheet.write_record(&row));
    }
    match written
        .map_err(|error| error.to_string())
        .and_then(|()| sheet.into_inner().map_err(|error| error.to_string()))
    {
        Ok(bytes) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/csv; charset=utf-8".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, filename, "could not write a CSV");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
