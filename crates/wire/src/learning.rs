//! The learning loop as pages see it: progress on a course (CDET), dashboards (SDSH, TDSH,
//! CDSH), Student-Teacher lists and profiles, and the actions that move people along.

use domain::ladder::{ApplicationStatus, EnrollmentStatus};
use serde::{Deserialize, Serialize};

/// The viewer's own progress on one course.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CourseProgress {
    pub enrollment_id: String,
    pub status: EnrollmentStatus,
    pub completed_module_ids: Vec<String>,
    pub total_modules: i64,
    pub application: Option<ApplicationSummary>,
    pub is_student_teacher: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub id: String,
    pub status: ApplicationStatus,
    pub decline_reason: Option<String>,
}

/// A course on the student dashboard (SDSH).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnrolledCourse {
    pub enrollment_id: String,
    pub course_id: String,
    pub title: String,
    pub status: EnrollmentStatus,
    pub completed_modules: i64,
    pub total_modules: i64,
    pub application: Option<ApplicationSummary>,
    pub is_student_teacher: bool,
}

/// An application waiting on the creator dashboard (CDSH).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingApplication {
    pub id: String,
    pub course_id: String,
    pub course_title: String,
    pub applicant_id: String,
    pub applicant_name: String,
    pub motivation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatorDashboard {
    pub courses: Vec<CreatorCourse>,
    pub pending: Vec<PendingApplication>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatorCourse {
    pub id: String,
    pub title: String,
    pub enrolled: i64,
    pub student_teachers: i64,
    /// The price of one session beyond an enrollment's credits, as typed ("25.00"); `None`
    /// when the course sells no single sessions.
    pub session_price: Option<String>,
    /// Its currency's code, e.g. "USD".
    pub currency: String,
}

/// A Student-Teacher as listed on a course, a creator's profile and their own profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudentTeacher {
    pub user_id: String,
    pub name: String,
    pub time_zone: String,
    pub bio: String,
}

/// The public profile of a Student-Teacher.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudentTeacherProfile {
    pub teacher: StudentTeacher,
    pub courses: Vec<crate::auth::TaughtCourse>,
    /// "Rated 4.5 of 5 (2 ratings)", or "No ratings yet".
    pub rating: String,
    pub sessions_taught: i64,
}

/// The public creator profile (CPRO).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatorProfilePage {
    pub id: String,
    pub name: String,
    pub bio: String,
    pub courses: Vec<crate::courses::CourseSummary>,
    pub student_teachers: Vec<StudentTeacher>,
}
