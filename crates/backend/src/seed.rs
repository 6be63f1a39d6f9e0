//! Demo data for local mode: a few creators and courses so a fresh checkout has something to
//! browse. Seeding runs only into a database with no courses, and uses fixed ids with
//! `ON CONFLICT DO NOTHING`, so several app servers starting together cannot duplicate it.

use crate::db::Db;
use crate::store::unix_now;
use uuid::Uuid;
use wire::error::AppError;

/// The shared password of every demo account (README lists the accounts).
pub const DEMO_PASSWORD: &str = "peerloop-demo-2026";

struct DemoPerson {
    key: &'static str,
    name: &'static str,
    email: &'static str,
    time_zone: &'static str,
    bio: &'static str,
    /// Shown beside the one-click log in.
    role: &'static str,
}

struct DemoCourse {
    key: &'static str,
    creator: &'static str,
    title: &'static str,
    summary: &'static str,
    description: &'static str,
    level: &'static str,
    price_cents: i64,
    /// Pay per session beyond the enrollment's credits.
    session_price_cents: Option<i64>,
    modules: &'static [(&'static str, &'static str, i64)],
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        key: "maya",
        name: "Maya Chen",
        email: "maya.chen@example.com",
        time_zone: "America/New_York",
        bio: "Systems engineer who has taught Rust to hundreds of developers. \
              Believes the best way to master something is to teach it.",
        role: "creator of the Rust and SQL courses",
    },
    DemoPerson {
        key: "lars",
        name: "Lars Becker",
        email: "lars.becker@example.com",
        time_zone: "Europe/Berlin",
        bio: "Product designer and former agency lead, now helping engineers design \
              interfaces people enjoy.",
        role: "creator of UX Design for Engineers",
    },
    DemoPerson {
        key: "avery",
        name: "Avery Admin",
        email: "admin@example.com",
        time_zone: "UTC",
        bio: "",
        role: "admin: enrolls students until payments exist",
    },
    // Student-Teachers in four zones: Kolkata has no DST, Berlin and New York change on
    // different dates, and Sydney changes the other way round the year.
    DemoPerson {
        key: "priya",
        name: "Priya Raman",
        email: "priya.raman@example.com",
        time_zone: "Asia/Kolkata",
        bio: "Backend developer in Bengaluru. Loves explaining lifetimes with diagrams.",
        role: "Student-Teacher, Rust Foundations",
    },
    DemoPerson {
        key: "jonas",
        name: "Jonas Weber",
        email: "jonas.weber@example.com",
        time_zone: "Europe/Berlin",
        bio: "Embedded engineer. Teaches ownership through real bugs he has shipped.",
        role: "Student-Teacher, Rust Foundations and Async Rust",
    },
    DemoPerson {
        key: "emily",
        name: "Emily Carter",
        email: "emily.carter@example.com",
        time_zone: "America/New_York",
        bio: "Data engineer who came to Rust from Python.",
        role: "Student-Teacher, Rust Foundations",
    },
    DemoPerson {
        key: "liam",
        name: "Liam O'Brien",
        email: "liam.obrien@example.com",
        time_zone: "Australia/Sydney",
        bio: "Game developer. Patient with beginners, strict about tests.",
        role: "Student-Teacher, Rust Foundations",
    },
    // Students at three stages of Rust Foundations.
    DemoPerson {
        key: "sam",
        name: "Sam Rivera",
        email: "sam.rivera@example.com",
        time_zone: "America/Chicago",
        bio: "",
        role: "student, just enrolled",
    },
    DemoPerson {
        key: "alex",
        name: "Alex Kim",
        email: "alex.kim@example.com",
        time_zone: "Europe/London",
        bio: "",
        role: "student, halfway through",
    },
    DemoPerson {
        key: "jordan",
        name: "Jordan Lee",
        email: "jordan.lee@example.com",
        time_zone: "Asia/Tokyo",
        bio: "",
        role: "student, finished and applied to teach",
    },
    DemoPerson {
        key: "noor",
        name: "Noor Haddad",
        email: "noor.haddad@example.com",
        time_zone: "Africa/Cairo",
        bio: "",
        role: "student who has used every session (pays per session)",
    },
    DemoPerson {
        key: "kai",
        name: "Kai Nakamura",
        email: "kai.nakamura@example.com",
        time_zone: "Pacific/Auckland",
        bio: "",
        role: "student who has used every session (pays per session)",
    },
    // Paid through the local Stripe when it stands in (server's demo_money): sessions taught by
    // Priya and by Jonas, one of them still waiting to be marked.
    DemoPerson {
        key: "omar",
        name: "Omar Farouk",
        email: "omar.farouk@example.com",
        time_zone: "America/Sao_Paulo",
        bio: "",
        role: "student who paid; three sessions with Priya",
    },
    DemoPerson {
        key: "rosa",
        name: "Rosa Martinez",
        email: "rosa.martinez@example.com",
        time_zone: "Europe/Madrid",
        bio: "",
        role: "student who paid; three sessions with Jonas",
    },
];

/// Who finished which course, who is halfway, who applied to teach (course key, modules done).
const ENROLLMENTS: &[(&str, &str, usize)] = &[
    ("priya", "rust-foundations", 5),
    ("jonas", "rust-foundations", 5),
    ("jonas", "async-rust", 4),
    ("emily", "rust-foundations", 5),
    ("liam", "rust-foundations", 5),
    ("sam", "rust-foundations", 0),
    ("alex", "rust-foundations", 3),
    ("jordan", "rust-foundations", 5),
    ("noor", "rust-foundations", 2),
    ("kai", "rust-foundations", 2),
];
/// Enrollments whose session credits are all used: more sessions are paid one by one.
const SESSIONS_USED_UP: &[(&str, &str)] =
    &[("noor", "rust-foundations"), ("kai", "rust-foundations")];
const CERTIFICATIONS: &[(&str, &str)] = &[
    ("priya", "rust-foundations"),
    ("jonas", "rust-foundations"),
    ("jonas", "async-rust"),
    ("emily", "rust-foundations"),
    ("liam", "rust-foundations"),
];
/// Each demo S-T's weekly hours in their own zone: (ISO weekdays, start hour, end hour).
const WEEKLY_HOURS: &[(&str, &[i64], i64, i64)] = &[
    ("priya", &[1, 2, 3, 4, 5], 9, 17),
    ("jonas", &[1, 2, 3, 4, 5], 10, 18),
    ("jonas", &[6], 10, 14),
    ("emily", &[1, 2, 3, 4, 5], 8, 12),
    ("emily", &[1, 2, 3, 4], 18, 21),
    ("liam", &[1, 2, 3, 4, 5, 6], 7, 11),
];
const PENDING_APPLICATIONS: &[(&str, &str, &str)] = &[(
    "jordan",
    "rust-foundations",
    "I struggled with borrowing for weeks and finally get it. I'd love to help the next person.",
)];

pub fn demo_accounts() -> Vec<wire::auth::DemoAccount> {
    PEOPLE
        .iter()
        .map(|person| wire::auth::DemoAccount {
            name: person.name.to_owned(),
            email: person.email.to_owned(),
            description: person.role.to_owned(),
        })
        .collect()
}

pub fn is_demo_email(email: &str) -> bool {
    PEOPLE
        .iter()
        .any(|person| person.email.eq_ignore_ascii_case(email.trim()))
}

const COURSES: &[DemoCourse] = &[
    DemoCourse {
        key: "rust-foundations",
        creator: "maya",
        title: "Rust Foundations",
        summary: "Ownership, borrowing and the type system, from first program to confident code.",
        description: "A practical first course in Rust. You will write real programs from day \
                      one and learn why the borrow checker is your friend. Every module ends \
                      with an exercise you review 1-on-1 with a Student-Teacher who finished \
                      the course before you.",
        level: "beginner",
        price_cents: 4900,
        session_price_cents: Some(1500),
        modules: &[
            (
                "Getting set up",
                "Toolchain, cargo and your first program.",
                30,
            ),
            ("Ownership", "Moves, copies and who frees what.", 45),
            (
                "Borrowing",
                "References, lifetimes and the rules that keep them safe.",
                50,
            ),
            (
                "Structs and enums",
                "Modelling data so invalid states cannot exist.",
                45,
            ),
            (
                "Error handling",
                "Result, the ? operator and errors users can read.",
                40,
            ),
        ],
    },
    DemoCourse {
        key: "async-rust",
        creator: "maya",
        title: "Async Rust in Practice",
        summary: "Futures, tokio and building network services that stay fast under load.",
        description: "Learn how async Rust really works and build a small HTTP service with \
                      tokio and axum: cancellation, backpressure, timeouts and graceful \
                      shutdown included.",
        level: "intermediate",
        price_cents: 7900,
        session_price_cents: Some(2500),
        modules: &[
            (
                "Futures from scratch",
                "What poll means and why async is lazy.",
                50,
            ),
            (
                "The tokio runtime",
                "Tasks, the scheduler and blocking work.",
                45,
            ),
            (
                "Building a service",
                "Routing, state and errors with axum.",
                60,
            ),
            (
                "Production concerns",
                "Timeouts, tracing and graceful shutdown.",
                50,
            ),
        ],
    },
    DemoCourse {
        key: "sql-for-apps",
        creator: "maya",
        title: "SQL for Application Developers",
        summary: "Schemas, indexes and transactions that keep your data correct.",
        description: "Design schemas that make bugs impossible, write queries that stay fast, \
                      and use transactions and constraints so concurrent users never corrupt \
                      each other's data.",
        level: "intermediate",
        price_cents: 5900,
        session_price_cents: None,
        modules: &[
            (
                "Modelling data",
                "Tables, keys and normal forms in practice.",
                40,
            ),
            (
                "Indexes",
                "How the planner uses them, and when it can't.",
                45,
            ),
            (
                "Transactions",
                "Isolation levels and the anomalies they prevent.",
                50,
            ),
            (
                "Constraints",
                "Letting the database enforce your invariants.",
                35,
            ),
        ],
    },
    DemoCourse {
        key: "ux-for-engineers",
        creator: "lars",
        title: "UX Design for Engineers",
        summary: "Layout, typography and accessible interfaces without a design degree.",
        description: "A hands-on course for engineers who want their products to look and \
                      feel right: visual hierarchy, spacing, colour, forms that help users, \
                      and accessibility from the start.",
        level: "beginner",
        price_cents: 3900,
        session_price_cents: None,
        modules: &[
            (
                "Visual hierarchy",
                "Guiding the eye with size, weight and space.",
                35,
            ),
            ("Typography", "Readable text at every screen size.", 30),
            (
                "Forms",
                "Labels, errors and flows that don't lose people.",
                40,
            ),
            (
                "Accessibility",
                "Keyboard, screen readers and contrast.",
                45,
            ),
        ],
    },
];

/// A stable id for a demo row, so reseeding targets the same rows.
pub fn demo_id(kind: &str, key: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("peerloop-demo:{kind}:{key}").as_bytes(),
    )
    .to_string()
}

/// Seeds the demo catalog into a database that has no courses yet. Returns whether it seeded.
pub async fn ensure_demo_data(db: &Db) -> Result<bool, AppError> {
    let courses: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM courses")
        .fetch_one(db.pool())
        .await?;
    if courses > 0 {
        return Ok(false);
    }
    let now = unix_now();
    // One hash for every demo account: they share the password anyway.
    let password_hash = crate::auth::hash_password(DEMO_PASSWORD).await?;
    let mut tx = db.begin_write().await?;
    for person in PEOPLE {
        sqlx::query(
            "INSERT INTO users (id, name, email, email_normalized, time_zone, bio, password_hash,
                                is_admin, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(demo_id("user", person.key))
        .bind(person.name)
        .bind(person.email)
        .bind(person.email.to_lowercase())
        .bind(person.time_zone)
        .bind(person.bio)
        .bind(&password_hash)
        .bind(person.key == "avery")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for course in COURSES {
        let course_id = demo_id("course", course.key);
        sqlx::query(
            "INSERT INTO courses (id, creator_id, title, summary, description, level,
                                  price_cents, session_price_cents, currency, published,
                                  created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'usd', TRUE, $9) ON CONFLICT DO NOTHING",
        )
        .bind(&course_id)
        .bind(demo_id("user", course.creator))
        .bind(course.title)
        .bind(course.summary)
        .bind(course.description)
        .bind(course.level)
        .bind(course.price_cents)
        .bind(course.session_price_cents)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for (position, (title, summary, minutes)) in course.modules.iter().enumerate() {
            sqlx::query(
                "INSERT INTO course_modules (id, course_id, position, title, summary,
                                             duration_minutes)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(demo_id("module", &format!("{}:{position}", course.key)))
            .bind(&course_id)
            .bind(position as i64 + 1)
            .bind(*title)
            .bind(*summary)
            .bind(*minutes)
            .execute(&mut *tx)
            .await?;
        }
    }
    seed_the_ladder(&mut tx, now).await?;
    seed_availability(&mut tx, now).await?;
    tx.commit().await?;
    Ok(true)
}

async fn seed_the_ladder(conn: &mut sqlx::AnyConnection, now: i64) -> Result<(), sqlx::Error> {
    for (person, course, modules_done) in ENROLLMENTS {
        let enrollment_id = demo_id("enrollment", &format!("{person}:{course}"));
        let total = COURSES
            .iter()
            .find(|c| c.key == *course)
            .map_or(0, |c| c.modules.len());
        let completed = *modules_done == total;
        sqlx::query(
            "INSERT INTO enrollments (id, student_id, course_id, status, enrolled_at, completed_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&enrollment_id)
        .bind(demo_id("user", person))
        .bind(demo_id("course", course))
        .bind(if completed { "completed" } else { "active" })
        .bind(now)
        .bind(completed.then_some(now))
        .execute(&mut *conn)
        .await?;
        for position in 0..*modules_done {
            sqlx::query(
                "INSERT INTO module_completions (enrollment_id, module_id, completed_at)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(&enrollment_id)
            .bind(demo_id("module", &format!("{course}:{position}")))
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
    }
    for (person, course) in SESSIONS_USED_UP {
        sqlx::query("UPDATE enrollments SET session_credits = 0 WHERE id = $1")
            .bind(demo_id("enrollment", &format!("{person}:{course}")))
            .execute(&mut *conn)
            .await?;
    }
    for (person, course) in CERTIFICATIONS {
        sqlx::query(
            "INSERT INTO st_certifications (course_id, user_id, certified_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(demo_id("course", course))
        .bind(demo_id("user", person))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for (person, course, motivation) in PENDING_APPLICATIONS {
        sqlx::query(
            "INSERT INTO teaching_applications (id, course_id, applicant_id, status, motivation, created_at)
             VALUES ($1, $2, $3, 'pending', $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(demo_id("application", &format!("{person}:{course}")))
        .bind(demo_id("course", course))
        .bind(demo_id("user", person))
        .bind(*motivation)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every demo S-T offers 30- and 60-minute sessions on a 30-minute grid, with 15 minutes after
/// each, 12 hours' notice and 60 days ahead, free to cancel until 24 hours before.
async fn seed_availability(conn: &mut sqlx::AnyConnection, now: i64) -> Result<(), AppError> {
    let mut teachers: Vec<&str> = CERTIFICATIONS.iter().map(|(person, _)| *person).collect();
    teachers.dedup();
    for person in teachers {
        let weekly: Vec<(i64, i64, i64)> = WEEKLY_HOURS
            .iter()
            .filter(|(who, ..)| *who == person)
            .flat_map(|(_, days, start, end)| {
                days.iter().map(move |day| (*day, start * 60, end * 60))
            })
            .collect();
        let st_id = demo_id("user", person);
        crate::store::booking::save_availability(
            conn,
            &crate::store::booking::AvailabilityUpdate {
                st_id: &st_id,
                session_minutes: &[30, 60],
                step_minutes: 30,
                buffer_before_minutes: 0,
                buffer_after_minutes: 15,
                minimum_notice_minutes: 12 * 60,
                horizon_days: 60,
                free_cancel_hours: 24,
                weekly: &weekly,
            },
            now,
        )
        .await?;
    }
    Ok(())
}
