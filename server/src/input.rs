//! One boundary check for every text field of every request (REST, server functions, plain
//! forms, page query strings): control characters are refused with a 400 before any handler
//! sees them. PostgreSQL text cannot hold NUL at all (a 500 otherwise), and the others (escape
//! sequences, bells, backspaces) have no place in names, emails or searches. Tab, line feed and
//! carriage return stay allowed: bios and motivations are multi-line.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use wire::error::AppError;

use crate::rest::ApiError;
use crate::security::header_contains;

/// Largest form or JSON body this check reads (the app's bodies are small).
const MAX_TEXT_BODY_BYTES: usize = 1024 * 1024;

/// A character no text field may hold: C0 controls other than tab, LF and CR; DEL; C1 controls.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn first_forbidden<'a>(mut texts: impl Iterator<Item = std::borrow::Cow<'a, str>>) -> Option<char> {
    texts.find_map(|text| text.chars().find(|&c| is_forbidden(c)))
}

fn in_json(value: &serde_json::Value) -> Option<char> {
    match value {
        serde_json::Value::String(text) => text.chars().find(|&c| is_forbidden(c)),
        serde_json::Value::Array(items) => items.iter().find_map(in_json),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, value)| {
            key.chars()
                .find(|&c| is_forbidden(c))
                .or_else(|| in_json(value))
        }),
        _ => None,
    }
}

fn in_query_or_path(uri: &axum::http::Uri) -> Option<char> {
    let query = uri.query().unwrap_or_default().as_bytes();
    let decoded_query = form_urlencoded::parse(query).flat_map(|(key, value)| [key, value]);
    let path_segments = uri.path().split('/').map(|segment| {
        form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
            .into()
    });
    first_forbidden(decoded_query.chain(path_segments))
}

fn refusal(request_path: &str, wants_html: bool, found: char) -> Response {
    let message = format!(
        "Text can't contain control characters (found U+{:04X}). Remove it and try again.",
        found as u32
    );
    if request_path.starts_with("/rpc/") {
        // Server functions answer with their own error encoding, which the browser decodes.
        let body = serde_json::to_string(&AppError::BadRequest(message)).unwrap_or_default();
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    if wants_html && !request_path.starts_with("/api/") {
        return (
            StatusCode::BAD_REQUEST,
            Html(format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad request · PeerLoop</title></head>\
                 <body><main><h1>That address has a character we can't read</h1><p>{message}</p>\
                 <p><a href=\"/\">Back to the catalog</a></p></main></body></html>"
            )),
        )
            .into_response();
    }
    ApiError(AppError::BadRequest(message)).into_response()
}

pub async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let wants_html = header_contains(request.headers(), header::ACCEPT, "text/html");
    if let Some(found) = in_query_or_path(request.uri()) {
        return refusal(request.uri().path(), wants_html, found);
    }
    let headers = request.headers();
    let is_form = header_contains(
        headers,
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded",
    );
    let is_json = header_contains(headers, header::CONTENT_TYPE, "application/json");
    if request.method().is_safe() || !(is_form || is_json) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_TEXT_BODY_BYTES).await else {
        return ApiError(AppError::BadRequest("That request is too large.".into())).into_response();
    };
    let found = if is_form {
        first_forbidden(form_urlencoded::parse(&bytes).flat_map(|(key, value)| [key, value]))
    } else {
        // A body that is not JSON is the handler's to refuse, with its own message.
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|value| in_json(&value))
    };
    if let Some(found) = found {
        return refusal(parts.uri.path(), wants_html, found);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_where_text_travels() {
        assert!(is_forbidden('\0') && is_forbidden('\u{1b}') && is_forbidden('\u{7f}'));
        assert!(is_forbidden('\u{85}'));
        assert!(!is_forbidden('\n') && !is_forbidden('\t') && !is_forbidden('é'));
        let uri = |text: &str| text.parse::<axum::http::Uri>().unwrap();
        assert_eq!(in_query_or_path(&uri("/api/courses?q=%00")), Some('\0'));
        assert_eq!(in_query_or_path(&uri("/api/courses/a%1Bb")), Some('\u{1b}'));
        assert_eq!(in_query_or_path(&uri("/api/courses?q=a+b%0Ac")), None);
        assert_eq!(
            in_json(&serde_json::json!({"a": [1, {"b": "x\u{0}"}]})),
            Some('\0')
        );
        assert_eq!(in_json(&serde_json::json!({"bio": "two\nlines"})), None);
    }
}
