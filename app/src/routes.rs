//! The pages load in four groups. In the browser build each group's code is split out of the main
//! WASM into a chunk of its own (scripts/build-release.sh), fetched when a page of the group is
//! first shown; hydration waits for it. A visitor downloads the framework and the layout, then
//! only the parts of the product they use: browsing, their account, learning, or teaching.
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

/// Public pages: what a visitor sees before signing up.
#[derive(Clone, Copy)]
enum BrowsePage {
    Course,
    Enrollment,
    CreatorProfile,
    StudentTeacherProfile,
}

#[leptos::lazy]
fn browse_page(page: BrowsePage) -> AnyView {
    match page {
        BrowsePage::Course => pages::course_detail::CourseDetailPage().into_any(),
        BrowsePage::Enrollment => pages::coming_soon::EnrollmentComingSoon().into_any(),
        BrowsePage::CreatorProfile => pages::profiles::CreatorProfilePage().into_any(),
        BrowsePage::StudentTeacherProfile => {
            pages::profiles::StudentTeacherProfilePage().into_any()
        }
    }
}

/// Signing up, logging in, and the member's settings.
#[derive(Clone, Copy)]
enum AccountPage {
    LogIn,
    SignUp,
    SignUpSent,
    ConfirmSignUp,
    Settings,
}

#[leptos::lazy]
fn account_page(page: AccountPage) -> AnyView {
    match page {
        AccountPage::LogIn => pages::log_in::LogInPage().into_any(),
        AccountPage::SignUp => pages::sign_up::SignUpPage().into_any(),
        AccountPage::SignUpSent => pages::sign_up::SignUpSentPage().into_any(),
        AccountPage::ConfirmSignUp => pages::sign_up::ConfirmSignUpPage().into_any(),
        AccountPage::Settings => pages::settings::SettingsPage().into_any(),
    }
}

/// A student's pages: the dashboard, booking, and a booked session.
#[derive(Clone, Copy)]
enum LearnPage {
    StudentDashboard,
    Booking,
    Session,
}

#[leptos::lazy]
fn learn_page(page: LearnPage) -> AnyView {
    match page {
        LearnPage::StudentDashboard => pages::student_dashboard::StudentDashboardPage().into_any(),
        LearnPage::Booking => pages::booking::BookingPage().into_any(),
        LearnPage::Session => pages::session_detail::SessionDetailPage().into_any(),
    }
}

/// The pages of those who teach and run the platform.
#[derive(Clone, Copy)]
enum TeachPage {
    TeacherDashboard,
    CreatorDashboard,
    Admin,
}

#[leptos::lazy]
fn teach_page(page: TeachPage) -> AnyView {
    match page {
        TeachPage::TeacherDashboard => pages::teacher_dashboard::TeacherDashboardPage().into_any(),
        TeachPage::CreatorDashboard => pages::creator_dashboard::CreatorDashboardPage().into_any(),
        TeachPage::Admin => pages::admin::AdminPage().into_any(),
    }
}

/// One route type per page (`Lazy::<CatalogRoute>` in the router), each loading its group.
/// `preload` fetches the group's chunk, and hydration waits for it: without it a page would be
/// hydrated before its code had arrived, against a placeholder that is not in the server's HTML.
macro_rules! grouped_routes {
    ($($route:ident => $loader:ident($page:expr) preloaded by $preload:ident),* $(,)?) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_route: Self) -> AnyView {
                $loader($page).await
            }

            async fn preload() {
                // `#[leptos::lazy]` defines the preloader in the browser build only.
                #[cfg(feature = "hydrate")]
                $preload().await;
            }
        }
    )*};
}

grouped_routes! {
    CourseRoute => browse_page(BrowsePage::Course) preloaded by __preload_browse_page,
    EnrollmentRoute => browse_page(BrowsePage::Enrollment) preloaded by __preload_browse_page,
    CreatorProfileRoute => browse_page(BrowsePage::CreatorProfile) preloaded by __preload_browse_page,
    StudentTeacherProfileRoute => browse_page(BrowsePage::StudentTeacherProfile) preloaded by __preload_browse_page,
    LogInRoute => account_page(AccountPage::LogIn) preloaded by __preload_account_page,
    SignUpRoute => account_page(AccountPage::SignUp) preloaded by __preload_account_page,
    SignUpSentRoute => account_page(AccountPage::SignUpSent) preloaded by __preload_account_page,
    ConfirmSignUpRoute => account_page(AccountPage::ConfirmSignUp) preloaded by __preload_account_page,
    SettingsRoute => account_page(AccountPage::Settings) preloaded by __preload_account_page,
    StudentDashboardRoute => learn_page(LearnPage::StudentDashboard) preloaded by __preload_learn_page,
    BookingRoute => learn_page(LearnPage::Booking) preloaded by __preload_learn_page,
    SessionRoute => learn_page(LearnPage::Session) preloaded by __preload_learn_page,
    TeacherDashboardRoute => teach_page(TeachPage::TeacherDashboard) preloaded by __preload_teach_page,
    CreatorDashboardRoute => teach_page(TeachPage::CreatorDashboard) preloaded by __preload_teach_page,
    AdminRoute => teach_page(TeachPage::Admin) preloaded by __preload_teach_page,
}
