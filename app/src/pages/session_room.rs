//! SROM, a session's room page (`/sessions/:id/room`): the way into the session's video room
//! while it may be joined (from 15 minutes before the start to 15 minutes after the end), and the
//! feedback each participant gives once it is completed, then its recordings. The forms are plain, so the page works
//! without JavaScript. With it, the page checks the camera and microphone before joining, shows
//! whether the other participant is ready, and holds the built-in video room: that live part is
//! the `room` crate, a browser module of its own that this page loads (see `live_room`).

use crate::api::sessions::{
    SessionDetail, UNABLE_TO_CONNECT, VIDEO_UNAVAILABLE, get_session_detail,
};
use crate::components::countdown::{join_countdown, make_modal};
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

/// The live part's place on the page: once the page is hydrated, `/pkg/room.js` (the `room`
/// crate) is imported and started in it, with what its data attributes say (the session, the
/// other participant, whether the viewer runs the room, and whether they are in it or checking
/// their devices first). It stops itself when the place leaves the page.
fn live_room(
    session_id: String,
    peer_name: String,
    is_admin: bool,
    in_room: bool,
) -> impl IntoView {
    let place = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    place.on_load(|place| browser::open_room(&place));
    let flag = |on: bool| if on { "true" } else { "false" };
    view! {
        <div
            node_ref=place
            data-session=session_id
            data-peer=peer_name
            data-admin=flag(is_admin)
            data-in-room=flag(in_room)
        ></div>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    // A dynamic import, so the room module is fetched only here (wasm-bindgen has no syntax of
    // its own for one); the snippet is served from /pkg beside the app's own script. The room is
    // stopped once its place has left the page (a client-side navigation away).
    #[wasm_bindgen(inline_js = "export function openRoom(place) { \
        let room, gone = false; \
        const watch = setInterval(() => { if (!place.isConnected) { \
          gone = true; clearInterval(watch); room?.stop(); } }, 1000); \
        import('/pkg/room.js').then(async (module) => { await module.default(); \
          if (!gone) room = module.start(place); }) \
          .catch((error) => console.error('the room could not start', error)); }")]
    extern "C" {
        #[wasm_bindgen(js_name = openRoom)]
        pub fn open_room(place: &web_sys::HtmlElement);
    }
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
    if detail.can_join {
        // Hidden by the stylesheet once the page is hydrated.
        notes.push((
            "muted needs-js",
            "The camera check and the built-in video room need JavaScript: turn it on and \
             reload this page."
                .into(),
            "needs-js",
        ));
    }
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
    if notes.is_empty() && !detail.feedback_due && !in_local_room {
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
    if session.status == BookingStatus::Completed && detail.recordings.is_empty() {
        notes.push((
            "muted",
            "No recording of this session is ready. One appears here a minute or so after the \
             session ends, if it was recorded."
                .into(),
            "no-recording",
        ));
    }
    let countdown = detail
        .join_opens_in
        .map(|seconds| view! { <p>{join_countdown(seconds, format!("{page}/room"))}</p> });
    let notes = notes
        .into_iter()
        .map(|(class, text, testid)| {
            let role = match class {
                "form-alert" => Some("alert"),
                _ if class.starts_with("muted") => None,
                _ => Some("status"),
            };
            view! { <p class=class role=role data-testid=testid>{text}</p> }
        })
        .collect_view();
    // Plain forms: the server opens the room and sends the browser into it, or keeps the
    // feedback, and comes back here.
    let live = detail.can_join.then(|| {
        live_room(
            session.id.clone(),
            detail.with_name.clone(),
            detail.viewer_role == Party::StudentTeacher,
            in_local_room,
        )
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
    // A dialog over the page once hydrated (modal: the page behind is inert until it is sent
    // or put off); without JavaScript an open dialog in the page's flow. "Later" closes it
    // without a script either way (`formmethod="dialog"`).
    let feedback_form = detail.feedback_due.then(|| {
        let dialog = NodeRef::<leptos::html::Dialog>::new();
        make_modal(dialog);
        view! {
            <dialog open node_ref=dialog class="feedback-dialog" aria-labelledby="feedback-title" data-testid="feedback-dialog">
            <form method="post" action=format!("{page}/room/feedback") class="stack" data-testid="feedback">
                <CsrfField />
                <h2 id="feedback-title">"Your feedback"</h2>
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
                <div class="actions">
                    <button type="submit" class="button button-primary" data-testid="feedback-submit">
                        "Send feedback"
                    </button>
                    <button type="submit" formmethod="dialog" formnovalidate class="button" data-testid="feedback-later">
                        "Later"
                    </button>
                </div>
            </form>
            </dialog>
        }
    });
    // Each recording is a link its browser plays in its own player (valid for 15 minutes: R2's
    // presigned link, or this app's). A `<video>` player, or a section of its own, would add
    // about 3 KB to every page of this bundle group.
    let recordings = detail
        .recordings
        .iter()
        .map(|(url, text)| view! { <p><a href=url.clone() data-testid="recording">{text.clone()}</a></p> })
        .collect_view();
    view! {
        <h1>{detail.course_title.clone()}</h1>
        <dl class="facts">
            <dt>"When"</dt>
            <dd>{format!("{} ({})", detail.when_viewer, detail.viewer_time_zone)}</dd>
            <dt>{with}</dt>
            <dd>{detail.with_name.clone()}</dd>
        </dl>
        {notes}
        {countdown}
        {live}
        {join_form}
        {feedback_form}
        {recordings}
        <p>
            <A href=page>"Session details"</A>
        </p>
    }
}
