use crate::components::session::{CsrfField, use_session};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="site-header">
            <div class="container header-inner">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">
                        "↻"
                    </span>
                    <span class="brand-name">"PeerLoop"</span>
                </A>
                <nav aria-label="Main">
                    <ul class="nav-list">
                        <li>
                            <A href="/">"Courses"</A>
                        </li>
                        <Suspense>
                            {move || Suspend::new(async move {
                                match session.viewer.await.ok().flatten() {
                                    Some(viewer) => {
                                        view! {
                                            <li>
                                                <A href="/dashboard">"Learning"</A>
                                            </li>
                                            {viewer
                                                .is_student_teacher
                                                .then(|| view! { <li><A href="/teach">"Teaching"</A></li> })}
                                            {viewer
                                                .is_creator
                                                .then(|| view! { <li><A href="/creator">"Creator"</A></li> })}
                                            {viewer
                                                .is_admin
                                                .then(|| view! { <li><A href="/admin">"Admin"</A></li> })}
                                            <li>
                                                <A href="/settings" attr:data-testid="account-link">{viewer.name}</A>
                                            </li>
                                            <li>
                                                <ActionForm action=session.log_out>
                                                    <CsrfField />
                                                    <button type="submit" class="link-button">
                                                        "Log out"
                                                    </button>
                                                </ActionForm>
                                            </li>
                                        }
                                            .into_any()
                                    }
                                    None => {
                                        view! {
                                            <li>
                                                <A href="/login">"Log in"</A>
                                            </li>
                                            <li>
                                                <A href="/signup" attr:class="button button-small button-primary">
                                                    "Sign up"
                                                </A>
                                            </li>
                                        }
                                            .into_any()
                                    }
                                }
                            })}
                        </Suspense>
                    </ul>
                </nav>
            </div>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-inner">
                <p>"PeerLoop — learn a course, then teach it to the next student."</p>
                <p class="muted">"Prices in US dollars. Times are shown in your time zone."</p>
            </div>
        </footer>
    }
}
