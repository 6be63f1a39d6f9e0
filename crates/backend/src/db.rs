//! One database handle over SQLite (embedded default) or PostgreSQL (scale-out), chosen by URL.
//!
//! sqlx's `Any` driver lets one query text serve both backends, so the store is written once.
//! Queries use `$1` placeholders (both drivers accept them) and portable SQL; timestamps are
//! stored as integer Unix seconds (UTC) on both backends because `Any` has no date types, and
//! BOOLEAN columns are read back as `CASE WHEN flag THEN 1 ELSE 0 END` because `Any` cannot
//! decode SQLite booleans.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, Connection, Executor};
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::memo::Memo;

/// A pooled connection idle this long is pinged before it is handed out (see `Db::connect`).
pub const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    #[error("cannot create the SQLite directory {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A lock by name, held until dropped, across app servers (see [`Db::hold`]).
pub struct NamedLock {
    // Postgres: the transaction whose advisory lock it is (rolled back, and the lock released,
    // when dropped). SQLite: this process's guard of the name's stripe.
    _postgres: Option<sqlx::Transaction<'static, sqlx::Any>>,
    _sqlite: Option<OwnedMutexGuard<()>>,
}

/// SQLite's named locks: a fixed set of stripes, a name taking the one its hash falls on (a few
/// names sharing one only wait for each other a little longer).
const NAMED_LOCK_STRIPES: usize = 64;

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: this process's writers take turns here, first come first served, before
    /// `BEGIN IMMEDIATE`. SQLite has one write lock per database, and a connection that finds it
    /// taken waits in SQLite's busy handler, which sleeps in growing steps (up to 100 ms at a
    /// time) and wakes in no order: under load a few writers waited hundreds of milliseconds.
    /// Queued here, at most one writer of this process waits for the lock, and only for another
    /// process's writer; readers keep the whole pool. Postgres needs no turn: row locks and
    /// constraints settle concurrent writers there.
    write_turn: Option<Arc<Mutex<()>>>,
    /// Public reads shared between requests, forgotten at each committed write (see `memo`).
    memo: Arc<Memo>,
    /// Postgres: where to open a listening connection (see [`Db::listen`]).
    postgres_url: Option<Arc<str>>,
    /// SQLite: the stripes of [`Db::hold`]'s named locks (its app servers are one process).
    named_locks: Arc<[Arc<Mutex<()>>]>,
}

/// This process's turn to write to SQLite (see `Db::write_turn`); the next writer's turn starts
/// when it is dropped. Always granted at once on Postgres.
struct WriteTurn {
    _guard: Option<OwnedMutexGuard<()>>,
}

/// A pooled connection for writes outside a transaction (see [`Db::write_connection`]); it
/// derefs to the connection, and this process's next writer waits until it is dropped.
pub struct WriteConnection {
    connection: sqlx::pool::PoolConnection<sqlx::Any>,
    _turn: WriteTurn,
}

impl Deref for WriteConnection {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.connection
    }
}

impl DerefMut for WriteConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.connection
    }
}

/// A transaction that will write (see [`Db::begin_write`]); it derefs to its connection.
pub struct WriteTransaction {
    transaction: sqlx::Transaction<'static, sqlx::Any>,
    /// Held until the transaction ends, so the next writer of this process starts after it.
    _turn: WriteTurn,
    memo: Arc<Memo>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTransaction {
            transaction,
            _turn,
            memo,
        } = self;
        transaction.commit().await?;
        memo.written();
        Ok(())
    }
}

impl Deref for WriteTransaction {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.transaction
    }
}

impl DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.transaction
    }
}

impl Db {
    /// Opens a pool. A SQLite file (and its directory) is created if missing, and every SQLite
    /// connection runs in WAL mode with foreign keys on and a busy timeout, so concurrent writers
    /// wait instead of failing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        install_default_drivers();
        let backend = Backend::from_url(url).ok_or(DbError::UnsupportedUrl)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection before handing it out by default: one more round
            // trip (Postgres: over the network; SQLite: to the connection's thread) on the way
            // of every query of every page. Only a connection that has sat idle is pinged here
            // (as HikariCP does): one that died meanwhile (a database restart or failover) is
            // replaced before a request gets it. Under load connections are reused within
            // milliseconds and go unpinged; sqlx also pings each one as it comes back to the
            // pool, off the request's path, and closes it if that fails.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_WHEN_IDLE_FOR {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let write_turn = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        let postgres_url = (backend == Backend::Postgres).then(|| Arc::from(url.as_str()));
        Ok(Db {
            pool,
            backend,
            write_turn,
            memo: Arc::default(),
            postgres_url,
            named_locks: (0..NAMED_LOCK_STRIPES)
                .map(|_| Arc::new(Mutex::new(())))
                .collect(),
        })
    }

    /// Brings the schema up to date. Safe to run from several app servers at once: sqlx takes an
    /// advisory lock on Postgres.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// A transaction that will write. SQLite: after this process's earlier writers (see
    /// `write_turn`), `BEGIN IMMEDIATE` takes the single write lock up front (waiting up to the
    /// busy timeout for other processes), so everything read inside is current until commit and
    /// read-then-write checks cannot race. Postgres: a normal transaction; its constraints
    /// (exclusion, unique) settle races between concurrent writers.
    pub async fn begin_write(&self) -> Result<WriteTransaction, sqlx::Error> {
        let turn = self.write_turn().await;
        let transaction = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTransaction {
            transaction,
            _turn: turn,
            memo: self.memo.clone(),
        })
    }

    /// Public reads shared between requests (see [`Memo`]).
    pub fn memo(&self) -> &Memo {
        &self.memo
    }

    /// A connection for statements that write outside a transaction (the session store's, the
    /// outbox worker's, the local mailbox's, the sweeps'), taken after this process's earlier
    /// writers, like `begin_write`: they queue with the transactions instead of waiting in
    /// SQLite's busy handler, where a writer that comes later can take the lock first. Not
    /// re-entrant: never ask for it while holding it or a write transaction.
    pub async fn write_connection(&self) -> Result<WriteConnection, sqlx::Error> {
        let turn = self.write_turn().await;
        Ok(WriteConnection {
            connection: self.pool.acquire().await?,
            _turn: turn,
        })
    }

    /// Waits for this process's turn to write; the turn comes before the connection, so writers
    /// waiting for it hold none of the pool's.
    async fn write_turn(&self) -> WriteTurn {
        match &self.write_turn {
            Some(turn) => WriteTurn {
                _guard: Some(turn.clone().lock_owned().await),
            },
            None => WriteTurn { _guard: None },
        }
    }

    /// Holds the lock named `name` until the returned guard is dropped, across every app server
    /// of this database: for work done once under concurrency that includes a call outside
    /// (opening a session's video room), where a write transaction must not stay open. Postgres:
    /// an advisory lock in a transaction of its own, which writes nothing; SQLite: a lock of this
    /// process. Not re-entrant.
    pub async fn hold(&self, name: &str) -> Result<NamedLock, sqlx::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut transaction = self.pool.begin().await?;
                sqlx::query(
                    "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS held",
                )
                .bind(name)
                .fetch_one(&mut *transaction)
                .await?;
                Ok(NamedLock {
                    _postgres: Some(transaction),
                    _sqlite: None,
                })
            }
            Backend::Sqlite => {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                name.hash(&mut hasher);
                let stripe = usize::try_from(hasher.finish() % NAMED_LOCK_STRIPES as u64)
                    .unwrap_or_default();
                Ok(NamedLock {
                    _postgres: None,
                    _sqlite: Some(self.named_locks[stripe].clone().lock_owned().await),
                })
            }
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Postgres: a connection of its own (outside the pool) listening on `channel`, for what the
    /// app servers sharing this database tell each other with `pg_notify`. `None` on SQLite,
    /// whose app servers are one process.
    pub async fn listen(
        &self,
        channel: &str,
    ) -> Result<Option<sqlx::postgres::PgListener>, sqlx::Error> {
        let Some(url) = &self.postgres_url else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(channel).await?;
        Ok(Some(listener))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Ensures the database file can be created: its directory exists and the URL asks for
/// read-write-create mode.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    if let Some(dir) = options
        .get_filename()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        create_dir(dir)?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

fn create_dir(dir: &Path) -> Result<(), DbError> {
    std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
        path: dir.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }

    /// An edited migration would stop every database that already ran it from starting, so each
    /// one's checksum is recorded in `migrations/released.sha384` and must stay as recorded.
    #[test]
    fn released_migrations_are_unchanged() {
        let recorded = include_str!("../../../migrations/released.sha384");
        let recorded: std::collections::BTreeMap<&str, &str> = recorded
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once(' '))
            .collect();
        let mut built = std::collections::BTreeMap::new();
        for (backend, migrator) in [
            ("sqlite", &SQLITE_MIGRATIONS),
            ("postgres", &POSTGRES_MIGRATIONS),
        ] {
            for migration in migrator.iter() {
                let file = format!(
                    "{backend}/{:04}_{}.sql",
                    migration.version,
                    migration.description.replace(' ', "_")
                );
                let checksum: String = migration
                    .checksum
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect();
                built.insert(file, checksum);
            }
        }
        let built: std::collections::BTreeMap<&str, &str> = built
            .iter()
            .map(|(file, checksum)| (file.as_str(), checksum.as_str()))
            .collect();
        assert_eq!(
            built, recorded,
            "a released migration changed, or a new one is not recorded"
        );
    }

    #[tokio::test]
    async fn sqlite_file_and_directory_are_created_and_migrated() {
        let dir = std::env::temp_dir().join(format!("peerloop-db-test-{}", std::process::id()));
        let url = format!("sqlite://{}/nested/app.db", dir.display());
        let db = Db::connect(&url, 2).await.unwrap();
        db.migrate().await.unwrap();
        db.ping().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        db.close().await;
        assert!(dir.join("nested/app.db").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_writers_take_turns_in_arrival_order() {
        let dir = std::env::temp_dir().join(format!("peerloop-turns-{}", std::process::id()));
        let db = Db::connect(&format!("sqlite://{}/app.db", dir.display()), 16)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE arrivals (n INTEGER NOT NULL)")
            .execute(db.pool())
            .await
            .unwrap();
        let first = db.begin_write().await.unwrap();
        let mut writers = Vec::new();
        for n in 1..=10_i64 {
            let db = db.clone();
            writers.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await.unwrap();
                sqlx::query("INSERT INTO arrivals (n) VALUES ($1)")
                    .bind(n)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }));
            // Each writer is waiting before the next one arrives.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        first.commit().await.unwrap();
        for writer in writers {
            writer.await.unwrap();
        }
        let order: Vec<i64> = sqlx::query_scalar("SELECT n FROM arrivals ORDER BY rowid")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(order, (1..=10).collect::<Vec<_>>());
        db.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
