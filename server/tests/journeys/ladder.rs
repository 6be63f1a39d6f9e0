//! Journey: the learning loop over HTTP (complete modules → apply to teach → creator decides),
//! and the authorization matrix: for every call that takes an id, another user gets 403 or 404
//! and nothing changes.

use crate::common;

use common::{TestApp, count, log_in_as, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn course_id(app: &TestApp, title: &str) -> String {
    let (_, body) = app.get_json("/api/courses").await;
    body["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|course| course["title"] == title)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn progress(app: &TestApp, browser: &reqwest::Client, course_id: &str) -> Value {
    let (status, body) = app
        .get_json_as(
            browser,
            &format!("/rpc/course_progress?course_id={course_id}"),
        )
        .await;
    assert_eq!(status, 200);
    body
}

async fn module_ids(app: &TestApp, course_id: &str) -> Vec<String> {
    let (_, course) = app.get_json(&format!("/api/courses/{course_id}")).await;
    course["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

/// An admin enrolls a new student in a course; returns the student's browser.
async fn enrolled_student(app: &TestApp, email: &str, course_id: &str) -> reqwest::Client {
    let student = app.new_browser();
    app.sign_up(&student, "Casey", email).await;
    let admin = log_in_as(app, "admin@example.com").await;
    let response = app
        .call_server_fn(
            &admin,
            "/rpc/enroll_student",
            &[("email", email), ("course_id", course_id)],
        )
        .await;
    assert_eq!(response.status(), 200);
    student
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_every_module_lets_a_student_apply_and_the_creator_certifies_them() {
    let app = spawn_app().await;
    let ux = course_id(&app, "UX Design for Engineers").await;
    let student = enrolled_student(&app, "casey@example.com", &ux).await;
    let enrollment = progress(&app, &student, &ux).await;
    assert_eq!(enrollment["status"], "active");
    let enrollment_id = enrollment["enrollment_id"].as_str().unwrap().to_owned();

    // Applying before finishing is refused.
    let early = app
        .call_server_fn(
            &student,
            "/rpc/apply_to_teach",
            &[("course_id", &ux), ("motivation", "Me!")],
        )
        .await;
    assert_eq!(early.status(), 409);

    let modules = module_ids(&app, &ux).await;
    for (done, module_id) in modules.iter().enumerate() {
        let response = app
            .call_server_fn(
                &student,
                "/rpc/complete_module",
                &[("enrollment_id", &enrollment_id), ("module_id", module_id)],
            )
            .await;
        assert_eq!(response.status(), 200);
        let now = progress(&app, &student, &ux).await;
        assert_eq!(
            now["completed_module_ids"].as_array().unwrap().len(),
            done + 1
        );
        let expected = if done + 1 == modules.len() {
            "completed"
        } else {
            "active"
        };
        assert_eq!(now["status"], expected);
    }
    // A completed course takes no more changes.
    let again = app
        .call_server_fn(
            &student,
            "/rpc/complete_module",
            &[
                ("enrollment_id", &enrollment_id),
                ("module_id", &modules[0]),
            ],
        )
        .await;
    assert_eq!(again.status(), 409);

    let applied = app
        .call_server_fn(
            &student,
            "/rpc/apply_to_teach",
            &[
                ("course_id", &ux),
                ("motivation", "I want to help the next person."),
            ],
        )
        .await;
    assert_eq!(applied.status(), 200);
    let twice = app
        .call_server_fn(
            &student,
            "/rpc/apply_to_teach",
            &[("course_id", &ux), ("motivation", "Again")],
        )
        .await;
    assert_eq!(twice.status(), 409, "one pending application at a time");
    let application = progress(&app, &student, &ux).await["application"].clone();
    assert_eq!(application["status"], "pending");
    let application_id = application["id"].as_str().unwrap().to_owned();

    let creator = log_in_as(&app, "lars.becker@example.com").await;
    let (_, dashboard) = app.get_json_as(&creator, "/rpc/creator_dashboard").await;
    assert!(
        dashboard["pending"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == application_id.as_str())
    );
    let approve = app
        .call_server_fn(
            &creator,
            "/rpc/decide_application",
            &[("application_id", &application_id), ("decision", "approve")],
        )
        .await;
    assert_eq!(approve.status(), 200);
    let decided_again = app
        .call_server_fn(
            &creator,
            "/rpc/decide_application",
            &[
                ("application_id", &application_id),
                ("decision", "decline"),
                ("reason", "changed my mind"),
            ],
        )
        .await;
    assert_eq!(decided_again.status(), 409);

    let (_, me) = app.get_json_as(&student, "/api/me").await;
    assert!(
        me["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("student_teacher"))
    );
    assert_eq!(me["courses_taught"][0]["title"], "UX Design for Engineers");
    let (_, teachers) = app
        .get_json(&format!("/rpc/course_teachers?course_id={ux}"))
        .await;
    assert!(
        teachers
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Casey")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declining_needs_a_reason_and_the_student_sees_it() {
    let app = spawn_app().await;
    // Jordan (demo) finished Rust Foundations and applied to teach it.
    let jordan = log_in_as(&app, "jordan.lee@example.com").await;
    let rust = course_id(&app, "Rust Foundations").await;
    let application_id = progress(&app, &jordan, &rust).await["application"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let maya = log_in_as(&app, "maya.chen@example.com").await;
    let blank = app
        .call_server_fn(
            &maya,
            "/rpc/decide_application",
            &[
                ("application_id", &application_id),
                ("decision", "decline"),
                ("reason", "  "),
            ],
        )
        .await;
    assert_eq!(blank.status(), 400);
    let declined = app
        .call_server_fn(
            &maya,
            "/rpc/decide_application",
            &[
                ("application_id", &application_id),
                ("decision", "decline"),
                ("reason", "Teach one practice session with me first."),
            ],
        )
        .await;
    assert_eq!(declined.status(), 200);
    let application = progress(&app, &jordan, &rust).await["application"].clone();
    assert_eq!(application["status"], "declined");
    assert_eq!(
        application["decline_reason"],
        "Teach one practice session with me first."
    );
    // A declined applicant may apply again.
    let reapply = app
        .call_server_fn(
            &jordan,
            "/rpc/apply_to_teach",
            &[("course_id", &rust), ("motivation", "Done!")],
        )
        .await;
    assert_eq!(reapply.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_users_cannot_touch_what_is_not_theirs() {
    let app = spawn_app().await;
    let rust = course_id(&app, "Rust Foundations").await;
    let alex = log_in_as(&app, "alex.kim@example.com").await;
    let alex_enrollment = progress(&app, &alex, &rust).await["enrollment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let jordan = log_in_as(&app, "jordan.lee@example.com").await;
    let application_id = progress(&app, &jordan, &rust).await["application"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let modules = module_ids(&app, &rust).await;
    let sam = log_in_as(&app, "sam.rivera@example.com").await;
    let lars = log_in_as(&app, "lars.becker@example.com").await; // a creator, but not of this course
    let before = (
        count(&app, "SELECT COUNT(*) FROM module_completions").await,
        count(
            &app,
            "SELECT COUNT(*) FROM teaching_applications WHERE status = 'pending'",
        )
        .await,
        count(&app, "SELECT COUNT(*) FROM st_certifications").await,
        count(&app, "SELECT COUNT(*) FROM enrollments").await,
    );

    // Sam marks a module of Alex's enrollment.
    let response = app
        .call_server_fn(
            &sam,
            "/rpc/complete_module",
            &[
                ("enrollment_id", &alex_enrollment),
                ("module_id", &modules[4]),
            ],
        )
        .await;
    assert_eq!(response.status(), 403);
    // Unknown ids are 404s, not errors.
    let response = app
        .call_server_fn(
            &sam,
            "/rpc/complete_module",
            &[("enrollment_id", "nope"), ("module_id", "nope")],
        )
        .await;
    assert_eq!(response.status(), 404);
    // A module of another course cannot be completed through this enrollment.
    let other_module =
        module_ids(&app, &course_id(&app, "UX Design for Engineers").await).await[0].clone();
    let response = app
        .call_server_fn(
            &alex,
            "/rpc/complete_module",
            &[
                ("enrollment_id", &alex_enrollment),
                ("module_id", &other_module),
            ],
        )
        .await;
    assert_eq!(response.status(), 404);
    // Lars (another course's creator) and Jordan (the applicant) cannot decide Jordan's application.
    for browser in [&lars, &jordan, &sam] {
        let response = app
            .call_server_fn(
                browser,
                "/rpc/decide_application",
                &[("application_id", &application_id), ("decision", "approve")],
            )
            .await;
        assert_eq!(response.status(), 403);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["message"],
            "Only the course's creator can decide applications to teach it."
        );
    }
    // Only admins enroll without payment.
    let response = app
        .call_server_fn(
            &sam,
            "/rpc/enroll_student",
            &[
                ("email", "sam.rivera@example.com"),
                (
                    "course_id",
                    &course_id(&app, "Async Rust in Practice").await,
                ),
            ],
        )
        .await;
    assert_eq!(response.status(), 403);
    // Signed out, everything is 401.
    let stranger = app.new_browser();
    for (path, fields) in [
        (
            "/rpc/complete_module",
            vec![
                ("enrollment_id", alex_enrollment.as_str()),
                ("module_id", modules[4].as_str()),
            ],
        ),
        (
            "/rpc/decide_application",
            vec![
                ("application_id", application_id.as_str()),
                ("decision", "approve"),
            ],
        ),
    ] {
        assert_eq!(
            app.call_server_fn(&stranger, path, &fields).await.status(),
            401,
            "{path}"
        );
    }

    let after = (
        count(&app, "SELECT COUNT(*) FROM module_completions").await,
        count(
            &app,
            "SELECT COUNT(*) FROM teaching_applications WHERE status = 'pending'",
        )
        .await,
        count(&app, "SELECT COUNT(*) FROM st_certifications").await,
        count(&app, "SELECT COUNT(*) FROM enrollments").await,
    );
    assert_eq!(before, after, "nothing changed");
    // Progress is always the viewer's own: Sam sees Sam's enrollment, not Alex's.
    assert_ne!(
        progress(&app, &sam, &rust).await["enrollment_id"],
        json!(alex_enrollment)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_served_with_a_nonce_based_content_security_policy() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    let script_src = policy
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert!(!script_src.contains("unsafe-inline"), "{policy}");
    assert!(script_src.contains("'wasm-unsafe-eval'"), "{policy}");
    let nonce = script_src
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the nonce"
    );
    let second = app.get("/").await;
    assert!(
        !second.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(nonce),
        "a fresh nonce per response"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_offers_no_demo_log_ins() {
    let app = spawn_app_with(&[
        ("PEERLOOP_ENV", "production"),
        ("PEERLOOP_PUBLIC_URL", "https://peerloop.test"),
        ("PEERLOOP_DEMO_DATA", "false"),
        // Production needs a real mailer, Stripe, PlugNmeet and R2; nothing reaches them here.
        ("RESEND_API_KEY", "re_test"),
        ("RESEND_BASE_URL", "http://127.0.0.1:9"),
        ("STRIPE_SECRET_KEY", "sk_test_unused"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_unused"),
        ("STRIPE_API_BASE", "http://127.0.0.1:9"),
        ("PLUGNMEET_SERVER_URL", "http://127.0.0.1:9"),
        ("PLUGNMEET_API_KEY", "pnm_unused"),
        ("PLUGNMEET_API_SECRET", "pnm_unused"),
        ("R2_BUCKET", "recordings"),
        ("R2_ENDPOINT", "http://127.0.0.1:9"),
        ("R2_ACCESS_KEY_ID", "r2_unused"),
        ("R2_SECRET_ACCESS_KEY", "r2_unused"),
    ])
    .await;
    let (status, accounts) = app.get_json("/rpc/demo_accounts").await;
    assert_eq!((status, accounts), (200, json!([])));
    assert_eq!(
        app.get("/dev/mailbox").await.status(),
        404,
        "no local mailbox in production"
    );
    assert_eq!(
        app.get("/dev/stripe/events").await.status(),
        404,
        "no local Stripe in production"
    );
    // From the production site's own origin, so the refusal is the demo log-in's own.
    let response = app
        .new_browser()
        .post(app.url("/rpc/demo_log_in"))
        .header("origin", "https://peerloop.test")
        .header("accept", "application/json")
        .form(&[("email", "maya.chen@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Demo log-ins exist only in local mode")
    );
    let (_, html) = app.get_html("/login").await;
    assert!(!html.contains("Demo accounts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_mode_demo_log_in_signs_in_demo_accounts_only() {
    let app = spawn_app().await;
    let browser = app.new_browser();
    let response = app
        .call_server_fn(
            &browser,
            "/rpc/demo_log_in",
            &[("email", "priya.raman@example.com")],
        )
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    let (_, me) = app.get_json_as(&browser, "/api/me").await;
    assert_eq!(me["name"], "Priya Raman");
    assert_eq!(me["time_zone"], "Asia/Kolkata");
    app.sign_up(&app.new_browser(), "Real Person", "real@example.com")
        .await;
    let response = app
        .call_server_fn(
            &app.new_browser(),
            "/rpc/demo_log_in",
            &[("email", "real@example.com")],
        )
        .await;
    assert_eq!(response.status(), 403);
}
