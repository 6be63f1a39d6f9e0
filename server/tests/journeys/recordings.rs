//! Session recordings: the built-in room's upload and PlugNmeet's `recording_proceeded` are
//! copied into the blob store by the outbox, then played back through short-lived signed links
//! by the session's participants only. With R2 configured, against an S3-compatible server the
//! test runs in-process (s3s, which checks SigV4 signatures, presigned links included).

use crate::common::*;
use crate::payments::eventually;
use crate::payments::page_as;
use crate::video::{
    NOT_A_PARTICIPANT, PNM_KEY, PNM_SECRET, deliver, event, fake_plugnmeet, join, post_webhook,
    session_starting_soon, student_id_of, student_with_credits_as, webhook_token,
};
use serde_json::{Value, json};

/// A recording's bytes: long enough to go up in several parts, and not the same all along.
fn recording_bytes(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 31 % 251) as u8).collect()
}

async fn upload(
    app: &TestApp,
    browser: &reqwest::Client,
    id: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let response = browser
        .post(app.url(&format!("/api/sessions/{id}/recording")))
        .header("origin", &app.base_url)
        .header("content-type", "video/webm")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn recordings_as(app: &TestApp, browser: &reqwest::Client, id: &str) -> (u16, Value) {
    app.get_json_as(browser, &format!("/api/sessions/{id}/recordings"))
        .await
}

/// Fetches a link as a browser that is not signed in: the link alone must be enough.
async fn fetch(url: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

const STORED: &str = "SELECT COUNT(*) FROM session_recordings WHERE blob_key IS NOT NULL";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_rooms_recording_is_kept_and_played_back_by_its_participants_only() {
    let app = spawn_app().await;
    let (student, id) = session_starting_soon(&app, None).await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    let outsider = student_with_credits_as(&app, "outsider@example.com").await;
    let bytes = recording_bytes(3 * 1024 * 1024 + 17);

    let (status, body) = upload(&app, &teacher, &id, bytes.clone()).await;
    assert_eq!(status, 409, "no room was opened yet: {body}");
    assert_eq!(join(&app, &teacher, &id).await.0, 200);
    let (status, body) = upload(&app, &student, &id, bytes.clone()).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some("Only the Student-Teacher records a session."))
    );
    let (status, body) = upload(&app, &outsider, &id, bytes.clone()).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some(NOT_A_PARTICIPANT))
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM session_recordings").await,
        0
    );

    // Both were there for the hour: completed, and its room page says no recording is ready.
    let room = format!("session-{id}");
    let start: i64 = sqlx::query_scalar("SELECT start_at FROM bookings WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let student_id = student_id_of(&app, &id).await;
    for who in [student_id.as_str(), priya().as_str()] {
        let joined = event("participant_joined", &room, Some(who), start);
        assert_eq!(deliver(&app, &joined).await.0, 200);
    }
    assert_eq!(
        deliver(&app, &event("room_finished", &room, None, start + 3600))
            .await
            .0,
        200
    );
    assert_eq!(status_of(&app, &id).await, "completed");
    let page = page_as(&app, &student, &format!("/sessions/{id}/room")).await;
    assert!(page.contains("data-testid=\"no-recording\""), "{page}");
    assert_eq!(upload(&app, &teacher, &id, Vec::new()).await.0, 400);

    let (status, received) = upload(&app, &teacher, &id, bytes.clone()).await;
    assert_eq!(status, 202, "{received}");
    assert_eq!(received["size_bytes"].as_u64(), Some(bytes.len() as u64));
    // The upload is reported like PlugNmeet's recording_proceeded, through the signed webhook,
    // and the outbox copies it to where recordings are kept.
    eventually(&app, STORED, 1).await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM video_events WHERE type = 'recording_proceeded'"
        )
        .await,
        1
    );
    // Kept, the upload's waiting copy goes.
    let waiting = app.blob_dir.join(format!(
        "incoming/{}.webm",
        received["record_id"].as_str().unwrap()
    ));
    assert!(!waiting.exists(), "{waiting:?} is left behind");

    let (status, listed) = recordings_as(&app, &student, &id).await;
    assert_eq!(status, 200, "{listed}");
    let recordings = listed["recordings"].as_array().unwrap();
    assert_eq!(recordings.len(), 1, "{listed}");
    let recording = &recordings[0];
    assert_eq!(
        recording["record_id"].as_str(),
        received["record_id"].as_str()
    );
    assert_eq!(recording["size_bytes"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(recording["content_type"], "video/webm");
    let url = recording["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.url("/api/blobs/")), "{url}");
    let expires = recording["url_expires_at"].as_i64().unwrap();
    assert!((now() + 800..=now() + 900).contains(&expires), "{expires}");

    let (status, content_type, played) = fetch(&url).await;
    assert_eq!(status, 200);
    assert_eq!(content_type.as_deref(), Some("video/webm"));
    assert!(played == bytes, "the recording plays back byte for byte");
    // The room page plays it, from a link of its own.
    let page = page_as(&app, &student, &format!("/sessions/{id}/room")).await;
    assert!(page.contains("data-testid=\"recording\""), "{page}");
    assert!(
        page.contains(&app.url("/api/blobs/recordings%2F")),
        "{page}"
    );

    // The Student-Teacher may watch it too; nobody else may, nor with a doctored link.
    assert_eq!(recordings_as(&app, &teacher, &id).await.0, 200);
    let (status, body) = recordings_as(&app, &outsider, &id).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some(NOT_A_PARTICIPANT))
    );
    assert_eq!(recordings_as(&app, &app.new_browser(), &id).await.0, 401);
    let later = url.replace(
        &format!("expires={expires}"),
        &format!("expires={}", expires + 3600),
    );
    assert_ne!(later, url);
    assert_eq!(fetch(&later).await.0, 403, "a stretched expiry");
    let (base, signature) = url.rsplit_once("signature=").unwrap();
    let mut forged = signature.to_owned();
    forged.replace_range(0..1, if signature.starts_with('0') { "1" } else { "0" });
    assert_eq!(fetch(&format!("{base}signature={forged}")).await.0, 403);
    let key: String = sqlx::query_scalar("SELECT blob_key FROM session_recordings")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let expired = app
        .state
        .blobs
        .signed_url(&key, 60, now() - 3600)
        .await
        .unwrap();
    let (status, _, body) = fetch(&expired.url).await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    assert!(
        key.starts_with(&format!("recordings/{id}/")) && key.ends_with(".webm"),
        "{key}"
    );
    assert!(
        app.blob_dir.join(&key).is_file(),
        "kept in the local directory"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_report_of_one_recording_copies_it_once() {
    let app = spawn_app().await;
    let (_, id) = session_starting_soon(&app, None).await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    assert_eq!(join(&app, &teacher, &id).await.0, 200);
    let entered = event(
        "participant_joined",
        &format!("session-{id}"),
        Some(&priya()),
        now(),
    );
    assert_eq!(deliver(&app, &entered).await.0, 200);
    let (status, received) = upload(&app, &teacher, &id, recording_bytes(1000)).await;
    assert_eq!(status, 202);
    eventually(&app, STORED, 1).await;
    let record_id = received["record_id"].as_str().unwrap();
    // The same recording reported again under a new event id (PlugNmeet's queue may repeat it).
    let mut again = event("recording_proceeded", &format!("session-{id}"), None, now());
    again["recording_info"] = json!({
        "record_id": record_id,
        "file_path": format!("incoming/{record_id}.webm"),
    });
    let (status, body) = deliver(&app, &again).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM session_recordings").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'store_recording'"
        )
        .await,
        1
    );
    // A report for a recording the service does not have is given up, not retried forever.
    let mut unknown = event("recording_proceeded", &format!("session-{id}"), None, now());
    unknown["recording_info"] = json!({ "record_id": "no-such-recording", "file_path": "x.webm" });
    assert_eq!(deliver(&app, &unknown).await.0, 200);
    eventually(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE kind = 'store_recording' AND status = 'dead'",
        1,
    )
    .await;
    assert_eq!(count(&app, STORED).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_are_taken_only_for_a_session_held_in_its_time_and_ten_at_most() {
    let app = spawn_app().await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    let (_, id) = session_starting_soon(&app, None).await;
    assert_eq!(join(&app, &teacher, &id).await.0, 200);
    let room = format!("session-{id}");

    // Opened but never held: nothing to record.
    let (status, body) = upload(&app, &teacher, &id, recording_bytes(100)).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            409,
            Some("This session was not held, so it has no recording to keep.")
        )
    );
    let entered = event("participant_joined", &room, Some(&priya()), now());
    assert_eq!(deliver(&app, &entered).await.0, 200);

    // Ten at most.
    for _ in 0..10 {
        assert_eq!(
            upload(&app, &teacher, &id, recording_bytes(100)).await.0,
            202
        );
    }
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM session_recordings WHERE booking_id = '{id}'"),
        10,
    )
    .await;
    let (status, body) = upload(&app, &teacher, &id, recording_bytes(100)).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (409, Some("This session already has 10 recordings."))
    );

    // And not long after the session: two hours past its join window, the time is over.
    // (Priya teaches one session at a time: the first moves out of the way.)
    move_session(&app, &id, now() - 12 * 3600).await;
    let (_, late) = session_starting_soon(&app, None).await;
    assert_eq!(join(&app, &teacher, &late).await.0, 200);
    let entered = event(
        "participant_joined",
        &format!("session-{late}"),
        Some(&priya()),
        now(),
    );
    assert_eq!(deliver(&app, &entered).await.0, 200);
    move_session(&app, &late, now() - 3600 - 15 * 60 - 2 * 3600 - 60).await;
    let (status, body) = upload(&app, &teacher, &late, recording_bytes(100)).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            409,
            Some("The time to upload this session's recording is over.")
        )
    );
}

/// An S3-compatible server on a free port, storing under a temp directory, accepting only
/// SigV4 requests signed with its one key pair; (endpoint, root directory).
async fn local_s3(bucket: &str) -> (String, std::path::PathBuf) {
    let root = std::env::temp_dir().join(format!("peerloop-s3-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(root.join(bucket)).unwrap();
    let files = s3s_fs::FileSystem::new(&root).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(files);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(S3_KEY, S3_SECRET));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback_service(axum::error_handling::HandleError::new(
        service,
        |error: s3s::HttpError| async move {
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                format!("{error:?}"),
            )
        },
    ));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (endpoint, root)
}

const S3_KEY: &str = "peerloop-test-key";
const S3_SECRET: &str = "peerloop-test-secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugnmeets_recording_is_downloaded_into_r2_and_played_through_a_presigned_link() {
    let (endpoint, s3_root) = local_s3("recordings").await;
    let created = json!({"status": true, "msg": "room created", "status_code": "SUCCESS",
                         "room_info": {"room_id": "x", "creation_time": "1700000000"}});
    let plugnmeet = fake_plugnmeet(created).await;
    let app = spawn_app_with(&[
        ("PLUGNMEET_SERVER_URL", &plugnmeet.base_url),
        ("PLUGNMEET_API_KEY", PNM_KEY),
        ("PLUGNMEET_API_SECRET", PNM_SECRET),
        ("R2_BUCKET", "recordings"),
        ("R2_ENDPOINT", &endpoint),
        ("R2_ACCESS_KEY_ID", S3_KEY),
        ("R2_SECRET_ACCESS_KEY", S3_SECRET),
    ])
    .await;
    let (student, id) = session_starting_soon(&app, None).await;
    let outsider = student_with_credits_as(&app, "outsider@example.com").await;
    assert_eq!(join(&app, &student, &id).await.0, 200);
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    let (status, body) = upload(&app, &teacher, &id, recording_bytes(10)).await;
    assert_eq!(status, 409, "PlugNmeet records: {body}");

    let record_id = "RM_test-1800000000";
    let mut ready = event("recording_proceeded", &format!("session-{id}"), None, now());
    ready["recording_info"] = json!({
        "record_id": record_id,
        "recorder_id": "node_01",
        "file_path": format!("node_01/RM_test/{record_id}.mp4"),
        "file_size": 6.2,
    });
    let body = ready.to_string();
    let token = webhook_token(&body, PNM_KEY, PNM_SECRET, now());
    assert_eq!(post_webhook(&app, &body, Some(&token)).await.0, 200);
    eventually(&app, STORED, 1).await;

    // PlugNmeet was asked for a download token with a signed request, then the file fetched.
    let calls = plugnmeet.calls.lock().unwrap().clone();
    let asked = calls
        .iter()
        .find(|(path, _)| path == "recording/getDownloadToken")
        .expect("a download token was asked for");
    assert_eq!(asked.1["record_id"], record_id);
    let expected = crate::video::fake_recording(record_id);
    let key = format!("recordings/{id}/{record_id}.mp4");
    let stored = std::fs::read(s3_root.join("recordings").join(&key)).unwrap();
    assert!(stored == expected, "R2 holds the file byte for byte");

    let (status, listed) = recordings_as(&app, &student, &id).await;
    assert_eq!(status, 200, "{listed}");
    let recording = &listed["recordings"][0];
    assert_eq!(recording["content_type"], "video/mp4");
    assert_eq!(
        recording["size_bytes"].as_u64(),
        Some(expected.len() as u64)
    );
    let url = recording["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{endpoint}/recordings/{key}?"))
            && url.contains("X-Amz-Signature="),
        "{url}"
    );
    let (status, _, played) = fetch(url).await;
    assert_eq!(status, 200);
    assert!(played == expected, "the presigned link plays it");
    let (base, signature) = url.rsplit_once("X-Amz-Signature=").unwrap();
    let forged: String = signature.chars().rev().collect();
    assert_eq!(
        fetch(&format!("{base}X-Amz-Signature={forged}")).await.0,
        403
    );
    let (status, body) = recordings_as(&app, &outsider, &id).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some(NOT_A_PARTICIPANT))
    );
    // Pages let recordings play from R2.
    let page = student
        .get(app.url(&format!("/sessions/{id}")))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains(&format!("media-src 'self' {endpoint};")),
        "{policy}"
    );
    let _ = std::fs::remove_dir_all(s3_root);
}
