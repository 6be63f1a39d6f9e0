//! The room page's WebSocket (`/api/sessions/:id/room/signal`): each participant sees where the
//! other stands, the built-in room's WebRTC messages reach the other side whole (on Postgres
//! across two app servers), and entering, leaving and ending the built-in room become signed
//! PlugNmeet webhooks that record attendance and decide the session.

use crate::common::*;
use crate::payments::eventually;
use crate::video::{session_starting_soon, student_with_credits_as};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The session cookie a browser gets by logging in as `email`.
async fn session_cookie(app: &TestApp, email: &str, password: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header("origin", &app.base_url)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|cookie| cookie.to_str().ok()?.split(';').next())
        .find(|cookie| cookie.starts_with("peerloop_session="))
        .expect("logging in sets the session cookie")
        .to_owned()
}

async fn open_socket(
    app: &TestApp,
    cookie: &str,
    id: &str,
    origin: &str,
) -> Result<Socket, tungstenite::Error> {
    let url = format!(
        "{}/api/sessions/{id}/room/signal",
        app.base_url.replacen("http", "ws", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", origin.parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

fn refused_with(result: Result<Socket, tungstenite::Error>) -> u16 {
    match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(error) => panic!("refused without an HTTP answer: {error}"),
        Ok(_) => panic!("the socket was opened"),
    }
}

/// The next message of the given type (others are passed over), within ten seconds.
async fn expect(socket: &mut Socket, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind:?} message came"))
            .expect("the socket closed")
            .expect("the socket failed");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == kind {
                return value;
            }
        }
    }
}

async fn say(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_participants_meet_at_the_room_across_app_servers_and_their_presence_is_reported() {
    let app = spawn_app().await;
    // Behind a load balancer the two may reach different app servers; SQLite's are one process.
    let second = (app.backend == "postgres").then_some(app.second_instance().await);
    let teachers_server = second.as_ref().unwrap_or(&app);
    let email = format!("student-{}@example.com", uuid::Uuid::new_v4().simple());
    let student = student_with_credits_as(&app, &email).await;
    let (_, id) = session_starting_soon(&app, Some(student)).await;
    let student_cookie = session_cookie(&app, &email, PASSWORD).await;
    let teacher_cookie = session_cookie(&app, "priya.raman@example.com", DEMO_PASSWORD).await;
    let outsider_cookie = session_cookie(&app, "sam.rivera@example.com", DEMO_PASSWORD).await;

    assert_eq!(
        refused_with(open_socket(&app, &outsider_cookie, &id, &app.base_url).await),
        403,
        "only the session's two participants"
    );
    assert_eq!(
        refused_with(open_socket(&app, &student_cookie, &id, "https://evil.example").await),
        403,
        "only from our own pages"
    );
    assert_eq!(
        refused_with(open_socket(&app, "peerloop_session=nobody", &id, &app.base_url).await),
        401
    );

    let mut students = open_socket(&app, &student_cookie, &id, &app.base_url)
        .await
        .unwrap();
    let welcome = expect(&mut students, "welcome").await;
    assert_eq!(
        (&welcome["local"], &welcome["is_admin"]),
        (&json!(true), &json!(false))
    );
    let mut teachers = open_socket(
        teachers_server,
        &teacher_cookie,
        &id,
        &teachers_server.base_url,
    )
    .await
    .unwrap();
    assert_eq!(expect(&mut teachers, "welcome").await["is_admin"], true);

    // Each sees the other arrive, and whether they passed the device check.
    let student_seen = expect(&mut teachers, "peer").await;
    assert_eq!(
        (&student_seen["name"], &student_seen["ready"]),
        (&json!("Nia Okafor"), &json!(false))
    );
    let teacher_seen = expect(&mut students, "peer").await;
    assert_eq!(teacher_seen["name"], "Priya Raman");
    say(
        &mut students,
        json!({ "type": "state", "ready": true, "in_room": false }),
    )
    .await;
    let student_seen = expect(&mut teachers, "peer").await;
    assert_eq!(
        (&student_seen["ready"], &student_seen["in_room"]),
        (&json!(true), &json!(false))
    );

    // A WebRTC offer can be larger than one Postgres notification: it arrives whole.
    let offer = json!({ "description": { "type": "offer", "sdp": "a=x\r\n".repeat(4_000) } });
    say(&mut students, json!({ "type": "signal", "data": offer })).await;
    assert_eq!(expect(&mut teachers, "signal").await["data"], offer);

    say(&mut students, json!({ "type": "end" })).await;
    assert_eq!(
        expect(&mut students, "error").await["message"],
        "Only the Student-Teacher ends the session."
    );

    // Entering the built-in room is a participant_joined webhook, and the session starts.
    say(
        &mut teachers,
        json!({ "type": "state", "ready": true, "in_room": true }),
    )
    .await;
    assert_eq!(expect(&mut students, "peer").await["in_room"], true);
    say(
        &mut students,
        json!({ "type": "state", "ready": true, "in_room": true }),
    )
    .await;
    let joins = format!(
        "SELECT COUNT(*) FROM session_attendance WHERE booking_id = '{id}' AND presence = 'joined'"
    );
    eventually(&app, &joins, 2).await;
    assert_eq!(status_of(&app, &id).await, "in_progress");
    let verified = format!(
        "SELECT COUNT(*) FROM video_events WHERE room_id = 'session-{id}' AND type = 'participant_joined'"
    );
    assert_eq!(count(&app, &verified).await, 2);

    // Present for more than a moment, then the student leaves: closing the page is leaving.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    students.close(None).await.unwrap();
    expect(&mut teachers, "peer_gone").await;
    let leaves = format!(
        "SELECT COUNT(*) FROM session_attendance WHERE booking_id = '{id}' AND presence = 'left'"
    );
    eventually(&app, &leaves, 1).await;

    // The Student-Teacher ends the room once the session's time is over (an earlier end only
    // closes the room): both were there, so the session is completed.
    move_session(&app, &id, now() - 3600 - 60).await;
    say(&mut teachers, json!({ "type": "end" })).await;
    expect(&mut teachers, "ended").await;
    let completed =
        format!("SELECT COUNT(*) FROM bookings WHERE id = '{id}' AND status = 'completed'");
    eventually(&app, &completed, 1).await;
    let finished = format!(
        "SELECT COUNT(*) FROM session_rooms WHERE booking_id = '{id}' AND finished_at IS NOT NULL"
    );
    assert_eq!(count(&app, &finished).await, 1);

    // Over, the room turns sockets away with the reason.
    assert_eq!(
        refused_with(open_socket(&app, &teacher_cookie, &id, &app.base_url).await),
        409
    );
}

/// Counts the built-in room's reports of someone leaving the session's room, queued for the
/// webhook.
fn leave_reports(id: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'local_video_report'
           AND payload LIKE '%participant_left%' AND payload LIKE '%{id}%'"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_tab_or_a_reconnect_keeps_a_participant_in_the_room_when_the_older_socket_goes() {
    let app = spawn_app().await;
    let email = format!("student-{}@example.com", uuid::Uuid::new_v4().simple());
    let student = student_with_credits_as(&app, &email).await;
    let (_, id) = session_starting_soon(&app, Some(student)).await;
    let student_cookie = session_cookie(&app, &email, PASSWORD).await;
    let teacher_cookie = session_cookie(&app, "priya.raman@example.com", DEMO_PASSWORD).await;
    let entered = json!({ "type": "state", "ready": true, "in_room": true });

    let mut teachers = open_socket(&app, &teacher_cookie, &id, &app.base_url)
        .await
        .unwrap();
    expect(&mut teachers, "welcome").await;
    say(&mut teachers, entered.clone()).await;
    let mut first_tab = open_socket(&app, &student_cookie, &id, &app.base_url)
        .await
        .unwrap();
    expect(&mut first_tab, "welcome").await;
    say(&mut first_tab, entered.clone()).await;
    assert_eq!(expect(&mut teachers, "peer").await["in_room"], false);
    assert_eq!(expect(&mut teachers, "peer").await["in_room"], true);

    // The student's browser reconnects (or opens a second tab) and enters again; then the older
    // socket closes.
    let mut second_tab = open_socket(&app, &student_cookie, &id, &app.base_url)
        .await
        .unwrap();
    expect(&mut second_tab, "welcome").await;
    say(&mut second_tab, entered.clone()).await;
    expect(&mut second_tab, "peer").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    first_tab.close(None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;

    // The student is still there: no leave is reported, and the teacher's call is not hung up.
    assert_eq!(
        count(&app, &leave_reports(&id)).await,
        0,
        "no leave while a tab is in"
    );
    say(
        &mut second_tab,
        json!({ "type": "state", "ready": false, "in_room": true }),
    )
    .await;
    loop {
        let message = expect_any(&mut teachers).await;
        assert_ne!(message["type"], "peer_gone", "the call is kept");
        if message["type"] == "peer" && message["ready"] == false && message["in_room"] == true {
            break;
        }
    }

    // The last socket goes: now the student has left.
    second_tab.close(None).await.unwrap();
    expect(&mut teachers, "peer_gone").await;
    eventually(&app, &leave_reports(&id), 1).await;
}

/// The next message of any type, within ten seconds.
async fn expect_any(socket: &mut Socket) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("no message came")
            .expect("the socket closed")
            .expect("the socket failed");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_holds_a_few_sockets_at_a_room_and_a_browser_sends_at_a_bounded_rate() {
    let app = spawn_app().await;
    let email = format!("student-{}@example.com", uuid::Uuid::new_v4().simple());
    let student = student_with_credits_as(&app, &email).await;
    let (_, id) = session_starting_soon(&app, Some(student)).await;
    let cookie = session_cookie(&app, &email, PASSWORD).await;

    let mut tabs = Vec::new();
    for _ in 0..4 {
        let mut tab = open_socket(&app, &cookie, &id, &app.base_url)
            .await
            .unwrap();
        expect(&mut tab, "welcome").await;
        tabs.push(tab);
    }
    assert_eq!(
        refused_with(open_socket(&app, &cookie, &id, &app.base_url).await),
        429,
        "a fifth"
    );
    // One closed, there is room for another.
    tabs.pop().unwrap().close(None).await.unwrap();
    let mut opened = None;
    for _ in 0..50 {
        if let Ok(tab) = open_socket(&app, &cookie, &id, &app.base_url).await {
            opened = Some(tab);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut tab = opened.expect("a place is given back when a socket closes");
    expect(&mut tab, "welcome").await;

    // A browser that floods the socket is told, and what is over its allowance is dropped.
    let flood = json!({ "type": "signal", "data": { "candidate": "x" } }).to_string();
    for _ in 0..400 {
        tab.send(Message::Text(flood.clone().into())).await.unwrap();
    }
    assert_eq!(
        expect(&mut tab, "error").await["message"],
        server::rooms::socket::TOO_MANY_MESSAGES
    );
}
