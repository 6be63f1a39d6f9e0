//! Passwords, sessions and the signed-in user.
//!
//! A session holds the user's id, the user's `session_epoch` at log in and when it started.
//! Visitors who are not signed in have no session row at all: the CSRF token of plain HTML
//! forms lives in a signed cookie of its own (see `CsrfKey`). "Log out everywhere" and password changes raise the epoch, which ends every
//! session that began before; sessions also end after `ABSOLUTE_LIFETIME` however active. A
//! session in use is renewed (its idle timeout restarts) at most once an hour.

use crate::db::Db;
use crate::http::ApiError;
use crate::store;
use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tower_sessions::Session;
use wire::error::AppError;

pub const SESSION_COOKIE: &str = "peerloop_session";
/// A session unused for this long expires. It is renewed as it is used (see `RENEW_EVERY_SECS`).
pub const IDLE_TIMEOUT_SECS: i64 = 7 * 24 * 3600;
/// A session in use is written back (which renews its expiry) at most this often: tower-sessions
/// saves a session only when its data changed, and saving on every request would make every
/// signed-in page a database write.
pub const RENEW_EVERY_SECS: i64 = 3600;
/// No session lives longer than this, however active.
pub const ABSOLUTE_LIFETIME_SECS: i64 = 30 * 24 * 3600;

const USER_ID: &str = "user_id";
const EPOCH: &str = "epoch";
const STARTED_AT: &str = "started_at";
const RENEWED_AT: &str = "renewed_at";

/// The signed-in user, as every request sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub time_zone: String,
    pub is_admin: bool,
    pub session_epoch: i64,
}

impl SessionUser {
    pub fn actor(&self) -> domain::access::Actor {
        domain::access::Actor {
            user_id: self.id.clone(),
            is_admin: self.is_admin,
        }
    }
}

/// argon2id with 19 MiB of memory and 2 passes (OWASP's minimum recommendation).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes off the async threads: one hash takes tens of milliseconds of CPU.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
            .map_err(|error| internal("salt", error))?;
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| internal("hash", error))
    })
    .await
    .map_err(|error| internal("hash task", error))?
}

/// Verifies a password against a stored hash. Without a hash (an unknown account) it still
/// does the work of one verification, so timing does not reveal which emails exist.
pub async fn verify_password(stored_hash: Option<String>, password: &str) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let known = stored_hash.is_some();
        let hash = stored_hash.unwrap_or_else(|| DECOY.to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            tracing::error!("a stored password hash does not parse");
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .unwrap_or(false)
}

/// A well-formed hash of no one's password, verified in place of an unknown account's.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";

fn internal(what: &str, error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "password {what} failed");
    AppError::Internal
}

fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store failed");
    AppError::Internal
}

/// Starts a signed-in session under a new id (so an id planted before log in is worthless).
pub async fn start_session(
    session: &Session,
    user: &SessionUser,
    now: i64,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_ID, &user.id)
        .await
        .map_err(session_error)?;
    session
        .insert(EPOCH, user.session_epoch)
        .await
        .map_err(session_error)?;
    session.insert(STARTED_AT, now).await.map_err(session_error)
}

/// Moves this session to a new epoch after the user raised theirs, so it survives the change
/// that ended their other sessions.
pub async fn keep_session_at_epoch(session: &Session, epoch: i64) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session.insert(EPOCH, epoch).await.map_err(session_error)
}

pub async fn end_session(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

/// The user this session belongs to, if it is still valid.
pub async fn current_user(
    db: &Db,
    session: &Session,
    now: i64,
) -> Result<Option<SessionUser>, AppError> {
    let Some(user_id) = session
        .get::<String>(USER_ID)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    let epoch = session.get::<i64>(EPOCH).await.map_err(session_error)?;
    let started_at = session
        .get::<i64>(STARTED_AT)
        .await
        .map_err(session_error)?;
    let fresh = started_at.is_some_and(|started| now - started < ABSOLUTE_LIFETIME_SECS);
    let user = store::users::find_by_id(db, &user_id).await?;
    match user {
        Some(user) if fresh && Some(user.session_epoch) == epoch => {
            let renewed_at = session
                .get::<i64>(RENEWED_AT)
                .await
                .map_err(session_error)?
                .or(started_at)
                .unwrap_or(now);
            if now - renewed_at >= RENEW_EVERY_SECS {
                session
                    .insert(RENEWED_AT, now)
                    .await
                    .map_err(session_error)?;
            }
            Ok(Some(user))
        }
        _ => {
            end_session(session).await?;
            Ok(None)
        }
    }
}

/// Like `current_user`, but nobody signed in is an error (401 for REST, log in for pages).
pub async fn require_user(db: &Db, session: &Session, now: i64) -> Result<SessionUser, AppError> {
    current_user(db, session, now)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// The signed-in user of a request: the one extractor every REST handler and server function
/// reads the user through. It runs before the body is read, so an anonymous client learns it
/// must sign in (401) before anything about its request body.
pub struct SignedIn(pub SessionUser);

impl<S> axum::extract::FromRequestParts<S> for SignedIn
where
    S: Send + Sync,
    crate::AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let state = <crate::AppState as axum::extract::FromRef<S>>::from_ref(state);
        let session =
            Session::from_request_parts(parts, &state)
                .await
                .map_err(|(_, message)| {
                    tracing::error!(message, "session layer missing");
                    ApiError(AppError::Internal)
                })?;
        let user = require_user(&state.db, &session, crate::store::unix_now())
            .await
            .map_err(ApiError)?;
        Ok(SignedIn(user))
    }
}

/// This request's CSRF token, put in the request extensions by the server so that forms
/// rendered for the request can embed it.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// The cookie that carries a browser's CSRF token; plain form posts must repeat it in a field.
pub const CSRF_COOKIE: &str = "peerloop_csrf";

/// Signs CSRF cookies (HMAC-SHA256 over a random nonce), so a cookie planted by anything but
/// this site is refused. The key lives in the database, so every app server accepts the
/// cookies of the others.
#[derive(Clone)]
pub struct CsrfKey(std::sync::Arc<[u8]>);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey([redacted])")
    }
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

impl CsrfKey {
    pub fn new(key: &[u8]) -> Self {
        CsrfKey(key.into())
    }

    fn signature(&self, nonce: &str) -> String {
        use hmac::Mac;
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(nonce.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A new token: `<nonce>.<signature>`.
    pub fn mint(&self) -> String {
        let nonce = random_token();
        let signature = self.signature(&nonce);
        format!("{nonce}.{signature}")
    }

    /// Whether this key signed `token`.
    pub fn signed(&self, token: &str) -> bool {
        token.split_once('.').is_some_and(|(nonce, signature)| {
            constant_time_eq(self.signature(nonce).as_bytes(), signature.as_bytes())
        })
    }

    /// Whether a form's `submitted` token is the browser's own signed `cookie` token.
    pub fn form_matches(&self, cookie: &str, submitted: &str) -> bool {
        self.signed(cookie) && constant_time_eq(cookie.as_bytes(), submitted.as_bytes())
    }
}

/// 64 hex digits from two random UUIDs (244 random bits): nonces, link tokens, generated keys.
pub fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// SHA-256 of `text` in hex: how a secret link token is stored, so the database never holds it.
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery staple").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(Some(hash.clone()), "correct horse battery staple").await);
        assert!(!verify_password(Some(hash), "wrong horse battery staple").await);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify_password(None, "anything at all").await);
    }

    #[test]
    fn the_decoy_hash_has_the_real_parameters() {
        // If the decoy stopped parsing, unknown emails would answer faster than known ones.
        let decoy = PasswordHash::new(DECOY).unwrap();
        assert_eq!(decoy.algorithm.as_str(), "argon2id");
        let (decoy, real) = (Params::try_from(&decoy).unwrap(), argon2().params().clone());
        assert_eq!(
            (decoy.m_cost(), decoy.t_cost(), decoy.p_cost()),
            (real.m_cost(), real.t_cost(), real.p_cost())
        );
    }

    #[test]
    fn csrf_tokens_are_signed_by_this_key_only() {
        let key = CsrfKey::new(b"one key");
        let token = key.mint();
        assert!(key.signed(&token));
        assert!(key.form_matches(&token, &token));
        assert!(
            !key.form_matches(&token, &key.mint()),
            "another browser's token"
        );
        assert!(!CsrfKey::new(b"another key").signed(&token));
        let (nonce, _) = token.split_once('.').unwrap();
        assert!(!key.signed(&format!("{nonce}.00")));
        assert!(!key.signed(nonce));
        assert!(!key.form_matches("", ""));
        assert_eq!(format!("{key:?}"), "CsrfKey([redacted])");
    }
}
