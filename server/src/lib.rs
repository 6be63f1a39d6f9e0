//! The axum host: configuration, state, the router (pages, server functions, REST, operations)
//! and graceful shutdown. `main.rs` only wires these together.

pub mod config;
pub mod ops;
pub mod rest;
pub mod telemetry;

use app::backend::AppState;
use app::backend::db::{Db, DbError};
use app::{App, shell};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::routing::get;
use config::Config;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Opens and migrates the database and seeds demo data when configured: everything that must
/// succeed before the server accepts a request.
pub async fn build_state(
    config: &Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, DbError> {
    let db = Db::connect(config.database_url.expose(), config.db_max_connections).await?;
    db.migrate().await?;
    if config.demo_data && app::backend::seed::ensure_demo_data(&db).await? {
        tracing::info!("seeded the demo catalog");
    }
    Ok(AppState { leptos_options, db })
}

pub fn router(state: AppState) -> Router {
    let page_routes = generate_route_list(App);
    let (rest_routes, openapi) = rest::router().split_for_parts();
    let openapi = std::sync::Arc::new(openapi);
    let leptos_options = state.leptos_options.clone();

    let request_id = HeaderName::from_static("x-request-id");
    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or_default();
                    // The path only: query strings can carry tokens.
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(CompressionLayer::new());

    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route(
            "/api/openapi.json",
            get(move || rest::openapi_json(openapi.clone())),
        )
        .merge(rest_routes)
        .route("/api/{*path}", axum::routing::any(rest::unknown_endpoint))
        .leptos_routes(&state, page_routes, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware)
        .with_state(state)
}

/// Resolves when the process is asked to stop (SIGTERM from an orchestrator, or Ctrl-C), so
/// in-flight requests can finish.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
