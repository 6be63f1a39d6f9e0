//! Request safety: who the client is, that state changes come from our own pages (Origin), and
//! that plain form posts carry the session's CSRF token.

use app::backend::auth::{CsrfToken, SESSION_COOKIE, csrf_matches, csrf_token};
use app::backend::request::ClientAddress;
use app::error::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_sessions::Session;

use crate::rest::ApiError;

/// The origins whose pages may change state, and how to find the client's address.
#[derive(Clone, Debug)]
pub struct RequestPolicy {
    allowed_origins: Arc<Vec<String>>,
    trust_forwarded_for: bool,
}

/// Largest form body the CSRF check reads; forms here are small.
const MAX_FORM_BYTES: usize = 256 * 1024;

impl RequestPolicy {
    /// `public_url` is the site's address. In development its loopback twin is allowed too
    /// (127.0.0.1 and localhost name the same server).
    pub fn new(public_url: &str, development: bool, trust_forwarded_for: bool) -> Self {
        let origin = origin_of(public_url).unwrap_or_else(|| public_url.to_owned());
        let mut allowed = vec![origin.clone()];
        if development {
            for (from, to) in [
                ("//127.0.0.1", "//localhost"),
                ("//localhost", "//127.0.0.1"),
            ] {
                if origin.contains(from) {
                    allowed.push(origin.replacen(from, to, 1));
                }
            }
        }
        RequestPolicy {
            allowed_origins: Arc::new(allowed),
            trust_forwarded_for,
        }
    }

    fn allows(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == origin)
    }
}

/// "https://example.com:8443/path?x" → "https://example.com:8443".
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

fn forbidden(message: &str) -> Response {
    ApiError(AppError::Forbidden(message.to_owned())).into_response()
}

/// Records the client's address for rate limits and logs: the socket peer, or the first
/// `X-Forwarded-For` entry when the app runs behind a trusted proxy.
pub async fn client_address(
    State(policy): State<RequestPolicy>,
    mut request: Request,
    next: Next,
) -> Response {
    let forwarded = policy
        .trust_forwarded_for
        .then(|| {
            request
                .headers()
                .get("x-forwarded-for")?
                .to_str()
                .ok()?
                .split(',')
                .next()
                .map(|ip| ip.trim().to_owned())
        })
        .flatten();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string());
    let address = forwarded.or(peer).unwrap_or_else(|| "unknown".into());
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

fn header_contains(headers: &HeaderMap, name: header::HeaderName, needle: &str) -> bool {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains(needle))
}

fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers.get_all(header::COOKIE).iter().any(|value| {
        value.to_str().is_ok_and(|cookies| {
            cookies.split(';').any(|cookie| {
                cookie
                    .trim_start()
                    .starts_with(&format!("{SESSION_COOKIE}="))
            })
        })
    })
}

/// A state-changing request that carries our session cookie, or that says where it came from,
/// must come from one of our pages. Requests with neither (API clients, webhooks) pass.
pub async fn same_origin(
    State(policy): State<RequestPolicy>,
    request: Request,
    next: Next,
) -> Response {
    if request.method().is_safe() {
        return next.run(request).await;
    }
    let headers = request.headers();
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
        .filter(|origin| *origin != "null")
        .map(str::to_owned)
        .or_else(|| {
            headers
                .get(header::REFERER)?
                .to_str()
                .ok()
                .and_then(origin_of)
        });
    match claimed {
        None if !has_session_cookie(headers) => next.run(request).await,
        Some(origin) if policy.allows(&origin) => next.run(request).await,
        _ => forbidden(
            "This request didn't come from a PeerLoop page. Reload the page and try again.",
        ),
    }
}

/// Pages that a browser requests get this session's CSRF token in the request extensions, for the
/// forms they render (creating the token, and so the session, on a first visit).
pub async fn csrf_for_pages(session: Session, mut request: Request, next: Next) -> Response {
    let wants_html = request.method() == axum::http::Method::GET
        && header_contains(request.headers(), header::ACCEPT, "text/html");
    if wants_html {
        match csrf_token(&session).await {
            Ok(token) => {
                request.extensions_mut().insert(CsrfToken(token));
            }
            Err(error) => return ApiError(error).into_response(),
        }
    }
    next.run(request).await
}

/// Plain HTML form posts (a browser navigating, which any site can make it do) must carry this
/// session's CSRF token in the `csrf_token` field, on top of the Origin check. The hydrated app's
/// calls are `fetch` requests: browsers always send their Origin, and that check covers them.
pub async fn csrf_for_forms(session: Session, request: Request, next: Next) -> Response {
    let is_html_form = header_contains(
        request.headers(),
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded",
    ) && header_contains(request.headers(), header::ACCEPT, "text/html");
    if request.method().is_safe() || !is_html_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return ApiError(AppError::BadRequest("That form is too large.".into())).into_response();
    };
    let token = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == app::api::forms::CSRF_FIELD)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    match csrf_matches(&session, &token).await {
        Ok(true) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(false) => forbidden("This form has expired. Reload the page and try again."),
        Err(error) => ApiError(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://peerloop.app/a/b?c#d").as_deref(),
            Some("https://peerloop.app")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("not a url"), None);
    }

    #[test]
    fn development_allows_the_loopback_twin_and_production_does_not() {
        let development = RequestPolicy::new("http://127.0.0.1:3000", true, false);
        assert!(development.allows("http://localhost:3000"));
        assert!(!development.allows("http://localhost:3001"));
        let production = RequestPolicy::new("https://peerloop.app", false, false);
        assert!(production.allows("https://peerloop.app"));
        assert!(!production.allows("http://peerloop.app"));
        assert!(!production.allows("https://evil.example"));
    }

    #[test]
    fn only_our_session_cookie_counts() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "theme=dark; other_session=1".parse().unwrap(),
        );
        assert!(!has_session_cookie(&headers));
        headers.insert(
            header::COOKIE,
            format!("theme=dark; {SESSION_COOKIE}=abc").parse().unwrap(),
        );
        assert!(has_session_cookie(&headers));
    }
}
