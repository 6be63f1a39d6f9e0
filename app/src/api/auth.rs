//! Accounts: sign up, log in and out, settings (SETT), and who is viewing the page.

use crate::api::codec::JsonText;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
pub use wire::auth::*;
use wire::error::AppError;

#[cfg(feature = "ssr")]
fn now() -> i64 {
    backend::store::unix_now()
}

#[server(prefix = "/rpc", endpoint = "viewer", input = GetUrl, output = JsonText)]
pub async fn get_viewer() -> Result<Option<Viewer>, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, Some(user)) = crate::ssr::viewer().await? else {
                return Ok(None);
            };
            backend::services::accounts::viewer(&state.db, &user)
                .await
                .map(Some)
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "sign_up", output = JsonText)]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    time_zone: String,
) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            use backend::services::accounts;
            let state = crate::ssr::state()?;
            let form = accounts::SignUp {
                name: &name,
                email: &email,
                password: &password,
                time_zone: &time_zone,
            };
            let values = [
                ("name", name.as_str()),
                ("email", &email),
                ("time_zone", &time_zone),
            ];
            let started = accounts::sign_up(&state.db, form, now()).await;
            crate::ssr::flash::keep_failure("sign_up", &values, started).await?;
            leptos_axum::redirect("/signup/sent");
            Ok(())
        }
        .await,
    )
    .await
}

/// Finishes a sign-up with the token from the confirmation email, and signs the new account in.
#[server(prefix = "/rpc", endpoint = "confirm_sign_up", output = JsonText)]
pub async fn confirm_sign_up(token: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            let session = crate::ssr::request::session().await?;
            let confirmed =
                backend::services::accounts::confirm_sign_up(&state.db, &session, &token, now())
                    .await;
            crate::ssr::flash::keep_failure("confirm_sign_up", &[], confirmed).await?;
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "log_in", output = JsonText)]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            let session = crate::ssr::request::session().await?;
            let address = crate::ssr::request::client_address().await;
            let logged_in = backend::services::accounts::log_in(
                &state.db,
                &session,
                &email,
                &password,
                &address,
                now(),
            )
            .await;
            crate::ssr::flash::keep_failure("log_in", &[("email", &email)], logged_in).await?;
            crate::ssr::request::redirect_to(next.as_deref(), "/dashboard");
            Ok(())
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "log_out", output = JsonText)]
pub async fn log_out() -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let session = crate::ssr::request::session().await?;
            backend::services::accounts::log_out(&session).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "log_out_everywhere", output = JsonText)]
pub async fn log_out_everywhere() -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let session = crate::ssr::request::session().await?;
            backend::services::accounts::log_out_everywhere(&state.db, &session, &user).await?;
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "account_settings", input = GetUrl, output = JsonText)]
pub async fn get_account_settings() -> Result<AccountSettings, AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            backend::services::accounts::settings(&state.db, &user).await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "update_profile", output = JsonText)]
pub async fn update_profile(name: String, time_zone: String, bio: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            use backend::services::accounts;
            let (state, user) = crate::ssr::signed_in().await?;
            let form = accounts::ProfileUpdate {
                name: &name,
                time_zone: &time_zone,
                bio: &bio,
            };
            crate::ssr::flash::keep_failure(
                "profile",
                &[
                    ("name", name.as_str()),
                    ("time_zone", &time_zone),
                    ("bio", &bio),
                ],
                accounts::update_profile(&state.db, &user, form).await,
            )
            .await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "change_password", output = JsonText)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let (state, user) = crate::ssr::signed_in().await?;
            let session = crate::ssr::request::session().await?;
            crate::ssr::flash::keep_failure(
                "password",
                &[],
                backend::services::accounts::change_password(
                    &state.db,
                    &session,
                    &user,
                    &current_password,
                    &new_password,
                )
                .await,
            )
            .await
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "demo_accounts", input = GetUrl, output = JsonText)]
pub async fn demo_accounts() -> Result<Vec<DemoAccount>, AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            if !state.settings.local_mode {
                return Ok(Vec::new());
            }
            Ok(backend::seed::demo_accounts())
        }
        .await,
    )
    .await
}

#[server(prefix = "/rpc", endpoint = "demo_log_in", output = JsonText)]
pub async fn demo_log_in(email: String) -> Result<(), AppError> {
    crate::ssr::request::respond(
        async move {
            let state = crate::ssr::state()?;
            let session = crate::ssr::request::session().await?;
            backend::services::accounts::demo_log_in(&state, &session, &email, now()).await?;
            leptos_axum::redirect("/dashboard");
            Ok(())
        }
        .await,
    )
    .await
}
