//! The seed's REST API under `/api`, over the same services the server functions call.
//! Every route is registered through `utoipa-axum`, so the OpenAPI document cannot drift from
//! the router.

mod auth;
mod courses;
pub(crate) mod error;
mod instructors;
mod payments;
mod sessions;
mod video;

pub use error::{ApiError, ErrorBody};

use axum::Json;
use axum::http::Uri;
use backend::AppState;
use std::sync::Arc;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "PeerLoop API",
        description = "Courses, Student-Teachers, sessions and payments. JSON in and out; \
                       errors are {\"error\": code, \"message\": text}."
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "courses", description = "The course catalog"),
        (name = "accounts", description = "Sign up, log in and out, the signed-in user"),
        (name = "booking", description = "Student-Teachers' free slots, booking, cancelling and rescheduling 1-on-1 sessions"),
        (name = "payments", description = "Paying through Stripe Checkout, and Stripe's webhook"),
        (name = "video", description = "Session rooms: joining, the video service's webhook, feedback"),
        (name = "feeds", description = "Who may read which feed")
    )
)]
struct ApiDoc;

/// The router and its OpenAPI document, complete.
pub fn router_and_document() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut document) = router().split_for_parts();
    EveryOperationMayRefuseBadInput.modify(&mut document);
    (routes, document)
}

/// Every endpoint refuses malformed input with a 400 (a path or query value it cannot read, or
/// text holding control characters, which one middleware refuses for all of them), so the
/// document says so on every operation that does not describe its 400 itself.
struct EveryOperationMayRefuseBadInput;

impl utoipa::Modify for EveryOperationMayRefuseBadInput {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let bad_input = ResponseBuilder::new()
            .description(
                "Malformed input: a path or query value that cannot be read, or text holding \
                 control characters",
            )
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                operation
                    .responses
                    .responses
                    .entry("400".into())
                    .or_insert_with(|| bad_input.clone().into());
            }
        }
    }
}

fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(courses::list_courses))
        .routes(routes!(courses::get_course))
        .routes(routes!(auth::sign_up))
        .routes(routes!(auth::confirm_sign_up))
        .routes(routes!(auth::log_in))
        .routes(routes!(auth::log_out))
        .routes(routes!(auth::me))
        .routes(routes!(sessions::course_sts))
        .routes(routes!(sessions::availability))
        .routes(routes!(sessions::busy_times))
        .routes(routes!(sessions::book))
        .routes(routes!(sessions::get_session))
        .routes(routes!(sessions::calendar_export))
        .routes(routes!(sessions::cancel))
        .routes(routes!(sessions::reschedule))
        .routes(routes!(sessions::defer))
        .routes(routes!(sessions::mark_taught))
        .routes(routes!(sessions::dispute))
        .routes(routes!(sessions::decide_dispute))
        .routes(routes!(payments::start_checkout))
        .routes(routes!(payments::stripe_webhook))
        .routes(routes!(payments::refund))
        .routes(routes!(video::video_token))
        .routes(routes!(video::plugnmeet_webhook))
        .routes(routes!(video::feedback))
        .routes(routes!(video::recordings))
        .routes(routes!(video::upload_recording))
        .routes(routes!(video::signed_blob))
        .routes(routes!(instructors::feed_access))
}

pub async fn openapi_json(
    document: Arc<utoipa::openapi::OpenApi>,
) -> Json<Arc<utoipa::openapi::OpenApi>> {
    Json(document)
}

/// JSON 404 for any `/api/...` path that no endpoint serves.
pub async fn unknown_endpoint(uri: Uri) -> ApiError {
    ApiError(wire::error::AppError::NotFound(format!(
        "No API endpoint at {}.",
        uri.path()
    )))
}
