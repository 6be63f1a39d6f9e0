//! The axum host: configuration, state, the router (pages, server functions, REST, operations)
//! and graceful shutdown. `main.rs` only wires these together.

pub mod adapters;
pub mod checkout;
pub mod config;
pub mod demo_money;
pub mod dev_mailbox;
pub mod dev_stripe;
pub mod input;
pub mod jobs;
pub mod ops;
pub mod rest;
pub mod room_forms;
pub mod rooms;
pub mod security;
pub mod telemetry;

use app::{App, shell};
use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use backend::auth::{IDLE_TIMEOUT_SECS, SESSION_COOKIE};
use backend::db::{Db, DbError};
use backend::session_store::DbSessionStore;
use backend::{AppState, Settings, VideoWebhookKey};
use config::Config;
use leptos::config::LeptosOptions;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use security::RequestPolicy;
use std::sync::{Arc, OnceLock};
use tower::ServiceBuilder;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("could not seed the demo data: {0:?}")]
    DemoData(wire::error::AppError),
    #[error("could not load the server's keys: {0:?}")]
    Secrets(wire::error::AppError),
    #[error("could not open the blob store: {0}")]
    Blobs(backend::blobs::BlobError),
}

/// The built-in room's API key: the issuer of its join tokens and of its reports.
pub const LOCAL_VIDEO_API_KEY: &str = "peerloop-local-video";

/// `scheme://host[:port]` of a URL, for the pages' Content-Security-Policy.
fn origin_of(url: &str) -> Option<String> {
    let origin = url::Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Opens and migrates the database and seeds demo data when configured: everything that must
/// succeed before the server accepts a request.
pub async fn build_state(config: &Config) -> Result<AppState, StartupError> {
    let db = Db::connect(config.database_url.expose(), config.db_max_connections).await?;
    db.migrate().await?;
    let seeded = config.demo_data
        && backend::seed::ensure_demo_data(&db)
            .await
            .map_err(StartupError::DemoData)?;
    if seeded {
        tracing::info!("seeded the demo data");
    }
    let settings = Settings {
        public_url: config.public_url.clone(),
        local_mode: config.env.local_modes(),
        local_stripe: config.stripe.is_none(),
        local_video: config.plugnmeet.is_none(),
        video_origin: config
            .plugnmeet
            .as_ref()
            .and_then(|plugnmeet| origin_of(&plugnmeet.server_url)),
        blob_origin: config.r2.as_ref().and_then(|r2| origin_of(&r2.endpoint)),
        job_lease_secs: config.job_lease_secs,
    };
    let mailer: Arc<dyn backend::mail::Mailer> = match &config.resend {
        Some(resend) => Arc::new(adapters::mail::ResendMailer::new(
            resend.clone(),
            config.mail_from.clone(),
        )),
        None => Arc::new(adapters::mail::LocalMailbox::new(db.clone())),
    };
    let (payments, stripe_webhook_secrets): (
        Arc<dyn backend::payments::PaymentGateway>,
        Vec<String>,
    ) = match &config.stripe {
        Some(stripe) => (
            Arc::new(adapters::stripe::api::StripeApi::new(stripe.clone())),
            stripe
                .webhook_secrets
                .iter()
                .map(|secret| secret.expose().to_owned())
                .collect(),
        ),
        None => {
            // The local Stripe signs its events with a secret of this database's own, so
            // every app server sharing the database verifies the same signatures.
            let secret = backend::store::secrets::get_or_create(
                &db,
                "local_stripe_webhook_secret",
                || format!("whsec_{}", backend::auth::random_token()),
                backend::store::unix_now(),
            )
            .await
            .map_err(StartupError::Secrets)?;
            (
                Arc::new(adapters::stripe::local::LocalStripe::new(
                    db.clone(),
                    config.public_url.clone(),
                )),
                vec![secret],
            )
        }
    };
    let blobs: Arc<dyn backend::blobs::BlobStore> = match &config.r2 {
        Some(r2) => Arc::new(adapters::blobs::R2Blobs::new(r2).map_err(StartupError::Blobs)?),
        None => {
            // Signs the local store's links; one per database, like the local services' keys.
            let url_key = backend::store::secrets::get_or_create(
                &db,
                "local_blob_url_key",
                backend::auth::random_token,
                backend::store::unix_now(),
            )
            .await
            .map_err(StartupError::Secrets)?;
            Arc::new(
                adapters::blobs::LocalBlobs::new(
                    &config.blob_dir,
                    config.public_url.clone(),
                    url_key,
                )
                .map_err(StartupError::Blobs)?,
            )
        }
    };
    let (video, video_webhook_key): (Arc<dyn backend::video::VideoService>, VideoWebhookKey) =
        match &config.plugnmeet {
            Some(plugnmeet) => (
                Arc::new(adapters::video::plugnmeet::PlugNmeet::new(
                    plugnmeet.clone(),
                    &config.public_url,
                )),
                VideoWebhookKey {
                    api_key: plugnmeet.api_key.clone(),
                    api_secret: plugnmeet.api_secret.expose().to_owned(),
                },
            ),
            None => {
                // Like the local Stripe's: one secret per database, shared by its app servers.
                let key = VideoWebhookKey {
                    api_key: LOCAL_VIDEO_API_KEY.to_owned(),
                    api_secret: backend::store::secrets::get_or_create(
                        &db,
                        "local_video_api_secret",
                        backend::auth::random_token,
                        backend::store::unix_now(),
                    )
                    .await
                    .map_err(StartupError::Secrets)?,
                };
                (
                    Arc::new(adapters::video::local::LocalRooms::new(
                        key.clone(),
                        config.public_url.clone(),
                        blobs.clone(),
                    )),
                    key,
                )
            }
        };
    let csrf_key = backend::store::secrets::get_or_create(
        &db,
        "csrf_cookie_key",
        backend::auth::random_token,
        backend::store::unix_now(),
    )
    .await
    .map_err(StartupError::Secrets)?;
    let state = AppState {
        db,
        settings: Arc::new(settings),
        mailer,
        payments,
        stripe_webhook_secrets: stripe_webhook_secrets.into(),
        video,
        video_webhook_key: Arc::new(video_webhook_key),
        blobs,
        csrf_key: backend::auth::CsrfKey::new(csrf_key.as_bytes()),
    };
    if seeded && config.demo_payments && state.settings.local_stripe {
        demo_money::seed(&state)
            .await
            .map_err(StartupError::DemoData)?;
    }
    Ok(state)
}

/// The background work an app server runs: the outbox worker with its hold release and hourly
/// housekeeping.
pub struct BackgroundWork {
    stop: tokio::sync::watch::Sender<bool>,
    worker: Option<tokio::task::JoinHandle<()>>,
}

impl BackgroundWork {
    /// Asks the worker to stop and waits until the job in flight finished (at most `patience`).
    pub async fn stop(self, patience: std::time::Duration) {
        let _ = self.stop.send(true);
        if let Some(worker) = self.worker
            && tokio::time::timeout(patience, worker).await.is_err()
        {
            tracing::warn!("the outbox worker did not stop in time; its lease will expire");
        }
    }
}

/// Starts the background work every app server runs (unless `PEERLOOP_RUN_JOBS=false`).
pub fn spawn_background_work(state: &AppState, config: &Config) -> BackgroundWork {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = config
        .run_jobs
        .then(|| tokio::spawn(jobs::run_forever(state.clone(), config.job_poll, stopped)));
    BackgroundWork { stop, worker }
}

/// The app's page routes, generated once per process. Generating them runs the app with a
/// process-wide "suppress resource loads" flag set (leptos_server's `SuppressResourceLoad`), and
/// a resource first polled by any render while that flag is up never resolves. Generating the
/// list once, before any router serves, means no page render can ever overlap it, even with
/// several apps in one process (the integration tests, the two-instance Postgres test).
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The router's state: the backend's, and what Leptos needs to render and serve the site.
#[derive(Clone, axum::extract::FromRef)]
struct HostState {
    app: AppState,
    leptos_options: LeptosOptions,
    signals: rooms::bus::SignalBus,
    policy: RequestPolicy,
}

pub fn router(state: AppState, leptos_options: LeptosOptions, trusted_proxy_hops: usize) -> Router {
    let page_routes = page_routes();
    let (rest_routes, openapi) = rest::router_and_document();
    let openapi = std::sync::Arc::new(openapi);
    let policy = RequestPolicy::new(
        &state.settings.public_url,
        state.settings.local_mode,
        trusted_proxy_hops,
    );
    let host = HostState {
        app: state.clone(),
        leptos_options: leptos_options.clone(),
        signals: rooms::bus::SignalBus::start(state.db.clone()),
        policy: policy.clone(),
    };
    // Pages and server functions find the backend's state in the Leptos context.
    let provide_state = {
        let state = state.clone();
        move || leptos::prelude::provide_context(state.clone())
    };

    let forms = security::FormPolicy {
        csrf_key: state.csrf_key.clone(),
        secure_cookie: state.settings.public_url.starts_with("https://"),
    };
    let session_layer = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.public_url.starts_with("https://"))
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            IDLE_TIMEOUT_SECS,
        )));

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
        // Pages and JSON are compressed per response, so the level trades CPU for bytes on every
        // request: brotli's default (quality 11) cost more than rendering a course page, while
        // quality 4 still beats gzip's default ratio. Static files are precompressed at the best
        // level by the release build and served as they are.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(from_fn_with_state(policy.clone(), security::client_address))
        .layer(from_fn_with_state(policy, security::same_origin))
        .layer(session_layer)
        .layer(from_fn(input::refuse_control_characters))
        .layer(from_fn_with_state(forms.clone(), security::csrf_for_pages))
        .layer(from_fn_with_state(forms, security::csrf_for_forms));

    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/dev/mailbox", get(dev_mailbox::inbox))
        .route("/dev/mailbox/{id}/html", get(dev_mailbox::html_body))
        .route("/dev/mailbox/{id}/attachment", get(dev_mailbox::attachment))
        .route("/dev/stripe/checkout/{id}", get(dev_stripe::checkout_page))
        .route(
            "/dev/stripe/checkout/{id}/pay",
            axum::routing::post(dev_stripe::pay),
        )
        .route(
            "/dev/stripe/checkout/{id}/expire",
            axum::routing::post(dev_stripe::expire),
        )
        .route("/dev/stripe/events", get(dev_stripe::events))
        .route(
            "/dev/stripe/events/{id}/resend",
            axum::routing::post(dev_stripe::resend),
        )
        .route("/checkout/{id}/cancelled", get(checkout::cancelled))
        .route("/api/sessions/{id}/room/signal", get(rooms::socket::signal))
        .route(
            "/sessions/{id}/checkout",
            axum::routing::post(checkout::pay_for_session),
        )
        .route(
            "/sessions/{id}/dispute",
            axum::routing::post(checkout::dispute_session),
        )
        .route(
            "/sessions/{id}/room/join",
            axum::routing::post(room_forms::join),
        )
        .route(
            "/sessions/{id}/room/feedback",
            axum::routing::post(room_forms::feedback),
        )
        .route("/payments.csv", get(checkout::payments_csv))
        .route("/earnings.csv", get(checkout::earnings_csv))
        .route(
            "/api/openapi.json",
            get(move || rest::openapi_json(openapi.clone())),
        )
        .merge(rest_routes.with_state(state))
        .route("/api/{*path}", axum::routing::any(rest::unknown_endpoint))
        .leptos_routes_with_context(&host, page_routes, provide_state.clone(), move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            HostState,
            _,
        >(provide_state, shell))
        .layer(middleware)
        .with_state(host)
}

/// Resolves when the process is asked to stop (SIGTERM from an orchestrator, or Ctrl-C), so
/// in-flight requests and the outbox job in flight can finish. The handlers are installed when
/// this is called, not when the future is first polled: call it before starting any work, so a
/// stop request that comes early is not the default "die at once".
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        )
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {},
                    _ = interrupt.recv() => {},
                }
            }
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(%error, "cannot listen for stop signals");
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}
