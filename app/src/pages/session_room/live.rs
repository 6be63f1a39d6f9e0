//! The live part of a session's room page, in the browser only and in a WASM chunk of its own
//! (fetched when the page is shown, so no other page pays for it): the device check before
//! joining (camera preview, camera and microphone pickers, a microphone level meter, a test
//! sound, and what to do when something is wrong), the other participant's readiness, and the
//! built-in room: the two browsers' cameras and microphones over WebRTC, peer to peer, with
//! mute, camera off, leave, and the Student-Teacher ending the session.
//!
//! Both talk to the server over the room's WebSocket (`/api/sessions/:id/room/signal`). In the
//! built-in room the Student-Teacher's browser makes the WebRTC offer whenever both are in; the
//! student's answers. No STUN or TURN server is configured: the two reach each other directly
//! on one network, which is what the built-in room is for.

use super::RoomSetup;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AnalyserNode, AudioContext, DomException, MediaDeviceInfo, MediaStream, MediaStreamConstraints,
    MediaStreamTrack, MessageEvent, RtcIceCandidateInit, RtcIceConnectionState, RtcPeerConnection,
    RtcPeerConnectionIceEvent, RtcSdpType, RtcSessionDescriptionInit, RtcTrackEvent, WebSocket,
};

const CAMERA_KEY: &str = "peerloop.camera";
const MICROPHONE_KEY: &str = "peerloop.microphone";

/// The other participant, as their browser last said.
#[derive(Clone, Debug, PartialEq)]
struct Peer {
    name: String,
    ready: bool,
    in_room: bool,
}

/// The state of the link to the other side.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Link {
    Connecting,
    Connected,
    Reconnecting,
    Ended,
}

/// The page's live state, shown by the views.
#[derive(Clone, Copy)]
struct Ui {
    local: RwSignal<Option<MediaStream>, LocalStorage>,
    remote: RwSignal<Option<MediaStream>, LocalStorage>,
    problem: RwSignal<Option<&'static str>>,
    peer: RwSignal<Option<Peer>>,
    link: RwSignal<Link>,
    notice: RwSignal<Option<String>>,
}

#[leptos::lazy]
pub fn live_room(setup: RoomSetup) -> AnyView {
    let ui = Ui {
        local: RwSignal::new_local(None),
        remote: RwSignal::new_local(None),
        problem: RwSignal::new(None),
        peer: RwSignal::new(None),
        link: RwSignal::new(Link::Connecting),
        notice: RwSignal::new(None),
    };
    let room = Room::new(setup.clone(), ui);
    room.connect();
    {
        let room = room.clone();
        spawn_local(async move { room.open_devices().await });
    }
    let room = StoredValue::new_local(room);
    on_cleanup(move || room.with_value(|room| room.close()));
    if setup.in_room {
        in_room(setup, ui, room).into_any()
    } else {
        device_check(setup, ui, room).into_any()
    }
}

fn device_check(
    setup: RoomSetup,
    ui: Ui,
    room: StoredValue<Rc<Room>, LocalStorage>,
) -> impl IntoView {
    let preview = NodeRef::<leptos::html::Video>::new();
    show_stream(preview, ui.local);
    let cameras = RwSignal::new(Vec::<(String, String)>::new());
    let microphones = RwSignal::new(Vec::<(String, String)>::new());
    let level = RwSignal::new(0.0_f64);
    // Once the camera and microphone are open: list them, and measure the microphone.
    Effect::new(move || {
        let Some(stream) = ui.local.get() else { return };
        spawn_local(async move {
            let (found_cameras, found_microphones) = list_devices().await;
            cameras.set(found_cameras);
            microphones.set(found_microphones);
        });
        room.with_value(|room| room.meter(&stream, level));
    });
    let choose = move |key: &'static str, id: String| {
        set_stored(key, &id);
        room.with_value(|room| {
            let room = room.clone();
            spawn_local(async move { room.open_devices().await });
        });
    };
    let picker =
        move |label: &'static str, key: &'static str, list: RwSignal<Vec<(String, String)>>| {
            let id = format!("pick-{key}").replace('.', "-");
            view! {
                <label for=id.clone()>{label}</label>
                <select
                    id=id
                    on:change=move |event| choose(key, event_target_value(&event))
                    prop:value=move || stored(key).unwrap_or_default()
                >
                    {move || {
                        list.get()
                            .into_iter()
                            .map(|(id, name)| view! { <option value=id>{name}</option> })
                            .collect_view()
                    }}
                </select>
            }
        };
    let peer_name = setup.peer_name.clone();
    view! {
        <section class="card stack device-check" aria-labelledby="device-check-title">
            <h2 id="device-check-title">"Check your camera and microphone"</h2>
            <video
                node_ref=preview
                class="preview"
                autoplay
                playsinline
                prop:muted=true
                aria-label="Your camera"
                data-testid="preview"
            ></video>
            {picker("Camera", CAMERA_KEY, cameras)}
            {picker("Microphone", MICROPHONE_KEY, microphones)}
            <label for="mic-level">"Microphone level (speak to see it move)"</label>
            <meter id="mic-level" min="0" max="1" value=move || level.get() data-testid="mic-level"></meter>
            <button
                type="button"
                class="button"
                on:click=move |_| room.with_value(|room| room.test_sound())
                data-testid="test-sound"
            >
                "Play a test sound"
            </button>
            <DeviceStatus ui />
            <p role="status" data-testid="peer-status">
                {move || peer_line(&peer_name, ui.peer.get())}
            </p>
        </section>
    }
}

/// Where the device check stands: working, being asked, or what to do about a problem.
#[component]
fn DeviceStatus(ui: Ui) -> impl IntoView {
    move || match (ui.problem.get(), ui.local.with(Option::is_some)) {
        (Some(problem), _) => {
            view! { <p class="form-alert" role="alert" data-testid="device-problem">{problem}</p> }
                .into_any()
        }
        (None, true) => view! {
            <p class="form-success" role="status" data-testid="device-ready">
                "Your camera and microphone work. You're ready to join."
            </p>
        }
        .into_any(),
        (None, false) => view! {
            <p class="muted" role="status" aria-busy="true">
                "Asking your browser for the camera and microphone…"
            </p>
        }
        .into_any(),
    }
}

fn peer_line(name: &str, peer: Option<Peer>) -> String {
    match peer {
        None => format!("{name} hasn't opened this page yet."),
        Some(Peer { in_room: true, .. }) => format!("{name} is in the room, waiting for you."),
        Some(Peer { ready: true, .. }) => {
            format!("{name} has checked their camera and microphone and is ready.")
        }
        Some(_) => format!("{name} is here, checking their camera and microphone."),
    }
}

fn in_room(setup: RoomSetup, ui: Ui, room: StoredValue<Rc<Room>, LocalStorage>) -> impl IntoView {
    let own = NodeRef::<leptos::html::Video>::new();
    let other = NodeRef::<leptos::html::Video>::new();
    show_stream(own, ui.local);
    show_stream(other, ui.remote);
    let muted = RwSignal::new(false);
    let camera_off = RwSignal::new(false);
    let peer_name = setup.peer_name.clone();
    let status = move || match (ui.link.get(), ui.remote.with(Option::is_some)) {
        (Link::Ended, _) => "The session has ended. Taking you to the feedback…".to_owned(),
        (Link::Reconnecting, _) => "Reconnecting…".to_owned(),
        (_, true) => format!("You're in the room with {peer_name}."),
        (_, false) => format!("Waiting for {peer_name} to join…"),
    };
    let toggle = move |kind: &'static str, off: RwSignal<bool>| {
        off.update(|off| *off = !*off);
        ui.local.with_untracked(|stream| {
            if let Some(stream) = stream {
                set_tracks_enabled(stream, kind, !off.get_untracked());
            }
        });
    };
    view! {
        <section class="live-room stack" aria-label="Video room">
            <p role="status" class="form-status" data-testid="room-status">{status}</p>
            <DeviceStatus ui />
            {move || ui.notice.get().map(|notice| view! { <p class="form-alert" role="alert">{notice}</p> })}
            <div class="videos">
                <video
                    node_ref=other
                    class="remote"
                    autoplay
                    playsinline
                    aria-label=format!("{}'s camera", setup.peer_name)
                    data-testid="remote-video"
                ></video>
                <video
                    node_ref=own
                    class="own"
                    autoplay
                    playsinline
                    prop:muted=true
                    aria-label="Your camera"
                    data-testid="own-video"
                ></video>
            </div>
            <div class="room-controls">
                <button
                    type="button"
                    class="button"
                    aria-pressed=move || muted.get().to_string()
                    on:click=move |_| toggle("audio", muted)
                    data-testid="mute"
                >
                    {move || if muted.get() { "Unmute" } else { "Mute" }}
                </button>
                <button
                    type="button"
                    class="button"
                    aria-pressed=move || camera_off.get().to_string()
                    on:click=move |_| toggle("video", camera_off)
                    data-testid="camera"
                >
                    {move || if camera_off.get() { "Camera on" } else { "Camera off" }}
                </button>
                <button
                    type="button"
                    class="button"
                    on:click=move |_| room.with_value(|room| room.leave())
                    data-testid="leave"
                >
                    "Leave"
                </button>
                {setup.is_admin.then(|| view! {
                    <button
                        type="button"
                        class="button button-danger"
                        on:click=move |_| room.with_value(|room| room.end())
                        data-testid="end"
                    >
                        "End session"
                    </button>
                })}
            </div>
        </section>
    }
}

/// Keeps the video element showing the stream.
fn show_stream(
    video: NodeRef<leptos::html::Video>,
    stream: RwSignal<Option<MediaStream>, LocalStorage>,
) {
    Effect::new(move || {
        if let Some(video) = video.get() {
            stream.with(|stream| video.set_src_object(stream.as_ref()));
        }
    });
}

fn set_tracks_enabled(stream: &MediaStream, kind: &str, enabled: bool) {
    for track in stream.get_tracks().iter() {
        let track: MediaStreamTrack = track.unchecked_into();
        if track.kind() == kind {
            track.set_enabled(enabled);
        }
    }
}

fn stop_tracks(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn set_stored(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

/// The cameras and microphones (id, label); labels are known once permission is given.
async fn list_devices() -> (Vec<(String, String)>, Vec<(String, String)>) {
    let (mut cameras, mut microphones) = (Vec::new(), Vec::new());
    let Some(devices) =
        web_sys::window().and_then(|window| window.navigator().media_devices().ok())
    else {
        return (cameras, microphones);
    };
    let Ok(listing) = devices.enumerate_devices() else {
        return (cameras, microphones);
    };
    let Ok(found) = JsFuture::from(listing).await else {
        return (cameras, microphones);
    };
    for device in js_sys::Array::from(&found).iter() {
        let device: MediaDeviceInfo = device.unchecked_into();
        let list = match device.kind() {
            web_sys::MediaDeviceKind::Videoinput => &mut cameras,
            web_sys::MediaDeviceKind::Audioinput => &mut microphones,
            _ => continue,
        };
        let label = match device.label() {
            label if label.is_empty() => format!("Device {}", list.len() + 1),
            label => label,
        };
        list.push((device.device_id(), label));
    }
    (cameras, microphones)
}

/// What to tell someone whose camera or microphone could not be opened.
fn problem_of(error: &JsValue) -> &'static str {
    let name = error
        .dyn_ref::<DomException>()
        .map(DomException::name)
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => {
            "Your browser blocked the camera and microphone. Allow them for this site (the camera \
             icon in the address bar, or your browser's site settings), then reload this page."
        }
        "NotFoundError" | "OverconstrainedError" => {
            "No camera or microphone was found. Connect one, then reload this page."
        }
        "NotReadableError" | "AbortError" => {
            "Your camera or microphone is in use by another app. Close that app (or its other \
             tab), then reload this page."
        }
        _ => UNSUPPORTED,
    }
}

const UNSUPPORTED: &str = "This browser can't make video calls here. Use a recent Chrome, Edge, \
                           Firefox or Safari, over a secure (https) connection.";

/// A constraint that prefers the chosen device but takes another if it is gone.
fn device_constraint(key: &str) -> JsValue {
    match stored(key) {
        Some(id) if !id.is_empty() => {
            let constraint = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&constraint, &"deviceId".into(), &id.into());
            constraint.into()
        }
        _ => JsValue::TRUE,
    }
}

/// The room's state in this browser: the socket, the camera and microphone, the call.
struct Room {
    setup: RoomSetup,
    ui: Ui,
    state: RefCell<RoomState>,
}

#[derive(Default)]
struct RoomState {
    socket: Option<WebSocket>,
    call: Option<RtcPeerConnection>,
    /// Network candidates that came before the offer or answer they belong to.
    early_candidates: Vec<RtcIceCandidateInit>,
    audio: Option<AudioContext>,
    meter: Option<IntervalHandle>,
    ready: bool,
    closed: bool,
    /// Event handlers the browser calls; dropped with the room.
    handlers: Vec<Box<dyn std::any::Any>>,
}

impl Room {
    fn new(setup: RoomSetup, ui: Ui) -> Rc<Room> {
        Rc::new(Room {
            setup,
            ui,
            state: RefCell::default(),
        })
    }

    fn keep<T: 'static>(&self, handler: T) {
        self.state.borrow_mut().handlers.push(Box::new(handler));
    }

    /// Opens (or reopens, with the chosen devices) the camera and microphone.
    async fn open_devices(self: Rc<Self>) {
        let Some(devices) = web_sys::window()
            .map(|window| window.navigator())
            .filter(|navigator| {
                js_sys::Reflect::get(navigator, &"mediaDevices".into())
                    .is_ok_and(|devices| !devices.is_undefined())
            })
            .and_then(|navigator| navigator.media_devices().ok())
        else {
            self.ui.problem.set(Some(UNSUPPORTED));
            return;
        };
        let constraints = MediaStreamConstraints::new();
        constraints.set_video(&device_constraint(CAMERA_KEY));
        constraints.set_audio(&device_constraint(MICROPHONE_KEY));
        let opened = match devices.get_user_media_with_constraints(&constraints) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        match opened {
            Ok(stream) => {
                let stream: MediaStream = stream.unchecked_into();
                if let Some(old) = self.ui.local.get_untracked() {
                    stop_tracks(&old);
                }
                self.ui.problem.set(None);
                self.ui.local.set(Some(stream.clone()));
                self.state.borrow_mut().ready = true;
                self.say_state();
                self.maybe_call();
            }
            Err(error) => {
                self.ui.problem.set(Some(problem_of(&error)));
                self.state.borrow_mut().ready = false;
                self.say_state();
            }
        }
    }

    /// The microphone's level, ten times a second.
    fn meter(&self, stream: &MediaStream, level: RwSignal<f64>) {
        let Ok(audio) = AudioContext::new() else {
            return;
        };
        let Ok(analyser) = audio.create_analyser() else {
            return;
        };
        analyser.set_fft_size(256);
        let Ok(source) = audio.create_media_stream_source(stream) else {
            return;
        };
        if source.connect_with_audio_node(&analyser).is_err() {
            return;
        }
        // Browsers start audio suspended until the page is used; the meter needs it running.
        if let Ok(resumed) = audio.resume() {
            spawn_local(async move {
                let _ = JsFuture::from(resumed).await;
            });
        }
        let measure = move |analyser: &AnalyserNode| {
            let mut samples = [0_u8; 256];
            analyser.get_byte_time_domain_data(&mut samples);
            let power = samples
                .iter()
                .map(|sample| (f64::from(*sample) - 128.0) / 128.0)
                .map(|amplitude| amplitude * amplitude)
                .sum::<f64>()
                / samples.len() as f64;
            // Speech sits around 0.05 to 0.2 RMS: scaled so it fills most of the meter.
            level.set((power.sqrt() * 4.0).min(1.0));
        };
        let handle = set_interval_with_handle(
            move || measure(&analyser),
            std::time::Duration::from_millis(100),
        )
        .ok();
        let mut state = self.state.borrow_mut();
        if let Some(old) = state.meter.take() {
            old.clear();
        }
        if let Some(old) = state.audio.replace(audio) {
            let _ = old.close();
        }
        state.meter = handle;
    }

    fn test_sound(&self) {
        let audio = self.state.borrow().audio.clone();
        let Some(audio) = audio.or_else(|| AudioContext::new().ok()) else {
            return;
        };
        let _ = audio.resume();
        let (Ok(tone), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else {
            return;
        };
        tone.frequency().set_value(440.0);
        gain.gain().set_value(0.2);
        let played = tone
            .connect_with_audio_node(&gain)
            .and_then(|_| gain.connect_with_audio_node(&audio.destination()))
            .and_then(|_| tone.start())
            .and_then(|()| tone.stop_with_when(audio.current_time() + 0.8));
        if played.is_err() {
            self.ui.problem.set(Some(UNSUPPORTED));
        }
    }

    fn socket_url(&self) -> Option<String> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!(
            "{scheme}://{}/api/sessions/{}/room/signal",
            location.host().ok()?,
            self.setup.session_id
        ))
    }

    fn connect(self: &Rc<Self>) {
        let Some(socket) = self.socket_url().and_then(|url| WebSocket::new(&url).ok()) else {
            self.ui.problem.set(Some(UNSUPPORTED));
            return;
        };
        let room = Rc::downgrade(self);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if let Some(room) = room.upgrade() {
                room.ui.link.set(Link::Connected);
                room.say_state();
            }
        });
        let room = Rc::downgrade(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let message = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<Value>(&text).ok());
            if let (Some(room), Some(message)) = (room.upgrade(), message) {
                room.received(message);
            }
        });
        let room = Rc::downgrade(self);
        let on_close = Closure::<dyn FnMut()>::new(move || {
            let Some(room) = room.upgrade() else { return };
            if room.state.borrow().closed {
                return;
            }
            room.ui.link.set(Link::Reconnecting);
            let again = Rc::downgrade(&room);
            set_timeout(
                move || {
                    if let Some(room) = again.upgrade()
                        && !room.state.borrow().closed
                    {
                        room.connect();
                    }
                },
                std::time::Duration::from_millis(1_500),
            );
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        self.keep(on_open);
        self.keep(on_message);
        self.keep(on_close);
        if let Some(old) = self.state.borrow_mut().socket.replace(socket) {
            let _ = old.close();
        }
    }

    fn send(&self, message: &Value) {
        if let Some(socket) = &self.state.borrow().socket
            && socket.ready_state() == WebSocket::OPEN
        {
            let _ = socket.send_with_str(&message.to_string());
        }
    }

    fn say_state(&self) {
        let ready = self.state.borrow().ready;
        self.send(
            &json!({ "type": "state", "ready": ready, "in_room": self.setup.in_room && ready }),
        );
    }

    fn received(self: &Rc<Self>, message: Value) {
        match message["type"].as_str().unwrap_or_default() {
            "peer" => {
                let peer = Peer {
                    name: message["name"].as_str().unwrap_or_default().to_owned(),
                    ready: message["ready"].as_bool().unwrap_or(false),
                    in_room: message["in_room"].as_bool().unwrap_or(false),
                };
                let in_room = peer.in_room;
                self.ui.peer.set(Some(peer));
                if !in_room {
                    self.hang_up();
                } else {
                    self.maybe_call();
                }
            }
            "peer_gone" => {
                self.ui.peer.set(None);
                self.hang_up();
            }
            "signal" => {
                let room = self.clone();
                spawn_local(async move { room.signalled(message["data"].clone()).await });
            }
            "ended" => self.ended(),
            "error" => self
                .ui
                .notice
                .set(message["message"].as_str().map(str::to_owned)),
            _ => {}
        }
    }

    /// The Student-Teacher's browser calls when both are in the room and no call is up.
    fn maybe_call(self: &Rc<Self>) {
        let both_in = self
            .ui
            .peer
            .with_untracked(|peer| peer.as_ref().is_some_and(|peer| peer.in_room));
        if !self.setup.is_admin
            || !self.setup.in_room
            || !both_in
            || self.state.borrow().call.is_some()
            || self.ui.local.with_untracked(Option::is_none)
        {
            return;
        }
        let Some(call) = self.new_call() else { return };
        let room = self.clone();
        spawn_local(async move {
            let offered = async {
                let offer = JsFuture::from(call.create_offer()).await?;
                let offer: RtcSessionDescriptionInit = offer.unchecked_into();
                JsFuture::from(call.set_local_description(&offer)).await?;
                Ok::<_, JsValue>(offer)
            }
            .await;
            match offered {
                Ok(offer) => room.send_description("offer", &offer),
                Err(_) => room.hang_up(),
            }
        });
    }

    fn send_description(&self, kind: &str, description: &RtcSessionDescriptionInit) {
        let sdp = js_sys::Reflect::get(description, &"sdp".into())
            .ok()
            .and_then(|sdp| sdp.as_string())
            .unwrap_or_default();
        self.send(
            &json!({ "type": "signal", "data": { "description": { "type": kind, "sdp": sdp } } }),
        );
    }

    /// A fresh peer connection carrying this side's camera and microphone.
    fn new_call(self: &Rc<Self>) -> Option<RtcPeerConnection> {
        self.hang_up();
        let call = RtcPeerConnection::new().ok()?;
        if let Some(stream) = self.ui.local.get_untracked() {
            for track in stream.get_tracks().iter() {
                call.add_track_0(&track.unchecked_into(), &stream);
            }
        }
        let room = Rc::downgrade(self);
        let on_candidate = Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(
            move |event: RtcPeerConnectionIceEvent| {
                let (Some(room), Some(candidate)) = (room.upgrade(), event.candidate()) else {
                    return;
                };
                room.send(&json!({ "type": "signal", "data": { "candidate": {
                    "candidate": candidate.candidate(),
                    "sdpMid": candidate.sdp_mid(),
                    "sdpMLineIndex": candidate.sdp_m_line_index(),
                } } }));
            },
        );
        let ui = self.ui;
        let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new(move |event: RtcTrackEvent| {
            if let Ok(stream) = event.streams().get(0).dyn_into::<MediaStream>() {
                ui.remote.set(Some(stream));
            }
        });
        let room = Rc::downgrade(self);
        let watched = call.clone();
        let on_state = Closure::<dyn FnMut()>::new(move || {
            let Some(room) = room.upgrade() else { return };
            match watched.ice_connection_state() {
                RtcIceConnectionState::Connected | RtcIceConnectionState::Completed => {
                    room.ui.link.set(Link::Connected);
                }
                RtcIceConnectionState::Disconnected => room.ui.link.set(Link::Reconnecting),
                RtcIceConnectionState::Failed => {
                    room.ui.link.set(Link::Reconnecting);
                    // Start over: the Student-Teacher offers again.
                    room.hang_up();
                    room.maybe_call();
                }
                _ => {}
            }
        });
        call.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));
        call.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
        call.set_oniceconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
        self.keep(on_candidate);
        self.keep(on_track);
        self.keep(on_state);
        self.state.borrow_mut().call = Some(call.clone());
        Some(call)
    }

    fn hang_up(&self) {
        let call = {
            let mut state = self.state.borrow_mut();
            state.early_candidates.clear();
            state.call.take()
        };
        if let Some(call) = call {
            call.close();
        }
        self.ui.remote.set(None);
    }

    /// An offer, an answer or a network candidate from the other side.
    async fn signalled(self: Rc<Self>, data: Value) {
        let description = &data["description"];
        if let Some(sdp) = description["sdp"].as_str() {
            let offer = description["type"] == "offer";
            let call = if offer {
                // The Student-Teacher (re)starts the call: answer on a fresh connection.
                self.new_call()
            } else {
                self.state.borrow().call.clone()
            };
            let Some(call) = call else { return };
            let remote = RtcSessionDescriptionInit::new(if offer {
                RtcSdpType::Offer
            } else {
                RtcSdpType::Answer
            });
            remote.set_sdp(sdp);
            if JsFuture::from(call.set_remote_description(&remote))
                .await
                .is_err()
            {
                return self.hang_up();
            }
            let early = std::mem::take(&mut self.state.borrow_mut().early_candidates);
            for candidate in early {
                let _ = JsFuture::from(
                    call.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&candidate)),
                )
                .await;
            }
            if offer {
                let answered = async {
                    let answer = JsFuture::from(call.create_answer()).await?;
                    let answer: RtcSessionDescriptionInit = answer.unchecked_into();
                    JsFuture::from(call.set_local_description(&answer)).await?;
                    Ok::<_, JsValue>(answer)
                }
                .await;
                match answered {
                    Ok(answer) => self.send_description("answer", &answer),
                    Err(_) => self.hang_up(),
                }
            }
        } else if let Some(text) = data["candidate"]["candidate"].as_str() {
            let candidate = RtcIceCandidateInit::new(text);
            candidate.set_sdp_mid(data["candidate"]["sdpMid"].as_str());
            candidate.set_sdp_m_line_index(
                data["candidate"]["sdpMLineIndex"]
                    .as_u64()
                    .and_then(|index| u16::try_from(index).ok()),
            );
            let call = self.state.borrow().call.clone();
            match call.filter(|call| call.remote_description().is_some()) {
                Some(call) => {
                    let _ = JsFuture::from(
                        call.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&candidate)),
                    )
                    .await;
                }
                None => self.state.borrow_mut().early_candidates.push(candidate),
            }
        }
    }

    fn leave(&self) {
        self.send(&json!({ "type": "state", "ready": true, "in_room": false }));
        self.close();
        go_to(&format!("/sessions/{}/room", self.setup.session_id));
    }

    fn end(&self) {
        self.send(&json!({ "type": "end" }));
    }

    /// The room is over: once the server has decided the session, the page asks for feedback.
    fn ended(&self) {
        self.ui.link.set(Link::Ended);
        self.close();
        let id = self.setup.session_id.clone();
        spawn_local(async move {
            for _ in 0..20 {
                sleep(500).await;
                let detail = crate::api::sessions::get_session_detail(id.clone(), false).await;
                if detail.is_ok_and(|detail| !detail.can_join || detail.feedback_due) {
                    break;
                }
            }
            go_to(&format!("/sessions/{id}/room"));
        });
    }

    fn close(&self) {
        let mut state = self.state.borrow_mut();
        state.closed = true;
        if let Some(socket) = state.socket.take() {
            let _ = socket.close();
        }
        if let Some(call) = state.call.take() {
            call.close();
        }
        if let Some(meter) = state.meter.take() {
            meter.clear();
        }
        if let Some(audio) = state.audio.take() {
            let _ = audio.close();
        }
        drop(state);
        if let Some(stream) = self.ui.local.get_untracked() {
            stop_tracks(&stream);
        }
    }
}

async fn sleep(millis: i32) {
    let wait = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
        }
    });
    let _ = JsFuture::from(wait).await;
}

/// A full page load: the server renders where the session now stands.
fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
}
