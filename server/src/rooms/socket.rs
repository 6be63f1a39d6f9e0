//! `GET /api/sessions/:id/room/signal`, a WebSocket for each participant at a session's room
//! page. Both sides say where they stand (device check passed, in the built-in room), which is
//! the readiness each shows of the other; the built-in room's WebRTC offers, answers and network
//! candidates go through it to the other side; and with the built-in room standing in for
//! PlugNmeet, entering, leaving and the Student-Teacher ending the room are reported as
//! PlugNmeet's webhooks would be.
//!
//! What the browser sends (JSON text frames):
//! `{"type":"state","ready":bool,"in_room":bool}`, `{"type":"signal","data":…}`, `{"type":"end"}`.
//! (Between sockets each message also carries its sender's running `number`.)
//! What it gets: `{"type":"welcome","local":bool,"is_admin":bool}`,
//! `{"type":"peer","name":…,"ready":bool,"in_room":bool}`, `{"type":"peer_gone"}`,
//! `{"type":"signal","data":…}`, `{"type":"ended"}`, `{"type":"error","message":…}`, and
//! `{"type":"renegotiate"}` when either side's socket fell behind and lost some of the call's
//! messages (both hang up; the Student-Teacher's browser offers again). A browser may send a
//! burst of 200 messages, then 50 a second (beyond, they are dropped with an error); a person
//! holds at most 4 sockets at one session's room per app server (a fifth is refused, 429).

use super::bus::{Admission, Signal, SignalBus};
use crate::adapters::video::local::{self, Report};
use crate::security::RequestPolicy;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use backend::AppState;
use backend::auth::{SessionUser, SignedIn};
use backend::services::booking::{self, RoomEntry};
use backend::store::unix_now;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use wire::error::AppError;

/// Larger than any offer a browser makes.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// A browser's messages: a burst this large (a call's start sends an offer and a few dozen
/// network candidates)...
const MESSAGE_BURST: f64 = 200.0;
/// ...and this many a second after it. Beyond, messages are dropped and the browser told.
const MESSAGES_PER_SEC: f64 = 50.0;
/// Said when a browser sends faster than that.
pub const TOO_MANY_MESSAGES: &str = "Too many messages at once: some were dropped.";
/// Said to a person who holds too many sockets at one session's room.
pub const TOO_MANY_SOCKETS: &str =
    "This session's room is open in too many of your tabs. Close one and try again.";
/// A ping this often keeps proxies from closing a quiet socket and shows a dead one.
const PING_EVERY: Duration = Duration::from_secs(20);
/// Nothing heard (not even a pong) for this long: the browser is gone.
const SILENT_FOR: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FromBrowser {
    State { ready: bool, in_room: bool },
    Signal { data: Value },
    End,
}

pub async fn signal(
    State(app): State<AppState>,
    State(bus): State<SignalBus>,
    State(policy): State<RequestPolicy>,
    SignedIn(user): SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    // Browsers send cookies with a WebSocket to any site's page: only ours may open one.
    let from_our_page = headers
        .get(header::ORIGIN)
        .and_then(|origin| origin.to_str().ok())
        .is_some_and(|origin| policy.allows(origin));
    if !from_our_page {
        return (
            StatusCode::FORBIDDEN,
            "This request didn't come from a PeerLoop page.",
        )
            .into_response();
    }
    let entry = match booking::room_entry(&app.db, &user, id.trim(), unix_now()).await {
        Ok(entry) => entry,
        Err(error) => return crate::rest::error::ApiError::from(error).into_response(),
    };
    let Some(admission) = bus.admit(&entry.session_id, &entry.user_id) else {
        return crate::rest::error::ApiError::from(AppError::TooManyRequests(
            TOO_MANY_SOCKETS.into(),
        ))
        .into_response();
    };
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| {
            Participant {
                app,
                bus,
                user,
                entry,
                _admission: admission,
                allowance: MESSAGE_BURST,
                allowance_at: tokio::time::Instant::now(),
                connection: uuid::Uuid::new_v4().to_string(),
                ready: false,
                in_room: false,
                published: 0,
                heard_from: HashMap::new(),
            }
            .run(socket)
        })
}

struct Participant {
    app: AppState,
    bus: SignalBus,
    user: SessionUser,
    entry: RoomEntry,
    /// This socket's place among its person's (see `SignalBus::admit`).
    _admission: Admission,
    /// Messages the browser may still send now (a bucket refilled at `MESSAGES_PER_SEC`).
    allowance: f64,
    allowance_at: tokio::time::Instant,
    connection: String,
    ready: bool,
    in_room: bool,
    /// How many messages this socket has published: each carries its number, so that receivers
    /// can tell an older message from a newer one.
    published: u64,
    /// Per other socket at the room (the other participant's, and this person's other tabs or
    /// an earlier connection not yet timed out): what it last said.
    heard_from: HashMap<String, Heard>,
}

/// What one other socket at the room last told this one.
#[derive(Default)]
struct Heard {
    /// Whether it is the other participant's (else this person's own).
    other_participant: bool,
    /// The number of its newest message seen here.
    number: u64,
    /// The state last passed on to this browser from it.
    state: Option<Value>,
    in_room: bool,
    gone: bool,
}

impl Participant {
    async fn run(mut self, mut socket: WebSocket) {
        let mut signals = self.bus.subscribe(&self.entry.session_id);
        let welcome = json!({
            "type": "welcome",
            "local": self.app.settings.local_video,
            "is_admin": self.entry.is_admin,
        });
        if send(&mut socket, &welcome).await.is_err() {
            return;
        }
        let hello = self.state("hello");
        self.publish(hello).await;
        let mut ping = tokio::time::interval(PING_EVERY);
        let mut heard = tokio::time::Instant::now();
        loop {
            tokio::select! {
                received = socket.recv() => {
                    let Some(Ok(message)) = received else { break };
                    heard = tokio::time::Instant::now();
                    match message {
                        Message::Text(text) => {
                            let problem = if self.take_allowance() {
                                self.handle_browser_message(&mut socket, &text).await.err()
                            } else {
                                Some(TOO_MANY_MESSAGES.to_owned())
                            };
                            if let Some(problem) = problem {
                                let error = json!({ "type": "error", "message": problem });
                                if send(&mut socket, &error).await.is_err() {
                                    break;
                                }
                            }
                        }
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
                signal = signals.recv() => match signal {
                    Ok(signal) => {
                        if self.forward_to_browser(&mut socket, &signal).await.is_err() {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(skipped)) => {
                        // Some of the call's messages were lost: both browsers start it over.
                        tracing::warn!(skipped, "a room socket fell behind its signals; renegotiating");
                        if send(&mut socket, &json!({ "type": "renegotiate" })).await.is_err() {
                            break;
                        }
                        self.publish(json!({ "kind": "renegotiate" })).await;
                    }
                    Err(RecvError::Closed) => break,
                },
                _ = ping.tick() => {
                    if heard.elapsed() > SILENT_FOR
                        || socket.send(Message::Ping(Vec::new().into())).await.is_err()
                    {
                        break;
                    }
                }
            }
        }
        // A person is in the room while any of their sockets is: a reconnect or a second tab
        // keeps them there when the older socket goes.
        if self.in_room && !self.in_room_elsewhere() {
            self.report(Report::Left).await;
        }
        self.publish(json!({ "kind": "gone" })).await;
    }

    /// Takes one message from the browser's allowance; false when it is spent.
    fn take_allowance(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        let refilled = now.duration_since(self.allowance_at).as_secs_f64() * MESSAGES_PER_SEC;
        self.allowance = (self.allowance + refilled).min(MESSAGE_BURST);
        self.allowance_at = now;
        if self.allowance < 1.0 {
            return false;
        }
        self.allowance -= 1.0;
        true
    }

    fn state(&self, kind: &str) -> Value {
        json!({
            "kind": kind,
            "name": self.entry.name,
            "ready": self.ready,
            "in_room": self.in_room,
        })
    }

    async fn handle_browser_message(
        &mut self,
        socket: &mut WebSocket,
        text: &str,
    ) -> Result<(), String> {
        let message: FromBrowser = serde_json::from_str(text)
            .map_err(|error| format!("That message could not be read: {error}"))?;
        match message {
            FromBrowser::State { ready, in_room } => {
                if in_room && !self.in_room {
                    self.enter().await?;
                } else if !in_room && self.in_room && !self.in_room_elsewhere() {
                    self.report(Report::Left).await;
                }
                self.ready = ready;
                self.in_room = in_room;
                let state = self.state("state");
                self.publish(state).await;
            }
            FromBrowser::Signal { data } => {
                self.publish(json!({ "kind": "signal", "data": data }))
                    .await;
            }
            FromBrowser::End => {
                if !self.entry.is_admin {
                    return Err("Only the Student-Teacher ends the session.".into());
                }
                if self.app.settings.local_video {
                    self.report(Report::Finished).await;
                }
                self.publish(json!({ "kind": "ended" })).await;
                send(socket, &json!({ "type": "ended" }))
                    .await
                    .map_err(|error| error.to_string())?;
            }
        }
        Ok(())
    }

    /// Entering the built-in room opens the session's room as joining PlugNmeet's does (with the
    /// same checks, made again now), then reports the join.
    async fn enter(&mut self) -> Result<(), String> {
        if !self.app.settings.local_video {
            return Ok(());
        }
        booking::join_room(
            &self.app.db,
            self.app.video.as_ref(),
            &self.user,
            &self.entry.session_id,
            unix_now(),
        )
        .await
        .map_err(|error| error.to_string())?;
        self.report(Report::Joined).await;
        Ok(())
    }

    async fn report(&self, report: Report) {
        if !self.app.settings.local_video {
            return;
        }
        if let Err(error) = local::queue_report(&self.app.db, &self.entry, report, unix_now()).await
        {
            tracing::error!(%error, ?report, "the built-in room could not queue its report");
        }
    }

    async fn publish(&mut self, mut body: Value) {
        self.published += 1;
        body["number"] = json!(self.published);
        let signal = Signal {
            session_id: self.entry.session_id.clone(),
            connection: self.connection.clone(),
            user_id: self.entry.user_id.clone(),
            body,
        };
        if let Err(error) = self.bus.publish(signal).await {
            tracing::warn!(%error, "a room signal could not be published");
        }
    }

    /// Whether another socket of this person's is in the room.
    fn in_room_elsewhere(&self) -> bool {
        self.heard_from
            .values()
            .any(|heard| !heard.other_participant && !heard.gone && heard.in_room)
    }

    /// Passes on what the other participant's sockets said, and keeps track of this person's
    /// other sockets.
    async fn forward_to_browser(
        &mut self,
        socket: &mut WebSocket,
        signal: &Signal,
    ) -> Result<(), String> {
        if signal.session_id != self.entry.session_id || signal.connection == self.connection {
            return Ok(());
        }
        let kind = signal.body["kind"].as_str().unwrap_or_default();
        // Across app servers a socket's messages may come here out of the order it sent them
        // (or a state twice): an older message than one seen is dropped, so a newer state is
        // never followed by a stale one.
        let number = signal.body["number"].as_u64().unwrap_or_default();
        let other_participant = signal.user_id != self.entry.user_id;
        let heard = self
            .heard_from
            .entry(signal.connection.clone())
            .or_insert_with(|| Heard {
                other_participant,
                ..Heard::default()
            });
        if number <= heard.number {
            return Ok(());
        }
        heard.number = number;
        let message = match kind {
            "hello" | "state" => {
                heard.in_room = signal.body["in_room"] == true;
                let peer = json!({
                    "type": "peer",
                    "name": signal.body["name"],
                    "ready": signal.body["ready"],
                    "in_room": signal.body["in_room"],
                });
                let unchanged = heard.state.as_ref() == Some(&peer);
                heard.state = Some(peer.clone());
                if kind == "hello" {
                    // Someone arrived (or this person in another tab): tell them where this
                    // side stands.
                    let state = self.state("state");
                    self.publish(state).await;
                }
                if unchanged || !other_participant {
                    return Ok(());
                }
                peer
            }
            "gone" => {
                heard.gone = true;
                let still_here = self
                    .heard_from
                    .values()
                    .any(|heard| heard.other_participant && !heard.gone);
                if still_here || !other_participant {
                    return Ok(());
                }
                json!({ "type": "peer_gone" })
            }
            // This person's other tab: only the room's end concerns this one.
            _ if !other_participant && kind != "ended" => return Ok(()),
            "signal" => json!({ "type": "signal", "data": signal.body["data"] }),
            "renegotiate" => json!({ "type": "renegotiate" }),
            "ended" => json!({ "type": "ended" }),
            _ => return Ok(()),
        };
        send(socket, &message)
            .await
            .map_err(|error| error.to_string())
    }
}

async fn send(socket: &mut WebSocket, message: &Value) -> Result<(), axum::Error> {
    socket.send(Message::Text(message.to_string().into())).await
}
