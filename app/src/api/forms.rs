//! Form plumbing shared by every page: the CSRF token and no-JS failure messages.

use crate::api::codec::JsonText;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use wire::error::AppError;
pub use wire::forms::*;

#[server(prefix = "/rpc", endpoint = "take_form_failure", input = GetUrl, output = JsonText)]
pub async fn take_form_failure(form: String) -> Result<Option<FormFailure>, AppError> {
    crate::ssr::request::respond(
        async move {
            let session = crate::ssr::request::session().await?;
            Ok(crate::ssr::flash::take(&session, &form).await)
        }
        .await,
    )
    .await
}
