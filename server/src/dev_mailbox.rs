//! `/dev/mailbox`: every email the local mailer "sent", newest first, with its HTML body and
//! calendar attachment. Local mode only; production answers 404.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use backend::AppState;

type Message = (String, String, String, String, Option<String>, i64);

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn not_here() -> Response {
    StatusCode::NOT_FOUND.into_response()
}

fn database_error(error: sqlx::Error) -> Response {
    tracing::error!(%error, "mailbox query failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

pub async fn inbox(State(state): State<AppState>) -> Response {
    if !state.settings.local_mode {
        return not_here();
    }
    let messages: Vec<Message> = match sqlx::query_as(
        "SELECT id, sent_to, subject, text_body, attachment_name, sent_at
           FROM dev_mailbox ORDER BY sent_at DESC, id DESC LIMIT 200",
    )
    .fetch_all(state.db.pool())
    .await
    {
        Ok(messages) => messages,
        Err(error) => return database_error(error),
    };
    let items: String = messages
        .iter()
        .map(|(id, to, subject, text, attachment, sent_at)| {
            let sent = jiff::Timestamp::from_second(*sent_at)
                .map(|at| at.to_string())
                .unwrap_or_default();
            let attachment = attachment
                .as_ref()
                .map(|name| {
                    format!(
                        " · <a href=\"/dev/mailbox/{id}/attachment\" data-testid=\"attachment\">{}</a>",
                        escape(name)
                    )
                })
                .unwrap_or_default();
            format!(
                "<li class=\"message\" data-testid=\"message\"><h2>{}</h2>\
                 <p>To <span data-testid=\"to\">{}</span> · {sent} · \
                 <a href=\"/dev/mailbox/{id}/html\">HTML version</a>{attachment}</p>\
                 <pre>{}</pre></li>",
                escape(subject),
                escape(to),
                escape(text)
            )
        })
        .collect();
    let body = if items.is_empty() {
        "<p>No messages yet. Book a session and they appear here.</p>".to_owned()
    } else {
        format!("<ol class=\"messages\">{items}</ol>")
    };
    let mut response = Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Local mailbox · PeerLoop</title><link rel=\"stylesheet\" href=\"/pkg/peerloop.css\"></head>\
         <body><main class=\"container mailbox\"><h1>Local mailbox</h1>\
         <p class=\"muted\">Development only: the emails PeerLoop would have sent. Set RESEND_API_KEY to send real mail.</p>\
         {body}</main></body></html>"
    ))
    .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'self'"),
    );
    response
}

pub async fn html_body(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !state.settings.local_mode {
        return not_here();
    }
    let html: Option<String> =
        match sqlx::query_scalar("SELECT html FROM dev_mailbox WHERE id = $1")
            .bind(&id)
            .fetch_optional(state.db.pool())
            .await
        {
            Ok(html) => html,
            Err(error) => return database_error(error),
        };
    let Some(html) = html else {
        return not_here();
    };
    let mut response = Html(html).into_response();
    // The email's own HTML: no scripts, inline styles as mail clients allow.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    response
}

pub async fn attachment(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !state.settings.local_mode {
        return not_here();
    }
    let found: Option<(Option<String>, Option<String>, Option<String>)> = match sqlx::query_as(
        "SELECT attachment_name, attachment_type, attachment FROM dev_mailbox WHERE id = $1",
    )
    .bind(&id)
    .fetch_optional(state.db.pool())
    .await
    {
        Ok(found) => found,
        Err(error) => return database_error(error),
    };
    let Some((Some(name), Some(content_type), Some(content))) = found else {
        return not_here();
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        content,
    )
        .into_response()
}
