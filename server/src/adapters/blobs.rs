//! The blob store: Cloudflare R2 through its S3 API when `R2_BUCKET` is set, otherwise a local
//! directory. Both go through the `object_store` crate, which does the S3 protocol, SigV4
//! presigning and multipart uploads (a long recording goes up in parts, never whole in memory)
//! behind one interface that also covers a local directory.

use crate::config::R2Config;
use backend::blobs::{BlobError, BlobStore, ByteChunks, SignedUrl};
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{Attribute, Attributes, ObjectStore};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

fn unavailable(error: object_store::Error) -> BlobError {
    match error {
        object_store::Error::NotFound { path, .. } => BlobError::NotFound(path),
        other => BlobError::Unavailable(other.to_string()),
    }
}

fn path_of(key: &str) -> Result<Path, BlobError> {
    Path::parse(key).map_err(|error| BlobError::NotFound(format!("{key}: {error}")))
}

/// Writes the chunks in parts (object_store's `BufWriter` switches to a multipart upload past
/// its buffer); a failed stream aborts the upload, so nothing half-written is left.
async fn put_chunks(
    store: Arc<dyn ObjectStore>,
    key: &str,
    attributes: Attributes,
    mut chunks: ByteChunks,
) -> Result<u64, BlobError> {
    let mut writer = BufWriter::new(store, path_of(key)?).with_attributes(attributes);
    let mut size = 0_u64;
    while let Some(chunk) = chunks.next().await {
        let written = match chunk {
            Ok(bytes) => {
                size += bytes.len() as u64;
                writer.put(bytes).await.map_err(unavailable)
            }
            Err(error) => Err(BlobError::Unavailable(error)),
        };
        if let Err(error) = written {
            if let Err(abort) = writer.abort().await {
                tracing::warn!(%abort, %key, "could not abort a failed upload");
            }
            return Err(error);
        }
    }
    writer
        .shutdown()
        .await
        .map_err(|error| BlobError::Unavailable(error.to_string()))?;
    Ok(size)
}

async fn get_chunks(store: &dyn ObjectStore, key: &str) -> Result<ByteChunks, BlobError> {
    let found = store.get(&path_of(key)?).await.map_err(unavailable)?;
    Ok(found
        .into_stream()
        .map(|chunk| chunk.map_err(|error| error.to_string()))
        .boxed())
}

async fn delete_blob(store: &dyn ObjectStore, key: &str) -> Result<(), BlobError> {
    match store.delete(&path_of(key)?).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(error) => Err(unavailable(error)),
    }
}

/// R2 (or any S3-compatible store): path-style requests, region `auto` as R2 asks, and links
/// presigned with SigV4, which the browser fetches from R2 directly.
#[derive(Debug)]
pub struct R2Blobs {
    s3: Arc<AmazonS3>,
}

impl R2Blobs {
    pub fn new(config: &R2Config) -> Result<Self, BlobError> {
        let s3 = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_region("auto")
            .with_bucket_name(&config.bucket)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose())
            .with_virtual_hosted_style_request(false)
            .with_allow_http(config.endpoint.starts_with("http://"))
            .build()
            .map_err(|error| BlobError::Unavailable(error.to_string()))?;
        Ok(R2Blobs { s3: Arc::new(s3) })
    }
}

#[async_trait::async_trait]
impl BlobStore for R2Blobs {
    async fn put(&self, key: &str, chunks: ByteChunks) -> Result<u64, BlobError> {
        let attributes = Attributes::from_iter([(
            Attribute::ContentType,
            object_store::AttributeValue::from(domain::recording::content_type(key)),
        )]);
        put_chunks(self.s3.clone(), key, attributes, chunks).await
    }

    async fn get(&self, key: &str) -> Result<ByteChunks, BlobError> {
        get_chunks(self.s3.as_ref(), key).await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        delete_blob(self.s3.as_ref(), key).await
    }

    async fn signed_url(
        &self,
        key: &str,
        valid_secs: u64,
        now: i64,
    ) -> Result<SignedUrl, BlobError> {
        let url = self
            .s3
            .signed_url(
                http::Method::GET,
                &path_of(key)?,
                Duration::from_secs(valid_secs),
            )
            .await
            .map_err(unavailable)?;
        Ok(SignedUrl {
            url: url.to_string(),
            expires_at: now.saturating_add_unsigned(valid_secs),
        })
    }

    async fn open_signed(
        &self,
        key: &str,
        _expires_at: i64,
        _signature: &str,
        _now: i64,
    ) -> Result<ByteChunks, BlobError> {
        Err(BlobError::NotFound(format!(
            "{key}: R2's links are served by R2"
        )))
    }
}

/// A local directory (`PEERLOOP_BLOB_DIR`, `data/blobs` by default), for development and
/// single-server setups. Its links point at the app (`/api/blobs/<escaped key>`) and carry an expiry
/// and an HMAC-SHA256 of key and expiry under a key of this database's own.
#[derive(Debug)]
pub struct LocalBlobs {
    files: Arc<LocalFileSystem>,
    public_url: String,
    url_key: crate::config::Secret,
}

impl LocalBlobs {
    pub fn new(
        directory: &std::path::Path,
        public_url: String,
        url_key: String,
    ) -> Result<Self, BlobError> {
        std::fs::create_dir_all(directory)
            .map_err(|error| BlobError::Unavailable(format!("{}: {error}", directory.display())))?;
        let files = LocalFileSystem::new_with_prefix(directory)
            .map_err(|error| BlobError::Unavailable(error.to_string()))?
            // Removing the last file of a session also removes its empty directory.
            .with_automatic_cleanup(true);
        Ok(LocalBlobs {
            files: Arc::new(files),
            public_url,
            url_key: crate::config::Secret::new(url_key),
        })
    }

    fn signature(&self, key: &str, expires_at: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.url_key.expose().as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(key.as_bytes());
        mac.update(b"\n");
        mac.update(expires_at.to_string().as_bytes());
        mac
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobs {
    async fn put(&self, key: &str, chunks: ByteChunks) -> Result<u64, BlobError> {
        put_chunks(self.files.clone(), key, Attributes::new(), chunks).await
    }

    async fn get(&self, key: &str) -> Result<ByteChunks, BlobError> {
        get_chunks(self.files.as_ref(), key).await
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        delete_blob(self.files.as_ref(), key).await
    }

    async fn signed_url(
        &self,
        key: &str,
        valid_secs: u64,
        now: i64,
    ) -> Result<SignedUrl, BlobError> {
        path_of(key)?;
        let expires_at = now.saturating_add_unsigned(valid_secs);
        let signature = hex::encode(self.signature(key, expires_at).finalize().into_bytes());
        let mut url = url::Url::parse(&self.public_url)
            .map_err(|error| BlobError::Unavailable(error.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| BlobError::Unavailable("the public URL cannot take a path".into()))?
            // One segment: the key's own slashes are escaped.
            .extend(["api", "blobs", key]);
        url.query_pairs_mut()
            .append_pair("expires", &expires_at.to_string())
            .append_pair("signature", &signature);
        Ok(SignedUrl {
            url: url.into(),
            expires_at,
        })
    }

    async fn open_signed(
        &self,
        key: &str,
        expires_at: i64,
        signature: &str,
        now: i64,
    ) -> Result<ByteChunks, BlobError> {
        let signed = hex::decode(signature).unwrap_or_default();
        // `verify_slice` compares in constant time.
        if self
            .signature(key, expires_at)
            .verify_slice(&signed)
            .is_err()
            || now > expires_at
        {
            return Err(BlobError::NotFound(format!(
                "{key}: not signed, or expired"
            )));
        }
        self.get(key).await
    }
}
