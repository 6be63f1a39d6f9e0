//! The emails a booking sends, locally and through Resend with retries.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_participants_get_a_confirmation_with_the_calendar_file_and_reminders_follow() {
    // This test drives the outbox itself, so the app runs no worker of its own.
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let start_at = slot["start_at"].as_str().unwrap();
    let (_, session, _) = book(&app, &sam, start_at, 60, None).await;
    let id = session["id"].as_str().unwrap();

    server::jobs::drain_due(&app.state, now).await.unwrap();
    let messages = mailbox(&app).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let recipients: Vec<&str> = messages.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(
        recipients,
        ["priya.raman@example.com", "sam.rivera@example.com"]
    );
    for (_, subject, text, attachment) in &messages {
        assert!(
            subject.starts_with("Session booked: Rust Foundations"),
            "{subject}"
        );
        let ics = attachment.as_ref().expect("the .ics is attached");
        assert!(ics.contains(&format!("UID:{id}@peerloop")), "{ics}");
        assert!(text.contains(&format!("/sessions/{id}")), "{text}");
    }
    // The student sees the time in their own zone, the S-T in theirs.
    let sam_zone: String =
        sqlx::query_scalar("SELECT time_zone FROM users WHERE email = 'sam.rivera@example.com'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let sam_text = &messages[1].2;
    assert!(sam_text.contains(&format!("({sam_zone})")), "{sam_text}");
    assert!(
        messages[0].2.contains("(Asia/Kolkata)"),
        "{}",
        messages[0].2
    );

    // Reminders wait in the outbox; they go out when due, once.
    let start = seconds(start_at);
    let reminders = count(
        &app,
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND payload LIKE '%reminder%'",
    )
    .await;
    assert!(reminders >= 2, "at least the 1-hour reminders are queued");
    server::jobs::drain_due(&app.state, || start - 3600 + 1)
        .await
        .unwrap();
    server::jobs::drain_due(&app.state, || start - 3600 + 1)
        .await
        .unwrap();
    let all = mailbox(&app).await;
    assert_eq!(all.len() as i64, 2 + reminders);
    assert!(all.iter().filter(|m| m.1.starts_with("Reminder:")).count() as i64 == reminders);
}

/// A stand-in for Resend's API at the wire: records each request, and answers the first with
/// 503 so the retry path runs.
#[derive(Clone, Default)]
struct FakeResend {
    requests: std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, Value)>>>,
}

async fn fake_resend() -> (String, FakeResend) {
    use axum::http::StatusCode;
    let fake = FakeResend::default();
    let recorded = fake.clone();
    let router = axum::Router::new().route(
        "/emails",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let recorded = recorded.clone();
                async move {
                    let mut requests = recorded.requests.lock().unwrap();
                    requests.push((headers.clone(), body.clone()));
                    // Like Resend: a key seen before with another body is refused; with the
                    // same body the first answer's message is the answer.
                    let key = headers["idempotency-key"].to_str().unwrap().to_owned();
                    let earlier = requests[..requests.len() - 1]
                        .iter()
                        .find(|(h, _)| h["idempotency-key"] == key.as_str());
                    if let Some((_, earlier_body)) = earlier {
                        if *earlier_body != body {
                            return (StatusCode::CONFLICT, axum::Json(json!({"statusCode": 409, "name": "invalid_idempotent_request", "message": "Same idempotency key used with a different request payload."})));
                        }
                        return (StatusCode::OK, axum::Json(json!({"id": key})));
                    }
                    if requests.len() == 1 {
                        // Accepted, but the answer is lost: the sender sees a 503.
                        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"statusCode": 503, "name": "internal_server_error", "message": "try later"})))
                    } else {
                        (StatusCode::OK, axum::Json(json!({"id": key})))
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, fake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_resend_key_emails_go_to_resend_with_an_idempotency_key_and_are_retried() {
    use base64::Engine;
    let (resend_url, fake) = fake_resend().await;
    let app = spawn_app_with(&[
        ("RESEND_API_KEY", "re_test_key"),
        ("RESEND_BASE_URL", &resend_url),
        ("PEERLOOP_MAIL_FROM", "PeerLoop <sessions@example.com>"),
        // The test drives the outbox itself.
        ("PEERLOOP_RUN_JOBS", "false"),
    ])
    .await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = free_slots(&app, 60, 14).await[0].clone();
    let (status, ..) = book(&app, &sam, slot["start_at"].as_str().unwrap(), 60, None).await;
    assert_eq!(status, 201);
    server::jobs::drain_due(&app.state, now).await.unwrap();
    assert_eq!(fake.requests.lock().unwrap().len(), 2, "both sent once");
    // Meanwhile a participant renames themselves: a message rebuilt now would differ, and
    // Resend refuses a changed payload under a key it has seen.
    sqlx::query("UPDATE users SET name = 'Sam R.' WHERE email = 'sam.rivera@example.com'")
        .execute(app.db.pool())
        .await
        .unwrap();
    // The first attempt got a 503 and waits for its retry (30 s); run the worker as if then.
    server::jobs::drain_due(&app.state, || now() + 31)
        .await
        .unwrap();
    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3, "two emails, one of them sent twice");
    assert_eq!(
        requests[0].0["idempotency-key"], requests[2].0["idempotency-key"],
        "the retry carries the first attempt's key"
    );
    assert_eq!(
        requests[0].1, requests[2].1,
        "the retry sends the same bytes (Resend refuses a changed payload under one key)"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'done'").await,
        2,
        "both delivered, neither parked as dead"
    );
    assert_ne!(
        requests[1].0["idempotency-key"],
        requests[0].0["idempotency-key"]
    );
    let mut recipients = Vec::new();
    for (headers, body) in &requests {
        assert_eq!(headers["authorization"], "Bearer re_test_key");
        assert_eq!(body["from"], "PeerLoop <sessions@example.com>");
        assert!(
            body["subject"]
                .as_str()
                .unwrap()
                .starts_with("Session booked")
        );
        assert!(body["html"].as_str().unwrap().contains("<p>"));
        assert!(body["text"].as_str().unwrap().contains("/sessions/"));
        let attachment = &body["attachments"][0];
        assert_eq!(
            attachment["content_type"],
            "text/calendar; charset=utf-8; method=REQUEST"
        );
        let ics = base64::engine::general_purpose::STANDARD
            .decode(attachment["content"].as_str().unwrap())
            .unwrap();
        assert!(
            String::from_utf8(ics)
                .unwrap()
                .starts_with("BEGIN:VCALENDAR")
        );
        recipients.push(body["to"][0].as_str().unwrap().to_owned());
    }
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients,
        ["priya.raman@example.com", "sam.rivera@example.com"]
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM dev_mailbox").await,
        0,
        "nothing goes to the local mailbox when Resend is configured"
    );
}
