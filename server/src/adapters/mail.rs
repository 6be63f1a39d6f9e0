//! Mailers: Resend over HTTPS (reqwest) when `RESEND_API_KEY` is set, otherwise the local
//! mailbox, which keeps every message in the database for `/dev/mailbox`.

use crate::config::ResendConfig;
use backend::db::Db;
use backend::mail::{Email, MailError, Mailer};
use base64::Engine;
use serde_json::json;

/// Resend's `POST /emails` (see docs/integrations.md). The outbox job id travels as the
/// `Idempotency-Key`, so a retry after a lost response is not delivered twice.
#[derive(Debug)]
pub struct ResendMailer {
    client: reqwest::Client,
    config: ResendConfig,
    from: String,
}

impl ResendMailer {
    pub fn new(config: ResendConfig, from: String) -> Self {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        ResendMailer {
            client,
            config,
            from,
        }
    }
}

#[async_trait::async_trait]
impl Mailer for ResendMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let mut body = json!({
            "from": self.from,
            "to": [email.to],
            "subject": email.subject,
            "html": email.html,
            "text": email.text,
        });
        if let Some(attachment) = &email.attachment {
            body["attachments"] = json!([{
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "content": base64::engine::general_purpose::STANDARD.encode(&attachment.content),
            }]);
        }
        let response = self
            .client
            .post(format!("{}/emails", self.config.base_url))
            .bearer_auth(self.config.api_key.expose())
            .header("Idempotency-Key", &email.idempotency_key)
            .json(&body)
            .send()
            .await
            .map_err(|error| MailError::Temporary(format!("Resend unreachable: {error}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail = response.text().await.unwrap_or_default();
        let name = serde_json::from_str::<serde_json::Value>(&detail)
            .ok()
            .and_then(|error| error["name"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let message = format!("Resend answered {status}: {detail}");
        match (status.as_u16(), name.as_str()) {
            // The key was used before with another body: Resend accepted an earlier attempt of
            // this message (our retries send the same bytes), so it is delivered; don't resend.
            (409, "invalid_idempotent_request") => {
                tracing::warn!(key = %email.idempotency_key, %message, "already delivered under this idempotency key");
                Ok(())
            }
            // The first attempt under this key is still in flight: ask again later.
            (409, _) | (429, _) => Err(MailError::Temporary(message)),
            _ if status.is_server_error() => Err(MailError::Temporary(message)),
            _ => Err(MailError::Rejected(message)),
        }
    }
}

/// Development's mailer: stores each message once (by idempotency key) for `/dev/mailbox`.
#[derive(Debug)]
pub struct LocalMailbox {
    db: Db,
}

impl LocalMailbox {
    pub fn new(db: Db) -> Self {
        LocalMailbox { db }
    }
}

#[async_trait::async_trait]
impl Mailer for LocalMailbox {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let attachment = email.attachment.as_ref();
        let failed = |error| MailError::Temporary(format!("mailbox write failed: {error}"));
        let mut conn = self.db.write_connection().await.map_err(failed)?;
        sqlx::query(
            "INSERT INTO dev_mailbox (id, idempotency_key, sent_to, subject, html, text_body,
                                      attachment_name, attachment_type, attachment, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(backend::store::new_id())
        .bind(&email.idempotency_key)
        .bind(&email.to)
        .bind(&email.subject)
        .bind(&email.html)
        .bind(&email.text)
        .bind(attachment.map(|a| a.filename.clone()))
        .bind(attachment.map(|a| a.content_type.clone()))
        .bind(attachment.map(|a| a.content.clone()))
        .bind(backend::store::unix_now())
        .execute(&mut *conn)
        .await
        .map(drop)
        .map_err(failed)
    }
}
