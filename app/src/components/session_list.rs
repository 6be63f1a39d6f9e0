//! Upcoming and past sessions on the dashboards (SDSH, TDSH), in the viewer's zone, and the
//! "Schedule when ready" cards of deferred credits.

use crate::api::sessions::{SessionDetail, SessionLists, my_sessions};
use crate::components::countdown::join_countdown;
use crate::components::sign_in::signed_in_page;
use domain::booking::BookingStatus;
use leptos::prelude::*;
use leptos_router::components::A;

/// The signed-in user's sessions on their dashboard: as a student (SDSH) or as a
/// Student-Teacher (TDSH); `here` is where log-in returns to.
#[component]
pub fn DashboardSessions(as_teacher: bool, here: &'static str) -> impl IntoView {
    let sessions = Resource::new(|| (), move |_| my_sessions(as_teacher));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading your sessions…"</p> }>
            {move || Suspend::new(async move {
                signed_in_page(sessions.await, here, |lists| {
                    view! { <SessionOverview lists /> }.into_any()
                })
            })}
        </Suspense>
    }
}

#[component]
fn SessionOverview(lists: SessionLists) -> impl IntoView {
    let zone = lists
        .upcoming
        .first()
        .or(lists.past.first())
        .map(|s| s.viewer_time_zone.clone());
    view! {
        {(!lists.deferred.is_empty())
            .then(|| {
                view! {
                    <ul class="dashboard-list">
                        {lists
                            .deferred
                            .iter()
                            .map(|credit| {
                                view! {
                                    <li class="card schedule-card" data-testid="schedule-when-ready">
                                        <h3>"Schedule when ready"</h3>
                                        <p>
                                            {format!(
                                                "{} session{} of {} waiting to be booked.",
                                                credit.deferred_credits,
                                                if credit.deferred_credits == 1 { "" } else { "s" },
                                                credit.course_title,
                                            )}
                                        </p>
                                        <A href=format!("/courses/{}/book", credit.course_id) attr:class="button button-primary">
                                            "Book a session"
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
            })}
        <h2>"Upcoming sessions"</h2>
        {zone.map(|zone| view! { <p class="muted">{format!("Times in your time zone, {zone}.")}</p> })}
        {if lists.upcoming.is_empty() {
            view! { <p class="empty-state" data-testid="no-upcoming">"No upcoming sessions."</p> }.into_any()
        } else {
            view! {
                <ul class="session-list" data-testid="upcoming-sessions">
                    {lists.upcoming.into_iter().map(|session| view! { <SessionRow session /> }).collect_view()}
                </ul>
            }
                .into_any()
        }}
        {(!lists.past.is_empty())
            .then(|| {
                view! {
                    <h2>"Past and cancelled"</h2>
                    <ul class="session-list past" data-testid="past-sessions">
                        {lists.past.into_iter().map(|session| view! { <SessionRow session /> }).collect_view()}
                    </ul>
                }
            })}
    }
}

#[component]
fn SessionRow(session: SessionDetail) -> impl IntoView {
    let href = format!("/sessions/{}", session.session.id);
    let cancelled = session.session.status == BookingStatus::Cancelled;
    view! {
        <li class="card session-row" class:cancelled=cancelled data-testid="session-row">
            <div>
                <A href=href.clone()>
                    <strong data-testid="session-when">{session.when_viewer.clone()}</strong>
                </A>
                <p>{format!("{} with {}", session.course_title, session.with_name)}</p>
                <p class="muted">{format!("Their time: {}", session.when_other)}</p>
                {session
                    .join_opens
                    .clone()
                    .zip(session.join_opens_in)
                    .map(|(opens, seconds)| {
                        view! {
                            <p class="muted" data-testid="room-opens">
                                {format!("Room opens {opens} ")}
                                {join_countdown(seconds, format!("{href}/room"))}
                            </p>
                        }
                    })}
            </div>
            <div class="session-actions">
                <span class="badge">{session.session.status.label()}</span>
                // While its room is open, the session leads there (the seed's "Join Session").
                {(session.is_upcoming)
                    .then(|| {
                        let (target, label) = if session.can_join {
                            (format!("{href}/room"), "Join session")
                        } else if session.can_change {
                            (href.clone(), "Details · change · cancel")
                        } else {
                            (href.clone(), "Details")
                        };
                        view! {
                            <A href=target attr:class="button button-small">
                                {label}
                            </A>
                        }
                    })}
            </div>
        </li>
    }
}
