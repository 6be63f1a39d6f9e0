//! The outbox: follow-up work written in the same transaction as the change that causes it, and
//! claimed by workers (several app servers may run them) with a lease.

use crate::backend::db::Backend;
use crate::error::AppError;
use sqlx::AnyConnection;

/// How long a claimed job is leased to its worker before another may retry it.
pub const LEASE_SECS: i64 = 120;
/// After this many failed attempts a job is parked as `dead` (and logged).
pub const MAX_ATTEMPTS: i64 = 8;

pub async fn enqueue(
    conn: &mut AnyConnection,
    kind: &str,
    payload: &serde_json::Value,
    run_at: i64,
    now: i64,
) -> Result<String, AppError> {
    let id = super::new_id();
    sqlx::query(
        "INSERT INTO outbox (id, kind, payload, run_at, status, created_at)
         VALUES ($1, $2, $3, $4, 'pending', $5)",
    )
    .bind(&id)
    .bind(kind)
    .bind(payload.to_string())
    .bind(run_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claims the next due job: leases it and counts the attempt. Postgres skips rows another
/// worker has locked; SQLite has one writer at a time anyway.
pub async fn claim_next(
    conn: &mut AnyConnection,
    backend: Backend,
    now: i64,
) -> Result<Option<Job>, AppError> {
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    Ok(sqlx::query_as(&format!(
        "UPDATE outbox SET locked_until = $2, attempts = attempts + 1
          WHERE id = (SELECT id FROM outbox
                       WHERE status = 'pending' AND run_at <= $1
                         AND (locked_until IS NULL OR locked_until <= $1)
                       ORDER BY run_at, id LIMIT 1 {lock})
         RETURNING id, kind, payload, attempts"
    ))
    .bind(now)
    .bind(now + LEASE_SECS)
    .fetch_optional(conn)
    .await?)
}

pub async fn mark_done(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE outbox SET status = 'done', done_at = $2, locked_until = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failure: the job is retried at `retry_at`, or parked when out of attempts.
pub async fn mark_failed(
    conn: &mut AnyConnection,
    job: &Job,
    error: &str,
    retry_at: i64,
) -> Result<(), AppError> {
    let status = if job.attempts >= MAX_ATTEMPTS {
        "dead"
    } else {
        "pending"
    };
    sqlx::query(
        "UPDATE outbox SET status = $2, last_error = $3, run_at = $4, locked_until = NULL
          WHERE id = $1",
    )
    .bind(&job.id)
    .bind(status)
    .bind(error)
    .bind(retry_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Jobs not yet done: (kind, payload, run_at). For tests and the operator.
pub async fn pending(conn: &mut AnyConnection) -> Result<Vec<(String, String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT kind, payload, run_at FROM outbox WHERE status = 'pending' ORDER BY run_at, id",
    )
    .fetch_all(conn)
    .await?)
}
