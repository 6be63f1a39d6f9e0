//! Server-only half of the product: state, the store (queries), services (which own transactions)
//! and the ports that outside services are reached through.

pub mod db;
pub mod seed;
pub mod services;
pub mod store;

use crate::error::AppError;
use db::Db;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;

/// Everything a request needs. Cheap to clone: it holds handles, not data.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
}

/// The state provided to server functions and pages through Leptos context.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
