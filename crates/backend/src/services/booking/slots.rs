//! What can be booked: free slots of an S-T, busy times, and the course's S-Ts with their next
//! free slot.

use super::*;

/// Free slots of one S-T in `[from, to)`, from the S-T's rules and active bookings.
async fn free_slots_of(
    conn: &mut AnyConnection,
    st_id: &str,
    from: Timestamp,
    to: Timestamp,
    now: i64,
) -> Result<(String, Vec<Slot>), AppError> {
    let Some(stored) = store::load_availability(conn, st_id).await? else {
        let zone: Option<String> = sqlx::query_scalar("SELECT time_zone FROM users WHERE id = $1")
            .bind(st_id)
            .fetch_optional(&mut *conn)
            .await?;
        return Ok((zone.unwrap_or_else(|| "UTC".into()), Vec::new()));
    };
    let booked = store::active_sessions(
        conn,
        st_id,
        from.as_second() - NEIGHBOURHOOD_SECS,
        to.as_second() + NEIGHBOURHOOD_SECS,
        None,
    )
    .await?;
    let slots = free_slots(
        &stored.rules,
        &booked,
        timestamp(now),
        Interval {
            start: from,
            end: to,
        },
    );
    Ok((stored.time_zone_name, slots))
}

pub async fn availability(
    db: &Db,
    st_id: &str,
    from: Timestamp,
    to: Timestamp,
    now: i64,
) -> Result<Availability, AppError> {
    let mut conn = db.pool().acquire().await?;
    ensure_student_teacher(&mut conn, st_id).await?;
    let (time_zone, slots) = free_slots_of(&mut conn, st_id, from, to, now).await?;
    Ok(Availability {
        st_id: st_id.to_owned(),
        time_zone,
        slots: slots.iter().map(slot_json).collect(),
    })
}

pub async fn busy_times(
    db: &Db,
    st_id: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<BusyTimes, AppError> {
    let mut conn = db.pool().acquire().await?;
    ensure_student_teacher(&mut conn, st_id).await?;
    let busy = store::busy_intervals(&mut conn, st_id, from.as_second(), to.as_second()).await?;
    Ok(BusyTimes {
        st_id: st_id.to_owned(),
        busy: busy
            .into_iter()
            .map(|(start, end)| BusyInterval {
                start_at: timestamp(start).to_string(),
                end_at: timestamp(end).to_string(),
            })
            .collect(),
    })
}

/// The course's certified S-Ts, each with their next free slot (looked for in the next
/// `MAX_RANGE_DAYS` days).
pub async fn course_student_teachers(
    db: &Db,
    course_id: &str,
    now: i64,
) -> Result<CourseStudentTeachers, AppError> {
    // Never hold a connection while asking the pool for another: enough concurrent requests
    // doing that each hold one and wait forever for a second.
    if crate::store::catalog::find_published(db.pool(), course_id)
        .await?
        .is_none()
    {
        return Err(AppError::course_not_found());
    }
    let mut conn = db.pool().acquire().await?;
    let teachers = store::course_student_teachers(&mut conn, course_id).await?;
    let from = timestamp(now);
    let to = from + SignedDuration::from_hours(24 * MAX_RANGE_DAYS);
    let mut sts = Vec::with_capacity(teachers.len());
    for teacher in teachers {
        let (_, slots) = free_slots_of(&mut conn, &teacher.id, from, to, now).await?;
        sts.push(CourseStudentTeacher {
            next_free_slot: slots.iter().min_by_key(|slot| slot.start).map(slot_json),
            rating: domain::attendance::average_tenths(teacher.total_stars, teacher.ratings)
                .map(|tenths| tenths as f64 / 10.0),
            rating_count: teacher.ratings,
            id: teacher.id,
            name: teacher.name,
            time_zone: teacher.time_zone,
            sessions_taught: teacher.sessions_taught,
        });
    }
    Ok(CourseStudentTeachers {
        course_id: course_id.to_owned(),
        sts,
    })
}
