//! Accounts and their security properties: sign up, log in and out, session rotation and
//! expiry, log out everywhere, Origin and CSRF checks, login throttling.

use crate::common;

use common::{PASSWORD, spawn_app, spawn_app_with};
use serde_json::json;

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .cookies()
        .find(|cookie| cookie.name() == "peerloop_session")
        .map(|cookie| cookie.value().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_emails_a_link_that_creates_and_signs_in_the_account() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    let browser = app.new_browser();
    let (status, started) = app
        .post_json(
            &browser,
            "/api/auth/signup",
            json!({ "name": "  Grace  Hopper ", "email": "Grace@Example.com",
                    "password": PASSWORD, "time_zone": "america/new_york" }),
        )
        .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(
        started["message"],
        "Check your email: we sent a link to finish creating your account."
    );
    assert_eq!(app.get_json_as(&browser, "/api/me").await.0, 401);
    assert_eq!(
        common::count(
            &app,
            "SELECT COUNT(*) FROM users WHERE email_normalized = 'grace@example.com'"
        )
        .await,
        0,
        "no account before the address is confirmed"
    );

    server::jobs::drain_due(&app.state, backend::store::unix_now)
        .await
        .unwrap();
    let (to, subject, text): (String, String, String) =
        sqlx::query_as("SELECT sent_to, subject, text_body FROM dev_mailbox")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (
            "Grace@Example.com",
            "Confirm your email to finish signing up"
        )
    );
    let token = app.signup_token("Grace@Example.com").await;
    assert!(
        text.contains(&format!("{}/signup/confirm?token={token}", app.base_url)),
        "{text}"
    );

    let (status, me) = app
        .post_json(
            &browser,
            "/api/auth/signup/confirm",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(status, 201, "{me}");
    assert_eq!(me["name"], "Grace Hopper");
    assert_eq!(me["email"], "Grace@Example.com");
    assert_eq!(me["time_zone"], "America/New_York");
    assert_eq!(me["roles"], json!(["student"]));
    assert_eq!(me["courses_taught"], json!([]));
    let (status, again) = app.get_json_as(&browser, "/api/me").await;
    assert_eq!((status, again), (200, me));
    let (status, reused) = app
        .post_json(
            &app.new_browser(),
            "/api/auth/signup/confirm",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(status, 404, "a link works once: {reused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    let (status, _) = app
        .post_json(
            &browser,
            "/api/auth/signup",
            json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD, "time_zone": "UTC" }),
        )
        .await;
    assert_eq!(status, 202);
    let response = browser
        .post(app.url("/api/auth/signup/confirm"))
        .json(&json!({ "token": app.signup_token("ada@example.com").await }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("peerloop_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    // Served over plain http here, so not Secure (it is when PEERLOOP_PUBLIC_URL is https).
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_sign_ups_get_a_message_per_field_and_create_nothing() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    let (status, body) = app
        .post_json(
            &browser,
            "/api/auth/signup",
            json!({ "name": "", "email": "nope", "password": "short", "time_zone": "Mars/Base" }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid");
    for field in ["name", "email", "password", "time_zone"] {
        assert!(
            body["fields"][field].is_string(),
            "no message for {field}: {body}"
        );
    }
    let users: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_normalized = 'nope'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(users, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_email_gets_no_second_account_and_its_owner_is_told() {
    let app = spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    app.sign_up(&app.new_browser(), "First", "same@example.com")
        .await;
    sqlx::query("DELETE FROM outbox")
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, body) = app
        .post_json(
            &app.new_browser(),
            "/api/auth/signup",
            json!({ "name": "Second", "email": "SAME@example.com", "password": PASSWORD, "time_zone": "UTC" }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        common::count(&app, "SELECT COUNT(*) FROM signup_requests").await,
        0,
        "no link that could make a second account"
    );
    server::jobs::drain_due(&app.state, backend::store::unix_now)
        .await
        .unwrap();
    let mail: Vec<(String, String)> = sqlx::query_as("SELECT sent_to, subject FROM dev_mailbox")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        mail,
        [(
            "same@example.com".to_owned(),
            "Someone tried to sign up with your email".to_owned()
        )]
    );
    assert_eq!(
        common::count(
            &app,
            "SELECT COUNT(*) FROM users WHERE email_normalized = 'same@example.com'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.sign_up(&app.new_browser(), "Ada", "ada@example.com")
        .await;
    let browser = app.new_browser();
    let wrong = app
        .post_json(
            &browser,
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": "not the password" }),
        )
        .await;
    let unknown = app
        .post_json(
            &browser,
            "/api/auth/login",
            json!({ "email": "nobody@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown);
    assert_eq!(
        wrong.1["message"],
        "That email and password don't match an account."
    );
    let (status, _) = app.get_json_as(&browser, "/api/me").await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_issues_a_new_session_id_and_the_old_one_is_worthless() {
    let app = spawn_app().await;
    app.sign_up(&app.new_browser(), "Ada", "ada@example.com")
        .await;
    // A visitor whose plain log-in form failed has an anonymous session (it carries the
    // failure back to the form): an id someone could have planted before the log in.
    let visitor = app.new_browser();
    let html = visitor
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let token = &html[start..start + html[start..].find('"').unwrap()];
    let failed = app
        .post_form(
            &visitor,
            "/rpc/log_in",
            &[
                ("csrf_token", token),
                ("email", "ada@example.com"),
                ("password", "wrong"),
            ],
        )
        .await;
    let before = session_cookie(&failed).expect("anonymous session cookie");
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("origin", &app.base_url)
        .header("cookie", format!("peerloop_session={before}"))
        .json(&json!({ "email": "ada@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let after = session_cookie(&response).expect("new session cookie");
    assert_ne!(before, after, "the session id must change at log in");
    let me_with = |id: String| {
        app.client
            .get(app.url("/api/me"))
            .header("cookie", format!("peerloop_session={id}"))
            .send()
    };
    assert_eq!(me_with(after).await.unwrap().status(), 200);
    assert_eq!(me_with(before).await.unwrap().status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_ends_the_session() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sign_up(&browser, "Ada", "ada@example.com").await;
    let (status, _) = app.post_json(&browser, "/api/auth/logout", json!({})).await;
    assert_eq!(status, 204);
    let (status, body) = app.get_json_as(&browser, "/api/me").await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({ "error": "unauthorized", "message": "Please log in to continue." })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_everywhere_ends_every_session_of_the_user() {
    let app = spawn_app().await;
    let laptop = app.new_browser();
    let phone = app.new_browser();
    let bystander = app.new_browser();
    app.sign_up(&laptop, "Ada", "ada@example.com").await;
    app.sign_up(&bystander, "Bob", "bob@example.com").await;
    let (status, _) = app
        .post_json(
            &phone,
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200);

    let token = app.csrf_token(&laptop).await;
    let response = app
        .post_form(
            &laptop,
            "/rpc/log_out_everywhere",
            &[("csrf_token", &token)],
        )
        .await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );

    assert_eq!(app.get_json_as(&laptop, "/api/me").await.0, 401);
    assert_eq!(app.get_json_as(&phone, "/api/me").await.0, 401);
    assert_eq!(
        app.get_json_as(&bystander, "/api/me").await.0,
        200,
        "other users stay signed in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let laptop = app.new_browser();
    let phone = app.new_browser();
    app.sign_up(&laptop, "Ada", "ada@example.com").await;
    let (status, _) = app
        .post_json(
            &phone,
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200);
    let new_password = "an even better passphrase";
    let wrong = app
        .call_server_fn(
            &laptop,
            "/rpc/change_password",
            &[
                ("current_password", "not it at all"),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(
        app.get_json_as(&phone, "/api/me").await.0,
        200,
        "a failed change ends nothing"
    );
    let response = app
        .call_server_fn(
            &laptop,
            "/rpc/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.get_json_as(&laptop, "/api/me").await.0, 200);
    assert_eq!(app.get_json_as(&phone, "/api/me").await.0, 401);
    let (status, _) = app
        .post_json(
            &app.new_browser(),
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": new_password }),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_from_other_origins_are_rejected() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sign_up(&browser, "Ada", "ada@example.com").await;
    let logout = |origin: Option<&str>| {
        let mut request = browser.post(app.url("/api/auth/logout"));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let response = logout(origin).await.unwrap();
        assert_eq!(response.status(), 403, "origin {origin:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "forbidden");
    }
    assert_eq!(
        app.get_json_as(&browser, "/api/me").await.0,
        200,
        "nothing changed"
    );
    // A Referer from our own site is accepted in place of Origin.
    let response = browser
        .post(app.url("/api/auth/logout"))
        .header("referer", format!("{}/settings", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_forms_without_this_sessions_csrf_token_are_rejected() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sign_up(&browser, "Ada", "ada@example.com").await;
    let fields = |token: &'static str| {
        [
            ("csrf_token", token),
            ("name", "Mallory"),
            ("time_zone", "UTC"),
            ("bio", "pwned"),
        ]
    };
    for token in ["", "not-the-token"] {
        let response = app
            .post_form(&browser, "/rpc/update_profile", &fields(token))
            .await;
        assert_eq!(response.status(), 403, "token {token:?}");
    }
    let me = app.get_json_as(&browser, "/api/me").await.1;
    assert_eq!(me["name"], "Ada", "nothing changed");

    let token = app.csrf_token(&browser).await;
    let response = app
        .post_form(
            &browser,
            "/rpc/update_profile",
            &[
                ("csrf_token", &token),
                ("name", "Ada L."),
                ("time_zone", "Asia/Kolkata"),
                ("bio", "Hi"),
            ],
        )
        .await;
    assert_eq!(response.status(), 302, "a plain form returns to its page");
    let me = app.get_json_as(&browser, "/api/me").await.1;
    assert_eq!(
        (me["name"].as_str(), me["time_zone"].as_str()),
        (Some("Ada L."), Some("Asia/Kolkata"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_plain_form_returns_to_its_page_with_the_errors_kept_for_it() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sign_up(&browser, "Ada", "ada@example.com").await;
    let token = app.csrf_token(&browser).await;
    let response = app
        .post_form(
            &browser,
            "/rpc/update_profile",
            &[
                ("csrf_token", &token),
                ("name", ""),
                ("time_zone", "Nowhere/Special"),
                ("bio", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with(&format!("{}/settings", app.base_url)),
        "{location}"
    );
    let (_, failure) = app
        .get_json_as(&browser, "/rpc/take_form_failure?form=profile")
        .await;
    assert_eq!(failure["error"]["kind"], "invalid");
    assert_eq!(failure["error"]["message"]["name"], "Enter your name.");
    assert_eq!(failure["values"]["time_zone"], "Nowhere/Special");
    let (_, again) = app
        .get_json_as(&browser, "/rpc/take_form_failure?form=profile")
        .await;
    assert_eq!(again, serde_json::Value::Null, "shown once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hydrated_apps_calls_are_covered_by_the_origin_check() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sign_up(&browser, "Ada", "ada@example.com").await;
    let fields = [("name", "Ada L."), ("time_zone", "UTC"), ("bio", "")];
    let forged = browser
        .post(app.url("/rpc/update_profile"))
        .header("origin", "https://evil.example")
        .header("accept", "application/json")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(app.get_json_as(&browser, "/api/me").await.1["name"], "Ada");
    let response = app
        .call_server_fn(&browser, "/rpc/update_profile", &fields)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.get_json_as(&browser, "/api/me").await.1["name"],
        "Ada L."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_an_account_for_a_while() {
    let app = spawn_app().await;
    app.sign_up(&app.new_browser(), "Ada", "ada@example.com")
        .await;
    let browser = app.new_browser();
    let attempt = |password: &'static str| {
        app.post_json(
            &browser,
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": password }),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password!").await.0, 401);
    }
    let (status, body) = attempt(PASSWORD).await;
    assert_eq!(status, 429, "even the right password waits: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many failed log-in attempts.")
    );
    // Other accounts are not locked by one account's failures.
    app.sign_up(&app.new_browser(), "Bob", "bob@example.com")
        .await;
    let (status, _) = app
        .post_json(
            &browser,
            "/api/auth/login",
            json!({ "email": "bob@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_from_one_address_are_throttled_across_accounts() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    for attempt in 0..20 {
        let email = format!("guess{}@example.com", attempt % 4);
        let (status, _) = app
            .post_json(
                &browser,
                "/api/auth/login",
                json!({ "email": email, "password": "guessing wrong" }),
            )
            .await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    let (status, _) = app
        .post_json(
            &browser,
            "/api/auth/login",
            json!({ "email": "fresh@example.com", "password": "x" }),
        )
        .await;
    assert_eq!(status, 429);
}

/// Moves the start of every stored session `secs` into the past (its expiry stays).
async fn move_session_starts_back(app: &common::TestApp, secs: i64) {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, data FROM sessions")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    for (id, data) in rows {
        let mut data: serde_json::Value = serde_json::from_str(&data).unwrap();
        if let Some(started) = data.get_mut("started_at") {
            *started = json!(started.as_i64().unwrap() - secs);
        }
        sqlx::query("UPDATE sessions SET data = $1 WHERE id = $2")
            .bind(data.to_string())
            .bind(id)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_past_their_absolute_lifetime_are_ended() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sign_up(&browser, "Ada", "ada@example.com").await;
    move_session_starts_back(&app, backend::auth::ABSOLUTE_LIFETIME_SECS + 1).await;
    assert_eq!(app.get_json_as(&browser, "/api/me").await.0, 401);
}

/// A session in use is renewed: its idle timeout counts from the last visit (give or take
/// `RENEW_EVERY_SECS`), not from the log-in, so someone who comes back daily stays signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_in_use_is_renewed() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    app.sign_up(&browser, "Ada", "ada@example.com").await;
    // As if Ada had logged in two days ago and not been seen since.
    let two_days = 2 * 86_400;
    let now = common::now();
    move_session_starts_back(&app, two_days).await;
    sqlx::query("UPDATE sessions SET expires_at = expires_at - $1")
        .bind(two_days)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(app.get_json_as(&browser, "/api/me").await.0, 200);
    let expires_at: i64 = sqlx::query_scalar("SELECT MAX(expires_at) FROM sessions")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(
        expires_at >= now + backend::auth::IDLE_TIMEOUT_SECS - 60,
        "the visit did not renew the session: it expires {} s from now",
        expires_at - now
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_functions_read_the_user_through_the_rest_apis_extractor() {
    let app = spawn_app().await;
    // Nobody signed in: the same 401 and message as the REST API, not a server error.
    let (status, body) = app
        .get_json_as(&app.new_browser(), "/rpc/student_dashboard")
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["kind"], "unauthorized", "{body}");
    let (rest_status, rest_body) = app.get_json("/api/me").await;
    assert_eq!(
        (rest_status, rest_body["error"].as_str()),
        (401, Some("unauthorized"))
    );

    // Signed in: the user's own dashboard.
    let sam = common::log_in_as(&app, "sam.rivera@example.com").await;
    let (status, body) = app.get_json_as(&sam, "/rpc/student_dashboard").await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.as_array().unwrap().is_empty(), "{body}");

    // A session ended by "log out everywhere" elsewhere is refused here too.
    let elsewhere = common::log_in_as(&app, "sam.rivera@example.com").await;
    let response = app
        .call_server_fn(&elsewhere, "/rpc/log_out_everywhere", &[])
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let (status, _) = app.get_json_as(&sam, "/rpc/student_dashboard").await;
    assert_eq!(status, 401);
}
