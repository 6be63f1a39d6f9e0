//! PeerLoop: the shared product crate, compiled for the server (`ssr`) and the browser (`hydrate`).

pub mod api;
pub mod components;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

use components::layout::{SiteFooter, SiteHeader};
use components::session::SessionProvider;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};
use pages::course_catalog::CourseCatalogPage;
use pages::not_found::NotFound;
use routes::*;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::csp::apply();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrateAfterFirstPaint options />
                <components::session::CsrfMeta />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Loads the app's JS and WASM once the page has painted and the browser is idle, then hydrates.
/// Leptos' `HydrationScripts` also puts preload hints for both in the head, so the (then 525 KB) WASM
/// download starts before the first paint; Lighthouse's mobile simulation then counts it before
/// the largest paint (LCP 3.5 s on CDET, though the browser painted the course text at 62 ms,
/// with hydration keeping every node). Every form and link works as plain HTML until hydration.
#[component]
fn HydrateAfterFirstPaint(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    let script = format!(
        "const hydrate = () => import({js:?}).then((app) => \
           app.default({{ module_or_path: {wasm:?} }}).then(() => app.hydrate())); \
         if ('requestIdleCallback' in window) {{ requestIdleCallback(hydrate, {{ timeout: 2000 }}); }} \
         else {{ setTimeout(hydrate, 0); }}",
        js = format!("{pkg}.js"),
        wasm = format!("{pkg}.wasm"),
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script> }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/peerloop.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta
            name="description"
            content="PeerLoop: learn a course, then teach it 1-on-1 to the next student."
        />
        <Title formatter=|page: String| format!("{page} · PeerLoop") />
        <Router>
            <SessionProvider>
                <a class="skip-link" href="#main">
                    "Skip to content"
                </a>
                <SiteHeader />
                <main id="main" class="site-main" tabindex="-1">
                    // Async: every page is complete before it is sent, so it works without
                    // JavaScript, its status code is right, and session cookies can be set.
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=CourseCatalogPage ssr=SsrMode::Async />
                        <Route path=path!("/courses/:id") view={Lazy::<CourseRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/courses/:id/book") view={Lazy::<BookingRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/sessions/:id") view={Lazy::<SessionRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/sessions/:id/room") view={Lazy::<SessionRoomRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/login") view={Lazy::<LogInRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/signup/sent") view={Lazy::<SignUpSentRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/signup/confirm") view={Lazy::<ConfirmSignUpRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/dashboard") view={Lazy::<StudentDashboardRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/teach") view={Lazy::<TeacherDashboardRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/creator") view={Lazy::<CreatorDashboardRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/creators/:id") view={Lazy::<CreatorProfileRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/sts/:id") view={Lazy::<StudentTeacherProfileRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/admin") view={Lazy::<AdminRoute>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/payments") view={Lazy::<PaymentsRoute>::new()} ssr=SsrMode::Async />
                    </Routes>
                </main>
                <SiteFooter />
            </SessionProvider>
        </Router>
    }
}

/// Marks the document once the WASM app has taken over, so tests and styles can tell a hydrated
/// page from a server-rendered one. Effects never run on the server.
fn mark_hydrated() {
    Effect::new(|| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
