//! The blob port: where files too big for the database are kept (session recordings). Adapters
//! in the server crate: Cloudflare R2 through its S3 API, and a local directory when R2 is not
//! configured. Files move as streams of chunks, so a long recording is never whole in memory.

use futures_util::stream::BoxStream;

/// A file's bytes, chunk by chunk; an `Err` ends the transfer.
pub type ByteChunks = BoxStream<'static, Result<bytes::Bytes, String>>;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The store could not be reached, or failed; trying again may work.
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
    #[error("no such blob: {0}")]
    NotFound(String),
}

/// A link that lets its holder fetch one blob until it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedUrl {
    pub url: String,
    /// Unix seconds.
    pub expires_at: i64,
}

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores the chunks under `key`, replacing what was there, and returns how many bytes were
    /// stored. Nothing is left under `key` when the stream fails.
    async fn put(&self, key: &str, chunks: ByteChunks) -> Result<u64, BlobError>;

    async fn get(&self, key: &str) -> Result<ByteChunks, BlobError>;

    /// Removes what is stored under `key`; nothing stored there is no error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;

    /// A link to `key` valid for `valid_secs` from `now`, which the browser fetches directly.
    async fn signed_url(
        &self,
        key: &str,
        valid_secs: u64,
        now: i64,
    ) -> Result<SignedUrl, BlobError>;

    /// The blob behind a link this store signed for the app's own host (the local store's
    /// links); `NotFound` for a link it did not sign, or one past its expiry.
    async fn open_signed(
        &self,
        key: &str,
        expires_at: i64,
        signature: &str,
        now: i64,
    ) -> Result<ByteChunks, BlobError>;
}
