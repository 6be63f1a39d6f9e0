//! Session rooms (SROM): joining a session's room inside its window, PlugNmeet's signed webhooks
//! (attendance, the room's end and what it decides), feedback and the rating it makes, and the
//! PlugNmeet client against a fake server that checks each request's signature byte for byte.

use crate::common::*;
use crate::payments::{balance, ledger_is_sound, paid_enrollment};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub(crate) const NOT_A_PARTICIPANT: &str = "You're not part of this session.";

/// A session with Priya for a student with credits (or the given student), moved to start in
/// five minutes: its room is open for joining. (the student's browser, the session id)
pub(crate) async fn session_starting_soon(
    app: &TestApp,
    student: Option<reqwest::Client>,
) -> (reqwest::Client, String) {
    let student = match student {
        Some(student) => student,
        None => student_with_credits(app).await,
    };
    open_around_the_clock(app, &priya()).await;
    let slots = app.free_slots_of(&priya(), 7).await;
    let slot = slots
        .iter()
        .find(|slot| slot["duration_minutes"] == 60)
        .expect("Priya has a free hour");
    let booked = app
        .book_with_priya(&student, slot["start_at"].as_str().unwrap(), 60)
        .await;
    let id = booked["id"].as_str().unwrap().to_owned();
    move_to_start_in(app, &id, 300).await;
    (student, id)
}

/// A new student of Rust Foundations with three session credits (an admin's enrollment: nobody
/// paid), signed in.
async fn student_with_credits(app: &TestApp) -> reqwest::Client {
    let email = format!("student-{}@example.com", uuid::Uuid::new_v4().simple());
    student_with_credits_as(app, &email).await
}

/// The same, signed up as `email` (with the common `PASSWORD`).
pub(crate) async fn student_with_credits_as(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = crate::payments::new_student(app, email).await;
    sqlx::query(
        "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at, session_credits)
         SELECT $1, id, $2, 'active', 0, 3 FROM users WHERE email_normalized = $3",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(rust_course())
    .bind(email)
    .execute(app.db.pool())
    .await
    .unwrap();
    browser
}

async fn move_to_start_in(app: &TestApp, id: &str, seconds: i64) {
    move_session(app, id, now() + seconds).await;
}

pub(crate) async fn join(app: &TestApp, browser: &reqwest::Client, id: &str) -> (u16, Value) {
    app.post_json(browser, "/api/video/token", json!({ "session_id": id }))
        .await
}

/// A webhook token as PlugNmeet makes one (LiveKit's `AccessToken` with a `sha256` claim).
pub(crate) fn webhook_token(body: &str, key: &str, secret: &str, issued_at: i64) -> String {
    let claims = json!({
        "iss": key,
        "nbf": issued_at,
        "exp": issued_at + 300,
        "sha256": base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes())),
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub(crate) async fn post_webhook(
    app: &TestApp,
    body: &str,
    authorization: Option<&str>,
) -> (u16, Value) {
    let mut request = app
        .client
        .post(app.url("/api/webhooks/plugnmeet"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Delivers an event signed with the app's video key, as PlugNmeet (or the built-in room) does.
pub(crate) async fn deliver(app: &TestApp, event: &Value) -> (u16, Value) {
    let body = event.to_string();
    let key = &app.state.video_webhook_key;
    let token = webhook_token(&body, &key.api_key, &key.api_secret, now());
    post_webhook(app, &body, Some(&token)).await
}

/// A PlugNmeet event in its JSON shape (snake_case, `created_at` a string).
pub(crate) fn event(kind: &str, room_id: &str, identity: Option<&str>, at: i64) -> Value {
    let mut event = json!({
        "event": kind,
        "id": uuid::Uuid::new_v4().to_string(),
        "created_at": at.to_string(),
        "room": { "sid": "RM_test", "room_id": room_id, "num_participants": 1 },
    });
    if let Some(identity) = identity {
        event["participant"] = json!({ "sid": "PA_test", "identity": identity, "name": "x" });
    }
    event
}

pub(crate) async fn student_id_of(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT student_id FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sessions_room_is_joined_by_its_two_participants_inside_its_window() {
    let app = spawn_app().await;
    let (student, id) = session_starting_soon(&app, None).await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;

    let outsider = log_in_as(&app, "sam.rivera@example.com").await;
    let (status, body) = join(&app, &outsider, &id).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some(NOT_A_PARTICIPANT))
    );
    let (status, body) = app
        .get_json_as(&outsider, &format!("/api/sessions/{id}"))
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (403, Some(NOT_A_PARTICIPANT))
    );
    assert_eq!(join(&app, &app.new_browser(), &id).await.0, 401);

    // Sixteen minutes before the start is a minute too early; the answer says when it opens.
    move_to_start_in(&app, &id, 16 * 60).await;
    let (status, body) = join(&app, &student, &id).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("You can join from "),
        "{body}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM session_rooms").await, 0);

    move_to_start_in(&app, &id, 300).await;
    let (status, joined) = join(&app, &student, &id).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["is_admin"], false);
    let room_id = joined["room_id"].as_str().unwrap();
    assert_eq!(room_id, format!("session-{id}"));
    let (status, teaching) = join(&app, &teacher, &id).await;
    assert_eq!((status, teaching["is_admin"].as_bool()), (200, Some(true)));
    assert_eq!(teaching["room_id"], joined["room_id"]);
    // One room per session, however many joins.
    assert_eq!(join(&app, &student, &id).await.0, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM session_rooms").await, 1);

    // The built-in room's token names the room and the participant, under a key of its own:
    // not the secret its webhooks are signed with.
    let key = &app.state.video_webhook_key;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[&key.api_key]);
    let token = teaching["token"].as_str().unwrap();
    assert!(
        jsonwebtoken::decode::<Value>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(key.api_secret.as_bytes()),
            &validation,
        )
        .is_err(),
        "the webhook's secret signs webhooks only"
    );
    let claims = jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(&server::adapters::video::local::join_token_key(
            &key.api_secret,
        )),
        &validation,
    )
    .expect("a token of the join key")
    .claims;
    assert_eq!(claims["sub"].as_str(), Some(priya().as_str()));
    assert_eq!(claims["room_id"].as_str(), Some(room_id));
    assert_eq!(claims["is_admin"], true);

    // Past the end and its 15 minutes of grace, the room is closed to joining.
    move_to_start_in(&app, &id, -(3600 + 16 * 60)).await;
    let (status, body) = join(&app, &student, &id).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (409, Some("This session's time to join is over."))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_accepts_only_plugnmeets_token_for_the_exact_body_and_applies_each_event_once()
{
    let app = spawn_app().await;
    let (student, id) = session_starting_soon(&app, None).await;
    assert_eq!(join(&app, &student, &id).await.0, 200);
    let student_id = student_id_of(&app, &id).await;
    let joined = event(
        "participant_joined",
        &format!("session-{id}"),
        Some(&student_id),
        now(),
    );
    let body = joined.to_string();
    let key = app.state.video_webhook_key.clone();
    let attendance = "SELECT COUNT(*) FROM session_attendance";

    let refused = [
        ("no token", None),
        (
            "another secret",
            Some(webhook_token(&body, &key.api_key, "not-the-secret", now())),
        ),
        (
            "another issuer",
            Some(webhook_token(&body, "someone-else", &key.api_secret, now())),
        ),
        (
            "another body",
            Some(webhook_token(
                &body.replace("participant_joined", "participant_left"),
                &key.api_key,
                &key.api_secret,
                now(),
            )),
        ),
        (
            "expired",
            Some(webhook_token(
                &body,
                &key.api_key,
                &key.api_secret,
                now() - 600,
            )),
        ),
        (
            "Bearer-prefixed",
            Some(format!(
                "Bearer {}",
                webhook_token(&body, &key.api_key, &key.api_secret, now())
            )),
        ),
        ("not a JWT", Some("not.a.jwt".to_owned())),
    ];
    for (case, token) in refused {
        let (status, answer) = post_webhook(&app, &body, token.as_deref()).await;
        assert_eq!(status, 401, "{case}: {answer}");
    }
    assert_eq!(count(&app, attendance).await, 0, "nothing applied");
    assert_eq!(status_of(&app, &id).await, "scheduled");

    let (status, answer) = deliver(&app, &joined).await;
    assert_eq!(
        (status, answer["duplicate"].as_bool()),
        (200, Some(false)),
        "{answer}"
    );
    assert_eq!(
        status_of(&app, &id).await,
        "in_progress",
        "the first join starts it"
    );
    // A redelivery (PlugNmeet retries) changes nothing.
    let (status, answer) = deliver(&app, &joined).await;
    assert_eq!((status, answer["duplicate"].as_bool()), (200, Some(true)));
    assert_eq!(count(&app, attendance).await, 1);

    // Events about no session of ours, or that this product does not act on, are acknowledged.
    for other in [
        event("participant_joined", "someone-elses-room", Some("x"), now()),
        event(
            "track_published",
            &format!("session-{id}"),
            Some(&student_id),
            now(),
        ),
    ] {
        assert_eq!(deliver(&app, &other).await.0, 200);
    }
    assert_eq!(count(&app, attendance).await, 1);
    // A signed body that is not an event is refused, and changes nothing.
    let garbage = "{\"no\": \"event\"}";
    let token = webhook_token(garbage, &key.api_key, &key.api_secret, now());
    assert_eq!(post_webhook(&app, garbage, Some(&token)).await.0, 400);
}

/// Reports joins and leaves (at the given offsets from the start, in the given order), then the
/// room's end (twice: a repeat changes nothing); the session's status.
async fn hold_room(app: &TestApp, id: &str, reports: &[(&str, &str, i64)]) -> String {
    let room = format!("session-{id}");
    let start: i64 = sqlx::query_scalar("SELECT start_at FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    for (kind, who, offset) in reports {
        let (status, body) = deliver(app, &event(kind, &room, Some(who), start + offset)).await;
        assert_eq!(status, 200, "{body}");
    }
    let finished = event("room_finished", &room, None, start + 3600);
    assert_eq!(deliver(app, &finished).await.0, 200);
    let decided = status_of(app, id).await;
    let again = event("room_finished", &room, None, start + 3700);
    assert_eq!(deliver(app, &again).await.0, 200);
    assert_eq!(
        status_of(app, id).await,
        decided,
        "the room's end decides once"
    );
    decided
}

pub(crate) async fn credits_of(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT e.session_credits FROM enrollments e JOIN bookings b ON b.enrollment_id = e.id
          WHERE b.id = $1",
    )
    .bind(id)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rooms_end_completes_the_session_or_decides_who_was_absent_from_presence() {
    let app = spawn_app().await;
    let teacher_account = format!("st:{}", priya());

    // Both came (the student's leave reported before their join, and a rejoin): completed,
    // and Priya's share of the paid enrollment is released to her.
    let (student, _) = paid_enrollment(&app, "both.came@example.com").await;
    let (_, both) = session_starting_soon(&app, Some(student)).await;
    let student_id = student_id_of(&app, &both).await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    assert_eq!(join(&app, &teacher, &both).await.0, 200);
    let before = balance(&app, &teacher_account).await;
    let decided = hold_room(
        &app,
        &both,
        &[
            ("participant_left", &student_id, 1200),
            ("participant_joined", &priya(), -60),
            ("participant_joined", &student_id, 0),
            ("participant_joined", &student_id, 1500),
            ("participant_left", &priya(), 3600),
        ],
    )
    .await;
    assert_eq!(decided, "completed");
    assert!(balance(&app, &teacher_account).await > before, "released");
    ledger_is_sound(&app).await;
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM session_attendance WHERE booking_id = '{both}'")
        )
        .await,
        5
    );

    // The student never came: a no-show, and the credit stays spent.
    let (_, student_absent) = session_starting_soon(&app, None).await;
    assert_eq!(join(&app, &teacher, &student_absent).await.0, 200);
    let credits = credits_of(&app, &student_absent).await;
    let decided = hold_room(
        &app,
        &student_absent,
        &[("participant_joined", &priya(), 0)],
    )
    .await;
    assert_eq!(decided, "no_show");
    assert_eq!(credits_of(&app, &student_absent).await, credits);

    // Priya never came: cancelled, the credit comes back, and both are told.
    let (student, teacher_absent) = session_starting_soon(&app, None).await;
    assert_eq!(join(&app, &student, &teacher_absent).await.0, 200);
    let student_id = student_id_of(&app, &teacher_absent).await;
    let credits = credits_of(&app, &teacher_absent).await;
    let decided = hold_room(
        &app,
        &teacher_absent,
        &[
            ("participant_joined", &student_id, 0),
            ("participant_left", &student_id, 900),
        ],
    )
    .await;
    assert_eq!(decided, "cancelled");
    assert_eq!(credits_of(&app, &teacher_absent).await, credits + 1);
    crate::payments::eventually(
        &app,
        "SELECT COUNT(*) FROM dev_mailbox WHERE subject LIKE 'Session missed%'",
        2,
    )
    .await;
    let note =
        crate::payments::page_as(&app, &student, &format!("/sessions/{teacher_absent}")).await;
    assert!(
        note.contains("Your Student-Teacher did not join, so this session was cancelled"),
        "the session page says why"
    );

    // A session its Student-Teacher already marked taught keeps that, whatever the room says.
    let (_, marked) = session_starting_soon(&app, None).await;
    assert_eq!(join(&app, &teacher, &marked).await.0, 200);
    move_to_start_in(&app, &marked, -3700).await;
    crate::payments::mark_taught(&app, &teacher, &marked).await;
    assert_eq!(hold_room(&app, &marked, &[]).await, "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_participant_gives_feedback_once_and_the_students_stars_rate_the_student_teacher() {
    let app = spawn_app().await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    let rating = |sts: &Value| {
        let priya = sts["sts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|st| st["id"].as_str() == Some(priya().as_str()))
            .cloned()
            .unwrap();
        (priya["rating"].as_f64(), priya["rating_count"].as_i64())
    };
    let sts = format!("/api/courses/{}/sts", rust_course());
    assert_eq!(rating(&app.get_json(&sts).await.1), (None, Some(0)));

    let mut students = Vec::new();
    for stars in [5, 4] {
        let (student, id) = session_starting_soon(&app, None).await;
        assert_eq!(join(&app, &teacher, &id).await.0, 200);
        let feedback = format!("/api/sessions/{id}/feedback");
        let (status, body) = app
            .post_json(&student, &feedback, json!({ "stars": 5 }))
            .await;
        assert_eq!(status, 409, "not completed yet: {body}");
        let student_id = student_id_of(&app, &id).await;
        let decided = hold_room(
            &app,
            &id,
            &[
                ("participant_joined", &priya(), 0),
                ("participant_joined", &student_id, 0),
            ],
        )
        .await;
        assert_eq!(decided, "completed");

        for bad in [json!({ "stars": 0 }), json!({ "stars": 6 })] {
            let (status, body) = app.post_json(&student, &feedback, bad).await;
            assert_eq!(
                (status, body["fields"]["stars"].as_str()),
                (400, Some("Choose from 1 to 5 stars.")),
                "{body}"
            );
        }
        let (status, body) = app
            .post_json(
                &student,
                &feedback,
                json!({ "stars": 3, "comment": "x".repeat(2001) }),
            )
            .await;
        assert_eq!(status, 400, "{body}");
        let outsider = log_in_as(&app, "sam.rivera@example.com").await;
        let (status, body) = app
            .post_json(&outsider, &feedback, json!({ "stars": 1 }))
            .await;
        assert_eq!(
            (status, body["message"].as_str()),
            (403, Some(NOT_A_PARTICIPANT))
        );

        let (status, given) = app
            .post_json(
                &student,
                &feedback,
                json!({ "stars": stars, "comment": "  Clear and patient.  " }),
            )
            .await;
        assert_eq!(status, 201, "{given}");
        assert_eq!(given["comment"], "Clear and patient.");
        let (status, body) = app
            .post_json(&student, &feedback, json!({ "stars": 1 }))
            .await;
        assert_eq!(
            (status, body["message"].as_str()),
            (
                409,
                Some("You have already given feedback on this session.")
            )
        );
        // Priya's feedback is about her student: it does not rate her.
        let (status, _) = app
            .post_json(&teacher, &feedback, json!({ "stars": 1 }))
            .await;
        assert_eq!(status, 201);
        students.push(student);
    }
    assert_eq!(rating(&app.get_json(&sts).await.1), (Some(4.5), Some(2)));
    // People read it on her profile and on the booking page's S-T cards.
    let (status, profile) = app.get_html(&format!("/sts/{}", priya())).await;
    assert_eq!(status, 200);
    assert!(profile.contains("Rated 4.5 of 5 (2 ratings)"), "{profile}");
    let booking_page = students[0]
        .get(app.url(&format!("/courses/{}/book", rust_course())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        booking_page.contains("Rated 4.5 of 5 (2 ratings)"),
        "{booking_page}"
    );
}

/// A PlugNmeet stand-in: it answers only requests whose `API-KEY` is its key and whose
/// `HASH-SIGNATURE` is the HMAC-SHA256 of the exact bytes received, and records the rest.
pub(crate) struct FakePlugNmeet {
    pub(crate) base_url: String,
    pub(crate) calls: std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>,
}

pub(crate) const PNM_KEY: &str = "pnm_test_key";
pub(crate) const PNM_SECRET: &str = "pnm_test_secret";

/// The fake PlugNmeet's file for a recording: 11 MB, so it goes into the blob store in parts.
pub(crate) fn fake_recording(record_id: &str) -> Vec<u8> {
    let mut file = record_id.as_bytes().to_vec();
    file.extend((0..11 * 1024 * 1024).map(|i: usize| (i % 241) as u8));
    file
}

pub(crate) async fn fake_plugnmeet(create_answer: Value) -> FakePlugNmeet {
    fake_plugnmeet_creating_in(create_answer, std::time::Duration::ZERO).await
}

/// A fake PlugNmeet that takes `delay` to create a room (the real one takes hundreds of
/// milliseconds).
async fn fake_plugnmeet_creating_in(
    create_answer: Value,
    delay: std::time::Duration,
) -> FakePlugNmeet {
    use axum::extract::Path;
    use hmac::{Hmac, Mac};
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = calls.clone();
    let open_rooms = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let handler = move |Path((group, action)): Path<(String, String)>,
                        headers: axum::http::HeaderMap,
                        body: axum::body::Bytes| {
        let recorded = recorded.clone();
        let open_rooms = open_rooms.clone();
        let create_answer = create_answer.clone();
        async move {
            let mut mac = Hmac::<Sha256>::new_from_slice(PNM_SECRET.as_bytes()).unwrap();
            mac.update(&body);
            let expected = hex::encode(mac.finalize().into_bytes());
            let signed = headers.get("hash-signature").and_then(|v| v.to_str().ok());
            let key = headers.get("api-key").and_then(|v| v.to_str().ok());
            if key != Some(PNM_KEY) || signed != Some(expected.as_str()) {
                return (
                    axum::http::StatusCode::UNAUTHORIZED,
                    axum::Json(json!({"status": false, "msg": "invalid signature"})),
                );
            }
            let request: Value = serde_json::from_slice(&body).unwrap();
            recorded
                .lock()
                .unwrap()
                .push((format!("{group}/{action}"), request.clone()));
            let room_id = request["room_id"].as_str().unwrap_or_default().to_owned();
            let answer = match action.as_str() {
                "isRoomActive" => {
                    let active = open_rooms.lock().unwrap().contains(&room_id);
                    json!({"status": true, "msg": "", "status_code": "SUCCESS", "is_active": active})
                }
                "create" => {
                    tokio::time::sleep(delay).await;
                    if create_answer["status"] == true {
                        open_rooms.lock().unwrap().push(room_id);
                    }
                    create_answer
                }
                "getJoinToken" => json!({
                    "status": true, "msg": "success", "status_code": "SUCCESS",
                    "token": format!("pnm-token-for-{}", request["user_info"]["user_id"].as_str().unwrap()),
                }),
                "getDownloadToken" => json!({
                    "status": true, "msg": "success", "status_code": "SUCCESS",
                    "token": format!("dl-{}", request["record_id"].as_str().unwrap()),
                }),
                _ => json!({"status": false, "msg": "unknown", "status_code": "NOT_FOUND"}),
            };
            (axum::http::StatusCode::OK, axum::Json(answer))
        }
    };
    // The file behind a download token, as PlugNmeet's `/download/recording/:token` serves it.
    let download = |Path(token): Path<String>| async move {
        match token.strip_prefix("dl-") {
            Some(record_id) => (axum::http::StatusCode::OK, fake_recording(record_id)),
            None => (
                axum::http::StatusCode::UNAUTHORIZED,
                b"invalid token".to_vec(),
            ),
        }
    };
    let app = axum::Router::new()
        .route("/auth/{group}/{action}", axum::routing::post(handler))
        .route("/download/recording/{token}", axum::routing::get(download));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    FakePlugNmeet { base_url, calls }
}

async fn spawn_with_plugnmeet_at(server_url: &str) -> TestApp {
    spawn_app_with(&[
        ("PLUGNMEET_SERVER_URL", server_url),
        ("PLUGNMEET_API_KEY", PNM_KEY),
        ("PLUGNMEET_API_SECRET", PNM_SECRET),
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_participants_joining_at_once_open_the_room_once() {
    let created = json!({"status": true, "msg": "room created", "status_code": "SUCCESS",
                         "room_info": {"room_id": "x", "creation_time": "1700000000"}});
    let delay = std::time::Duration::from_millis(500);
    let plugnmeet = fake_plugnmeet_creating_in(created, delay).await;
    let app = spawn_with_plugnmeet_at(&plugnmeet.base_url).await;
    let (student, id) = session_starting_soon(&app, None).await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;
    let (students, teachers) = tokio::join!(join(&app, &student, &id), join(&app, &teacher, &id));
    assert_eq!(
        (students.0, teachers.0),
        (200, 200),
        "{students:?} {teachers:?}"
    );
    let creates = plugnmeet
        .calls
        .lock()
        .unwrap()
        .iter()
        .filter(|(path, _)| path == "room/create")
        .count();
    assert_eq!(creates, 1, "the room is created once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_keys_the_room_is_opened_once_at_plugnmeet_with_signed_requests_and_its_webhooks_verify()
 {
    let created = json!({"status": true, "msg": "room created", "status_code": "SUCCESS",
                         "room_info": {"room_id": "x", "creation_time": "1700000000"}});
    let plugnmeet = fake_plugnmeet(created).await;
    let app = spawn_with_plugnmeet_at(&plugnmeet.base_url).await;
    let (student, id) = session_starting_soon(&app, None).await;
    let teacher = log_in_as(&app, "priya.raman@example.com").await;

    let (status, joined) = join(&app, &student, &id).await;
    assert_eq!(status, 200, "{joined}");
    let student_id = student_id_of(&app, &id).await;
    let token = format!("pnm-token-for-{student_id}");
    assert_eq!(joined["token"].as_str(), Some(token.as_str()));
    assert_eq!(
        joined["url"].as_str(),
        Some(format!("{}/?access_token={token}", plugnmeet.base_url).as_str())
    );
    let (status, teaching) = join(&app, &teacher, &id).await;
    assert_eq!((status, teaching["is_admin"].as_bool()), (200, Some(true)));

    let calls = plugnmeet.calls.lock().unwrap().clone();
    let paths: Vec<&str> = calls.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "room/isRoomActive",
            "room/create",
            "room/getJoinToken",
            "room/isRoomActive",
            "room/getJoinToken",
        ],
        "the room is created once"
    );
    let create = &calls[1].1;
    assert_eq!(
        create["room_id"].as_str(),
        Some(format!("session-{id}").as_str())
    );
    assert_eq!(create["max_participants"], 2);
    assert_eq!(
        create["empty_timeout"], 900,
        "an empty room waits the join window's grace"
    );
    assert!(
        create["metadata"]["room_title"]
            .as_str()
            .unwrap()
            .contains("Priya")
    );
    assert_eq!(
        create["metadata"]["webhook_url"].as_str(),
        Some(app.url("/api/webhooks/plugnmeet").as_str())
    );
    assert!(create["metadata"]["room_features"].is_object());
    let teacher_join = &calls[4].1["user_info"];
    assert_eq!(teacher_join["user_id"].as_str(), Some(priya().as_str()));
    assert_eq!(teacher_join["is_admin"], true);
    assert_eq!(calls[2].1["user_info"]["is_admin"], false);

    // Webhooks verify with PlugNmeet's key and secret.
    let joined = event(
        "participant_joined",
        &format!("session-{id}"),
        Some(&student_id),
        now(),
    );
    let body = joined.to_string();
    let token = webhook_token(&body, PNM_KEY, PNM_SECRET, now());
    assert_eq!(post_webhook(&app, &body, Some(&token)).await.0, 200);
    assert_eq!(status_of(&app, &id).await, "in_progress");
    let local = webhook_token(
        &body,
        server::LOCAL_VIDEO_API_KEY,
        &app.state.video_webhook_key.api_secret,
        now(),
    );
    assert_eq!(app.state.video_webhook_key.api_key, PNM_KEY);
    assert_eq!(post_webhook(&app, &body, Some(&local)).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_plugnmeet_refuses_or_is_unreachable_the_participant_is_told_and_nothing_is_written() {
    let refused = json!({"status": false, "msg": "room creation failed",
                         "status_code": "INTERNAL_SERVER_ERROR"});
    let plugnmeet = fake_plugnmeet(refused).await;
    let app = spawn_with_plugnmeet_at(&plugnmeet.base_url).await;
    let (student, id) = session_starting_soon(&app, None).await;
    let (status, body) = join(&app, &student, &id).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (503, Some("Unable to connect."))
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM session_rooms").await, 0);

    // Nothing listens on the port: 503 at once, not a hang.
    let closed = closed_port_url();
    let app = spawn_with_plugnmeet_at(&closed).await;
    let (student, id) = session_starting_soon(&app, None).await;
    let (status, body) = join(&app, &student, &id).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (503, Some("Video service unavailable. Try again."))
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM session_rooms").await, 0);
    assert_eq!(status_of(&app, &id).await, "scheduled");
}

/// Where a plain form post on the room page sends the browser.
async fn submit_room_form(
    app: &TestApp,
    browser: &reqwest::Client,
    id: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> String {
    let page = format!("/sessions/{id}/room");
    let response =
        crate::payments::submit_form(app, browser, &page, &format!("{page}/{action}"), fields)
            .await;
    assert_eq!(response.status(), 303, "{action}");
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_page_joins_and_takes_feedback_without_javascript() {
    let created = json!({"status": true, "msg": "room created", "status_code": "SUCCESS"});
    let plugnmeet = fake_plugnmeet(created).await;
    let app = spawn_with_plugnmeet_at(&plugnmeet.base_url).await;
    let (student, id) = session_starting_soon(&app, None).await;
    let room = format!("/sessions/{id}/room");

    // The dashboard, the session page and the room page lead in.
    let dashboard = crate::payments::page_as(&app, &student, "/dashboard").await;
    assert!(
        dashboard.contains(&format!("href=\"{room}\"")),
        "SDSH links the room"
    );
    let page = crate::payments::page_as(&app, &student, &format!("/sessions/{id}")).await;
    assert!(
        page.contains(&format!("href=\"{room}\"")),
        "the session page links the room"
    );
    let page = crate::payments::page_as(&app, &student, &room).await;
    assert!(page.contains("data-testid=\"pre-join\""), "{page}");
    let entered = submit_room_form(&app, &student, &id, "join", &[]).await;
    let student_id = student_id_of(&app, &id).await;
    assert_eq!(
        entered,
        format!(
            "{}/?access_token=pnm-token-for-{student_id}",
            plugnmeet.base_url
        )
    );

    // Two hours before the start, the page says when the room opens.
    move_to_start_in(&app, &id, 2 * 3600).await;
    let page = crate::payments::page_as(&app, &student, &room).await;
    assert!(page.contains("The room opens at"), "{page}");
    assert!(!page.contains("data-testid=\"pre-join\""));
    // A hydrated page counts down to it: the place holds the seconds left when it was sent
    // (the room opens 15 minutes before the start: 1 h 45 min from now), and the room to go to.
    let countdown = page
        .split("data-testid=\"join-countdown\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_else(|| panic!("the room page counts down: {page}"));
    let seconds: i64 = countdown
        .split("data-seconds=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("the countdown says how long: {countdown}"));
    assert!((6_280..=6_300).contains(&seconds), "{seconds} s");
    assert!(
        countdown.contains(&format!("data-room=\"{room}\"")),
        "{countdown}"
    );
    let dashboard = crate::payments::page_as(&app, &student, "/dashboard").await;
    assert!(
        dashboard.contains("data-testid=\"join-countdown\""),
        "SDSH counts down too"
    );

    // Completed: a feedback form, which asks again for the stars, then thanks.
    move_to_start_in(&app, &id, 300).await;
    hold_room(
        &app,
        &id,
        &[
            ("participant_joined", &priya(), 0),
            ("participant_joined", &student_id, 0),
        ],
    )
    .await;
    let page = crate::payments::page_as(&app, &student, &room).await;
    assert!(page.contains("data-testid=\"feedback\""), "{page}");
    let back = submit_room_form(&app, &student, &id, "feedback", &[("comment", "Great")]).await;
    assert_eq!(back, format!("{room}?feedback=stars"));
    let page = crate::payments::page_as(&app, &student, &back).await;
    assert!(page.contains("Choose from 1 to 5 stars."), "{page}");
    let back = submit_room_form(
        &app,
        &student,
        &id,
        "feedback",
        &[("stars", "4"), ("comment", "Great")],
    )
    .await;
    assert_eq!(back, format!("{room}?feedback=sent"));
    let page = crate::payments::page_as(&app, &student, &back).await;
    assert!(page.contains("Thanks for your feedback."));
    assert!(!page.contains("data-testid=\"feedback\""), "once");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM session_feedback WHERE stars = 4"
        )
        .await,
        1
    );

    // PlugNmeet down: back to the room page, which says so and offers a retry.
    let closed = closed_port_url();
    let app = spawn_with_plugnmeet_at(&closed).await;
    let (student, id) = session_starting_soon(&app, None).await;
    let back = submit_room_form(&app, &student, &id, "join", &[]).await;
    assert_eq!(back, format!("/sessions/{id}/room?join=unavailable"));
    let page = crate::payments::page_as(&app, &student, &back).await;
    assert!(page.contains("Video service unavailable. Try again."));
    assert!(page.contains(">Retry<"), "{page}");

    // Without PlugNmeet, the built-in room checks the participant in.
    let app = spawn_app().await;
    let (student, id) = session_starting_soon(&app, None).await;
    let back = submit_room_form(&app, &student, &id, "join", &[]).await;
    assert_eq!(back, app.url(&format!("/sessions/{id}/room?join=local")));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM session_rooms").await, 1);
}

/// The `form-action` directive of a page's Content-Security-Policy.
async fn form_action_of_pages(app: &TestApp) -> String {
    let response = app.get("/").await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    policy
        .split(';')
        .map(str::trim)
        .find(|directive| directive.starts_with("form-action"))
        .expect("the policy limits where forms go")
        .to_owned()
}

/// SROM's join form is answered with a redirect into PlugNmeet's room, and browsers hold a form's
/// redirects to the page's `form-action` too: PlugNmeet's origin must be in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_plugnmeet_the_pages_let_the_join_form_go_on_into_its_room() {
    let app = spawn_with_plugnmeet_at("https://video.example:8443/").await;
    assert_eq!(
        form_action_of_pages(&app).await,
        "form-action 'self' https://video.example:8443"
    );
    let built_in = spawn_app().await;
    assert_eq!(form_action_of_pages(&built_in).await, "form-action 'self'");
}
