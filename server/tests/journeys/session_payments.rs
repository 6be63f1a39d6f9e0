//! Pay per session: a student whose credits are used up holds a slot, pays for it through
//! Checkout (the local Stripe), and the session is booked; the teacher earns the payment's
//! whole pool when it is taught. A hold whose checkout expires frees the slot; a payment that
//! comes after the slot was released, or for a session cancelled later, is refunded in full.

use crate::common::*;
use crate::payments::{
    balance, eventually, ledger_is_sound, mark_taught, move_into_past, new_student, page_as,
    paid_enrollment, pay, submit_form,
};
use serde_json::{Value, json};

/// What the demo data charges per extra session of Rust Foundations.
const SESSION_PRICE: i64 = 1500;

/// A paid-up student of Rust Foundations who has used every credit.
async fn student_without_credits(app: &TestApp, email: &str) -> reqwest::Client {
    let (browser, _) = paid_enrollment(app, email).await;
    sqlx::query(
        "UPDATE enrollments SET session_credits = 0
          WHERE student_id = (SELECT id FROM users WHERE email_normalized = $1)",
    )
    .bind(email)
    .execute(app.db.pool())
    .await
    .unwrap();
    browser
}

async fn free_hours_with_priya(app: &TestApp) -> Vec<String> {
    open_around_the_clock(app, &priya()).await;
    app.free_slots_of(&priya(), 7)
        .await
        .iter()
        .filter(|slot| slot["duration_minutes"] == 60)
        .map(|slot| slot["start_at"].as_str().unwrap().to_owned())
        .collect()
}

async fn credits_of(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT e.session_credits FROM enrollments e JOIN users u ON u.id = e.student_id
          WHERE u.email_normalized = $1",
    )
    .bind(email)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
}

async fn session_checkout(app: &TestApp, browser: &reqwest::Client, session_id: &str) -> Value {
    let (status, started) = app
        .post_json(
            browser,
            "/api/checkout/session",
            json!({ "session_id": session_id }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    started
}

fn session_emails(booking_id: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'session_email' AND payload LIKE '%{booking_id}%'"
    )
}

/// A slot held for `email`'s payment: the booking, and the Checkout Session opened for it.
async fn held_and_opened(
    app: &TestApp,
    email: &str,
    start_at: &str,
) -> (reqwest::Client, String, Value) {
    let student = student_without_credits(app, email).await;
    let held = app.book_with_priya(&student, start_at, 60).await;
    let id = held["id"].as_str().unwrap().to_owned();
    let started = session_checkout(app, &student, &id).await;
    (student, id, started)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_beyond_the_credits_is_held_paid_for_booked_and_earns_its_whole_pool() {
    let app = spawn_app().await;
    let email = "extra@example.com";
    let student = student_without_credits(&app, email).await;
    let start_at = free_hours_with_priya(&app).await[0].clone();

    // Booking without a credit holds the slot; nothing is spent, nobody is emailed yet.
    let held = app.book_with_priya(&student, &start_at, 60).await;
    assert_eq!(held["status"], "pending_payment", "{held}");
    let id = held["id"].as_str().unwrap().to_owned();
    assert_eq!(credits_of(&app, email).await, 0);
    assert_eq!(count(&app, &session_emails(&id)).await, 0);
    let listed = app.free_slots_of(&priya(), 7).await;
    assert!(
        !listed
            .iter()
            .any(|slot| slot["start_at"] == start_at.as_str()),
        "a held slot is not offered to others"
    );

    // The session page says what to pay and offers a plain form that opens Checkout.
    let page = format!("/sessions/{id}");
    let html = page_as(&app, &student, &page).await;
    assert!(html.contains("Pay $15.00 by"), "{html}");
    assert!(html.contains(&format!("action=\"/sessions/{id}/checkout\"")));
    let response = submit_form(&app, &student, &page, &format!("{page}/checkout"), &[]).await;
    assert_eq!(response.status(), 303);
    let checkout_url = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        checkout_url.contains("/dev/stripe/checkout/cs_"),
        "{checkout_url}"
    );
    // Asking again (REST, or a second click) answers with the same open Checkout Session.
    let started = session_checkout(&app, &student, &id).await;
    assert_eq!(started["url"], checkout_url.as_str());
    let (hold, amount): (i64, i64) = sqlx::query_as(
        "SELECT b.hold_expires_at, k.amount_cents FROM bookings b
           JOIN checkouts k ON k.booking_id = b.id WHERE b.id = $1",
    )
    .bind(&id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(amount, SESSION_PRICE);
    assert!(
        hold >= now() + 29 * 60,
        "held while the checkout is open: {hold}"
    );

    // Paid: booked, confirmed to both, and the payment is the session's own.
    let back = pay(&app, &student, &checkout_url, "4242424242424242").await;
    assert!(
        back.contains(&format!("/sessions/{id}?checkout=cs_")),
        "{back}"
    );
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM bookings WHERE id = '{id}' AND status = 'scheduled'"),
        1,
    )
    .await;
    let (payment_id, enrollment, sessions): (String, Option<String>, i64) =
        sqlx::query_as("SELECT id, enrollment_id, sessions FROM payments WHERE booking_id = $1")
            .bind(&id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((enrollment, sessions), (None, 1));
    assert!(count(&app, &session_emails(&id)).await >= 2);
    let html = page_as(&app, &student, &back.replace(&app.base_url, "")).await;
    assert!(html.contains("Payment received: you're booked!"), "{html}");
    ledger_is_sound(&app).await;

    // Taught: the Student-Teacher earns the payment's whole pool, the enrollment's stays held.
    let enrollment_pool: String = sqlx::query_scalar(
        "SELECT 'pool:' || p.id FROM payments p JOIN users u ON u.id = p.user_id
          WHERE u.email_normalized = $1 AND p.enrollment_id IS NOT NULL",
    )
    .bind(email)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let held_before = balance(&app, &enrollment_pool).await;
    move_into_past(&app, std::slice::from_ref(&id)).await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    mark_taught(&app, &priya_browser, &id).await;
    let pool_share = SESSION_PRICE - 2 * (SESSION_PRICE * 15 / 100);
    assert_eq!(balance(&app, &format!("st:{}", priya())).await, pool_share);
    assert_eq!(balance(&app, &format!("pool:{payment_id}")).await, 0);
    assert_eq!(balance(&app, &enrollment_pool).await, held_before);
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_checkouts_are_only_for_the_student_of_a_held_session() {
    let app = spawn_app().await;
    let start_at = free_hours_with_priya(&app).await[0].clone();
    let (_student, id, _) = held_and_opened(&app, "holder@example.com", &start_at).await;
    let outsider = new_student(&app, "outsider@example.com").await;
    let ask = |body: Value| {
        let outsider = outsider.clone();
        let app = &app;
        async move {
            app.post_json(&outsider, "/api/checkout/session", body)
                .await
        }
    };
    let (status, body) = ask(json!({ "session_id": id })).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = ask(json!({ "session_id": "no-such-session" })).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = ask(json!({ "session_id": id, "course_id": rust_course() })).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = ask(json!({})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM checkouts WHERE purpose = 'session'"
        )
        .await,
        1,
        "only the holder's checkout"
    );

    // A booked session (with a credit) is not waiting for a payment.
    let (student, _) = paid_enrollment(&app, "credit@example.com").await;
    let later = free_hours_with_priya(&app).await[3].clone();
    let booked = app.book_with_priya(&student, &later, 60).await;
    assert_eq!(booked["status"], "scheduled");
    let (status, body) = app
        .post_json(
            &student,
            "/api/checkout/session",
            json!({ "session_id": booked["id"] }),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    // A course that sells no single sessions still says there is nothing left.
    sqlx::query("UPDATE courses SET session_price_cents = NULL WHERE id = $1")
        .bind(rust_course())
        .execute(app.db.pool())
        .await
        .unwrap();
    let broke = student_without_credits(&app, "broke@example.com").await;
    let (status, body) = app
        .post_json(
            &broke,
            "/api/sessions",
            json!({ "st_id": priya(), "course_id": rust_course(),
                    "start_at": free_hours_with_priya(&app).await[5], "duration_minutes": 60 }),
        )
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (409, Some("You have no sessions left in this course.")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_checkout_frees_the_slot_and_a_late_payment_is_refunded_in_full() {
    let app = spawn_app().await;
    let hours = free_hours_with_priya(&app).await;

    // Checkout expires: the slot is free again, and the page says the time was released.
    let (student, id, started) = held_and_opened(&app, "expired@example.com", &hours[0]).await;
    let path = format!("/dev/stripe/checkout/{}", started["id"].as_str().unwrap());
    let response = submit_form(&app, &student, &path, &format!("{path}/expire"), &[]).await;
    assert_eq!(response.status(), 303);
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM bookings WHERE id = '{id}' AND status = 'cancelled'"),
        1,
    )
    .await;
    let listed = app.free_slots_of(&priya(), 7).await;
    assert!(
        listed
            .iter()
            .any(|slot| slot["start_at"] == hours[0].as_str()),
        "the slot is offered again"
    );
    let (status, body) = app
        .post_json(
            &student,
            "/api/checkout/session",
            json!({ "session_id": id }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let html = page_as(&app, &student, &format!("/sessions/{id}")).await;
    assert!(
        html.contains("This time was released: it was not paid for in time. Nothing was charged."),
        "{html}"
    );

    // The hold runs out (the sweep) while Checkout is still open, and then the student pays.
    let email = "late@example.com";
    let (late, late_id, started) = held_and_opened(&app, email, &hours[2]).await;
    let released =
        backend::services::booking::release_expired_holds(&app.db, now() + 31 * 60).await;
    assert_eq!(released.unwrap(), 1);
    pay(
        &app,
        &late,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    // The payment is recorded, then refunded through Stripe; its charge.refunded reverses it.
    eventually(
        &app,
        &format!(
            "SELECT COUNT(*) FROM payments WHERE booking_id = '{late_id}'
                AND refunded_cents = amount_cents"
        ),
        1,
    )
    .await;
    assert_eq!(status_of(&app, &late_id).await, "cancelled");
    assert_eq!(count(&app, &session_emails(&late_id)).await, 0);
    let html = page_as(&app, &late, &format!("/sessions/{late_id}")).await;
    assert!(
        html.contains(
            "This time was released before your payment arrived, so it was refunded in full."
        ),
        "{html}"
    );
    eventually(
        &app,
        &format!(
            "SELECT COUNT(*) FROM dev_mailbox WHERE sent_to = '{email}'
                AND subject = 'Refunded: your session of Rust Foundations'"
        ),
        1,
    )
    .await;
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_paid_session_refunds_its_payment_instead_of_returning_a_credit() {
    let app = spawn_app().await;
    let email = "cancels@example.com";
    // Far enough ahead for the student to cancel.
    let later = free_hours_with_priya(&app).await.pop().unwrap();
    let (student, id, started) = held_and_opened(&app, email, &later).await;
    pay(
        &app,
        &student,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM bookings WHERE id = '{id}' AND status = 'scheduled'"),
        1,
    )
    .await;
    let (status, body) = app
        .post_json(&student, &format!("/api/sessions/{id}/cancel"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    eventually(
        &app,
        &format!(
            "SELECT COUNT(*) FROM payments WHERE booking_id = '{id}'
                AND refunded_cents = amount_cents"
        ),
        1,
    )
    .await;
    assert_eq!(credits_of(&app, email).await, 0, "no credit comes back");
    ledger_is_sound(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creator_prices_single_sessions_on_cdsh_without_javascript() {
    let app = spawn_app().await;
    let maya = log_in_as(&app, "maya.chen@example.com").await;
    let price = || async {
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT session_price_cents FROM courses WHERE id = $1",
        )
        .bind(rust_course())
        .fetch_one(app.db.pool())
        .await
        .unwrap()
    };
    let html = page_as(&app, &maya, "/creator").await;
    assert!(html.contains("Price per extra session"), "{html}");
    assert!(
        html.contains("value=\"15.00\""),
        "the current price is shown"
    );
    let set = |typed: &'static str| {
        let maya = maya.clone();
        let app = &app;
        async move {
            submit_form(
                app,
                &maya,
                "/creator",
                "/rpc/set_session_price",
                &[("course_id", &rust_course()), ("price", typed)],
            )
            .await
        }
    };
    set("22.50").await;
    assert_eq!(price().await, Some(2250));
    for refused in ["0", "-3", "abc", "10000.01"] {
        set(refused).await;
        assert_eq!(price().await, Some(2250), "{refused} is refused");
    }
    let html = page_as(&app, &maya, "/creator").await;
    assert!(
        html.contains("Check the price"),
        "the refusal is shown: {html}"
    );
    set("").await;
    assert_eq!(price().await, None, "empty: no single sessions");

    // Nobody else prices Maya's course.
    let student = new_student(&app, "sly@example.com").await;
    let response = submit_form(
        &app,
        &student,
        "/",
        "/rpc/set_session_price",
        &[("course_id", &rust_course()), ("price", "1")],
    )
    .await;
    assert!(response.status().is_redirection() || response.status().is_client_error());
    assert_eq!(price().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_disputes_on_the_session_page_and_an_admin_decides_without_javascript() {
    let app = spawn_app().await;
    let email = "disputes@example.com";
    let (student, _) = paid_enrollment(&app, email).await;
    let start_at = free_hours_with_priya(&app).await[0].clone();
    let booked = app.book_with_priya(&student, &start_at, 60).await;
    let id = booked["id"].as_str().unwrap().to_owned();
    assert_eq!(credits_of(&app, email).await, 3);
    move_into_past(&app, std::slice::from_ref(&id)).await;
    let priya_browser = log_in_as(&app, "priya.raman@example.com").await;
    mark_taught(&app, &priya_browser, &id).await;
    let priya_account = format!("st:{}", priya());
    assert!(balance(&app, &priya_account).await > 0);

    // The student's page offers the dispute until 48 hours after the marking.
    let page = format!("/sessions/{id}");
    let html = page_as(&app, &student, &page).await;
    assert!(html.contains("Did this session not take place?"), "{html}");
    // A reason of blanks is told, on the page, and disputes nothing.
    let response = submit_form(
        &app,
        &student,
        &page,
        &format!("{page}/dispute"),
        &[("reason", "   ")],
    )
    .await;
    assert_eq!(response.status(), 303);
    let told = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(told, format!("{page}?dispute=invalid"));
    let html = page_as(&app, &student, &told).await;
    assert!(
        html.contains("Say what happened, in at most 1,000 characters."),
        "{html}"
    );
    assert!(html.contains("Did this session not take place?"), "{html}");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM bookings WHERE id = '{id}' AND disputed_at IS NOT NULL")
        )
        .await,
        0
    );
    let response = submit_form(
        &app,
        &student,
        &page,
        &format!("{page}/dispute"),
        &[("reason", "Nobody came to the call.")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{page}?disputed=1")
    );
    let html = page_as(&app, &student, &page).await;
    assert!(
        html.contains("An admin will look at it and decide."),
        "{html}"
    );
    assert!(!html.contains("Did this session not take place?"));

    // Only an admin decides; they see it on /payments with the student's words.
    let decide = |browser: reqwest::Client, happened: &'static str| {
        let app = &app;
        let id = id.clone();
        async move {
            submit_form(
                app,
                &browser,
                "/payments",
                "/rpc/decide_dispute",
                &[("session_id", &id), ("happened", happened)],
            )
            .await
        }
    };
    decide(priya_browser.clone(), "yes").await;
    assert_eq!(
        status_of(&app, &id).await,
        "completed",
        "Priya may not decide"
    );
    let admin = log_in_as(&app, "admin@example.com").await;
    let html = page_as(&app, &admin, "/payments").await;
    assert!(html.contains("Nobody came to the call."), "{html}");
    assert!(html.contains("Rust Foundations"));
    decide(admin.clone(), "no").await;
    assert_eq!(status_of(&app, &id).await, "cancelled");
    assert_eq!(credits_of(&app, email).await, 4, "the credit is back");
    assert_eq!(balance(&app, &priya_account).await, 0);
    ledger_is_sound(&app).await;
    let html = page_as(&app, &student, &page).await;
    assert!(
        html.contains("an admin agreed it did not take place"),
        "{html}"
    );
    let html = page_as(&app, &admin, "/payments").await;
    assert!(!html.contains("Nobody came to the call."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_payment_for_a_booked_session_is_refunded_not_the_one_that_booked_it() {
    let app = spawn_app().await;
    let start_at = free_hours_with_priya(&app).await[0].clone();
    let (student, id, started) = held_and_opened(&app, "paid.twice@example.com", &start_at).await;
    pay(
        &app,
        &student,
        started["url"].as_str().unwrap(),
        "4242424242424242",
    )
    .await;
    eventually(
        &app,
        &format!("SELECT COUNT(*) FROM bookings WHERE id = '{id}' AND status = 'scheduled'"),
        1,
    )
    .await;
    let booked_by: String = sqlx::query_scalar("SELECT id FROM payments WHERE booking_id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();

    // A second Checkout Session for the same hold (one opened before PeerLoop kept it to one)
    // is paid too.
    let second = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO checkouts (id, purpose, user_id, course_id, booking_id, amount_cents, currency,
                                status, stripe_session_id, url, expires_at, created_at, updated_at)
         SELECT $1, 'session', user_id, course_id, booking_id, amount_cents, currency, 'open',
                'cs_second_for_hold', 'https://checkout.stripe.com/c/pay/cs_second_for_hold',
                expires_at, created_at, updated_at
           FROM checkouts WHERE booking_id = $2",
    )
    .bind(&second)
    .bind(&id)
    .execute(app.db.pool())
    .await
    .unwrap();
    let event = crate::payments::completed_event(
        "evt_second_for_hold",
        "cs_second_for_hold",
        &second,
        SESSION_PRICE,
    );
    let secret = crate::payments::local_secret(&app);
    assert_eq!(
        crate::payments::post_signed(&app, &event, &secret).await.0,
        200
    );

    // That payment goes back; the one that booked the session stays, and so does the session.
    let late: String = sqlx::query_scalar("SELECT id FROM payments WHERE checkout_id = $1")
        .bind(&second)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let refunds = |payment: &str| {
        format!(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'payment_refund' AND payload LIKE '%{payment}%'"
        )
    };
    assert_eq!(count(&app, &refunds(&late)).await, 1);
    assert_eq!(count(&app, &refunds(&booked_by)).await, 0);
    assert_eq!(status_of(&app, &id).await, "scheduled");
}
