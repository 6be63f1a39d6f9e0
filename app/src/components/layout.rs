use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
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
