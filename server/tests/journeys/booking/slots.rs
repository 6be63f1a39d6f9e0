//! What can be booked: a course's S-Ts with their next free slot, and free slots in UTC.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_course_lists_its_student_teachers_with_zone_and_next_free_slot() {
    let app = spawn_app().await;
    let (status, body) = app
        .get_json(&format!("/api/courses/{}/sts", rust_course()))
        .await;
    assert_eq!(status, 200, "{body}");
    let sts = body["sts"].as_array().unwrap();
    let names: Vec<&str> = sts.iter().map(|st| st["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Emily Carter", "Jonas Weber", "Liam O'Brien", "Priya Raman"]
    );
    for st in sts {
        assert!(st["time_zone"].as_str().unwrap().contains('/'), "{st}");
        let next = &st["next_free_slot"];
        assert!(
            seconds(next["start_at"].as_str().unwrap()) >= now() + 12 * 3600,
            "the next slot respects 12 hours' notice: {st}"
        );
        assert_eq!(st["sessions_taught"], 0);
    }
    let (status, _) = app.get_json("/api/courses/nope/sts").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_lists_slots_in_utc_inside_the_sts_local_hours() {
    let app = spawn_app().await;
    let slots = free_slots(&app, 60, 14).await;
    assert!(slots.len() > 20, "two weeks of weekday hours: {slots:?}");
    let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
    for slot in &slots {
        let start = slot["start_at"].as_str().unwrap();
        assert!(start.ends_with('Z'), "UTC on the wire: {start}");
        let local = start
            .parse::<jiff::Timestamp>()
            .unwrap()
            .to_zoned_datetime(kolkata.clone());
        assert!(
            (9..=16).contains(&local.hour()),
            "within 09:00-17:00 Kolkata: {local}"
        );
        assert!(
            local.weekday().to_monday_one_offset() <= 5,
            "a weekday: {local}"
        );
        assert_eq!(
            seconds(slot["end_at"].as_str().unwrap()) - seconds(start),
            3600
        );
    }
    let st = priya();
    for (query, why) in [
        ("from=yesterday", "malformed from"),
        (
            "from=2026-12-10T00:00:00Z&to=2026-12-01T00:00:00Z",
            "to before from",
        ),
        (
            "from=2026-12-01T00:00:00Z&to=2027-03-01T00:00:00Z",
            "over 62 days",
        ),
    ] {
        let (status, body) = app
            .get_json(&format!("/api/sts/{st}/availability?{query}"))
            .await;
        assert_eq!(status, 400, "{why}: {body}");
        assert!(body["message"].as_str().unwrap().len() > 10, "{body}");
    }
    let (status, _) = app
        .get_json(&format!("/api/sts/{}/availability", demo_id("user", "sam")))
        .await;
    assert_eq!(status, 404, "Sam is not a Student-Teacher");
}
