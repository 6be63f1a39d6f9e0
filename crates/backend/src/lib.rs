//! Server-only half of the product: state, the store (queries), services (which own transactions)
//! and the ports that outside services are reached through. No web framework for pages: the
//! Leptos app and the axum host call in; nothing here calls out to them.

pub mod auth;
pub mod blobs;
pub mod db;
pub mod http;
pub mod ics;
pub mod mail;
pub mod memo;
pub mod payments;
pub mod request;
pub mod seed;
pub mod services;
pub mod session_store;
pub mod store;
pub mod video;

use db::Db;
use std::sync::Arc;

/// Everything a request needs. Cheap to clone: it holds handles, not data.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub mailer: Arc<dyn mail::Mailer>,
    pub payments: Arc<dyn payments::PaymentGateway>,
    /// The Stripe webhook endpoint's signing secrets (several while one is being rolled).
    pub stripe_webhook_secrets: Arc<[String]>,
    pub video: Arc<dyn video::VideoService>,
    /// The key and secret PlugNmeet signs its webhooks with (the built-in room's own pair when
    /// PlugNmeet is not configured).
    pub video_webhook_key: Arc<VideoWebhookKey>,
    /// Where session recordings are kept: R2, or a local directory.
    pub blobs: Arc<dyn blobs::BlobStore>,
    pub csrf_key: auth::CsrfKey,
}

/// PlugNmeet's API key and secret: its webhooks are JWTs issued by the key, signed with the secret.
#[derive(Clone)]
pub struct VideoWebhookKey {
    pub api_key: String,
    pub api_secret: String,
}

impl std::fmt::Debug for VideoWebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWebhookKey")
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

/// The configuration services and pages need (the server's `Config` holds the rest).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Where people reach the site, without a trailing slash.
    pub public_url: String,
    /// Local mode: demo data, one-click demo log-ins and the built-in stand-ins for outside
    /// services. Never in production.
    pub local_mode: bool,
    /// The local Stripe stands in for Stripe (no keys configured; never in production): its
    /// checkout pages and event log are served under `/dev/stripe`.
    pub local_stripe: bool,
    /// The built-in room stands in for PlugNmeet (not configured; never in production): its
    /// signalling reports joins, leaves and the room's end as PlugNmeet-shaped webhooks.
    pub local_video: bool,
    /// PlugNmeet's origin (e.g. `https://video.example`), where SROM's join form sends people on
    /// to: the pages' `form-action` must allow it. `None` with the built-in room.
    pub video_origin: Option<String>,
    /// R2's origin, which recordings play from (presigned links): the pages' `media-src` must
    /// allow it. `None` with the local store (its links are this site's).
    pub blob_origin: Option<String>,
    /// How long an outbox job is leased to the worker that claimed it.
    pub job_lease_secs: i64,
}
