//! The countdown to a session's room opening (SDSH and TDSH rows, the session page, SROM), and
//! the feedback dialog's modal mode on SROM. Both are the browser's work once the page is
//! hydrated: the server's HTML already says when the room opens and holds the feedback form, so
//! without JavaScript nothing is missing but the ticking and the focus trap.
//!
//! The ticking itself is a few lines of JavaScript beside the app (`inline_js`) rather than Rust:
//! a Rust timer, its closure and its formatting cost every page group of the browser bundle
//! about 7 KB (brotli) where this costs the group a call and the module a few hundred bytes.

use leptos::prelude::*;

/// "Opens in 1 h 05 min", ticking each second from `seconds` (what the server said was left when
/// it answered), then a "Join session" link to `room`; on the room page itself, it reloads the
/// page, whose join form is then there.
pub fn join_countdown(seconds: i64, room: String) -> AnyView {
    let place = NodeRef::<leptos::html::Span>::new();
    #[cfg(feature = "hydrate")]
    place.on_load(|place| browser::count_down(&place));
    view! {
        <span
            data-testid="join-countdown"
            data-seconds=seconds.to_string()
            data-room=room
            role="timer"
            class="countdown"
            node_ref=place
        ></span>
    }
    .into_any()
}

/// Once hydrated, turns the server's open `<dialog>` into a modal one: the page behind it is
/// inert, focus stays inside, and Escape closes it. Without JavaScript it stays in the page's flow.
pub fn make_modal(dialog: NodeRef<leptos::html::Dialog>) {
    #[cfg(feature = "hydrate")]
    dialog.on_load(|dialog| browser::show_modal(&dialog));
    #[cfg(not(feature = "hydrate"))]
    let _ = dialog;
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    // Counts against the page's monotonic clock from the moment of hydration, so a wrong clock on
    // the viewer's machine changes nothing. The timer stops once its place has left the page (a
    // client-side navigation away).
    #[wasm_bindgen(inline_js = "export function countDown(place) { \
        const end = performance.now() + Number(place.dataset.seconds) * 1000; \
        const room = place.dataset.room; \
        const two = (n) => String(n).padStart(2, '0'); \
        const tick = () => { \
          if (!place.isConnected) return clearInterval(timer); \
          const left = Math.max(0, Math.ceil((end - performance.now()) / 1000)); \
          if (left === 0) { \
            clearInterval(timer); \
            if (location.pathname === room) return location.reload(); \
            const link = document.createElement('a'); \
            link.href = room; link.className = 'button button-small button-primary'; \
            link.dataset.testid = 'join-now'; link.textContent = 'Join session'; \
            return place.replaceChildren(link); \
          } \
          const d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), \
            m = Math.floor(left % 3600 / 60), s = left % 60; \
          place.textContent = 'Opens in ' + (d ? d + ' d ' + h + ' h' : h ? h + ' h ' + two(m) + ' min' \
            : m ? m + ' min ' + two(s) + ' s' : s + ' s'); \
        }; \
        const timer = setInterval(tick, 1000); tick(); } \
      export function showModal(dialog) { if (dialog.open && !dialog.matches(':modal')) { \
        dialog.close(); dialog.showModal(); } }")]
    extern "C" {
        #[wasm_bindgen(js_name = countDown)]
        pub fn count_down(place: &web_sys::HtmlElement);
        #[wasm_bindgen(js_name = showModal)]
        pub fn show_modal(dialog: &web_sys::HtmlElement);
    }
}
