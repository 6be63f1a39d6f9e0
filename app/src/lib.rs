//! PeerLoop: the shared product crate, compiled for the server (`ssr`) and the browser (`hydrate`).

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;

use components::layout::{SiteFooter, SiteHeader};
use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};
use pages::coming_soon::{BookingComingSoon, EnrollmentComingSoon};
use pages::course_catalog::CourseCatalogPage;
use pages::course_detail::CourseDetailPage;
use pages::not_found::NotFound;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
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
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <SiteHeader />
            <main id="main" class="site-main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=CourseCatalogPage ssr=SsrMode::Async />
                    <Route path=path!("/courses/:id") view=CourseDetailPage ssr=SsrMode::Async />
                    <Route path=path!("/courses/:id/book") view=BookingComingSoon />
                    <Route path=path!("/courses/:id/enroll") view=EnrollmentComingSoon />
                </Routes>
            </main>
            <SiteFooter />
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
