//! Many racers for one slot, on one or two app servers: exactly one booking.

use super::*;

/// Fires every racer at once (spread over `apps`), each asking for one of `wanted`
/// (start, minutes) in turn; returns the statuses and 409 messages.
async fn race(
    apps: &[&TestApp],
    racers: Vec<reqwest::Client>,
    wanted: &[(String, i64)],
) -> Vec<(u16, String)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(racers.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, browser) in racers.into_iter().enumerate() {
        let app = apps[i % apps.len()];
        let (start_at, minutes) = wanted[i % wanted.len()].clone();
        let url = app.url("/api/sessions");
        let origin = app.base_url.clone();
        let barrier = barrier.clone();
        tasks.spawn(async move {
            barrier.wait().await;
            let response = browser
                .post(url)
                .header("origin", origin)
                .json(&json!({
                    "st_id": priya(), "course_id": rust_course(),
                    "start_at": start_at, "duration_minutes": minutes
                }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (
                status,
                body["message"].as_str().unwrap_or_default().to_owned(),
            )
        });
    }
    tasks.join_all().await
}

fn assert_exactly_one_winner(results: &[(u16, String)]) {
    let created = results.iter().filter(|(status, _)| *status == 201).count();
    let conflicts: Vec<&String> = results
        .iter()
        .filter(|(status, _)| *status == 409)
        .map(|(_, message)| message)
        .collect();
    assert_eq!(created, 1, "exactly one booking wins: {results:?}");
    assert_eq!(conflicts.len(), results.len() - 1, "{results:?}");
    assert!(
        conflicts.iter().all(|message| *message == TAKEN),
        "{conflicts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_racers_for_one_slot_give_one_booking_and_199_conflicts() {
    let app = spawn_app_with(&[("PEERLOOP_DB_MAX_CONNECTIONS", "20")]).await;
    // With Postgres, a second app server shares the database, as behind a load balancer.
    let second = match app.backend {
        "postgres" => Some(app.second_instance().await),
        _ => None,
    };
    let apps: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    let slot = later_free_slots(&app, 60, 14).await[0].clone();
    let racers = enrolled_students(&app, 200, &rust_course(), 4).await;
    let wanted = [(slot["start_at"].as_str().unwrap().to_owned(), 60)];
    let results = race(&apps, racers, &wanted).await;
    assert_exactly_one_winner(&results);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM enrollments WHERE session_credits = 3"
        )
        .await,
        1,
        "only the winner spent a credit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racers_for_overlapping_slots_of_different_lengths_get_one_booking() {
    let app = spawn_app_with(&[("PEERLOOP_DB_MAX_CONNECTIONS", "20")]).await;
    let second = match app.backend {
        "postgres" => Some(app.second_instance().await),
        _ => None,
    };
    let apps: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    // A 60-minute slot and the 30-minute slots inside it and just after it (the 15-minute
    // buffer makes the one after it overlap too).
    let hours = later_free_slots(&app, 60, 14).await;
    let listed = |at: i64| {
        hours
            .iter()
            .any(|s| seconds(s["start_at"].as_str().unwrap()) == at)
    };
    let start = hours
        .iter()
        .map(|s| seconds(s["start_at"].as_str().unwrap()))
        .find(|&at| listed(at + 1800))
        .expect("two overlapping hour slots");
    let wanted = [
        (rfc3339(start), 60),
        (rfc3339(start), 30),
        (rfc3339(start + 1800), 30),
        (rfc3339(start + 1800), 60),
    ];
    let racers = enrolled_students(&app, 80, &rust_course(), 4).await;
    let results = race(&apps, racers, &wanted).await;
    assert_exactly_one_winner(&results);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM bookings").await, 1);
}
