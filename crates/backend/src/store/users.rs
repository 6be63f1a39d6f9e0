use crate::auth::SessionUser;
use crate::db::Db;
use sqlx::AnyConnection;
use wire::error::AppError;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    name: String,
    email: String,
    time_zone: String,
    is_admin: i64,
    session_epoch: i64,
}

impl From<UserRow> for SessionUser {
    fn from(row: UserRow) -> Self {
        SessionUser {
            id: row.id,
            name: row.name,
            email: row.email,
            time_zone: row.time_zone,
            is_admin: row.is_admin != 0,
            session_epoch: row.session_epoch,
        }
    }
}

const USER_COLUMNS: &str = "SELECT id, name, email, time_zone,
        CASE WHEN is_admin THEN 1 ELSE 0 END AS is_admin, session_epoch FROM users";

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<SessionUser>, AppError> {
    let row: Option<UserRow> = sqlx::query_as(&format!("{USER_COLUMNS} WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(SessionUser::from))
}

/// The user and their password hash (absent for accounts that cannot log in with a password).
pub async fn find_login(
    db: &Db,
    email_normalized: &str,
) -> Result<Option<(SessionUser, Option<String>)>, AppError> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email_normalized = $1")
            .bind(email_normalized)
            .fetch_optional(db.pool())
            .await?;
    let Some((id, hash)) = row else {
        return Ok(None);
    };
    Ok(find_by_id(db, &id).await?.map(|user| (user, hash)))
}

pub async fn password_hash(db: &Db, user_id: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?
            .flatten(),
    )
}

pub struct NewUser<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub email_normalized: &'a str,
    pub time_zone: &'a str,
    pub password_hash: &'a str,
    pub now: i64,
}

/// Inserts a user; `Ok(false)` when the email is already taken.
pub async fn insert(conn: &mut AnyConnection, user: NewUser<'_>) -> Result<bool, AppError> {
    let inserted = sqlx::query(
        "INSERT INTO users (id, name, email, email_normalized, time_zone, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id)
    .bind(user.name)
    .bind(user.email)
    .bind(user.email_normalized)
    .bind(user.time_zone)
    .bind(user.password_hash)
    .bind(user.now)
    .execute(conn)
    .await;
    super::inserted_unless_duplicate(inserted)
}

/// The id of the account with this (normalised) email, if any.
pub async fn id_by_email(
    conn: &mut AnyConnection,
    email_normalized: &str,
) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
            .bind(email_normalized)
            .fetch_optional(conn)
            .await?,
    )
}

/// A sign-up waiting for its email to be confirmed; `user.id` is the request's id.
pub async fn insert_signup_request(
    conn: &mut AnyConnection,
    user: NewUser<'_>,
    token_hash: &str,
    expires_at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO signup_requests (id, token_hash, name, email, email_normalized, time_zone,
                                      password_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(user.id)
    .bind(token_hash)
    .bind(user.name)
    .bind(user.email)
    .bind(user.email_normalized)
    .bind(user.time_zone)
    .bind(user.password_hash)
    .bind(user.now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct SignUpRequest {
    pub name: String,
    pub email: String,
    pub email_normalized: String,
    pub time_zone: String,
    pub password_hash: String,
}

/// Removes and returns the unexpired sign-up whose link token hashes to `token_hash`.
pub async fn take_signup_request(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<SignUpRequest>, AppError> {
    Ok(sqlx::query_as(
        "DELETE FROM signup_requests WHERE token_hash = $1 AND expires_at > $2
         RETURNING name, email, email_normalized, time_zone, password_hash",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// The pending sign-up a confirmation email is about: (name, email).
pub async fn signup_request_recipient(
    db: &Db,
    request_id: &str,
) -> Result<Option<(String, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT name, email FROM signup_requests WHERE id = $1")
            .bind(request_id)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// Forgets sign-ups whose link expired before `now` (the hourly sweep).
pub async fn forget_expired_signups(db: &Db, now: i64) -> Result<u64, AppError> {
    // A write outside a transaction still queues with the others (db.rs `write_connection`).
    let mut conn = db.write_connection().await?;
    Ok(
        sqlx::query("DELETE FROM signup_requests WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Raises the session epoch, ending every session that began before; returns the new epoch.
pub async fn raise_session_epoch(conn: &mut AnyConnection, user_id: &str) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?)
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_profile(
    db: &Db,
    user_id: &str,
    name: &str,
    time_zone: &str,
    bio: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET name = $1, time_zone = $2, bio = $3 WHERE id = $4")
        .bind(name)
        .bind(time_zone)
        .bind(bio)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// What the settings page shows beyond the session user.
pub async fn profile_extras(db: &Db, user_id: &str) -> Result<(String, String), AppError> {
    Ok(
        sqlx::query_as("SELECT bio, email_status FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(db.pool())
            .await?,
    )
}

/// Takes this subject's throttle lock for the rest of the transaction (a row lock on
/// Postgres; SQLite's write transaction already holds the only write lock).
pub async fn lock_throttle(
    conn: &mut AnyConnection,
    subject: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO login_throttle (subject, touched_at) VALUES ($1, $2)
         ON CONFLICT (subject) DO UPDATE SET touched_at = excluded.touched_at",
    )
    .bind(subject)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn count_failures(
    conn: &mut AnyConnection,
    subject: &str,
    since: i64,
) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_failures WHERE subject = $1 AND failed_at > $2",
    )
    .bind(subject)
    .bind(since)
    .fetch_one(conn)
    .await?)
}

/// Counts a log-in attempt against each subject before its password is checked, forgetting
/// failures older than `forget_before`. A successful attempt takes its reservation back.
pub async fn reserve_attempt(
    conn: &mut AnyConnection,
    subjects: &[&str],
    attempt_id: &str,
    now: i64,
    forget_before: i64,
) -> Result<(), AppError> {
    for subject in subjects {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1 AND failed_at <= $2")
            .bind(*subject)
            .bind(forget_before)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO login_failures (subject, failed_at, attempt_id) VALUES ($1, $2, $3)",
        )
        .bind(*subject)
        .bind(now)
        .bind(attempt_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// After a successful log in: the account's failures are forgiven and this attempt's
/// reservation against its address is taken back.
pub async fn clear_after_success(
    db: &Db,
    account_subject: &str,
    attempt_id: &str,
) -> Result<(), AppError> {
    // A write outside a transaction still queues with the others (db.rs `write_connection`).
    let mut conn = db.write_connection().await?;
    sqlx::query("DELETE FROM login_failures WHERE subject = $1 OR attempt_id = $2")
        .bind(account_subject)
        .bind(attempt_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets failures and throttle locks older than `before` (the hourly sweep).
pub async fn forget_old_failures(db: &Db, before: i64) -> Result<u64, AppError> {
    // A write outside a transaction still queues with the others (db.rs `write_connection`).
    let mut conn = db.write_connection().await?;
    let failures = sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
        .bind(before)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM login_throttle WHERE touched_at <= $1")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(failures)
}
