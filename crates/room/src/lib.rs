//! The live part of a session's room page (SROM): the device check before joining (camera
//! preview, camera and microphone pickers, a microphone level meter, a test sound, and what to do
//! when something is wrong), the other participant's readiness, and the built-in room: the two
//! browsers' cameras and microphones over WebRTC, peer to peer, with mute, camera off, leave,
//! "Reconnecting…", and the Student-Teacher ending the session. The Student-Teacher's browser
//! records each call (the student's camera, both voices) and uploads it when the call ends; the
//! server reports it as PlugNmeet reports a recording, so it is kept and played back the same way.
//!
//! A browser module of its own (`/pkg/room.js`), which the page imports once it is hydrated and
//! starts in its placeholder element: only visitors of a room page download it, and it adds
//! nothing to the app's chunks (a fifth lazily loaded part of the app made every page group about
//! 9 KB heavier). Plain DOM calls and the browser's JSON keep it small.
//!
//! Both talk to the server over the room's WebSocket (`/api/sessions/:id/room/signal`). In the
//! built-in room the Student-Teacher's browser makes the WebRTC offer whenever both are in; the
//! student's answers. No STUN or TURN server is configured: the two reach each other directly on
//! one network, which is what the built-in room is for.

use js_sys::{JSON, Reflect};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    AudioContext, Blob, BlobEvent, BlobPropertyBag, Document, DomException, Element, HtmlElement,
    HtmlMeterElement, HtmlSelectElement, HtmlVideoElement, MediaDeviceInfo, MediaRecorder,
    MediaStream, MediaStreamConstraints, MediaStreamTrack, MessageEvent, RequestInit,
    RtcIceCandidateInit, RtcIceConnectionState, RtcPeerConnection, RtcPeerConnectionIceEvent,
    RtcSessionDescriptionInit, RtcTrackEvent, WebSocket,
};

const CAMERA_KEY: &str = "peerloop.camera";
const MICROPHONE_KEY: &str = "peerloop.microphone";

const BLOCKED: &str = "Your browser blocked the camera and microphone. Allow them for this site \
                       (the camera icon in the address bar, or your browser's site settings), \
                       then reload this page.";
const MISSING: &str = "No camera or microphone was found. Connect one, then reload this page.";
const BUSY: &str = "Your camera or microphone is in use by another app. Close that app (or its \
                    other tab), then reload this page.";
const UNSUPPORTED: &str = "This browser can't make video calls here. Use a recent Chrome, Edge, \
                           Firefox or Safari, over a secure (https) connection.";

/// Starts the live part in the page's placeholder, whose data attributes name the session
/// (`data-session`), the other participant (`data-peer`), whether the viewer runs the room
/// (`data-admin`) and whether they are in it (`data-in-room`; otherwise the device check).
#[wasm_bindgen]
pub fn start(container: HtmlElement) -> Result<RoomHandle, JsValue> {
    let data = container.dataset();
    let setup = Setup {
        session_id: data.get("session").unwrap_or_default(),
        peer_name: data.get("peer").unwrap_or_default(),
        is_admin: data.get("admin").as_deref() == Some("true"),
        in_room: data.get("inRoom").as_deref() == Some("true"),
    };
    let room = Room::new(setup, &container)?;
    room.connect();
    spawn_local(room.clone().open_devices());
    Ok(RoomHandle { room })
}

/// A started room; `stop()` when its page goes away.
#[wasm_bindgen]
pub struct RoomHandle {
    room: Rc<Room>,
}

#[wasm_bindgen]
impl RoomHandle {
    pub fn stop(&self) {
        self.room.close();
    }
}

struct Setup {
    session_id: String,
    peer_name: String,
    is_admin: bool,
    in_room: bool,
}

/// The other participant, as their browser last said.
struct Peer {
    ready: bool,
    in_room: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Link {
    Connected,
    Reconnecting,
    Ended,
}

/// The elements the room keeps up to date.
struct View {
    device: Element,
    notice: Element,
    own: HtmlVideoElement,
    /// Device check only.
    peer: Option<Element>,
    meter: Option<HtmlMeterElement>,
    pickers: Option<(HtmlSelectElement, HtmlSelectElement)>,
    /// In the room only.
    status: Option<Element>,
    remote: Option<HtmlVideoElement>,
}

#[derive(Default)]
struct State {
    socket: Option<WebSocket>,
    call: Option<RtcPeerConnection>,
    /// Network candidates that came before the offer or answer they belong to.
    early_candidates: Vec<RtcIceCandidateInit>,
    local: Option<MediaStream>,
    has_remote: bool,
    problem: Option<&'static str>,
    peer: Option<Peer>,
    /// `None` until the socket first opens.
    link: Option<Link>,
    audio: Option<AudioContext>,
    recording: Option<Recording>,
    meter_timer: Option<i32>,
    ready: bool,
    closed: bool,
    /// Event handlers the browser calls; dropped with the room.
    handlers: Vec<Box<dyn std::any::Any>>,
}

/// The Student-Teacher's recording of the current call: the student's camera with both voices
/// (mixed into one track, as a recorder keeps only one).
struct Recording {
    recorder: MediaRecorder,
    /// The recorded chunks so far (`Blob`s).
    parts: js_sys::Array,
    mixer: AudioContext,
}

struct Room {
    setup: Setup,
    view: View,
    state: RefCell<State>,
}

fn document() -> Document {
    web_sys::window()
        .and_then(|window| window.document())
        .expect("a page has a document")
}

/// An element with its class, text and attributes.
fn element(tag: &str, class: &str, text: &str, attributes: &[(&str, &str)]) -> Element {
    let element = document().create_element(tag).expect("the tag is valid");
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    for (name, value) in attributes {
        let _ = element.set_attribute(name, value);
    }
    element
}

fn append(parent: &Element, children: &[&Element]) {
    for child in children {
        let _ = parent.append_child(child);
    }
}

fn video(class: &str, label: &str, test_id: &str, muted: bool) -> HtmlVideoElement {
    let video: HtmlVideoElement = element(
        "video",
        class,
        "",
        &[
            ("autoplay", ""),
            ("playsinline", ""),
            ("aria-label", label),
            ("data-testid", test_id),
        ],
    )
    .unchecked_into();
    video.set_muted(muted);
    video
}

fn field(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn tracks(stream: &MediaStream) -> impl Iterator<Item = MediaStreamTrack> {
    stream.get_tracks().into_iter().map(JsCast::unchecked_into)
}

/// What to tell someone whose camera or microphone could not be opened.
fn problem_of(error: &JsValue) -> &'static str {
    let name = error
        .dyn_ref::<DomException>()
        .map(DomException::name)
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => BLOCKED,
        "NotFoundError" | "OverconstrainedError" => MISSING,
        "NotReadableError" | "AbortError" => BUSY,
        _ => UNSUPPORTED,
    }
}

/// A constraint that prefers the chosen device but takes another if it is gone.
fn device_constraint(key: &str) -> JsValue {
    match stored(key) {
        Some(id) if !id.is_empty() => object(&[("deviceId", id.into())]),
        _ => JsValue::TRUE,
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

impl Room {
    fn new(setup: Setup, container: &HtmlElement) -> Result<Rc<Room>, JsValue> {
        let device = element("p", "", "", &[]);
        let notice = element("p", "form-alert", "", &[("role", "alert"), ("hidden", "")]);
        let view = if setup.in_room {
            let section = element(
                "section",
                "live-room stack",
                "",
                &[("aria-label", "Video room")],
            );
            let status = element(
                "p",
                "form-status",
                "",
                &[("role", "status"), ("data-testid", "room-status")],
            );
            let videos = element("div", "videos", "", &[]);
            let remote = video(
                "remote",
                &format!("{}'s camera", setup.peer_name),
                "remote-video",
                false,
            );
            let own = video("own", "Your camera", "own-video", true);
            append(&videos, &[&remote, &own]);
            append(&section, &[&status, &device, &notice, &videos]);
            let _ = container.append_child(&section);
            View {
                device,
                notice,
                own,
                peer: None,
                meter: None,
                pickers: None,
                status: Some(status),
                remote: Some(remote),
            }
        } else {
            let section = element(
                "section",
                "card stack device-check",
                "",
                &[("aria-labelledby", "device-check-title")],
            );
            let title = element(
                "h2",
                "",
                "Check your camera and microphone",
                &[("id", "device-check-title")],
            );
            let preview = video("preview", "Your camera", "preview", true);
            let camera_label = element("label", "", "Camera", &[("for", "pick-camera")]);
            let cameras = element("select", "", "", &[("id", "pick-camera")]);
            let microphone_label =
                element("label", "", "Microphone", &[("for", "pick-microphone")]);
            let microphones = element("select", "", "", &[("id", "pick-microphone")]);
            let meter_label = element(
                "label",
                "",
                "Microphone level (speak to see it move)",
                &[("for", "mic-level")],
            );
            let meter = element(
                "meter",
                "",
                "",
                &[
                    ("id", "mic-level"),
                    ("min", "0"),
                    ("max", "1"),
                    ("value", "0"),
                    ("data-testid", "mic-level"),
                ],
            );
            let test_sound = element(
                "button",
                "button",
                "Play a test sound",
                &[("type", "button"), ("data-testid", "test-sound")],
            );
            let peer = element(
                "p",
                "",
                "",
                &[("role", "status"), ("data-testid", "peer-status")],
            );
            append(
                &section,
                &[
                    &title,
                    &preview,
                    &camera_label,
                    &cameras,
                    &microphone_label,
                    &microphones,
                    &meter_label,
                    &meter,
                    &test_sound,
                    &device,
                    &notice,
                    &peer,
                ],
            );
            let _ = container.append_child(&section);
            View {
                device,
                notice,
                own: preview,
                peer: Some(peer),
                meter: Some(meter.unchecked_into()),
                pickers: Some((cameras.unchecked_into(), microphones.unchecked_into())),
                status: None,
                remote: None,
            }
        };
        let room = Rc::new(Room {
            setup,
            view,
            state: RefCell::default(),
        });
        room.add_controls(container)?;
        room.show();
        Ok(room)
    }

    fn keep<T: 'static>(&self, handler: T) {
        self.state.borrow_mut().handlers.push(Box::new(handler));
    }

    fn on(&self, target: &Element, event: &str, handler: impl FnMut() + 'static) {
        let handler = Closure::<dyn FnMut()>::new(handler);
        let _ = target.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        self.keep(handler);
    }

    /// The buttons: a test sound and the pickers before joining; mute, camera, leave and end in
    /// the room.
    fn add_controls(self: &Rc<Self>, container: &HtmlElement) -> Result<(), JsValue> {
        if let Some((cameras, microphones)) = &self.view.pickers {
            for (select, key) in [(cameras, CAMERA_KEY), (microphones, MICROPHONE_KEY)] {
                let room = Rc::downgrade(self);
                let picked = select.clone();
                self.on(select, "change", move || {
                    if let (Some(room), Some(storage)) = (room.upgrade(), storage()) {
                        let _ = storage.set_item(key, &picked.value());
                        spawn_local(room.open_devices());
                    }
                });
            }
            let button = container
                .query_selector("[data-testid=test-sound]")?
                .ok_or("no test sound button")?;
            let room = Rc::downgrade(self);
            self.on(&button, "click", move || {
                if let Some(room) = room.upgrade() {
                    room.test_sound();
                }
            });
            return Ok(());
        }
        let controls = element("div", "room-controls", "", &[]);
        let toggles = [
            ("audio", "Mute", "Unmute", "mute"),
            ("video", "Camera off", "Camera on", "camera"),
        ];
        for (kind, on_text, off_text, test_id) in toggles {
            let button = element(
                "button",
                "button",
                on_text,
                &[
                    ("type", "button"),
                    ("aria-pressed", "false"),
                    ("data-testid", test_id),
                ],
            );
            let room = Rc::downgrade(self);
            let pressed = button.clone();
            self.on(&button, "click", move || {
                let Some(room) = room.upgrade() else { return };
                let off = pressed.get_attribute("aria-pressed").as_deref() != Some("true");
                let _ = pressed.set_attribute("aria-pressed", if off { "true" } else { "false" });
                pressed.set_text_content(Some(if off { off_text } else { on_text }));
                if let Some(stream) = &room.state.borrow().local {
                    for track in tracks(stream).filter(|track| track.kind() == kind) {
                        track.set_enabled(!off);
                    }
                }
            });
            append(&controls, &[&button]);
        }
        let leave = element(
            "button",
            "button",
            "Leave",
            &[("type", "button"), ("data-testid", "leave")],
        );
        let room = Rc::downgrade(self);
        self.on(&leave, "click", move || {
            if let Some(room) = room.upgrade() {
                room.leave();
            }
        });
        append(&controls, &[&leave]);
        if self.setup.is_admin {
            let end = element(
                "button",
                "button button-danger",
                "End session",
                &[("type", "button"), ("data-testid", "end")],
            );
            let room = Rc::downgrade(self);
            self.on(&end, "click", move || {
                if let Some(room) = room.upgrade() {
                    room.send(&object(&[("type", "end".into())]));
                }
            });
            append(&controls, &[&end]);
        }
        if let Some(section) = container.first_element_child() {
            append(&section, &[&controls]);
        }
        Ok(())
    }

    /// Brings the page's lines up to date with the state.
    fn show(&self) {
        let state = self.state.borrow();
        let (class, role, test_id, text) = match (state.problem, state.local.is_some()) {
            (Some(problem), _) => ("form-alert", "alert", "device-problem", problem),
            (None, true) if self.setup.in_room => ("", "status", "device-ready", ""),
            (None, true) => (
                "form-success",
                "status",
                "device-ready",
                "Your camera and microphone work. You're ready to join.",
            ),
            (None, false) => (
                "muted",
                "status",
                "device-asking",
                "Asking your browser for the camera and microphone…",
            ),
        };
        let device = &self.view.device;
        device.set_class_name(class);
        let _ = device.set_attribute("role", role);
        let _ = device.set_attribute("data-testid", test_id);
        device.set_text_content(Some(text));
        let _ = device.toggle_attribute_with_force("hidden", text.is_empty());
        let name = &self.setup.peer_name;
        if let Some(line) = &self.view.peer {
            line.set_text_content(Some(&match &state.peer {
                None => format!("{name} hasn't opened this page yet."),
                Some(Peer { in_room: true, .. }) => {
                    format!("{name} is in the room, waiting for you.")
                }
                Some(Peer { ready: true, .. }) => {
                    format!("{name} has checked their camera and microphone and is ready.")
                }
                Some(_) => format!("{name} is here, checking their camera and microphone."),
            }));
        }
        if let Some(line) = &self.view.status {
            line.set_text_content(Some(&match (state.link, state.has_remote) {
                (Some(Link::Ended), _) => {
                    "The session has ended. Taking you to the feedback…".to_owned()
                }
                (Some(Link::Reconnecting), _) => "Reconnecting…".to_owned(),
                (_, true) => format!("You're in the room with {name}."),
                (_, false) => format!("Waiting for {name} to join…"),
            }));
        }
    }

    fn set_notice(&self, text: Option<&str>) {
        self.view.notice.set_text_content(text);
        let _ = self
            .view
            .notice
            .toggle_attribute_with_force("hidden", text.is_none());
    }

    fn set_link(&self, link: Link) {
        self.state.borrow_mut().link = Some(link);
        self.show();
    }

    fn set_problem(&self, problem: Option<&'static str>) {
        self.state.borrow_mut().problem = problem;
        self.show();
    }

    /// Opens (or reopens, with the chosen devices) the camera and microphone.
    async fn open_devices(self: Rc<Self>) {
        let Some(devices) = web_sys::window()
            .map(|window| window.navigator())
            .filter(|navigator| !field(navigator, "mediaDevices").is_undefined())
            .and_then(|navigator| navigator.media_devices().ok())
        else {
            return self.set_problem(Some(UNSUPPORTED));
        };
        let constraints = MediaStreamConstraints::new();
        constraints.set_video(&device_constraint(CAMERA_KEY));
        constraints.set_audio(&device_constraint(MICROPHONE_KEY));
        let opened = match devices.get_user_media_with_constraints(&constraints) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        let stream = match opened {
            Ok(stream) => stream.unchecked_into::<MediaStream>(),
            Err(error) => {
                self.state.borrow_mut().ready = false;
                self.set_problem(Some(problem_of(&error)));
                return self.say_state();
            }
        };
        if self.state.borrow().closed {
            return tracks(&stream).for_each(|track| track.stop());
        }
        self.view.own.set_src_object(Some(&stream));
        if let Some(old) = self.state.borrow_mut().local.replace(stream.clone()) {
            tracks(&old).for_each(|track| track.stop());
        }
        self.state.borrow_mut().ready = true;
        self.set_problem(None);
        self.say_state();
        self.maybe_call();
        if self.view.pickers.is_some() {
            self.meter(&stream);
            self.list_devices().await;
        }
    }

    /// Fills the pickers; device names are known once permission is given.
    async fn list_devices(&self) {
        let (Some((cameras, microphones)), Some(devices)) = (
            &self.view.pickers,
            web_sys::window().and_then(|window| window.navigator().media_devices().ok()),
        ) else {
            return;
        };
        let Ok(listing) = devices.enumerate_devices() else {
            return;
        };
        let Ok(found) = JsFuture::from(listing).await else {
            return;
        };
        let camera_in_use = self.device_in_use("video");
        let microphone_in_use = self.device_in_use("audio");
        for select in [cameras, microphones] {
            select.set_inner_html("");
        }
        for device in js_sys::Array::from(&found).iter() {
            let device: MediaDeviceInfo = device.unchecked_into();
            let (select, in_use) = match device.kind() {
                web_sys::MediaDeviceKind::Videoinput => (cameras, &camera_in_use),
                web_sys::MediaDeviceKind::Audioinput => (microphones, &microphone_in_use),
                _ => continue,
            };
            let label = match device.label() {
                label if label.is_empty() => format!("Device {}", select.length() + 1),
                label => label,
            };
            let id = device.device_id();
            let option = element("option", "", &label, &[("value", &id)]);
            if Some(&id) == in_use.as_ref() {
                let _ = option.set_attribute("selected", "");
            }
            append(select, &[&option]);
        }
    }

    /// The id of the device giving this side's `kind` track.
    fn device_in_use(&self, kind: &str) -> Option<String> {
        let state = self.state.borrow();
        let track = tracks(state.local.as_ref()?).find(|track| track.kind() == kind)?;
        field(&track.get_settings(), "deviceId").as_string()
    }

    /// The microphone's level, ten times a second.
    fn meter(&self, stream: &MediaStream) {
        let Some(meter) = self.view.meter.clone() else {
            return;
        };
        let Ok(audio) = AudioContext::new() else {
            return;
        };
        let (Ok(analyser), Ok(source)) = (
            audio.create_analyser(),
            audio.create_media_stream_source(stream),
        ) else {
            return;
        };
        analyser.set_fft_size(256);
        if source.connect_with_audio_node(&analyser).is_err() {
            return;
        }
        // Browsers start audio suspended until the page is used; the meter needs it running.
        let _ = audio.resume();
        let measure = Closure::<dyn FnMut()>::new(move || {
            let mut samples = [0_u8; 256];
            analyser.get_byte_time_domain_data(&mut samples);
            let power = samples
                .iter()
                .map(|sample| (f64::from(*sample) - 128.0) / 128.0)
                .map(|amplitude| amplitude * amplitude)
                .sum::<f64>()
                / samples.len() as f64;
            // Speech sits around 0.05 to 0.2 RMS: scaled so it fills most of the meter.
            meter.set_value((power.sqrt() * 4.0).min(1.0));
        });
        let timer = web_sys::window().and_then(|window| {
            window
                .set_interval_with_callback_and_timeout_and_arguments_0(
                    measure.as_ref().unchecked_ref(),
                    100,
                )
                .ok()
        });
        self.keep(measure);
        let mut state = self.state.borrow_mut();
        if let (Some(old), Some(window)) = (state.meter_timer.take(), web_sys::window()) {
            window.clear_interval_with_handle(old);
        }
        if let Some(old) = state.audio.replace(audio) {
            let _ = old.close();
        }
        state.meter_timer = timer;
    }

    fn test_sound(&self) {
        let audio = self.state.borrow().audio.clone();
        let Some(audio) = audio.or_else(|| AudioContext::new().ok()) else {
            return;
        };
        let _ = audio.resume();
        let played = (|| {
            let tone = audio.create_oscillator()?;
            let gain = audio.create_gain()?;
            tone.frequency().set_value(440.0);
            gain.gain().set_value(0.2);
            tone.connect_with_audio_node(&gain)?;
            gain.connect_with_audio_node(&audio.destination())?;
            tone.start()?;
            tone.stop_with_when(audio.current_time() + 0.8)
        })();
        if played.is_err() {
            self.set_problem(Some(UNSUPPORTED));
        }
    }

    fn connect(self: &Rc<Self>) {
        let url = web_sys::window().and_then(|window| {
            let location = window.location();
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
        });
        let Some(socket) = url.and_then(|url| WebSocket::new(&url).ok()) else {
            return self.set_problem(Some(UNSUPPORTED));
        };
        let room = Rc::downgrade(self);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if let Some(room) = room.upgrade() {
                room.set_link(Link::Connected);
                room.say_state();
            }
        });
        let room = Rc::downgrade(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let message = event
                .data()
                .as_string()
                .and_then(|text| JSON::parse(&text).ok());
            if let (Some(room), Some(message)) = (room.upgrade(), message) {
                room.received(message);
            }
        });
        let room = Rc::downgrade(self);
        let on_close = Closure::<dyn FnMut()>::new(move || reconnect(&room));
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

    fn send(&self, message: &JsValue) {
        let state = self.state.borrow();
        if let (Some(socket), Ok(text)) = (&state.socket, JSON::stringify(message))
            && socket.ready_state() == WebSocket::OPEN
        {
            let _ = socket.send_with_str(&String::from(text));
        }
    }

    fn say_state(&self) {
        let ready = self.state.borrow().ready;
        self.send(&object(&[
            ("type", "state".into()),
            ("ready", ready.into()),
            ("in_room", (self.setup.in_room && ready).into()),
        ]));
    }

    fn received(self: &Rc<Self>, message: JsValue) {
        match field(&message, "type").as_string().as_deref() {
            Some("peer") => {
                let peer = Peer {
                    ready: field(&message, "ready").is_truthy(),
                    in_room: field(&message, "in_room").is_truthy(),
                };
                let in_room = peer.in_room;
                self.state.borrow_mut().peer = Some(peer);
                self.show();
                if in_room {
                    self.maybe_call();
                } else {
                    self.hang_up();
                }
            }
            Some("peer_gone") => {
                self.state.borrow_mut().peer = None;
                self.hang_up();
            }
            Some("signal") => spawn_local(self.clone().signalled(field(&message, "data"))),
            // Some of the call's messages were lost on the way: start the call over (the
            // Student-Teacher's browser offers again).
            Some("renegotiate") => {
                self.hang_up();
                self.maybe_call();
            }
            Some("ended") => self.ended(),
            Some("error") => self.set_notice(field(&message, "message").as_string().as_deref()),
            _ => {}
        }
    }

    /// The Student-Teacher's browser calls when both are in the room and no call is up.
    fn maybe_call(self: &Rc<Self>) {
        let wanted = {
            let state = self.state.borrow();
            self.setup.is_admin
                && self.setup.in_room
                && state.peer.as_ref().is_some_and(|peer| peer.in_room)
                && state.call.is_none()
                && state.local.is_some()
        };
        if !wanted {
            return;
        }
        let Some(call) = self.new_call() else { return };
        let room = self.clone();
        spawn_local(async move {
            let offered = async {
                let offer = JsFuture::from(call.create_offer()).await?;
                JsFuture::from(call.set_local_description(offer.unchecked_ref())).await?;
                Ok::<_, JsValue>(offer)
            }
            .await;
            match offered {
                Ok(offer) => room.send_description(offer),
                Err(_) => room.hang_up(),
            }
        });
    }

    fn send_description(&self, description: JsValue) {
        let description = object(&[
            ("type", field(&description, "type")),
            ("sdp", field(&description, "sdp")),
        ]);
        self.send(&object(&[
            ("type", "signal".into()),
            ("data", object(&[("description", description)])),
        ]));
    }

    /// A fresh peer connection carrying this side's camera and microphone.
    fn new_call(self: &Rc<Self>) -> Option<RtcPeerConnection> {
        self.hang_up();
        let call = RtcPeerConnection::new().ok()?;
        if let Some(stream) = &self.state.borrow().local {
            for track in tracks(stream) {
                call.add_track_0(&track, stream);
            }
        }
        let room = Rc::downgrade(self);
        let on_candidate = Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new(
            move |event: RtcPeerConnectionIceEvent| {
                if let (Some(room), Some(candidate)) = (room.upgrade(), event.candidate()) {
                    room.send(&object(&[
                        ("type", "signal".into()),
                        ("data", object(&[("candidate", candidate.to_json().into())])),
                    ]));
                }
            },
        );
        let room = Rc::downgrade(self);
        let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new(move |event: RtcTrackEvent| {
            let (Some(room), Ok(stream)) = (
                room.upgrade(),
                event.streams().get(0).dyn_into::<MediaStream>(),
            ) else {
                return;
            };
            if let Some(remote) = &room.view.remote {
                remote.set_src_object(Some(&stream));
            }
            room.state.borrow_mut().has_remote = true;
            room.start_recording(&stream);
            room.show();
        });
        let room = Rc::downgrade(self);
        let watched = call.clone();
        let on_state = Closure::<dyn FnMut()>::new(move || {
            let Some(room) = room.upgrade() else { return };
            match watched.ice_connection_state() {
                RtcIceConnectionState::Connected | RtcIceConnectionState::Completed => {
                    room.set_link(Link::Connected);
                }
                RtcIceConnectionState::Disconnected => room.set_link(Link::Reconnecting),
                RtcIceConnectionState::Failed => {
                    room.set_link(Link::Reconnecting);
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
        if let Some(upload) = self.stop_recording() {
            spawn_local(upload);
        }
        let call = {
            let mut state = self.state.borrow_mut();
            state.early_candidates.clear();
            state.has_remote = false;
            state.call.take()
        };
        if let Some(call) = call {
            call.close();
        }
        if let Some(remote) = &self.view.remote {
            remote.set_src_object(None);
        }
        self.show();
    }

    /// An offer, an answer or a network candidate from the other side.
    async fn signalled(self: Rc<Self>, data: JsValue) {
        let description = field(&data, "description");
        let candidate = field(&data, "candidate");
        if !description.is_undefined() {
            let offer = field(&description, "type").as_string().as_deref() == Some("offer");
            let call = if offer {
                // The Student-Teacher (re)starts the call: answer on a fresh connection.
                self.new_call()
            } else {
                self.state.borrow().call.clone()
            };
            let Some(call) = call else { return };
            let remote: RtcSessionDescriptionInit = description.unchecked_into();
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
                    JsFuture::from(call.set_local_description(answer.unchecked_ref())).await?;
                    Ok::<_, JsValue>(answer)
                }
                .await;
                match answered {
                    Ok(answer) => self.send_description(answer),
                    Err(_) => self.hang_up(),
                }
            }
        } else if candidate.is_object() {
            let candidate: RtcIceCandidateInit = candidate.unchecked_into();
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
        self.send(&object(&[
            ("type", "state".into()),
            ("ready", true.into()),
            ("in_room", false.into()),
        ]));
        let upload = self.stop_recording();
        self.close();
        let path = format!("/sessions/{}/room", self.setup.session_id);
        spawn_local(async move {
            // Leaving the page would cut the upload off.
            if let Some(upload) = upload {
                upload.await;
            }
            go_to(&path);
        });
    }

    /// The room is over: once the server has decided the session, the page asks for feedback.
    fn ended(&self) {
        self.set_link(Link::Ended);
        let upload = self.stop_recording();
        self.close();
        let path = format!("/sessions/{}/room", self.setup.session_id);
        let api = format!("/api/sessions/{}", self.setup.session_id);
        spawn_local(async move {
            if let Some(upload) = upload {
                upload.await;
            }
            for _ in 0..20 {
                sleep(500).await;
                if decided(&api).await {
                    break;
                }
            }
            go_to(&path);
        });
    }

    /// Records the call once the student's camera and microphone both arrived: on the
    /// Student-Teacher's side only, one recording per call.
    fn start_recording(&self, remote: &MediaStream) {
        if !self.setup.is_admin || self.state.borrow().recording.is_some() {
            return;
        }
        let video = remote.get_video_tracks().get(0);
        if video.is_undefined() || remote.get_audio_tracks().length() == 0 {
            return;
        }
        let Some(recording) = record(
            remote,
            video.unchecked_ref(),
            self.state.borrow().local.as_ref(),
        ) else {
            return;
        };
        let kept = recording.parts.clone();
        let on_data = Closure::<dyn FnMut(BlobEvent)>::new(move |event: BlobEvent| {
            if let Some(part) = event.data().filter(|part| part.size() > 0.0) {
                kept.push(&part);
            }
        });
        recording
            .recorder
            .set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        self.keep(on_data);
        // In chunks, so a long session is not one growing buffer in the recorder.
        if recording.recorder.start_with_time_slice(5_000).is_ok() {
            self.state.borrow_mut().recording = Some(recording);
        }
    }

    /// Stops the recording, if one runs; the returned upload sends it to the server (as the
    /// built-in room's recording of the session) once the recorder has handed over its last part.
    fn stop_recording(&self) -> Option<impl std::future::Future<Output = ()> + 'static> {
        let recording = self.state.borrow_mut().recording.take()?;
        let stopped = js_sys::Promise::new(&mut |resolve, _| {
            recording.recorder.set_onstop(Some(&resolve));
        });
        let _ = recording.recorder.stop();
        let url = format!("/api/sessions/{}/recording", self.setup.session_id);
        Some(async move {
            let _ = JsFuture::from(stopped).await;
            let _ = recording.mixer.close();
            let kind = BlobPropertyBag::new();
            kind.set_type("video/webm");
            let Ok(file) = Blob::new_with_blob_sequence_and_options(&recording.parts, &kind) else {
                return;
            };
            let (Some(window), true) = (web_sys::window(), file.size() > 0.0) else {
                return;
            };
            let request = RequestInit::new();
            request.set_method("POST");
            request.set_headers(&object(&[("content-type", "video/webm".into())]));
            request.set_body(&file);
            let _ = JsFuture::from(window.fetch_with_str_and_init(&url, &request)).await;
        })
    }

    fn close(&self) {
        if let Some(upload) = self.stop_recording() {
            spawn_local(upload);
        }
        let mut state = self.state.borrow_mut();
        state.closed = true;
        if let Some(socket) = state.socket.take() {
            let _ = socket.close();
        }
        if let Some(call) = state.call.take() {
            call.close();
        }
        if let (Some(timer), Some(window)) = (state.meter_timer.take(), web_sys::window()) {
            window.clear_interval_with_handle(timer);
        }
        if let Some(audio) = state.audio.take() {
            let _ = audio.close();
        }
        if let Some(stream) = state.local.take() {
            tracks(&stream).for_each(|track| track.stop());
        }
    }
}

/// A recorder of the student's camera with both voices mixed (the student's from the call,
/// the Student-Teacher's own microphone).
fn record(
    remote: &MediaStream,
    video: &MediaStreamTrack,
    local: Option<&MediaStream>,
) -> Option<Recording> {
    let mixer = AudioContext::new().ok()?;
    let mixed = mixer.create_media_stream_destination().ok()?;
    for voices in std::iter::once(remote).chain(local) {
        if voices.get_audio_tracks().length() > 0 {
            let source = mixer.create_media_stream_source(voices).ok()?;
            source.connect_with_audio_node(&mixed).ok()?;
        }
    }
    let recorded = MediaStream::new().ok()?;
    recorded.add_track(video);
    tracks(&mixed.stream()).for_each(|track| recorded.add_track(&track));
    Some(Recording {
        recorder: MediaRecorder::new_with_media_stream(&recorded).ok()?,
        parts: js_sys::Array::new(),
        mixer,
    })
}

/// After the socket closed by itself: "Reconnecting…", and a new socket in a moment.
fn reconnect(room: &Weak<Room>) {
    let Some(room) = room.upgrade() else { return };
    if room.state.borrow().closed {
        return;
    }
    room.set_link(Link::Reconnecting);
    let again = Rc::downgrade(&room);
    spawn_local(async move {
        sleep(1_500).await;
        if let Some(room) = again.upgrade()
            && !room.state.borrow().closed
        {
            room.connect();
        }
    });
}

/// Whether the session at `api` is no longer to be held or under way.
async fn decided(api: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(response) = JsFuture::from(window.fetch_with_str(api)).await else {
        return false;
    };
    let response: web_sys::Response = response.unchecked_into();
    let Some(body) = response.json().ok() else {
        return false;
    };
    let Ok(session) = JsFuture::from(body).await else {
        return false;
    };
    !matches!(
        field(&session, "status").as_string().as_deref(),
        Some("scheduled" | "in_progress") | None
    )
}
