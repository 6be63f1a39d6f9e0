//! Request safety: who the client is, that state changes come from our own pages (Origin), and
//! that plain form posts carry the browser's CSRF token.

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::auth::{CSRF_COOKIE, CsrfKey, CsrfToken, SESSION_COOKIE};
use backend::request::ClientAddress;
use std::net::SocketAddr;
use std::sync::Arc;
use wire::error::AppError;

use crate::rest::ApiError;

/// The origins whose pages may change state, and how to find the client's address.
#[derive(Clone, Debug)]
pub struct RequestPolicy {
    allowed_origins: Arc<Vec<url::Origin>>,
    trusted_proxy_hops: usize,
}

/// Largest form body the CSRF check reads; forms here are small.
const MAX_FORM_BYTES: usize = 256 * 1024;

impl RequestPolicy {
    /// `public_url` is the site's address. In development its loopback twin is allowed too
    /// (127.0.0.1 and localhost name the same server). `trusted_proxy_hops` is how many
    /// reverse proxies in front of the app append to `X-Forwarded-For` (0: none is trusted).
    pub fn new(public_url: &str, development: bool, trusted_proxy_hops: usize) -> Self {
        let mut allowed = Vec::new();
        if let Ok(site) = url::Url::parse(public_url) {
            allowed.push(site.origin());
            let twin = match site.host_str() {
                Some("127.0.0.1") => Some("localhost"),
                Some("localhost") => Some("127.0.0.1"),
                _ => None,
            };
            if development && let Some(twin) = twin {
                let mut twin_url = site.clone();
                if twin_url.set_host(Some(twin)).is_ok() {
                    allowed.push(twin_url.origin());
                }
            }
        }
        RequestPolicy {
            allowed_origins: Arc::new(allowed),
            trusted_proxy_hops,
        }
    }

    /// Compares origins as browsers do: scheme, host (case-insensitively) and port, with the
    /// scheme's default port filled in.
    pub(crate) fn allows(&self, origin: &str) -> bool {
        url::Url::parse(origin).is_ok_and(|claimed| {
            let claimed = claimed.origin();
            claimed.is_tuple() && self.allowed_origins.contains(&claimed)
        })
    }

    /// The client behind `hops` trusted proxies: each proxy appends the address it saw, so the
    /// entry `hops` places from the right is the last one no client could write.
    fn forwarded_client(&self, forwarded_for: &str) -> Option<String> {
        if self.trusted_proxy_hops == 0 {
            return None;
        }
        let entries: Vec<&str> = forwarded_for.split(',').map(str::trim).collect();
        let index = entries.len().checked_sub(self.trusted_proxy_hops)?;
        let entry = entries[index];
        entry
            .parse::<std::net::IpAddr>()
            .ok()
            .map(|address| address.to_string())
    }
}

/// "https://example.com:8443/path?x" → "https://example.com:8443".
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

fn forbidden(message: &str) -> Response {
    ApiError(AppError::Forbidden(message.to_owned())).into_response()
}

/// Records the client's address for rate limits and logs: the socket peer, or, behind trusted
/// proxies, the address the outermost of them appended to `X-Forwarded-For`.
pub async fn client_address(
    State(policy): State<RequestPolicy>,
    mut request: Request,
    next: Next,
) -> Response {
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let forwarded = (!forwarded.is_empty())
        .then(|| policy.forwarded_client(&forwarded))
        .flatten();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string());
    let address = forwarded.or(peer).unwrap_or_else(|| "unknown".into());
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

/// Whether header `name` is present and contains `needle`, ignoring ASCII case as media types
/// do (e.g. an `Accept` asking for HTML). `needle` is lower case.
pub(crate) fn header_contains(headers: &HeaderMap, name: header::HeaderName, needle: &str) -> bool {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains(needle))
}

/// The value of our cookie `name`, if the request carries it.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| {
            let (key, value) = cookie.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

fn has_session_cookie(headers: &HeaderMap) -> bool {
    cookie(headers, SESSION_COOKIE).is_some()
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

/// How plain HTML forms are protected: a signed token in a cookie of its own, repeated in a
/// field of every form (double submit). Visitors get one without a session row, so a crawler
/// costs no database writes.
#[derive(Clone, Debug)]
pub struct FormPolicy {
    pub csrf_key: CsrfKey,
    pub secure_cookie: bool,
}

/// Pages that a browser requests get the browser's CSRF token in the request extensions, for
/// the forms they render; a browser without a valid token gets a new one in a cookie.
pub async fn csrf_for_pages(
    State(policy): State<FormPolicy>,
    mut request: Request,
    next: Next,
) -> Response {
    let wants_html = request.method() == axum::http::Method::GET
        && header_contains(request.headers(), header::ACCEPT, "text/html");
    if !wants_html {
        return next.run(request).await;
    }
    let existing = cookie(request.headers(), CSRF_COOKIE)
        .filter(|token| policy.csrf_key.signed(token))
        .map(str::to_owned);
    let token = existing.clone().unwrap_or_else(|| policy.csrf_key.mint());
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() {
        let secure = if policy.secure_cookie { "; Secure" } else { "" };
        if let Ok(value) = header::HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
        )) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Plain HTML form posts (a browser navigating, which any site can make it do) must carry the
/// browser's CSRF token in the `csrf_token` field, on top of the Origin check. The hydrated
/// app's calls are `fetch` requests: browsers always send their Origin, and that check covers
/// them.
pub async fn csrf_for_forms(
    State(policy): State<FormPolicy>,
    request: Request,
    next: Next,
) -> Response {
    let is_html_form = header_contains(
        request.headers(),
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded",
    ) && header_contains(request.headers(), header::ACCEPT, "text/html");
    if request.method().is_safe() || !is_html_form {
        return next.run(request).await;
    }
    let cookie_token = cookie(request.headers(), CSRF_COOKIE)
        .unwrap_or_default()
        .to_owned();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return ApiError(AppError::BadRequest("That form is too large.".into())).into_response();
    };
    let submitted = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == wire::forms::CSRF_FIELD)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if policy.csrf_key.form_matches(&cookie_token, &submitted) {
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    } else {
        forbidden("This form has expired. Reload the page and try again.")
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
        let development = RequestPolicy::new("http://127.0.0.1:3000", true, 0);
        assert!(development.allows("http://localhost:3000"));
        assert!(!development.allows("http://localhost:3001"));
        let production = RequestPolicy::new("https://peerloop.app", false, 0);
        assert!(production.allows("https://peerloop.app"));
        assert!(!production.allows("http://peerloop.app"));
        assert!(!production.allows("https://evil.example"));
        let production_loopback = RequestPolicy::new("http://127.0.0.1:3000", false, 0);
        assert!(!production_loopback.allows("http://localhost:3000"));
    }

    #[test]
    fn origins_compare_as_browsers_see_them() {
        let policy = RequestPolicy::new("https://peerloop.app/", false, 0);
        for same in [
            "https://peerloop.app",
            "https://PeerLoop.APP",
            "https://peerloop.app:443",
            "HTTPS://peerloop.app/",
        ] {
            assert!(policy.allows(same), "{same}");
        }
        for other in [
            "https://peerloop.app:8443",
            "https://peerloop.app.evil.example",
            "https://evil.example/peerloop.app",
            "null",
            "",
            "file:///etc/passwd",
        ] {
            assert!(!policy.allows(other), "{other}");
        }
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_counted_from_the_right() {
        let one_proxy = RequestPolicy::new("https://peerloop.app", false, 1);
        assert_eq!(
            one_proxy
                .forwarded_client("203.0.113.66, 198.51.100.7")
                .as_deref(),
            Some("198.51.100.7")
        );
        let two_proxies = RequestPolicy::new("https://peerloop.app", false, 2);
        assert_eq!(
            two_proxies
                .forwarded_client("spoofed, 198.51.100.7, 10.0.0.2")
                .as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(two_proxies.forwarded_client("10.0.0.2"), None);
        assert_eq!(one_proxy.forwarded_client("not-an-address"), None);
        let no_proxy = RequestPolicy::new("https://peerloop.app", false, 0);
        assert_eq!(no_proxy.forwarded_client("198.51.100.7"), None);
    }

    #[test]
    fn media_types_match_in_any_case() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "Application/JSON; charset=UTF-8".parse().unwrap(),
        );
        assert!(header_contains(
            &headers,
            header::CONTENT_TYPE,
            "application/json"
        ));
        assert!(!header_contains(
            &headers,
            header::ACCEPT,
            "application/json"
        ));
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
