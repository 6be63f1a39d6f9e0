//! Keys the deployment generates for itself on first start and shares through the database, so
//! every app server behind the load balancer uses the same ones without any configuration.

use crate::db::Db;
use wire::error::AppError;

/// The value stored under `name`, created from `generate` by whichever server asks first.
pub async fn get_or_create(
    db: &Db,
    name: &str,
    generate: impl FnOnce() -> String,
    now: i64,
) -> Result<String, AppError> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(generate())
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(
        sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(db.pool())
            .await?,
    )
}
