//! Journey: browse the catalog and open a course (home → CDET), over REST, server functions and
//! server-rendered pages, plus the operations endpoints every deployment relies on.

use crate::common;

use common::spawn_app;
use serde_json::Value;
use sqlx::Connection;

async fn course_id_by_title(app: &common::TestApp, title: &str) -> String {
    let (_, body) = app.get_json("/api/courses").await;
    body["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|course| course["title"] == title)
        .unwrap_or_else(|| panic!("no course titled {title}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn course_title(app: &common::TestApp, path: &str) -> String {
    app.get_json(path).await.1["title"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A change made behind the app's back, as another app server or an operator would.
async fn rename(app: &common::TestApp, id: &str, title: &str) {
    sqlx::query("UPDATE courses SET title = $1 WHERE id = $2")
        .bind(title)
        .bind(id)
        .execute(app.db.pool())
        .await
        .unwrap();
}

fn titles(body: &Value) -> Vec<&str> {
    body["courses"]
        .as_array()
        .expect("courses is an array")
        .iter()
        .map(|course| course["title"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_the_database_the_suite_was_asked_for() {
    let app = spawn_app().await;
    eprintln!("integration suite backend: {}", app.backend);
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        serde_json::json!({ "status": "ready", "database": app.backend })
    );
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!((status, body), (200, serde_json::json!({ "status": "ok" })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
}

/// A pooled connection that sat idle is checked before a request gets it, so one that died
/// meanwhile (Postgres restarted or failed over: here its server processes are terminated) is
/// replaced instead of failing the request. On SQLite, where a connection cannot be cut, the same
/// check runs on connections idle past it and must not get in the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_died_while_idle_is_replaced_before_a_request_uses_it() {
    // No outbox worker: its polls would find the dead connections first.
    let app = common::spawn_app_with(&[("PEERLOOP_RUN_JOBS", "false")]).await;
    // A search: it always reads the database (the home page's list is kept for a moment).
    let search = "/api/courses?search=rust";
    assert_eq!(app.get_json(search).await.0, 200);
    if app.backend == "postgres" {
        let mut admin = sqlx::postgres::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        let cut: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&mut admin)
        .await
        .unwrap();
        assert!(!cut.is_empty(), "the app's pooled connections were cut");
    }
    tokio::time::sleep(backend::db::PING_WHEN_IDLE_FOR).await;
    for _ in 0..5 {
        let (status, body) = app.get_json(search).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_lists_demo_courses_alphabetically_with_prices() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/courses").await;
    assert_eq!(status, 200);
    assert_eq!(
        titles(&body),
        [
            "Async Rust in Practice",
            "Rust Foundations",
            "SQL for Application Developers",
            "UX Design for Engineers"
        ]
    );
    let rust = &body["courses"][1];
    assert_eq!(
        rust["price"],
        serde_json::json!({ "cents": 4900, "currency": "usd" })
    );
    assert_eq!(rust["level"], "beginner");
    assert_eq!(rust["creator"]["name"], "Maya Chen");
    assert_eq!(rust["module_count"], 5);
    assert_eq!(rust["total_minutes"], 210);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_search_matches_title_summary_and_creator_case_insensitively() {
    let app = spawn_app().await;
    let (_, body) = app.get_json("/api/courses?q=RUST").await;
    assert_eq!(
        titles(&body),
        ["Async Rust in Practice", "Rust Foundations"]
    );
    let (_, body) = app.get_json("/api/courses?q=lars%20becker").await;
    assert_eq!(titles(&body), ["UX Design for Engineers"]);
    let (_, body) = app.get_json("/api/courses?q=transactions").await;
    assert_eq!(titles(&body), ["SQL for Application Developers"]);
    // Wildcards are literal text, not patterns.
    let (_, body) = app.get_json("/api/courses?q=%25").await;
    assert_eq!(titles(&body), Vec::<&str>::new());
    // Blank search is no filter.
    let (_, body) = app.get_json("/api/courses?q=%20%20").await;
    assert_eq!(titles(&body).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn course_detail_has_modules_in_order_and_its_creator() {
    let app = spawn_app().await;
    let id = course_id_by_title(&app, "Rust Foundations").await;
    let (status, course) = app.get_json(&format!("/api/courses/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(course["id"], id.as_str());
    assert_eq!(course["creator"]["name"], "Maya Chen");
    assert!(course["creator"]["bio"].as_str().unwrap().contains("Rust"));
    let modules: Vec<(i64, &str)> = course["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["position"].as_i64().unwrap(),
                m["title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        modules,
        [
            (1, "Getting set up"),
            (2, "Ownership"),
            (3, "Borrowing"),
            (4, "Structs and enums"),
            (5, "Error handling")
        ]
    );
}

/// Course pages and the catalog are kept between requests for a moment (backend `memo.rs`): a
/// change made elsewhere (another app server, SQL by hand) shows within `MEMO_TTL`, and every
/// write through this server makes them read afresh at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn course_pages_show_changes_from_elsewhere_within_a_second_and_this_servers_at_once() {
    let app = spawn_app().await;
    let id = course_id_by_title(&app, "Rust Foundations").await;
    let path = format!("/api/courses/{id}");
    assert_eq!(course_title(&app, &path).await, "Rust Foundations");

    rename(&app, &id, "Rust, Renamed Elsewhere").await;
    tokio::time::sleep(backend::memo::MEMO_TTL).await;
    assert_eq!(course_title(&app, &path).await, "Rust, Renamed Elsewhere");
    assert_eq!(
        course_id_by_title(&app, "Rust, Renamed Elsewhere").await,
        id
    );

    rename(&app, &id, "Rust, Renamed Again").await;
    let (status, _) = app
        .post_json(
            &app.new_browser(),
            "/api/auth/signup",
            serde_json::json!({ "name": "Ada Lovelace", "email": "ada@example.com",
                                "password": "correct horse battery", "time_zone": "UTC" }),
        )
        .await;
    assert_eq!(status, 202, "the sign-up is a write through this server");
    assert_eq!(course_title(&app, &path).await, "Rust, Renamed Again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_courses_and_endpoints_are_json_404s() {
    let app = spawn_app().await;
    for path in [
        "/api/courses/0190a000-0000-7000-8000-000000000000",
        "/api/courses/not-a-uuid",
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            body,
            serde_json::json!({ "error": "not_found", "message": "We couldn't find that course." })
        );
    }
    let (status, body) = app.get_json("/api/no-such-thing").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_describes_the_catalog_endpoints() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/courses"]["get"].is_object());
    assert!(doc["paths"]["/api/courses/{id}"]["get"]["responses"]["404"].is_object());
    assert!(doc["components"]["schemas"]["CourseDetail"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    for (path, method) in [
        ("/api/auth/signup", "post"),
        ("/api/auth/signup/confirm", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/me", "get"),
        ("/api/courses/{id}/sts", "get"),
        ("/api/sts/{id}/availability", "get"),
        ("/api/sts/{id}/bookings", "get"),
        ("/api/sessions", "post"),
        ("/api/sessions/{id}", "get"),
        ("/api/sessions/{id}/calendar-export", "get"),
        ("/api/sessions/{id}/cancel", "post"),
        ("/api/sessions/{id}/reschedule", "post"),
        ("/api/enrollments/{id}/deferred", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    assert!(doc["paths"]["/api/auth/login"]["post"]["responses"]["429"].is_object());
    let booking = &doc["paths"]["/api/sessions"]["post"]["responses"];
    for status in ["201", "400", "401", "403", "404", "409", "500"] {
        assert!(
            booking[status].is_object(),
            "POST /api/sessions documents {status}"
        );
    }
    assert!(doc["components"]["schemas"]["Me"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_function_serves_the_same_catalog() {
    let app = spawn_app().await;
    let response = app.get("/rpc/list_courses?search=design").await;
    assert_eq!(response.status(), 200);
    let courses: Value = response.json().await.unwrap();
    assert_eq!(courses[0]["title"], "UX Design for Engineers");
    assert_eq!(courses.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_is_server_rendered_with_the_catalog_and_hydration_scripts() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/").await;
    assert_eq!(status, 200);
    for title in ["Rust Foundations", "UX Design for Engineers", "$49.00"] {
        assert!(html.contains(title), "home page lacks {title}");
    }
    assert!(
        html.contains("/pkg/peerloop.js"),
        "hydration script missing"
    );
    assert!(html.contains("<title>Courses · PeerLoop</title>"));
    let (status, html) = app.get_html("/?q=design").await;
    assert_eq!(status, 200);
    assert!(html.contains("UX Design for Engineers"));
    assert!(!html.contains("Rust Foundations"));
    let (_, html) = app.get_html("/?q=zzzz").await;
    assert!(html.contains("No courses match “zzzz”."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn course_page_renders_cdet_with_calls_to_action() {
    let app = spawn_app().await;
    let id = course_id_by_title(&app, "Async Rust in Practice").await;
    let (status, html) = app.get_html(&format!("/courses/{id}")).await;
    assert_eq!(status, 200);
    for text in [
        "Async Rust in Practice",
        "$79.00",
        "Futures from scratch",
        "Maya Chen",
        "Book a Session",
        "Enroll",
        &format!("/courses/{id}/book"),
    ] {
        assert!(html.contains(text), "CDET lacks {text}");
    }
    // Booking needs an account: a browser is sent to log in and brought back.
    let response = app
        .client
        .get(app.url(&format!("/courses/{id}/book")))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
    assert!(location.ends_with("%2Fbook"), "{location}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_pages_render_the_not_found_page_with_status_404() {
    let app = spawn_app().await;
    for path in [
        "/courses/0190a000-0000-7000-8000-000000000000",
        "/no/such/page",
    ] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("We couldn't find that page"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(generated).unwrap().get_version_num(),
        4
    );
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_is_seeded_once() {
    let app = spawn_app().await;
    assert!(!backend::seed::ensure_demo_data(&app.db).await.unwrap());
    let (courses, modules): (i64, i64) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM courses")
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
        sqlx::query_scalar("SELECT COUNT(*) FROM course_modules")
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
    );
    assert_eq!((courses, modules), (4, 17));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_seeders_cannot_duplicate_demo_data() {
    let (url, _dir) = common::fresh_database_url().await;
    let db = backend::db::Db::connect(&url, 4).await.unwrap();
    db.migrate().await.unwrap();
    let seeders = (0..4).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { backend::seed::ensure_demo_data(&db).await })
    });
    for seeder in seeders {
        // A seeder may lose the race with a database error, but never duplicates rows.
        let _ = seeder.await.unwrap();
    }
    let courses: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM courses")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(courses, 4);
    db.close().await;
    if let Some(dir) = _dir {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creator_profile_lists_only_that_creators_courses_and_student_teachers() {
    let app = spawn_app().await;
    let (_, catalog) = app.get_json("/api/courses").await;
    let maya = catalog["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|course| course["creator"]["name"] == "Maya Chen")
        .unwrap()["creator"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, profile) = app
        .get_json(&format!("/rpc/creator_profile?creator_id={maya}"))
        .await;
    assert_eq!(status, 200);
    let courses: Vec<&str> = profile["courses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        courses,
        [
            "Async Rust in Practice",
            "Rust Foundations",
            "SQL for Application Developers"
        ]
    );
    assert_eq!(profile["student_teachers"].as_array().unwrap().len(), 4);
}
