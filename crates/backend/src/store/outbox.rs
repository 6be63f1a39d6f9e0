//! The outbox: follow-up work written in the same transaction as the change that causes it, and
//! claimed by workers (several app servers may run them) with a lease.

use crate::db::Backend;
use sqlx::AnyConnection;
use wire::error::AppError;

/// How long a claimed job is leased to its worker before another may retry it, by default
/// (`PEERLOOP_JOB_LEASE_SECS`). Longer than any send takes, so a slow send is not taken over.
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
    let job = NewJob {
        kind,
        payload: payload.to_string(),
        run_at,
    };
    let mut ids = enqueue_all(conn, std::slice::from_ref(&job), now).await?;
    Ok(ids.remove(0))
}

/// A job to queue: what kind of work, its JSON payload, and when it may run.
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: String,
    pub run_at: i64,
}

/// Queues `jobs` with one statement (a booking queues six emails, inside the write turn where
/// every round trip counts) and returns their ids.
pub async fn enqueue_all(
    conn: &mut AnyConnection,
    jobs: &[NewJob<'_>],
    now: i64,
) -> Result<Vec<String>, AppError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = (0..jobs.len())
        .map(|row| {
            let first = row * 4 + 2;
            format!(
                "(${}, ${}, ${}, ${}, 'pending', $1)",
                first,
                first + 1,
                first + 2,
                first + 3
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO outbox (id, kind, payload, run_at, status, created_at) VALUES {}",
        rows.join(", ")
    );
    let ids: Vec<String> = jobs.iter().map(|_| super::new_id()).collect();
    let mut insert = sqlx::query(&sql).bind(now);
    for (job, id) in jobs.iter().zip(&ids) {
        insert = insert
            .bind(id)
            .bind(job.kind)
            .bind(&job.payload)
            .bind(job.run_at);
    }
    insert.execute(conn).await?;
    Ok(ids)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    /// The claim's token: only the worker holding it may finish the job.
    pub lease_token: String,
    /// The message as built by the first attempt, if it got that far.
    pub rendered: Option<String>,
}

/// Claims the next job due at `now` for the worker claiming with `lease_token`: leases it and
/// counts the attempt. Postgres skips rows another worker has locked; SQLite has one writer at
/// a time anyway. `now` must be read just before the claim: a lease that expired since an
/// earlier reading would otherwise still look held, or one still held look expired.
pub async fn claim_next(
    conn: &mut AnyConnection,
    backend: Backend,
    now: i64,
    lease_secs: i64,
    lease_token: &str,
) -> Result<Option<Job>, AppError> {
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    Ok(sqlx::query_as(&format!(
        "UPDATE outbox SET locked_until = $2, attempts = attempts + 1, lease_token = $3
          WHERE id = (SELECT id FROM outbox
                       WHERE status = 'pending' AND run_at <= $1
                         AND (locked_until IS NULL OR locked_until <= $1)
                       ORDER BY run_at, id LIMIT 1 {lock})
         RETURNING id, kind, payload, attempts, lease_token, rendered"
    ))
    .bind(now)
    .bind(now + lease_secs)
    .bind(lease_token)
    .fetch_optional(conn)
    .await?)
}

/// Keeps the message a job built, so a retry sends the very same bytes. Only while the job's
/// lease is this worker's; `false` when it was lost.
pub async fn keep_rendered(
    conn: &mut AnyConnection,
    job: &Job,
    rendered: &str,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE outbox SET rendered = $3 WHERE id = $1 AND lease_token = $2 AND status = 'pending'",
    )
    .bind(&job.id)
    .bind(&job.lease_token)
    .bind(rendered)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Marks the job done, if this worker still holds its lease (`false` otherwise: another
/// worker took it over after the lease expired, and its outcome stands).
pub async fn mark_done(conn: &mut AnyConnection, job: &Job, now: i64) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = 'done', done_at = $3, locked_until = NULL, lease_token = NULL
          WHERE id = $1 AND lease_token = $2 AND status = 'pending'",
    )
    .bind(&job.id)
    .bind(&job.lease_token)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Records a failure, if this worker still holds the lease: the job is retried at `retry_at`,
/// or parked as dead when out of attempts.
pub async fn mark_failed(
    conn: &mut AnyConnection,
    job: &Job,
    error: &str,
    retry_at: i64,
) -> Result<bool, AppError> {
    let status = if job.attempts >= MAX_ATTEMPTS {
        "dead"
    } else {
        "pending"
    };
    Ok(sqlx::query(
        "UPDATE outbox SET status = $3, last_error = $4, run_at = $5, locked_until = NULL,
                           lease_token = NULL
          WHERE id = $1 AND lease_token = $2 AND status = 'pending'",
    )
    .bind(&job.id)
    .bind(&job.lease_token)
    .bind(status)
    .bind(error)
    .bind(retry_at)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Deletes finished jobs older than `before` (the hourly sweep); dead ones stay for the
/// operator.
pub async fn forget_done(conn: &mut AnyConnection, before: i64) -> Result<u64, AppError> {
    Ok(
        sqlx::query("DELETE FROM outbox WHERE status = 'done' AND done_at <= $1")
            .bind(before)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Jobs not yet done: (kind, payload, run_at). For tests and the operator.
pub async fn pending(conn: &mut AnyConnection) -> Result<Vec<(String, String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT kind, payload, run_at FROM outbox WHERE status = 'pending' ORDER BY run_at, id",
    )
    .fetch_all(conn)
    .await?)
}
