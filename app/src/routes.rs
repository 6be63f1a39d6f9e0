//! The pages load in four groups. In the browser build each group's code is split out of the main
//! WASM into a chunk of its own (scripts/build-release.sh), fetched when a page of the group is
//! first shown; hydration waits for it. A visitor downloads the framework and the layout, then
//! only the parts of the product they use: browsing, their account (with the admin and payments
//! pages), learning, or teaching.
//! The server renders these routes like any other.
//!
//! Groups rather than one chunk per page: the splitter gives every set of splits that share code
//! a chunk of its own, and with sixteen separately split pages a first view took 21 to 111 files.
//! Four groups keep it to a handful.
//!
//! A page creates its resources when its view runs, so the first client-side visit to a group
//! fetches its chunk before the page's data; later visits have the chunk.

use crate::pages;
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// One group: an enum of its pages, the `#[leptos::lazy]` function that renders any of them (the
/// split point, so the group's code is one chunk), and one route type per page for the router
/// (`Lazy::<CourseRoute>`). `preload` fetches the group's chunk, and hydration waits for it:
/// without it a page would be hydrated before its code had arrived, against a placeholder that is
/// not in the server's HTML. `#[leptos::lazy]` names the preloader `__preload_<function>`, and
/// defines it in the browser build only.
macro_rules! page_group {
    (
        $(#[$group_doc:meta])*
        $group:ident loaded by $loader:ident, preloaded by $preload:ident {
            $($route:ident($variant:ident) => $page:path),* $(,)?
        }
    ) => {
        $(#[$group_doc])*
        #[derive(Clone, Copy)]
        enum $group {
            $($variant),*
        }

        #[leptos::lazy]
        fn $loader(page: $group) -> AnyView {
            match page {
                $($group::$variant => $page().into_any()),*
            }
        }

        $(
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_route: Self) -> AnyView {
                    $loader($group::$variant).await
                }

                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    };
}

page_group! {
    /// Public pages: what a visitor sees before signing up.
    BrowsePage loaded by browse_page, preloaded by __preload_browse_page {
        CourseRoute(Course) => pages::course_detail::CourseDetailPage,
        CreatorProfileRoute(CreatorProfile) => pages::profiles::CreatorProfilePage,
        StudentTeacherProfileRoute(StudentTeacherProfile) => pages::profiles::StudentTeacherProfilePage,
    }
}

page_group! {
    /// Signing up, logging in, the member's settings, and running the platform: the admin page
    /// and payments (few visit them; kept out of the teaching pages' chunk, which every S-T
    /// loads).
    AccountPage loaded by account_page, preloaded by __preload_account_page {
        LogInRoute(LogIn) => pages::log_in::LogInPage,
        SignUpRoute(SignUp) => pages::sign_up::SignUpPage,
        SignUpSentRoute(SignUpSent) => pages::sign_up::SignUpSentPage,
        ConfirmSignUpRoute(ConfirmSignUp) => pages::sign_up::ConfirmSignUpPage,
        SettingsRoute(Settings) => pages::settings::SettingsPage,
        AdminRoute(Admin) => pages::admin::AdminPage,
        PaymentsRoute(Payments) => pages::payments::PaymentsPage,
    }
}

page_group! {
    /// A student's pages: the dashboard and booking; and a session's room page (its
    /// Student-Teacher opens it too, but the teaching group's first view had no room left).
    LearnPage loaded by learn_page, preloaded by __preload_learn_page {
        StudentDashboardRoute(StudentDashboard) => pages::student_dashboard::StudentDashboardPage,
        BookingRoute(Booking) => pages::booking::BookingPage,
        SessionRoomRoute(SessionRoom) => pages::session_room::SessionRoomPage,
    }
}

page_group! {
    /// The pages of those who teach and create courses, and a booked session's page (which its
    /// student opens too: with it in the learning group, that group's first view went over the
    /// 360 KB budget, and a fifth group split the shared code into 18 files per first view and
    /// made every other group heavier).
    TeachPage loaded by teach_page, preloaded by __preload_teach_page {
        TeacherDashboardRoute(TeacherDashboard) => pages::teacher_dashboard::TeacherDashboardPage,
        SessionRoute(Session) => pages::session_detail::SessionDetailPage,
        CreatorDashboardRoute(CreatorDashboard) => pages::creator_dashboard::CreatorDashboardPage,
    }
}
