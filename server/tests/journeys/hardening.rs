//! Regression tests for the defects a security and correctness review found: open redirects
//! through `next`, the login throttle race, client addresses behind a proxy, session rows for
//! anonymous visitors, the last slot of the day, concurrent module completion, the frozen
//! cancellation policy, pool starvation on the booking page, admin "schedule later", calendar
//! methods, control characters in input, and sign-in checked before the body.

use crate::common;

use common::{
    DEMO_PASSWORD, PASSWORD, TestApp, count, demo_id, enrolled_students, log_in_as, now,
    open_around_the_clock, priya, rust_course, seconds, spawn_app, spawn_app_with,
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_redirects_only_to_paths_on_this_site() {
    let app = spawn_app().await;
    let hostile = [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "//evil.example",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "/%2f/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "",
    ];
    for next in hostile.into_iter().map(Some).chain([None]) {
        let response = app
            .log_in_with_form(
                &app.new_browser(),
                "sam.rivera@example.com",
                DEMO_PASSWORD,
                next,
            )
            .await;
        assert!(
            response.status().is_redirection(),
            "next {next:?}: {}",
            response.status()
        );
        let location = response.headers()["location"].to_str().unwrap();
        assert_eq!(location, "/dashboard", "next {next:?}");
    }
    // A NUL never gets that far: text with control characters is refused at the door.
    let response = app
        .log_in_with_form(
            &app.new_browser(),
            "sam.rivera@example.com",
            DEMO_PASSWORD,
            Some("/\u{0}x"),
        )
        .await;
    assert_eq!(response.status(), 400);
    let course = format!("/courses/{}?tab=modules", rust_course());
    let response = app
        .log_in_with_form(
            &app.new_browser(),
            "sam.rivera@example.com",
            DEMO_PASSWORD,
            Some(&course),
        )
        .await;
    assert_eq!(response.headers()["location"].to_str().unwrap(), course);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_wrong_passwords_get_at_most_five_guesses() {
    let app = spawn_app().await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..50 {
        let browser = app.new_browser();
        let url = app.url("/api/auth/login");
        let origin = app.base_url.clone();
        guesses.spawn(async move {
            browser
                .post(url)
                .header("origin", origin)
                .json(&json!({ "email": "sam.rivera@example.com", "password": format!("guess number {i}") }))
                .send()
                .await
                .expect("request failed")
                .status()
                .as_u16()
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|&&s| s == 401).count();
    let refused = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!((checked, refused), (5, 45), "{statuses:?}");
    let (status, _) = app
        .post_json(
            &app.new_browser(),
            "/api/auth/login",
            json!({ "email": "sam.rivera@example.com", "password": DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(status, 429, "the right password waits for the window too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_the_client_is_the_address_the_proxy_appended() {
    let app = spawn_app_with(&[("PEERLOOP_TRUST_FORWARDED_FOR", "true")]).await;
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "203.0.113.66, 198.51.100.7")
        .json(&json!({ "email": "sam.rivera@example.com", "password": "not the password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM login_failures WHERE subject = 'address:198.51.100.7'"
        )
        .await,
        1,
        "the spoofable leftmost entry is not the client"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_page_views_create_no_session_rows() {
    let app = spawn_app().await;
    let pages = [
        "/".to_owned(),
        format!("/courses/{}", rust_course()),
        "/login".to_owned(),
        "/signup".to_owned(),
        "/?q=rust".to_owned(),
    ];
    for _ in 0..20 {
        for page in &pages {
            let response = app
                .client
                .get(app.url(page))
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{page}");
        }
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 0);
    // A visitor's log-in form still works without JavaScript.
    let response = app
        .log_in_with_form(
            &app.new_browser(),
            "sam.rivera@example.com",
            DEMO_PASSWORD,
            None,
        )
        .await;
    assert!(response.status().is_redirection());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 1);
    // And a forged one, with a token that is not this visitor's own, does not.
    let token = app.form_token(&app.new_browser(), "/login").await;
    let other = app.new_browser();
    let _ = app.form_token(&other, "/login").await;
    let response = app
        .post_form(
            &other,
            "/rpc/log_in",
            &[
                ("csrf_token", &token),
                ("email", "sam.rivera@example.com"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hour_before_midnight_is_offered() {
    let app = spawn_app().await;
    common::set_daily_hours(&app, &priya(), 23 * 60, 24 * 60).await;
    let zone: String = sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
        .bind(priya())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let zone = jiff::tz::TimeZone::get(&zone).unwrap();
    let slots = app.free_slots_of(&priya(), 14).await;
    let hours: Vec<i8> = slots
        .iter()
        .filter(|slot| slot["duration_minutes"] == 60)
        .map(|slot| {
            let start: jiff::Timestamp = slot["start_at"].as_str().unwrap().parse().unwrap();
            start.to_zoned_datetime(zone.clone()).hour()
        })
        .collect();
    assert!(
        hours.len() >= 10,
        "an hour-long slot most nights: {slots:?}"
    );
    assert!(hours.iter().all(|&hour| hour == 23), "{hours:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn completing_the_last_modules_at_once_completes_the_course() {
    let app = spawn_app_with(&[("PEERLOOP_DB_MAX_CONNECTIONS", "20")]).await;
    let modules: Vec<String> =
        sqlx::query_scalar("SELECT id FROM course_modules WHERE course_id = $1 ORDER BY position")
            .bind(rust_course())
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert!(modules.len() >= 3);
    let students: Vec<(String, reqwest::Client)> = enrolled_students(&app, 16, &rust_course(), 4)
        .await
        .into_iter()
        .enumerate()
        .map(|(i, browser)| (format!("enrollment-{i}"), browser))
        .collect();
    let (last_two, first) = modules
        .split_last_chunk::<2>()
        .map(|(a, b)| (b, a))
        .unwrap();
    for (enrollment, student) in &students {
        for module in first {
            let response = app
                .call_server_fn(
                    student,
                    "/rpc/complete_module",
                    &[("enrollment_id", enrollment), ("module_id", module)],
                )
                .await;
            assert_eq!(response.status(), 200);
        }
    }
    let mut racers = tokio::task::JoinSet::new();
    for (enrollment, student) in &students {
        for module in last_two {
            let (enrollment, student, url, origin, module) = (
                enrollment.clone(),
                student.clone(),
                app.url("/rpc/complete_module"),
                app.base_url.clone(),
                module.clone(),
            );
            racers.spawn(async move {
                student
                    .post(url)
                    .header("origin", origin)
                    .header("accept", "application/json")
                    .form(&[("enrollment_id", enrollment), ("module_id", module)])
                    .send()
                    .await
                    .expect("request failed")
                    .status()
                    .as_u16()
            });
        }
    }
    let statuses = racers.join_all().await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM enrollments WHERE id LIKE 'enrollment-%' AND status = 'completed'"
        )
        .await,
        16,
        "every enrollment at 100 % is completed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_follows_the_policy_shown_when_booking() {
    let app = spawn_app().await;
    open_around_the_clock(&app, &priya()).await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    // 30 hours ahead: free to cancel under the 24-hour policy shown at booking.
    let slot = app
        .free_slots_of(&priya(), 3)
        .await
        .into_iter()
        .find(|s| {
            let start = seconds(s["start_at"].as_str().unwrap());
            s["duration_minutes"] == 60 && start > now() + 30 * 3600 && start < now() + 40 * 3600
        })
        .expect("with every hour open there is a slot 30 to 40 hours ahead");
    let session = app
        .book_with_priya(&sam, slot["start_at"].as_str().unwrap(), 60)
        .await;
    let id = session["id"].as_str().unwrap();
    sqlx::query("UPDATE st_availability SET free_cancel_hours = 72 WHERE st_id = $1")
        .bind(priya())
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .post_json(&sam, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM bookings WHERE late_cancellation = TRUE"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_booking_pages_at_once_fit_a_pool_of_five() {
    let app = spawn_app_with(&[("PEERLOOP_DB_MAX_CONNECTIONS", "5")]).await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let mut renders = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let (sam, url) = (
            sam.clone(),
            app.url(&format!("/courses/{}/book?st={}", rust_course(), priya())),
        );
        renders.spawn(async move {
            sam.get(url)
                .header("accept", "text/html")
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        });
    }
    let statuses = renders.join_all().await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_can_set_a_students_session_to_schedule_later() {
    let app = spawn_app().await;
    let admin = log_in_as(&app, "admin@example.com").await;
    let enrollment = demo_id("enrollment", "sam:rust-foundations");
    let (status, body) = app
        .post_json(
            &admin,
            &format!("/api/enrollments/{enrollment}/deferred"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["session_credits"].as_i64(),
            body["deferred_credits"].as_i64()
        ),
        (Some(4), Some(1))
    );
}

/// The session's calendar file, unfolded (RFC 5545 folds lines longer than 75 octets).
async fn calendar(app: &TestApp, browser: &reqwest::Client, id: &str) -> String {
    browser
        .get(app.url(&format!("/api/sessions/{id}/calendar-export")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_files_say_request_or_cancel_and_who_takes_part() {
    let app = spawn_app().await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let slot = app
        .free_slots_of(&priya(), 14)
        .await
        .into_iter()
        .rfind(|s| s["duration_minutes"] == 60)
        .unwrap();
    let session = app
        .book_with_priya(&sam, slot["start_at"].as_str().unwrap(), 60)
        .await;
    let id = session["id"].as_str().unwrap();
    let booked = calendar(&app, &sam, id).await;
    for line in [
        "METHOD:REQUEST",
        "ORGANIZER;CN=Priya Raman:mailto:priya.raman@example.com",
        "mailto:sam.rivera@example.com",
        &format!("UID:{id}@peerloop"),
        "SEQUENCE:0",
    ] {
        assert!(booked.contains(line), "{line} in {booked}");
    }
    assert!(booked.contains("ATTENDEE"), "{booked}");
    let (status, _) = app
        .post_json(&sam, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200);
    let cancelled = calendar(&app, &sam, id).await;
    for line in [
        "METHOD:CANCEL",
        "STATUS:CANCELLED",
        "SEQUENCE:1",
        &format!("UID:{id}@peerloop"),
    ] {
        assert!(cancelled.contains(line), "{line} in {cancelled}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_text_input_are_a_400_not_a_500() {
    let app = spawn_app().await;
    for query in ["q=%00", "q=rust%00", "q=%1B%5B31m"] {
        let (status, body) = app.get_json(&format!("/api/courses?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("control character"),
            "{body}"
        );
    }
    let (status, _) = app.get_json("/api/courses?q=rust").await;
    assert_eq!(status, 200);
    let (status, body) = app
        .post_json(
            &app.new_browser(),
            "/api/auth/signup",
            json!({ "name": "Nul\u{0}Byte", "email": "nul@example.com",
                    "password": PASSWORD, "time_zone": "UTC" }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let response = app
        .call_server_fn(
            &sam,
            "/rpc/update_profile",
            &[("name", "Sam\u{0}"), ("time_zone", "UTC"), ("bio", "")],
        )
        .await;
    assert_eq!(response.status(), 400);
    let html = app
        .client
        .get(app.url("/?q=%00"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 400);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE name LIKE 'Sam%' AND name <> 'Sam Rivera'"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_clients_learn_they_must_sign_in_before_anything_about_the_body() {
    let app = spawn_app().await;
    for body in ["", "not json", "{}"] {
        let response = app
            .client
            .post(app.url("/api/sessions"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "body {body:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_answers_a_taken_email_exactly_like_a_new_one() {
    let app = spawn_app().await;
    let attempt = |email: &'static str| {
        let app = &app;
        async move {
            let response = app
                .new_browser()
                .post(app.url("/api/auth/signup"))
                .header("origin", &app.base_url)
                .json(&json!({ "name": "Someone", "email": email,
                               "password": PASSWORD, "time_zone": "UTC" }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let signed_in = response
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|cookie| cookie.to_str().unwrap().starts_with("peerloop_session="));
            (status, signed_in, response.text().await.unwrap())
        }
    };
    let taken = attempt("Sam.Rivera@example.com").await;
    let new = attempt("brand.new@example.com").await;
    assert_eq!(taken, new, "the answer tells nothing about the address");
    assert_eq!(taken.0, 202, "{taken:?}");
}
