//! Public reads shared between requests: the catalog and course pages every visitor sees.
//!
//! A course page costs its render plus three queries, and on Postgres the queries cost more than
//! the render (each is a round trip to the shared database, which every app server loads). The
//! same course is asked for by everybody, so a read is kept and reused while both hold:
//! - this process has committed no write since the read started (every [`crate::db::Db`]
//!   write transaction counts, whatever it touched, so nothing this server wrote is ever
//!   shown stale by it);
//! - the read is younger than [`MEMO_TTL`], the bound on how stale a write made by *another*
//!   app server can look here.
//!
//! Only reads that are the same for every viewer belong here; nothing per user.

use quick_cache::sync::Cache;
use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a read is reused at most: how late another app server's write can show here.
pub const MEMO_TTL: Duration = Duration::from_secs(1);

/// How many reads are kept (courses, their teacher lists, the catalog).
const CAPACITY: usize = 4_096;

#[derive(Clone)]
struct Entry {
    /// The write count when the read started.
    writes: u64,
    read_at: Instant,
    value: Arc<dyn Any + Send + Sync>,
}

#[derive(Debug)]
pub struct Memo {
    // quick_cache: bounded and sharded for concurrent readers, with an eviction policy that keeps
    // what is asked for often (S3-FIFO); a map behind one lock would serialise every page.
    entries: Cache<(&'static str, String), Entry>,
    writes: AtomicU64,
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            entries: Cache::new(CAPACITY),
            writes: AtomicU64::new(0),
        }
    }
}

impl Memo {
    /// Called after every committed write: every kept read is stale from now on.
    pub fn written(&self) {
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    /// The kept `kind` read for `key`, or `load`'s result, kept when it succeeds. Errors are not
    /// kept.
    pub async fn read<T, E, Fut>(
        &self,
        kind: &'static str,
        key: &str,
        load: impl FnOnce() -> Fut,
    ) -> Result<T, E>
    where
        T: Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>>,
    {
        // Taken before the read: a write that lands during it makes the result stale at once.
        let writes = self.writes.load(Ordering::Acquire);
        let read_at = Instant::now();
        let cache_key = (kind, key.to_owned());
        if let Some(entry) = self.entries.get(&cache_key)
            && entry.writes == writes
            && entry.read_at.elapsed() < MEMO_TTL
            && let Some(value) = entry.value.downcast_ref::<T>()
        {
            return Ok(value.clone());
        }
        let value = load().await?;
        self.entries.insert(
            cache_key,
            Entry {
                writes,
                read_at,
                value: Arc::new(value.clone()),
            },
        );
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    async fn counted(memo: &Memo, loads: &AtomicUsize, key: &str) -> String {
        memo.read("test", key, || async {
            let n = loads.fetch_add(1, Ordering::SeqCst) + 1;
            Ok::<_, ()>(format!("{key}#{n}"))
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_read_is_reused_until_a_write() {
        let memo = Memo::default();
        let loads = AtomicUsize::new(0);
        assert_eq!(counted(&memo, &loads, "a").await, "a#1");
        assert_eq!(counted(&memo, &loads, "a").await, "a#1");
        assert_eq!(counted(&memo, &loads, "b").await, "b#2");
        memo.written();
        assert_eq!(counted(&memo, &loads, "a").await, "a#3");
        assert_eq!(counted(&memo, &loads, "a").await, "a#3");
    }

    #[tokio::test]
    async fn a_write_during_the_read_makes_it_stale() {
        let memo = Memo::default();
        let first = memo
            .read("test", "a", || async {
                memo.written();
                Ok::<_, ()>(1)
            })
            .await;
        assert_eq!(first, Ok(1));
        let second = memo.read("test", "a", || async { Ok::<_, ()>(2) }).await;
        assert_eq!(second, Ok(2));
    }

    #[tokio::test]
    async fn errors_are_not_kept_and_reads_expire() {
        let memo = Memo::default();
        let failed = memo
            .read("test", "a", || async { Err::<u8, _>("down") })
            .await;
        assert_eq!(failed, Err("down"));
        assert_eq!(
            memo.read("test", "a", || async { Ok::<_, ()>(1) }).await,
            Ok(1)
        );
        tokio::time::sleep(MEMO_TTL).await;
        assert_eq!(
            memo.read("test", "a", || async { Ok::<_, ()>(2) }).await,
            Ok(2)
        );
    }

    #[tokio::test]
    async fn kinds_do_not_mix() {
        let memo = Memo::default();
        assert_eq!(
            memo.read("one", "a", || async { Ok::<_, ()>(1) }).await,
            Ok(1)
        );
        assert_eq!(
            memo.read("two", "a", || async { Ok::<_, ()>(2) }).await,
            Ok(2)
        );
    }
}
