//! Spawns the real app on port 0 with a fresh database of its own, so tests run in parallel.
//! `PEERLOOP_TEST_DB` picks the backend: `sqlite` (default; a temp file) or `postgres` (a new
//! database on `PEERLOOP_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/test).

#![allow(dead_code)] // the benchmark uses a subset of these helpers

use backend::AppState;
use backend::db::Db;
use leptos::config::LeptosOptions;
use server::config::Config;
use sqlx::Connection;
use std::path::PathBuf;

/// A request that takes longer is a hang: fail the test instead of blocking the suite.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The password of every account the tests sign up.
pub const PASSWORD: &str = "correct horse battery staple";

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "peerloop-demo-2026";

/// The id the demo seed gives a record (`kind` user, course, enrollment…, `key` its name).
pub fn demo_id(kind: &str, key: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("peerloop-demo:{kind}:{key}").as_bytes(),
    )
    .to_string()
}

/// The demo course most journeys use, and the demo S-T who teaches it.
pub fn rust_course() -> String {
    demo_id("course", "rust-foundations")
}

pub fn priya() -> String {
    demo_id("user", "priya")
}

pub fn now() -> i64 {
    backend::store::unix_now()
}

pub fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).unwrap().to_string()
}

pub fn seconds(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_second()
}

/// Logs a demo account in from a new browser.
pub async fn log_in_as(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.new_browser();
    let (status, body) = app
        .post_json(
            &browser,
            "/api/auth/login",
            serde_json::json!({ "email": email, "password": DEMO_PASSWORD }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    browser
}

/// Makes the S-T available around the clock, every day, so a test or benchmark finds slots at
/// any distance from now whatever the weekday.
pub async fn open_around_the_clock(app: &TestApp, st_id: &str) {
    set_daily_hours(app, st_id, 0, 1440).await;
}

/// Gives the S-T the same hours every day, from `start_minute` to `end_minute` after local
/// midnight (1440 is the end of the day).
pub async fn set_daily_hours(app: &TestApp, st_id: &str, start_minute: i64, end_minute: i64) {
    sqlx::query("DELETE FROM st_weekly_hours WHERE st_id = $1")
        .bind(st_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    for weekday in 1..=7_i64 {
        sqlx::query(
            "INSERT INTO st_weekly_hours (st_id, weekday, start_minute, end_minute)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(st_id)
        .bind(weekday)
        .bind(start_minute)
        .bind(end_minute)
        .execute(app.db.pool())
        .await
        .unwrap();
    }
}

/// The single number a query returns.
/// Moves an hour-long session to start at `start` (its buffers with it), as if it had been
/// booked for then: into the past to have taken place, or near now to be joined.
pub async fn move_session(app: &TestApp, id: &str, start: i64) {
    sqlx::query(
        "UPDATE bookings SET start_at = $2, end_at = $2 + 3600, blocked_start = $2,
                blocked_end = $2 + 3600 WHERE id = $1",
    )
    .bind(id)
    .bind(start)
    .execute(app.db.pool())
    .await
    .unwrap();
}

/// A session's status as stored.
pub async fn status_of(app: &TestApp, booking_id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM bookings WHERE id = $1")
        .bind(booking_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// `n` new students enrolled in the course with `credits` sessions each, logged in (in
/// parallel); they share the demo password, whose hash is copied from a demo account.
pub async fn enrolled_students(
    app: &TestApp,
    n: usize,
    course_id: &str,
    credits: i64,
) -> Vec<reqwest::Client> {
    let hash: String = sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE email = 'sam.rivera@example.com'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    for i in 0..n {
        let id = format!("student-{i}");
        sqlx::query(
            "INSERT INTO users (id, name, email, email_normalized, time_zone, password_hash, created_at)
             VALUES ($1, $2, $3, $3, 'UTC', $4, 0)",
        )
        .bind(&id)
        .bind(format!("Student {i}"))
        .bind(format!("student{i}@example.com"))
        .bind(&hash)
        .execute(app.db.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at, session_credits)
             VALUES ($1, $2, $3, 'active', 0, $4)",
        )
        .bind(format!("enrollment-{i}"))
        .bind(&id)
        .bind(course_id)
        .bind(credits)
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    // All from one address: a log-in in flight counts against the address's throttle (20 in
    // 15 minutes) until its password checks out, so no more than a few run at once.
    let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
    let mut logins = tokio::task::JoinSet::new();
    for i in 0..n {
        let browser = app.new_browser();
        let url = app.url("/api/auth/login");
        let origin = app.base_url.clone();
        let in_flight = in_flight.clone();
        logins.spawn(async move {
            let _turn = in_flight.acquire().await.unwrap();
            let response = browser
                .post(url)
                .header("origin", origin)
                .json(&serde_json::json!({
                    "email": format!("student{i}@example.com"), "password": DEMO_PASSWORD
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            (i, browser)
        });
    }
    // In the students' order: browser i is student i's.
    let mut browsers = logins.join_all().await;
    browsers.sort_by_key(|(i, _)| *i);
    browsers.into_iter().map(|(_, browser)| browser).collect()
}

pub struct TestApp {
    pub base_url: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub backend: &'static str,
    pub state: AppState,
    /// This app server's outbox worker; it runs as long as the app does.
    pub background: Option<server::BackgroundWork>,
    pub database_url: String,
    sqlite_dir: Option<PathBuf>,
    /// The local blob store's directory (shared with a second instance, removed with the first).
    pub blob_dir: PathBuf,
    owns_blob_dir: bool,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("response is not JSON"))
    }

    /// A second browser: its own cookie jar, no session.
    pub fn new_browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// POSTs JSON from our own origin, as the site's pages would.
    pub async fn post_json(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = client
            .post(self.url(path))
            .header("origin", &self.base_url)
            .json(&body)
            .send()
            .await
            .expect("request failed");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn get_json_as(
        &self,
        client: &reqwest::Client,
        path: &str,
    ) -> (u16, serde_json::Value) {
        let response = client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// Signs up a new account in `client`'s cookie jar, as its owner would with the emailed
    /// link, and returns its id.
    pub async fn sign_up(&self, client: &reqwest::Client, name: &str, email: &str) -> String {
        let (status, started) = self
            .post_json(
                client,
                "/api/auth/signup",
                serde_json::json!({
                    "name": name, "email": email, "password": PASSWORD, "time_zone": "Europe/Berlin"
                }),
            )
            .await;
        assert_eq!(status, 202, "sign up failed: {started}");
        let token = self.signup_token(email).await;
        let (status, me) = self
            .post_json(
                client,
                "/api/auth/signup/confirm",
                serde_json::json!({ "token": token }),
            )
            .await;
        assert_eq!(status, 201, "confirming the sign-up failed: {me}");
        me["id"].as_str().unwrap().to_owned()
    }

    /// The token of the confirmation link queued for `email`'s sign-up (read from the outbox,
    /// where the worker finds it to build the email).
    pub async fn signup_token(&self, email: &str) -> String {
        let payloads: Vec<String> = sqlx::query_scalar(
            "SELECT o.payload FROM outbox o, signup_requests r
              WHERE o.kind = 'account_email' AND r.email = $1
                AND o.payload LIKE '%' || r.id || '%'",
        )
        .bind(email)
        .fetch_all(self.db.pool())
        .await
        .unwrap();
        let payload: serde_json::Value =
            serde_json::from_str(payloads.last().expect("a confirmation link was queued")).unwrap();
        payload["token"].as_str().unwrap().to_owned()
    }

    /// The browser's CSRF token, read from the forms of the settings page as a browser gets it.
    pub async fn csrf_token(&self, client: &reqwest::Client) -> String {
        self.form_token(client, "/settings").await
    }

    /// The CSRF token of the forms on `path`, as a browser without JavaScript gets it (the
    /// cookie it repeats lands in `client`'s jar).
    pub async fn form_token(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("request failed")
            .text()
            .await
            .unwrap();
        let marker = "name=\"csrf_token\" value=\"";
        let start = html
            .find(marker)
            .expect("the page has a form with a CSRF field")
            + marker.len();
        let token = &html[start..start + html[start..].find('"').unwrap()];
        assert!(!token.is_empty(), "the CSRF field is empty");
        token.to_owned()
    }

    /// Logs in through the plain HTML form of /login (no JavaScript), with `next` if given.
    pub async fn log_in_with_form(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
        next: Option<&str>,
    ) -> reqwest::Response {
        let token = self.form_token(client, "/login").await;
        let mut fields = vec![
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
        ];
        if let Some(next) = next {
            fields.push(("next", next));
        }
        self.post_form(client, "/rpc/log_in", &fields).await
    }

    /// Free slots of `st_id` over the next `days` days, as the REST API lists them.
    pub async fn free_slots_of(&self, st_id: &str, days: i64) -> Vec<serde_json::Value> {
        let from = now();
        let (status, body) = self
            .get_json(&format!(
                "/api/sts/{st_id}/availability?from={}&to={}",
                rfc3339(from),
                rfc3339(from + days * 86_400)
            ))
            .await;
        assert_eq!(status, 200, "{body}");
        body["slots"].as_array().unwrap().clone()
    }

    /// Books `start_at` with Priya in Rust Foundations for `browser`'s student; the session.
    pub async fn book_with_priya(
        &self,
        browser: &reqwest::Client,
        start_at: &str,
        minutes: i64,
    ) -> serde_json::Value {
        let (status, body) = self
            .post_json(
                browser,
                "/api/sessions",
                serde_json::json!({ "st_id": priya(), "course_id": rust_course(),
                                    "start_at": start_at, "duration_minutes": minutes }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Submits a form to a server function, as a plain HTML form on our site would (a browser
    /// navigating: it accepts HTML).
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .header("origin", &self.base_url)
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", format!("{}/settings", self.base_url))
            .form(fields)
            .send()
            .await
            .expect("request failed")
    }

    /// Calls a server function the way the hydrated app does: a `fetch` from our origin that
    /// accepts JSON.
    pub async fn call_server_fn(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .header("origin", &self.base_url)
            .header("accept", "application/json")
            .form(fields)
            .send()
            .await
            .expect("request failed")
    }

    pub async fn get_html(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (
            status,
            response.text().await.expect("response has no text body"),
        )
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if self.owns_blob_dir {
            let _ = std::fs::remove_dir_all(&self.blob_dir);
        }
    }
}

/// An address where nothing listens, so a connection is refused at once. Not a port bound and
/// let go: the tests run in parallel, and another test's server may get that port next. The
/// tests only listen on ports the system picks, which are never below 1024.
pub fn closed_port_url() -> String {
    "http://127.0.0.1:1".into()
}

pub fn test_backend() -> &'static str {
    match std::env::var("PEERLOOP_TEST_DB").as_deref() {
        Ok("postgres") => "postgres",
        Ok("sqlite") | Err(_) => "sqlite",
        Ok(other) => panic!("PEERLOOP_TEST_DB must be sqlite or postgres, not {other:?}"),
    }
}

/// A database URL that no other test uses: a temp SQLite file, or a new Postgres database
/// (named peerloop_test_*; scripts/test.sh drops leftovers).
pub async fn fresh_database_url() -> (String, Option<PathBuf>) {
    fresh_database_url_for(test_backend()).await
}

fn admin_pg_url() -> String {
    std::env::var("PEERLOOP_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into())
}

async fn fresh_database_url_for(backend: &str) -> (String, Option<PathBuf>) {
    let unique = uuid::Uuid::now_v7().simple().to_string();
    match backend {
        "postgres" => {
            let admin_url = admin_pg_url();
            // Spliced into CREATE DATABASE unquoted, and the 32-character unique part must still
            // fit PostgreSQL's 63-byte names. scripts/test.sh gives each run its own prefix.
            let prefix = std::env::var_os("PEERLOOP_TEST_DB_PREFIX").map_or_else(
                || "peerloop_test_".to_owned(),
                |prefix| prefix.to_string_lossy().into_owned(),
            );
            assert!(
                (1..=31).contains(&prefix.len())
                    && !prefix.starts_with(|c: char| c.is_ascii_digit())
                    && prefix
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "PEERLOOP_TEST_DB_PREFIX must be 1 to 31 characters of a-z, 0-9 and _, not \
                 starting with a digit; got {prefix:?}"
            );
            let name = format!("{prefix}{unique}");
            let mut admin = sqlx::postgres::PgConnection::connect(&admin_url)
                .await
                .unwrap_or_else(|error| {
                    panic!("PostgreSQL unreachable at PEERLOOP_TEST_PG_URL: {error}")
                });
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("CREATE DATABASE failed");
            admin.close().await.expect("closing the admin connection");
            let mut url =
                reqwest::Url::parse(&admin_url).expect("PEERLOOP_TEST_PG_URL is not a URL");
            url.set_path(&name);
            (url.to_string(), None)
        }
        _ => {
            let dir = std::env::temp_dir().join(format!("peerloop-test-{unique}"));
            (format!("sqlite://{}/peerloop.db", dir.display()), Some(dir))
        }
    }
}

impl TestApp {
    /// Another app server on this app's database, as behind a load balancer.
    pub async fn second_instance(&self) -> TestApp {
        let blob_dir = self.blob_dir.display().to_string();
        let mut second = spawn_on(
            self.backend,
            self.database_url.clone(),
            None,
            &[
                ("PEERLOOP_DB_MAX_CONNECTIONS", "20"),
                ("PEERLOOP_BLOB_DIR", &blob_dir),
            ],
        )
        .await;
        second.sqlite_dir = None;
        second.owns_blob_dir = false;
        second
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Spawns the app with extra configuration variables on top of the test defaults.
pub async fn spawn_app_with(vars: &[(&str, &str)]) -> TestApp {
    // Logs go through the test writer, so a failing test shows the server's side of the story.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .try_init();
    let (database_url, sqlite_dir) = fresh_database_url().await;
    spawn_on(test_backend(), database_url, sqlite_dir, vars).await
}

/// An app on the given backend (for benchmarks, which run both); `None` when Postgres is not
/// reachable.
pub async fn spawn_app_on_backend(backend: &'static str, vars: &[(&str, &str)]) -> Option<TestApp> {
    if backend == "postgres"
        && sqlx::postgres::PgConnection::connect(&admin_pg_url())
            .await
            .is_err()
    {
        return None;
    }
    let (database_url, sqlite_dir) = fresh_database_url_for(backend).await;
    Some(spawn_on(backend, database_url, sqlite_dir, vars).await)
}

async fn spawn_on(
    backend: &'static str,
    database_url: String,
    sqlite_dir: Option<PathBuf>,
    vars: &[(&str, &str)],
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let base_url = format!("http://{address}");
    let mut settings: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), database_url.clone()),
        ("PEERLOOP_PUBLIC_URL".into(), base_url.clone()),
        ("PEERLOOP_DEMO_DATA".into(), "true".into()),
        // Each test starts from an empty ledger; demo_money has a test of its own.
        ("PEERLOOP_DEMO_PAYMENTS".into(), "false".into()),
        ("PEERLOOP_DB_MAX_CONNECTIONS".into(), "5".into()),
        ("PEERLOOP_JOB_POLL_MS".into(), "100".into()),
        (
            "PEERLOOP_BLOB_DIR".into(),
            std::env::temp_dir()
                .join(format!("peerloop-blobs-{}", uuid::Uuid::now_v7().simple()))
                .display()
                .to_string(),
        ),
    ];
    settings.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let blob_dir = settings
        .iter()
        .rev()
        .find(|(name, _)| name == "PEERLOOP_BLOB_DIR")
        .map(|(_, dir)| PathBuf::from(dir))
        .expect("a blob directory is set");
    let config = Config::from_lookup(|name| {
        settings
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("test configuration is valid");

    let leptos_options = LeptosOptions::builder()
        .output_name("peerloop")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(address)
        .build();
    let state: AppState = server::build_state(&config)
        .await
        .expect("app state builds");
    let db = state.db.clone();
    let background = server::spawn_background_work(&state, &config);
    let trusted_proxy_hops = config.trusted_proxy_hops;
    let served_state = state.clone();
    tokio::spawn(async move {
        let app = server::router(served_state, leptos_options, trusted_proxy_hops)
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.unwrap();
    });
    TestApp {
        base_url,
        client: reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db,
        backend,
        state,
        background: Some(background),
        database_url,
        sqlite_dir,
        blob_dir,
        owns_blob_dir: true,
    }
}
