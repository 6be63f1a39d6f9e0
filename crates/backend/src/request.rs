//! What the backend knows of an HTTP request: the client's address and where a redirect may go.

/// The client's address as the server decided it (the socket peer, or the proxy header when
/// configured); the security middleware puts it in the request extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// `next` as a path (with query and fragment) on the site at `public_url`, or `None` when a
/// browser could take it anywhere else. Parsed with the WHATWG rules browsers use, so tricks
/// they would undo (tabs and newlines dropped, `\` read as `/`, `//host`) are seen as they
/// will be; any control character is refused outright, as is a path that decodes to `//`.
pub fn same_site_path(next: &str, public_url: &str) -> Option<String> {
    if !next.starts_with('/') || next.chars().any(char::is_control) {
        return None;
    }
    let base = url::Url::parse(public_url).ok()?;
    let target = base.join(next).ok()?;
    if target.origin() != base.origin() {
        return None;
    }
    let path = target.path();
    let lowered = path.to_ascii_lowercase();
    if path.starts_with("//") || lowered.starts_with("/%2f") || lowered.contains("%5c") {
        return None;
    }
    let mut same_site = path.to_owned();
    if let Some(query) = target.query() {
        same_site.push('?');
        same_site.push_str(query);
    }
    if let Some(fragment) = target.fragment() {
        same_site.push('#');
        same_site.push_str(fragment);
    }
    Some(same_site)
}

#[cfg(test)]
mod tests {
    use super::same_site_path;

    const SITE: &str = "https://peerloop.example";

    #[test]
    fn paths_of_this_site_are_kept() {
        for path in ["/dashboard", "/courses/abc?tab=modules", "/sessions/x#join"] {
            assert_eq!(same_site_path(path, SITE).as_deref(), Some(path));
        }
    }

    #[test]
    fn anything_a_browser_could_take_elsewhere_is_refused() {
        for next in [
            "",
            "dashboard",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "https://evil.example/",
            "https://peerloop.example/dashboard",
            "javascript:alert(1)",
            "/\u{0}",
            "/\u{7f}",
        ] {
            assert_eq!(same_site_path(next, SITE), None, "{next:?}");
        }
    }
}
