//! Accounts: sign up, log in and out, settings (SETT), and who is viewing the page.

use serde::{Deserialize, Serialize};

/// The person viewing a page, if signed in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Viewer {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub is_admin: bool,
    pub is_creator: bool,
    pub is_student_teacher: bool,
}

/// What the settings page (SETT) edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub name: String,
    pub email: String,
    /// Whether mail reaches the address: ok, bounced, complained or failed.
    pub email_status: String,
    pub time_zone: String,
    pub bio: String,
}

/// The signed-in user, as `GET /api/me` returns them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: String,
    pub name: String,
    pub email: String,
    /// IANA time zone, e.g. "Europe/Berlin".
    pub time_zone: String,
    /// "student" for everyone, plus "creator" (owns courses), "student_teacher" (certified to
    /// teach a course) and "admin".
    pub roles: Vec<String>,
    pub courses_taught: Vec<TaughtCourse>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaughtCourse {
    pub course_id: String,
    pub title: String,
}

/// A demo account offered for one-click log in (local mode only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoAccount {
    pub name: String,
    pub email: String,
    pub description: String,
}

/// What every valid sign-up is told, whether or not the address already has an account.
pub const CHECK_YOUR_EMAIL: &str =
    "Check your email: we sent a link to finish creating your account.";
