//! Booking: Student-Teachers of a course, their free slots and busy times, booking a session,
//! reading it, its calendar file, cancel/reschedule, and "schedule later".

use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, IdempotencyKey};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backend::AppState;
use backend::auth::SignedIn;
use backend::services::booking::{self, BookingRequest, UNABLE_TO_BOOK};
use backend::store::unix_now;
use serde::Deserialize;
use wire::error::AppError;
use wire::sessions::{
    Availability, BusyTimes, CourseStudentTeachers, EnrollmentCredits, Session, SessionDetail,
};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// RFC 3339 start of the range (default: now).
    #[param(format = DateTime)]
    from: Option<String>,
    /// RFC 3339 end of the range, after `from` (default: 14 days after `from`; at most 62 days
    /// after it).
    #[param(format = DateTime)]
    to: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookSessionRequest {
    /// The S-T's user id.
    #[schema(min_length = 1)]
    st_id: String,
    #[schema(min_length = 1)]
    course_id: String,
    /// RFC 3339; one of the S-T's free slots.
    #[schema(format = DateTime)]
    start_at: String,
    /// One of the lengths the S-T offers.
    #[schema(minimum = 1)]
    duration_minutes: i64,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// RFC 3339; a free slot of the same length.
    #[schema(format = DateTime)]
    start_at: String,
}

/// Certified Student-Teachers of a course, with time zone, rating and next free slot.
#[utoipa::path(
    get,
    path = "/api/courses/{id}/sts",
    tag = "booking",
    params(("id" = String, Path, description = "Course id")),
    responses(
        (status = 200, body = CourseStudentTeachers),
        (status = 404, description = "No published course has this id", body = ErrorBody),
    )
)]
pub async fn course_sts(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CourseStudentTeachers>, ApiError> {
    Ok(Json(
        booking::course_student_teachers(&state.db, &id, unix_now()).await?,
    ))
}

/// Free slots of a Student-Teacher, in UTC. The same rules decide what `POST /api/sessions`
/// accepts.
#[utoipa::path(
    get,
    path = "/api/sts/{id}/availability",
    tag = "booking",
    params(("id" = String, Path, description = "The S-T's user id"), RangeQuery),
    responses(
        (status = 200, body = Availability),
        (status = 400, description = "Malformed or oversized range", body = ErrorBody),
        (status = 404, description = "No Student-Teacher has this id", body = ErrorBody),
    )
)]
pub async fn availability(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(range): ApiQuery<RangeQuery>,
) -> Result<Json<Availability>, ApiError> {
    let now = unix_now();
    let (from, to) = booking::parse_range(range.from.as_deref(), range.to.as_deref(), now)?;
    Ok(Json(
        booking::availability(&state.db, &id, from, to, now).await?,
    ))
}

/// When a Student-Teacher is busy (sessions with buffers). No one's details.
#[utoipa::path(
    get,
    path = "/api/sts/{id}/bookings",
    tag = "booking",
    params(("id" = String, Path, description = "The S-T's user id"), RangeQuery),
    responses(
        (status = 200, body = BusyTimes),
        (status = 400, description = "Malformed or oversized range", body = ErrorBody),
        (status = 404, description = "No Student-Teacher has this id", body = ErrorBody),
    )
)]
pub async fn busy_times(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(range): ApiQuery<RangeQuery>,
) -> Result<Json<BusyTimes>, ApiError> {
    let (from, to) = booking::parse_range(range.from.as_deref(), range.to.as_deref(), unix_now())?;
    Ok(Json(booking::busy_times(&state.db, &id, from, to).await?))
}

fn unable_to_book() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(ErrorBody {
            error: "internal".into(),
            message: UNABLE_TO_BOOK.into(),
            fields: None,
        }),
    )
        .into_response()
}

/// Books a session with a Student-Teacher for the signed-in student, spending one session
/// credit of their enrollment. Send an `Idempotency-Key` header to make retries safe: a repeat
/// with the same key and body returns the first booking.
#[utoipa::path(
    post,
    path = "/api/sessions",
    tag = "booking",
    request_body = BookSessionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 255 characters; retries with the same key return the same session")),
    responses(
        (status = 201, description = "Booked (or the booking of an earlier request with this Idempotency-Key)", body = Session),
        (status = 400, description = "Invalid fields, or the key was used for another request", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not enrolled in the course", body = ErrorBody),
        (status = 404, description = "The S-T doesn't teach this course", body = ErrorBody),
        (status = 409, description = "\"This time is no longer available. Select another.\", or another slot rule", body = ErrorBody),
        (status = 500, description = "\"Unable to book. Please try again.\" Nothing was booked.", body = ErrorBody),
    )
)]
pub async fn book(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    IdempotencyKey(key): IdempotencyKey,
    ApiJson(body): ApiJson<BookSessionRequest>,
) -> Response {
    let now = unix_now();
    let request = BookingRequest {
        st_id: &body.st_id,
        course_id: &body.course_id,
        start_at: &body.start_at,
        duration_minutes: body.duration_minutes,
    };
    let result = booking::book(&state.db, &user, &request, key.as_deref(), now).await;
    match result {
        Ok(booked) => {
            let mut response = (StatusCode::CREATED, Json(booked.session)).into_response();
            if !booked.created {
                response.headers_mut().insert(
                    header::HeaderName::from_static("idempotent-replayed"),
                    HeaderValue::from_static("true"),
                );
            }
            response
        }
        Err(AppError::Internal) => unable_to_book(),
        Err(error) => ApiError(error).into_response(),
    }
}

/// One session, for its participants.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}",
    tag = "booking",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, body = Session),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "\"You're not part of this session.\"", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
    )
)]
pub async fn get_session(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(booking::get_session(&state.db, &user, &id).await?))
}

/// The session as an RFC 5545 calendar file. The UID is stable; SEQUENCE rises when the
/// session is rescheduled or cancelled.
#[utoipa::path(
    get,
    path = "/api/sessions/{id}/calendar-export",
    tag = "booking",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "text/calendar", content_type = "text/calendar", body = String),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "\"You're not part of this session.\"", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
    )
)]
pub async fn calendar_export(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (filename, calendar) =
        booking::calendar_export(&state.db, &user, &id, &state.settings.public_url).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        calendar,
    )
        .into_response())
}

/// Cancels a session (either participant, under the S-T's cancellation policy).
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/cancel",
    tag = "booking",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "Cancelled; the student's credit is returned", body = Session),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 403, description = "Not a participant, or too late for the student to cancel", body = ErrorBody),
        (status = 409, description = "The session can no longer change", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Session>, ApiError> {
    let now = unix_now();
    let SessionDetail { session, .. } = booking::cancel(&state.db, &user, &id, now).await?;
    Ok(Json(session))
}

/// Moves a session to another free slot of the same length; the id stays.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/reschedule",
    tag = "booking",
    params(("id" = String, Path, description = "Session id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, body = Session),
        (status = 400, description = "Missing or malformed body, or `start_at` is not an RFC 3339 time", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a participant, or too late for the student", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "The new time is not free", body = ErrorBody),
    )
)]
pub async fn reschedule(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RescheduleRequest>,
) -> Result<Json<Session>, ApiError> {
    let now = unix_now();
    let SessionDetail { session, .. } =
        booking::reschedule(&state.db, &user, &id, &body.start_at, now).await?;
    Ok(Json(session))
}

/// "Schedule later": keeps one session credit of the enrollment for booking later; the student
/// dashboard shows a "Schedule when ready" card for it.
#[utoipa::path(
    post,
    path = "/api/enrollments/{id}/deferred",
    tag = "booking",
    params(("id" = String, Path, description = "Enrollment id")),
    responses(
        (status = 200, body = EnrollmentCredits),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the student's enrollment", body = ErrorBody),
        (status = 404, description = "No such enrollment", body = ErrorBody),
        (status = 409, description = "Every remaining credit is already deferred", body = ErrorBody),
    )
)]
pub async fn defer(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EnrollmentCredits>, ApiError> {
    Ok(Json(booking::defer(&state.db, &user, &id).await?))
}

/// Marks a session that has ended as taught (its Student-Teacher): it becomes completed, and
/// their share of the enrollment's pool is released to them in the earnings ledger.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/taught",
    tag = "booking",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "Completed", body = Session),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the session's Student-Teacher", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "Not ended yet, or no longer scheduled", body = ErrorBody),
    )
)]
pub async fn mark_taught(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Session>, ApiError> {
    let SessionDetail { session, .. } =
        booking::mark_taught(&state.db, &user, &id, unix_now()).await?;
    Ok(Json(session))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeRequest {
    /// What happened instead.
    #[schema(min_length = 1, max_length = 1000)]
    reason: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Recorded {
    recorded: bool,
}

/// The student says a session marked taught did not happen (within 48 hours); an admin decides.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/dispute",
    tag = "booking",
    params(("id" = String, Path, description = "Session id")),
    request_body = DisputeRequest,
    responses(
        (status = 200, description = "Recorded for an admin", body = Recorded),
        (status = 400, description = "No reason, or a reason over 1,000 characters", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the session's student", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "Not marked taught, already disputed, or past the 48 hours", body = ErrorBody),
    )
)]
pub async fn dispute(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<DisputeRequest>,
) -> Result<Json<Recorded>, ApiError> {
    booking::dispute(&state.db, &user, &id, &request.reason, unix_now()).await?;
    Ok(Json(Recorded { recorded: true }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeDecision {
    /// Whether the session took place. If not, its earnings go back to the pool, the student
    /// gets the credit back, and the session is cancelled.
    session_happened: bool,
}

/// An admin decides a disputed session.
#[utoipa::path(
    post,
    path = "/api/sessions/{id}/dispute/decision",
    tag = "booking",
    params(("id" = String, Path, description = "Session id")),
    request_body = DisputeDecision,
    responses(
        (status = 200, description = "Decided", body = Recorded),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such session", body = ErrorBody),
        (status = 409, description = "No open dispute", body = ErrorBody),
    )
)]
pub async fn decide_dispute(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    ApiPath(id): ApiPath<String>,
    ApiJson(decision): ApiJson<DisputeDecision>,
) -> Result<Json<Recorded>, ApiError> {
    booking::decide_dispute(&state.db, &user, &id, decision.session_happened, unix_now()).await?;
    Ok(Json(Recorded { recorded: true }))
}
