//! SROM, a session's room page (`/sessions/:id/room`): the way into the session's video room
//! while it may be joined (from 15 minutes before the start to 15 minutes after the end), and the
//! feedback each participant gives once it is completed. Both are plain forms, so the page works
//! without JavaScript. With it, the page checks the camera and microphone before joining, shows
//! whether the other participant is ready, and holds the built-in video room (see `live`).

#[cfg(feature = "hydrate")]
mod live;

use crate::api::sessions::{
    SessionDetail, UNABLE_TO_CONNECT, VIDEO_UNAVAILABLE, get_session_detail,
};
use crate::components::session::CsrfField;
use crate::components::sign_in::signed_in_page;
use domain::attendance::FeedbackError;
use domain::booking::{BookingStatus, Party};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn SessionRoomPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, |id| get_session_detail(id, false));
    view! {
        <Title text="Session room" />
        <section class="container session-page">
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading the session…"</p> }>
                {move || Suspend::new(async move {
                    let here = format!("/sessions/{}/room", id());
                    signed_in_page(detail.await, &here, |detail| {
                        view! { <RoomView detail /> }.into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}

/// What the live part of the page needs to know.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomSetup {
    pub session_id: String,
    pub peer_name: String,
    /// The Student-Teacher, who runs the room.
    pub is_admin: bool,
    /// In the built-in room (after joining); otherwise the device check before joining.
    pub in_room: bool,
}

/// The live part, rendered in the browser once the page is hydrated (its code is a chunk of its
/// own, fetched then); the server's page says what it needs.
#[component]
fn LiveRoom(setup: RoomSetup) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    view! {
        <noscript>
            <p class="muted" data-testid="needs-js">
                "The camera check and the built-in video room need JavaScript: turn it on and \
                 reload this page."
            </p>
        </noscript>
        {move || hydrated.get().then(|| live_view(setup.clone()))}
    }
}

#[cfg(feature = "hydrate")]
fn live_view(setup: RoomSetup) -> AnyView {
    view! {
        <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Opening the room…"</p> }>
            {
                let setup = setup.clone();
                Suspend::new(async move { live::live_room(setup).await })
            }
        </Suspense>
    }
    .into_any()
}

#[cfg(not(feature = "hydrate"))]
fn live_view(_setup: RoomSetup) -> AnyView {
    ().into_any()
}

/// What the join and feedback forms came back with (`?join=…`, `?feedback=…`).
fn notice(key: &str) -> Option<String> {
    use_query_map().read_untracked().get(key)
}

/// One line the page says about where things stand: its class, text and test id.
type Note = (&'static str, String, &'static str);

#[component]
fn RoomView(detail: SessionDetail) -> impl IntoView {
    let session = &detail.session;
    let page = format!("/sessions/{}", session.id);
    let with = match detail.viewer_role {
        Party::Student => "Student-Teacher",
        Party::StudentTeacher => "Student",
    };
    let join = notice("join");
    let feedback = notice("feedback");
    let join_failed = match join.as_deref() {
        Some("unavailable") => Some(VIDEO_UNAVAILABLE),
        Some("failed") => Some(UNABLE_TO_CONNECT),
        _ => None,
    };
    let feedback_refused = match feedback.as_deref() {
        Some("stars") => Some(FeedbackError::Stars),
        Some("comment") => Some(FeedbackError::CommentTooLong),
        _ => None,
    };
    let thanked = feedback.as_deref() == Some("sent");
    // Every line is one template, so each costs the browser bundle only its text.
    let mut notes: Vec<Note> = Vec::new();
    if let Some(opens) = &detail.join_opens {
        notes.push((
            "form-status",
            format!(
                "The room opens at {opens} ({}), 15 minutes before the start.",
                detail.viewer_time_zone
            ),
            "join-opens",
        ));
    }
    let in_local_room = detail.can_join && join.as_deref() == Some("local");
    if detail.can_join && !in_local_room {
        notes.push((
            "muted",
            "Use a recent Chrome, Edge, Firefox or Safari with a camera and a microphone, allow \
             PeerLoop to use them when your browser asks, and wear headphones to avoid echo."
                .into(),
            "pre-join",
        ));
    }
    if let Some(text) = join_failed {
        notes.push(("form-alert", text.into(), "join-error"));
    }
    if thanked {
        notes.push((
            "form-success",
            "Thanks for your feedback.".into(),
            "feedback-sent",
        ));
    }
    if let Some(refused) = feedback_refused.filter(|_| detail.feedback_due) {
        notes.push(("form-alert", refused.to_string(), "feedback-error"));
    }
    if notes.is_empty() && !detail.feedback_due {
        let text = match session.status {
            BookingStatus::Completed => "This session is over.",
            BookingStatus::Cancelled => "This session was cancelled.",
            BookingStatus::PendingPayment => {
                "This session is not paid for yet, so its room is closed."
            }
            _ => "This session's time to join is over.",
        };
        notes.push(("muted", text.into(), "room-closed"));
    }
    let notes = notes
        .into_iter()
        .map(|(class, text, testid)| {
            let role = match class {
                "form-alert" => Some("alert"),
                "muted" => None,
                _ => Some("status"),
            };
            view! { <p class=class role=role data-testid=testid>{text}</p> }
        })
        .collect_view();
    // Plain forms: the server opens the room and sends the browser into it, or keeps the
    // feedback, and comes back here.
    let live = detail.can_join.then(|| {
        let setup = RoomSetup {
            session_id: session.id.clone(),
            peer_name: detail.with_name.clone(),
            is_admin: detail.viewer_role == Party::StudentTeacher,
            in_room: in_local_room,
        };
        view! { <LiveRoom setup /> }
    });
    let join_form = (detail.can_join && !in_local_room).then(|| {
        view! {
            <form method="post" action=format!("{page}/room/join")>
                <CsrfField />
                <button type="submit" class="button button-primary" data-testid="join">
                    {if join_failed.is_some() { "Retry" } else { "Join session" }}
                </button>
            </form>
        }
    });
    let feedback_form = detail.feedback_due.then(|| {
        view! {
            <form method="post" action=format!("{page}/room/feedback") class="card stack" data-testid="feedback">
                <CsrfField />
                <fieldset class="stars">
                    <legend>{format!("How was your session with {}?", detail.with_name)}</legend>
                    {(1..=5)
                        .map(|stars| {
                            view! {
                                <label>
                                    <input type="radio" name="stars" value=stars.to_string() required />
                                    {format!("{stars} star{}", if stars == 1 { "" } else { "s" })}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <label for="feedback-comment">"Anything to add? (optional)"</label>
                <textarea id="feedback-comment" name="comment" rows="3" maxlength="2000"></textarea>
                <button type="submit" class="button button-primary" data-testid="feedback-submit">
                    "Send feedback"
                </button>
            </form>
        }
    });
    view! {
        <h1>{detail.course_title.clone()}</h1>
        <dl class="facts">
            <dt>"When"</dt>
            <dd>{format!("{} ({})", detail.when_viewer, detail.viewer_time_zone)}</dd>
            <dt>{with}</dt>
            <dd>{detail.with_name.clone()}</dd>
        </dl>
        {notes}
        {live}
        {join_form}
        {feedback_form}
        <p>
            <A href=page>"Session details"</A>
        </p>
    }
}
