//! The Mailer port: how the product sends email. Adapters (Resend, the local mailbox) live in
//! the server crate and are chosen from configuration at start.

/// One email, ready to send. `idempotency_key` is stable across retries of the same message,
/// so a retried send is delivered once. Serializable so the outbox can keep the message as
/// first built, and a retry sends the same bytes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Email {
    pub idempotency_key: String,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub attachment: Option<Attachment>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Worth retrying later (network, rate limit, the provider's 5xx).
    #[error("temporary mail failure: {0}")]
    Temporary(String),
    /// Retrying cannot help (rejected address, bad request, bad key).
    #[error("mail rejected: {0}")]
    Rejected(String),
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}
