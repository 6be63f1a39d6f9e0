use crate::db::Db;
use wire::auth::TaughtCourse;
use wire::error::AppError;

/// Courses this user is certified to teach, by title.
pub async fn courses_taught(db: &Db, user_id: &str) -> Result<Vec<TaughtCourse>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.id, c.title FROM st_certifications s JOIN courses c ON c.id = s.course_id
          WHERE s.user_id = $1 ORDER BY c.title",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(course_id, title)| TaughtCourse { course_id, title })
        .collect())
}

pub async fn owns_courses(db: &Db, user_id: &str) -> Result<bool, AppError> {
    let owned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM courses WHERE creator_id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?;
    Ok(owned > 0)
}

#[derive(sqlx::FromRow)]
pub struct EnrollmentRow {
    pub id: String,
    pub student_id: String,
    pub course_id: String,
    pub status: String,
}

/// Holds the enrollment's row lock until the transaction ends (Postgres; SQLite's write
/// transaction holds the database's only write lock already), so changes that read the
/// enrollment's progress and then write happen one at a time.
pub async fn lock_enrollment(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE enrollments SET status = status WHERE id = $1")
        .bind(enrollment_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_enrollment(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
) -> Result<Option<EnrollmentRow>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, student_id, course_id, status FROM enrollments WHERE id = $1")
            .bind(enrollment_id)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn find_enrollment_for(
    conn: &mut sqlx::AnyConnection,
    student_id: &str,
    course_id: &str,
) -> Result<Option<EnrollmentRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, student_id, course_id, status FROM enrollments
          WHERE student_id = $1 AND course_id = $2",
    )
    .bind(student_id)
    .bind(course_id)
    .fetch_optional(conn)
    .await?)
}

/// Enrolls a student; an existing enrollment is kept as it is. Returns the enrollment id.
pub async fn enroll(
    conn: &mut sqlx::AnyConnection,
    student_id: &str,
    course_id: &str,
    now: i64,
) -> Result<String, AppError> {
    sqlx::query(
        "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at)
         VALUES ($1, $2, $3, 'active', $4) ON CONFLICT (student_id, course_id) DO NOTHING",
    )
    .bind(super::new_id())
    .bind(student_id)
    .bind(course_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT id FROM enrollments WHERE student_id = $1 AND course_id = $2")
            .bind(student_id)
            .bind(course_id)
            .fetch_one(conn)
            .await?,
    )
}

pub async fn module_in_course(
    conn: &mut sqlx::AnyConnection,
    module_id: &str,
    course_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM course_modules WHERE id = $1 AND course_id = $2")
            .bind(module_id)
            .bind(course_id)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

pub async fn record_completion(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
    module_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO module_completions (enrollment_id, module_id, completed_at)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(enrollment_id)
    .bind(module_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// (completed modules, total modules) of an enrollment's course.
pub async fn progress(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
    course_id: &str,
) -> Result<(i64, i64), AppError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM module_completions WHERE enrollment_id = $1),
                (SELECT COUNT(*) FROM course_modules WHERE course_id = $2)",
    )
    .bind(enrollment_id)
    .bind(course_id)
    .fetch_one(conn)
    .await?)
}

/// Moves an enrollment from one status to another; `false` if it was no longer in `from`.
pub async fn set_enrollment_status(
    conn: &mut sqlx::AnyConnection,
    enrollment_id: &str,
    from: &str,
    to: &str,
    completed_at: Option<i64>,
) -> Result<bool, AppError> {
    let changed = sqlx::query(
        "UPDATE enrollments SET status = $1, completed_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(completed_at)
    .bind(enrollment_id)
    .bind(from)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub async fn is_certified(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    course_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT user_id FROM st_certifications WHERE user_id = $1 AND course_id = $2",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Whether the user is a Student-Teacher of any course.
pub async fn teaches_any_course(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM st_certifications WHERE user_id = $1 LIMIT 1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

pub async fn has_pending_application(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    course_id: &str,
) -> Result<bool, AppError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM teaching_applications
          WHERE applicant_id = $1 AND course_id = $2 AND status = 'pending'",
    )
    .bind(user_id)
    .bind(course_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Files an application; `false` when a pending one already exists (a concurrent duplicate).
pub async fn insert_application(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    course_id: &str,
    applicant_id: &str,
    motivation: &str,
    now: i64,
) -> Result<bool, AppError> {
    let inserted = sqlx::query(
        "INSERT INTO teaching_applications (id, course_id, applicant_id, status, motivation, created_at)
         VALUES ($1, $2, $3, 'pending', $4, $5)",
    )
    .bind(id)
    .bind(course_id)
    .bind(applicant_id)
    .bind(motivation)
    .bind(now)
    .execute(conn)
    .await;
    super::inserted_unless_duplicate(inserted)
}

#[derive(sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    pub course_id: String,
    pub applicant_id: String,
    pub status: String,
    pub course_creator_id: String,
}

pub async fn find_application(
    conn: &mut sqlx::AnyConnection,
    application_id: &str,
) -> Result<Option<ApplicationRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.course_id, a.applicant_id, a.status, c.creator_id AS course_creator_id
           FROM teaching_applications a JOIN courses c ON c.id = a.course_id
          WHERE a.id = $1",
    )
    .bind(application_id)
    .fetch_optional(conn)
    .await?)
}

/// Records a decision on a pending application; `false` if someone decided it first.
pub async fn record_decision(
    conn: &mut sqlx::AnyConnection,
    application_id: &str,
    status: &str,
    reason: Option<&str>,
    decided_by: &str,
    now: i64,
) -> Result<bool, AppError> {
    let changed = sqlx::query(
        "UPDATE teaching_applications
            SET status = $1, decline_reason = $2, decided_by = $3, decided_at = $4
          WHERE id = $5 AND status = 'pending'",
    )
    .bind(status)
    .bind(reason)
    .bind(decided_by)
    .bind(now)
    .bind(application_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub async fn certify(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    course_id: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO st_certifications (course_id, user_id, certified_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(course_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

use domain::ladder::{ApplicationStatus, EnrollmentStatus};
use std::collections::HashMap;
use wire::learning::{
    ApplicationSummary, CourseProgress, CreatorCourse, CreatorDashboard, CreatorProfilePage,
    EnrolledCourse, PendingApplication, StudentTeacher, StudentTeacherProfile,
};

fn enrollment_status(value: &str) -> Result<EnrollmentStatus, AppError> {
    EnrollmentStatus::parse(value).ok_or(AppError::Internal)
}

/// The latest application per course of one applicant.
async fn latest_applications(
    db: &Db,
    applicant_id: &str,
) -> Result<HashMap<String, ApplicationSummary>, AppError> {
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT course_id, id, status, decline_reason FROM teaching_applications
          WHERE applicant_id = $1 ORDER BY created_at, id",
    )
    .bind(applicant_id)
    .fetch_all(db.pool())
    .await?;
    let mut latest = HashMap::new();
    for (course_id, id, status, decline_reason) in rows {
        let status = ApplicationStatus::parse(&status).ok_or(AppError::Internal)?;
        latest.insert(
            course_id,
            ApplicationSummary {
                id,
                status,
                decline_reason,
            },
        );
    }
    Ok(latest)
}

pub async fn course_progress(
    db: &Db,
    user_id: &str,
    course_id: &str,
) -> Result<Option<CourseProgress>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let Some(enrollment) = find_enrollment_for(&mut conn, user_id, course_id).await? else {
        return Ok(None);
    };
    let completed_module_ids: Vec<String> = sqlx::query_scalar(
        "SELECT module_id FROM module_completions WHERE enrollment_id = $1 ORDER BY module_id",
    )
    .bind(&enrollment.id)
    .fetch_all(&mut *conn)
    .await?;
    let (_, total_modules) = progress(&mut conn, &enrollment.id, course_id).await?;
    let is_student_teacher = is_certified(&mut conn, user_id, course_id).await?;
    drop(conn);
    let application = latest_applications(db, user_id).await?.remove(course_id);
    Ok(Some(CourseProgress {
        status: enrollment_status(&enrollment.status)?,
        enrollment_id: enrollment.id,
        completed_module_ids,
        total_modules,
        application,
        is_student_teacher,
    }))
}

pub async fn enrolled_courses(db: &Db, user_id: &str) -> Result<Vec<EnrolledCourse>, AppError> {
    let rows: Vec<(String, String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT e.id, c.id, c.title, e.status,
                (SELECT COUNT(*) FROM module_completions mc WHERE mc.enrollment_id = e.id),
                (SELECT COUNT(*) FROM course_modules m WHERE m.course_id = c.id),
                (SELECT COUNT(*) FROM st_certifications s
                  WHERE s.course_id = c.id AND s.user_id = e.student_id)
           FROM enrollments e JOIN courses c ON c.id = e.course_id
          WHERE e.student_id = $1
          ORDER BY e.enrolled_at DESC, c.title",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    let mut applications = latest_applications(db, user_id).await?;
    rows.into_iter()
        .map(
            |(enrollment_id, course_id, title, status, done, total, certified)| {
                Ok(EnrolledCourse {
                    application: applications.remove(&course_id),
                    enrollment_id,
                    course_id,
                    title,
                    status: enrollment_status(&status)?,
                    completed_modules: done,
                    total_modules: total,
                    is_student_teacher: certified > 0,
                })
            },
        )
        .collect()
}

fn teacher((user_id, name, time_zone, bio): (String, String, String, String)) -> StudentTeacher {
    StudentTeacher {
        user_id,
        name,
        time_zone,
        bio,
    }
}

pub async fn course_teachers(db: &Db, course_id: &str) -> Result<Vec<StudentTeacher>, AppError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.name, u.time_zone, u.bio FROM st_certifications s
           JOIN users u ON u.id = s.user_id
          WHERE s.course_id = $1 ORDER BY s.certified_at, u.name",
    )
    .bind(course_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(teacher).collect())
}

pub async fn creator_dashboard(db: &Db, creator_id: &str) -> Result<CreatorDashboard, AppError> {
    let courses: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.title,
                (SELECT COUNT(*) FROM enrollments e WHERE e.course_id = c.id),
                (SELECT COUNT(*) FROM st_certifications s WHERE s.course_id = c.id)
           FROM courses c WHERE c.creator_id = $1 ORDER BY c.title",
    )
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?;
    let pending: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT a.id, c.id, c.title, u.id, u.name, a.motivation
           FROM teaching_applications a
           JOIN courses c ON c.id = a.course_id
           JOIN users u ON u.id = a.applicant_id
          WHERE c.creator_id = $1 AND a.status = 'pending'
          ORDER BY a.created_at, a.id",
    )
    .bind(creator_id)
    .fetch_all(db.pool())
    .await?;
    Ok(CreatorDashboard {
        courses: courses
            .into_iter()
            .map(|(id, title, enrolled, student_teachers)| CreatorCourse {
                id,
                title,
                enrolled,
                student_teachers,
            })
            .collect(),
        pending: pending
            .into_iter()
            .map(
                |(id, course_id, course_title, applicant_id, applicant_name, motivation)| {
                    PendingApplication {
                        id,
                        course_id,
                        course_title,
                        applicant_id,
                        applicant_name,
                        motivation,
                    }
                },
            )
            .collect(),
    })
}

pub async fn creator_profile(
    db: &Db,
    creator_id: &str,
) -> Result<Option<CreatorProfilePage>, AppError> {
    let creator: Option<(String, String, String)> =
        sqlx::query_as("SELECT id, name, bio FROM users WHERE id = $1")
            .bind(creator_id)
            .fetch_optional(db.pool())
            .await?;
    let Some((id, name, bio)) = creator else {
        return Ok(None);
    };
    let courses = super::catalog::list_published_by_creator(db, &id).await?;
    if courses.is_empty() {
        return Ok(None);
    }
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.name, u.time_zone, u.bio FROM st_certifications s
           JOIN users u ON u.id = s.user_id JOIN courses c ON c.id = s.course_id
          WHERE c.creator_id = $1 ORDER BY u.name, u.id",
    )
    .bind(&id)
    .fetch_all(db.pool())
    .await?;
    Ok(Some(CreatorProfilePage {
        id,
        name,
        bio,
        courses,
        student_teachers: rows.into_iter().map(teacher).collect(),
    }))
}

pub async fn student_teacher_profile(
    db: &Db,
    user_id: &str,
) -> Result<Option<StudentTeacherProfile>, AppError> {
    let courses = courses_taught(db, user_id).await?;
    if courses.is_empty() {
        return Ok(None);
    }
    let row: (String, String, String, String) =
        sqlx::query_as("SELECT id, name, time_zone, bio FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(db.pool())
            .await?;
    Ok(Some(StudentTeacherProfile {
        teacher: teacher(row),
        courses,
    }))
}
