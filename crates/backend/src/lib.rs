//! Server-only half of the product: state, the store (queries), services (which own transactions)
//! and the ports that outside services are reached through. No web framework for pages: the
//! Leptos app and the axum host call in; nothing here calls out to them.

pub mod auth;
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
    pub csrf_key: auth::CsrfKey,
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
    /// How long an outbox job is leased to the worker that claimed it.
    pub job_lease_secs: i64,
}
