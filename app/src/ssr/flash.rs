//! Form failures for browsers without JavaScript. A plain form post that fails is redirected
//! back to its page (by leptos_axum), so the error and the typed values travel in the session
//! and the page shows them once.

use tower_sessions::Session;
use wire::error::AppError;
use wire::forms::FormFailure;

const KEY: &str = "form_failure";

/// Keeps `error` for the page to show, when the request came from a plain form. `values` are
/// the fields to refill; never pass passwords.
async fn remember(session: &Session, form: &str, error: &AppError, values: &[(&str, &str)]) {
    if !super::request::is_plain_form().await {
        return;
    }
    let failure = FormFailure {
        form: form.to_owned(),
        error: error.clone(),
        values: values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    if let Err(error) = session.insert(KEY, failure).await {
        tracing::warn!(%error, "could not keep a form failure");
    }
}

/// The failure kept for `form`, removed so it shows once.
pub async fn take(session: &Session, form: &str) -> Option<FormFailure> {
    let failure: FormFailure = session.get(KEY).await.ok().flatten()?;
    if failure.form != form {
        return None;
    }
    let _ = session.remove_value(KEY).await;
    Some(failure)
}

/// Passes `result` through, keeping its error for the form's page when it failed (see
/// `remember`).
pub async fn keep_failure<T>(
    form: &str,
    values: &[(&str, &str)],
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if let Err(error) = &result
        && let Ok(session) = super::request::session().await
    {
        remember(&session, form, error, values).await;
    }
    result
}
