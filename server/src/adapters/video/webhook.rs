//! PlugNmeet's webhooks (LiveKit's scheme): the `Authorization` header, with no "Bearer "
//! prefix, is an HS256 JWT issued by the API key (`iss`), signed with the API secret, valid for
//! a few minutes, whose `sha256` claim is the base64 SHA-256 of the exact body. The body is
//! protojson with snake_case names, 64-bit integers as strings, and absent fields left out.

use backend::VideoWebhookKey;
use backend::video::{ReceivedVideoEvent, VideoEvent};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Clocks of the two servers may differ this much.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookError {
    #[error("no Authorization header")]
    Missing,
    #[error("the Authorization header carries the token itself, with no Bearer prefix")]
    BearerPrefix,
    #[error("the token is not valid: {0}")]
    Token(String),
    #[error("the token was signed for another body")]
    BodyMismatch,
    #[error("not a PlugNmeet event: {0}")]
    Body(String),
}

#[derive(Deserialize)]
struct Claims {
    sha256: String,
}

#[derive(serde::Serialize)]
struct SigningClaims<'a> {
    iss: &'a str,
    sha256: String,
    nbf: i64,
    exp: i64,
}

/// How long a signed report may take to arrive.
const SIGNED_VALID_SECS: i64 = 300;

/// The `Authorization` value PlugNmeet would send with `body`: how the built-in room signs its
/// reports, so they go through [`verify`] like PlugNmeet's own.
pub fn sign(body: &[u8], key: &VideoWebhookKey, now: i64) -> Result<String, WebhookError> {
    let claims = SigningClaims {
        iss: &key.api_key,
        sha256: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body)),
        nbf: now,
        exp: now + SIGNED_VALID_SECS,
    };
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key.api_secret.as_bytes()),
    )
    .map_err(|error| WebhookError::Token(error.to_string()))
}

/// Checks the token against the key, its time and the body (jsonwebtoken checks the HS256
/// signature, `iss`, `exp` and `nbf`, which is the part worth not writing by hand).
pub fn verify(
    body: &[u8],
    authorization: Option<&str>,
    key: &VideoWebhookKey,
) -> Result<(), WebhookError> {
    let token = authorization.ok_or(WebhookError::Missing)?.trim();
    if token.len() > 7 && token[..7].eq_ignore_ascii_case("bearer ") {
        return Err(WebhookError::BearerPrefix);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[&key.api_key]);
    validation.set_required_spec_claims(&["exp", "iss"]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECS;
    let claims = jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(key.api_secret.as_bytes()),
        &validation,
    )
    .map_err(|error| WebhookError::Token(error.to_string()))?
    .claims;
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    if !bool::from(claims.sha256.as_bytes().ct_eq(digest.as_bytes())) {
        return Err(WebhookError::BodyMismatch);
    }
    Ok(())
}

#[derive(Deserialize)]
struct Envelope {
    event: String,
    id: Option<String>,
    created_at: Option<serde_json::Value>,
    room: Option<Room>,
    participant: Option<Participant>,
    recording_info: Option<RecordingInfo>,
}

/// `{record_id, recorder_id, recorder_msg, file_path, file_size}` (the size is measured again
/// when the file is copied).
#[derive(Deserialize)]
struct RecordingInfo {
    record_id: Option<String>,
    file_path: Option<String>,
}

#[derive(Deserialize)]
struct Room {
    room_id: Option<String>,
}

#[derive(Deserialize)]
struct Participant {
    identity: Option<String>,
}

/// Reads a verified body. `created_at` is Unix seconds, as a string (protojson's 64-bit
/// integers) or a number; an event without it is taken as happening `now`, and one without an
/// id is known by its body's hash, so a redelivery is still recognised.
pub fn parse(body: &str, now: i64) -> Result<ReceivedVideoEvent, WebhookError> {
    let envelope: Envelope =
        serde_json::from_str(body).map_err(|error| WebhookError::Body(error.to_string()))?;
    let created = match &envelope.created_at {
        None => now,
        Some(serde_json::Value::String(text)) => text
            .parse()
            .map_err(|_| WebhookError::Body(format!("created_at {text:?} is not a number")))?,
        Some(serde_json::Value::Number(number)) => number
            .as_i64()
            .ok_or_else(|| WebhookError::Body("created_at is out of range".into()))?,
        Some(other) => {
            return Err(WebhookError::Body(format!(
                "created_at {other} is not a number"
            )));
        }
    };
    let id = envelope
        .id
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| format!("sha256:{}", hex::encode(Sha256::digest(body.as_bytes()))));
    let identity = envelope
        .participant
        .and_then(|participant| participant.identity);
    let recording = envelope
        .recording_info
        .and_then(|info| Some((info.record_id.filter(|id| !id.is_empty())?, info.file_path)));
    let event = match (envelope.event.as_str(), identity, recording) {
        ("participant_joined", Some(user_id), _) => VideoEvent::ParticipantJoined { user_id },
        ("participant_left", Some(user_id), _) => VideoEvent::ParticipantLeft { user_id },
        ("room_finished", ..) => VideoEvent::RoomFinished,
        ("recording_proceeded", _, Some((record_id, file_path))) => {
            VideoEvent::RecordingProceeded {
                record_id,
                file_path: file_path.unwrap_or_default(),
            }
        }
        _ => VideoEvent::Other,
    };
    Ok(ReceivedVideoEvent {
        id,
        kind: envelope.event,
        created,
        room_id: envelope.room.and_then(|room| room.room_id),
        payload: body.to_owned(),
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_protojson_and_numbers_alike() {
        let as_string = r#"{"event":"participant_joined","id":"e1","created_at":"1800000000",
            "room":{"sid":"RM_1","room_id":"session-b1"},"participant":{"identity":"u1"}}"#;
        let event = parse(as_string, 5).unwrap();
        assert_eq!(
            (event.id.as_str(), event.created, event.room_id.as_deref()),
            ("e1", 1_800_000_000, Some("session-b1"))
        );
        assert_eq!(
            event.event,
            VideoEvent::ParticipantJoined {
                user_id: "u1".into()
            }
        );
        let as_number = r#"{"event":"room_finished","id":"e2","created_at":1800000060,
            "room":{"room_id":"session-b1"}}"#;
        let event = parse(as_number, 5).unwrap();
        assert_eq!(
            (event.created, event.event),
            (1_800_000_060, VideoEvent::RoomFinished)
        );
    }

    #[test]
    fn an_event_without_an_id_is_known_by_its_body_and_without_a_time_is_now() {
        let body =
            r#"{"event":"participant_left","room":{"room_id":"r"},"participant":{"identity":"u"}}"#;
        let first = parse(body, 42).unwrap();
        assert_eq!(
            first.id,
            parse(body, 43).unwrap().id,
            "a redelivery keeps its id"
        );
        assert_eq!(first.created, 42);
        assert!(parse(r#"{"event":"x","created_at":"soon"}"#, 0).is_err());
        assert!(parse(r#"{"no":"event"}"#, 0).is_err());
    }

    #[test]
    fn a_participant_event_without_its_participant_is_not_acted_on() {
        let event = parse(r#"{"event":"participant_joined","id":"e"}"#, 0).unwrap();
        assert_eq!(event.event, VideoEvent::Other);
        let event = parse(r#"{"event":"recording_proceeded","id":"e"}"#, 0).unwrap();
        assert_eq!(event.event, VideoEvent::Other);
    }

    #[test]
    fn a_finished_recording_names_its_file() {
        let body = r#"{"event":"recording_proceeded","id":"e3","created_at":"1800000100",
            "room":{"room_id":"session-b1","sid":"RM_1"},
            "recording_info":{"record_id":"RM_1-1800000000","recorder_id":"node_01",
                "file_path":"node_01/RM_1/RM_1-1800000000.mp4","file_size":12.5}}"#;
        assert_eq!(
            parse(body, 0).unwrap().event,
            VideoEvent::RecordingProceeded {
                record_id: "RM_1-1800000000".into(),
                file_path: "node_01/RM_1/RM_1-1800000000.mp4".into(),
            }
        );
    }

    #[test]
    fn a_signed_report_verifies_for_its_body_and_key_only() {
        let key = VideoWebhookKey {
            api_key: "key".into(),
            api_secret: "secret".into(),
        };
        let now = backend::store::unix_now();
        let token = sign(b"{}", &key, now).unwrap();
        assert_eq!(verify(b"{}", Some(&token), &key), Ok(()));
        assert_eq!(
            verify(b"{ }", Some(&token), &key),
            Err(WebhookError::BodyMismatch)
        );
        let other = VideoWebhookKey {
            api_key: "key".into(),
            api_secret: "other".into(),
        };
        assert!(matches!(
            verify(b"{}", Some(&token), &other),
            Err(WebhookError::Token(_))
        ));
    }
}
