//! SBOK: pick a Student-Teacher, a day in their month, a time (shown in the viewer's zone with
//! the S-T's own time beside it), then confirm. Every step is a link, so the page works without
//! JavaScript; hydrated, the same links navigate in place.

use crate::api::sessions::{
    BookSession, BookingPage, DeferSession, RescheduleSession, SlotChoice, StCalendar,
    get_booking_page,
};
use crate::components::form::{FormAlert, FormFeedback};
use crate::components::session::CsrfField;
use crate::components::sign_in::signed_in_page;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The page's own address with the chosen steps as query parameters.
#[derive(Clone, Default)]
struct Step {
    st: Option<String>,
    month: Option<String>,
    day: Option<String>,
    start: Option<String>,
    minutes: Option<i64>,
    reschedule: Option<String>,
}

impl Step {
    fn href(&self, course_id: &str) -> String {
        let mut query = form_pairs(self);
        query.retain(|(_, value)| !value.is_empty());
        let query: Vec<String> = query
            .into_iter()
            .map(|(key, value)| format!("{key}={}", leptos_router::location::Url::escape(&value)))
            .collect();
        if query.is_empty() {
            format!("/courses/{course_id}/book")
        } else {
            format!("/courses/{course_id}/book?{}", query.join("&"))
        }
    }
}

fn form_pairs(step: &Step) -> Vec<(&'static str, String)> {
    vec![
        ("reschedule", step.reschedule.clone().unwrap_or_default()),
        ("st", step.st.clone().unwrap_or_default()),
        ("month", step.month.clone().unwrap_or_default()),
        ("day", step.day.clone().unwrap_or_default()),
        ("start", step.start.clone().unwrap_or_default()),
        (
            "minutes",
            step.minutes.map(|m| m.to_string()).unwrap_or_default(),
        ),
    ]
}

#[derive(Clone, Copy)]
struct BookingActions {
    book: ServerAction<BookSession>,
    reschedule: ServerAction<RescheduleSession>,
    defer: ServerAction<DeferSession>,
    book_feedback: FormFeedback,
    defer_feedback: FormFeedback,
}

#[component]
pub fn BookingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let course_id = move || params.read().get("id").unwrap_or_default();
    let book = ServerAction::<BookSession>::new();
    let reschedule = ServerAction::<RescheduleSession>::new();
    let defer = ServerAction::<DeferSession>::new();
    let page = Resource::new(
        move || {
            let q = query.read();
            (
                course_id(),
                q.get("st"),
                q.get("month"),
                q.get("day"),
                q.get("start"),
                q.get("minutes").and_then(|m| m.parse::<i64>().ok()),
                q.get("reschedule"),
                book.version().get() + reschedule.version().get() + defer.version().get(),
            )
        },
        |(course_id, st, month, day, start, minutes, reschedule, _)| {
            get_booking_page(course_id, st, month, day, start, minutes, reschedule)
        },
    );
    provide_context(BookingActions {
        book,
        reschedule,
        defer,
        book_feedback: FormFeedback::new("book", book),
        defer_feedback: FormFeedback::new("defer", defer),
    });
    let here = move || {
        let q = query.read();
        Step {
            st: q.get("st"),
            month: q.get("month"),
            day: q.get("day"),
            start: q.get("start"),
            minutes: q.get("minutes").and_then(|m| m.parse().ok()),
            reschedule: q.get("reschedule"),
        }
        .href(&course_id())
    };
    view! {
        <Title text="Book a session" />
        <section class="container booking">
            // A transition keeps the current step on screen while the next one loads.
            <Transition fallback=|| {
                view! { <p class="muted" aria-busy="true">"Loading free times…"</p> }
            }>
                {move || Suspend::new(async move {
                    let here = here();
                    signed_in_page(page.await, &here, |page| view! { <BookingView page /> }.into_any())
                })}
            </Transition>
        </section>
    }
}

#[component]
fn BookingView(page: BookingPage) -> impl IntoView {
    let actions = expect_context::<BookingActions>();
    let course_id = page.course_id.clone();
    let rescheduling = page.rescheduling.clone();
    let base = Step {
        reschedule: rescheduling.as_ref().map(|r| r.session_id.clone()),
        ..Step::default()
    };
    let heading = if rescheduling.is_some() {
        "Move your session"
    } else {
        "Book a session"
    };
    let credits_line = match (&page.credits, &rescheduling) {
        (_, Some(r)) => view! {
            <p data-testid="rescheduling">{format!("Now: {}. Choose a new time below.", r.when)}</p>
        }
        .into_any(),
        (Some(credits), None) if credits.session_credits > 0 => view! {
            <p data-testid="credits">
                {format!(
                    "You have {} session{} left in this course.",
                    credits.session_credits,
                    if credits.session_credits == 1 { "" } else { "s" },
                )}
            </p>
        }
        .into_any(),
        (Some(_), None) => view! {
            <p class="form-alert" role="status">"You have used every session of this course."</p>
        }
        .into_any(),
        (None, None) => view! {
            <p class="form-alert" role="status">
                "Enroll in this course to book sessions. "
                <A href=format!("/courses/{course_id}/enroll")>"Enroll"</A>
            </p>
        }
        .into_any(),
    };
    let can_defer = rescheduling.is_none()
        && page
            .credits
            .as_ref()
            .is_some_and(|c| c.deferred_credits < c.session_credits);
    let enrollment_id = page
        .credits
        .as_ref()
        .map(|c| c.enrollment_id.clone())
        .unwrap_or_default();
    view! {
        <p class="breadcrumb">
            <A href=format!("/courses/{}", page.course_id)>{page.course_title.clone()}</A>
        </p>
        <h1>{heading}</h1>
        <p class="muted" data-testid="viewer-zone">
            "Times are shown in your time zone, "
            <strong>{page.viewer_time_zone.clone()}</strong>
            ". "
            <A href="/settings">"Change it"</A>
        </p>
        {credits_line}
        <h2 class="step-heading">"1. Choose a Student-Teacher"</h2>
        {if page.sts.is_empty() {
            view! {
                <p class="empty-state">"Nobody teaches this course yet. Check back soon."</p>
            }
                .into_any()
        } else {
            view! {
                <ul class="st-choices">
                    {page
                        .sts
                        .clone()
                        .into_iter()
                        .map(|st| {
                            let href = Step {
                                st: Some(st.id.clone()),
                                ..base.clone()
                            }
                                .href(&course_id);
                            view! {
                                <li>
                                    <a
                                        href=href
                                        class={if st.selected { "st-choice selected" } else { "st-choice" }}
                                        aria-current=st.selected.then_some("true")
                                        data-testid="st-choice"
                                    >
                                        <strong>{st.name.clone()}</strong>
                                        <span class="muted">{st.time_zone.clone()}</span>
                                        <span class="muted">
                                            {st
                                                .next_free
                                                .clone()
                                                .map(|at| format!("Next free: {at}"))
                                                .unwrap_or_else(|| "No free times soon".into())}
                                        </span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
        {can_defer
            .then(|| {
                view! {
                    <div class="defer">
                        <FormAlert feedback=actions.defer_feedback />
                        <ActionForm action=actions.defer>
                            <CsrfField />
                            <input type="hidden" name="enrollment_id" value=enrollment_id.clone() />
                            <button type="submit" class="button button-secondary" data-testid="schedule-later">
                                "Schedule later"
                            </button>
                            <span class="muted">" Keep a session for when you're ready; your dashboard will remind you."</span>
                        </ActionForm>
                    </div>
                }
            })}
        {page
            .calendar
            .clone()
            .map(|calendar| {
                view! { <CalendarStep calendar course_id=page.course_id.clone() base=base.clone() idempotency_key=page.idempotency_key.clone() rescheduling=rescheduling.as_ref().map(|r| r.session_id.clone()) /> }
            })}
    }
}

#[component]
fn CalendarStep(
    calendar: StCalendar,
    course_id: String,
    base: Step,
    idempotency_key: String,
    rescheduling: Option<String>,
) -> impl IntoView {
    let step = Step {
        st: Some(calendar.st_id.clone()),
        month: Some(calendar.month.clone()),
        ..base
    };
    let month_link = |month: Option<String>, label: &'static str| {
        month.map(|month| {
            let href = Step {
                month: Some(month),
                day: None,
                ..step.clone()
            }
            .href(&course_id);
            view! { <a href=href class="button button-small">{label}</a> }
        })
    };
    let previous = month_link(calendar.previous_month.clone(), "‹ Previous");
    let next = month_link(calendar.next_month.clone(), "Next ›");
    let weeks = calendar.weeks.clone();
    view! {
        <h2 class="step-heading">{format!("2. Pick a day with {}", calendar.st_name)}</h2>
        <p class="muted">
            {format!("{} lives in {}. ", calendar.st_name, calendar.st_time_zone)}
            "Days with free times are marked."
        </p>
        <div class="calendar" data-testid="calendar">
            <div class="calendar-nav">
                {previous}
                <h3 class="calendar-month" aria-live="polite">{calendar.month_label.clone()}</h3>
                {next}
            </div>
            <table class="calendar-grid">
                <caption class="visually-hidden">{calendar.month_label.clone()}</caption>
                <thead>
                    <tr>
                        {["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                            .into_iter()
                            .map(|day| view! { <th scope="col">{day}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {weeks
                        .into_iter()
                        .map(|week| {
                            view! {
                                <tr>
                                    {week
                                        .into_iter()
                                        .map(|day| {
                                            let class = format!(
                                                "calendar-day{}{}{}",
                                                if day.in_month { "" } else { " outside" },
                                                if day.is_today { " today" } else { "" },
                                                if day.is_selected { " selected" } else { "" },
                                            );
                                            let cell = if day.has_slots && day.in_month {
                                                let href = Step {
                                                    day: Some(day.date.clone()),
                                                    ..step.clone()
                                                }
                                                    .href(&course_id);
                                                view! {
                                                    <a
                                                        href=href
                                                        class="day-link"
                                                        aria-label=format!("{}, free times", day.date)
                                                        aria-current=day.is_selected.then_some("date")
                                                        data-testid="free-day"
                                                    >
                                                        {day.day_of_month}
                                                    </a>
                                                }
                                                    .into_any()
                                            } else {
                                                view! { <span class="day-number">{day.day_of_month}</span> }.into_any()
                                            };
                                            view! { <td class=class>{cell}</td> }
                                        })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {calendar
                .weeks
                .iter()
                .flatten()
                .all(|day| !day.has_slots)
                .then(|| view! { <p class="empty-state">"No free times this month. Try the next one."</p> })}
        </div>
        {calendar
            .day
            .clone()
            .map(|day| {
                let slots = day.slots.clone();
                view! {
                    <h2 class="step-heading">{format!("3. Pick a time on {}", day.label)}</h2>
                    {if slots.is_empty() {
                        view! { <p class="empty-state">"No free times left on this day."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="slot-list">
                                {slots
                                    .into_iter()
                                    .map(|slot| {
                                        let href = Step {
                                            day: Some(day.date.clone()),
                                            start: Some(slot.start_at.clone()),
                                            minutes: Some(slot.duration_minutes),
                                            ..step.clone()
                                        }
                                            .href(&course_id);
                                        let chosen = calendar
                                            .confirm
                                            .as_ref()
                                            .is_some_and(|c| c == &slot);
                                        let SlotChoice { start_at, duration_minutes, label, st_label } = slot;
                                        let title = st_label.clone();
                                        view! {
                                            <li>
                                                <a
                                                    href=href
                                                    class={if chosen { "slot selected" } else { "slot" }}
                                                    aria-current=chosen.then_some("true")
                                                    title=title
                                                    data-testid="slot"
                                                    data-start=start_at
                                                >
                                                    <strong>{label}</strong>
                                                    <span class="slot-length">{format!("{duration_minutes} min")}</span>
                                                    <span class="muted slot-theirs">{st_label}</span>
                                                </a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }}
                }
            })}
        {calendar
            .unavailable
            .clone()
            .map(|message| view! { <p class="form-alert" role="alert" data-testid="unavailable">{message}</p> })}
        {calendar
            .confirm
            .clone()
            .map(|slot| {
                view! {
                    <ConfirmStep
                        choice=slot
                        course_id=course_id.clone()
                        st_id=calendar.st_id.clone()
                        st_name=calendar.st_name.clone()
                        policy=calendar.policy.clone()
                        idempotency_key=idempotency_key.clone()
                        rescheduling=rescheduling.clone()
                    />
                }
            })}
    }
}

#[component]
fn ConfirmStep(
    choice: SlotChoice,
    course_id: String,
    st_id: String,
    st_name: String,
    policy: String,
    idempotency_key: String,
    rescheduling: Option<String>,
) -> impl IntoView {
    let actions = expect_context::<BookingActions>();
    let pending = move || actions.book.pending().get() || actions.reschedule.pending().get();
    let slot = choice;
    let summary = format!(
        "{} ({} min) with {st_name}. For {st_name}: {}.",
        slot.label, slot.duration_minutes, slot.st_label
    );
    let form = match rescheduling {
        Some(session_id) => view! {
            <ActionForm action=actions.reschedule>
                <CsrfField />
                <input type="hidden" name="id" value=session_id />
                <input type="hidden" name="start_at" value=slot.start_at.clone() />
                <button type="submit" class="button button-primary" data-testid="confirm" disabled=pending>
                    {move || if pending() { "Moving…" } else { "Move the session here" }}
                </button>
            </ActionForm>
        }
            .into_any(),
        None => view! {
            <ActionForm action=actions.book>
                <CsrfField />
                <input type="hidden" name="course_id" value=course_id />
                <input type="hidden" name="st_id" value=st_id />
                <input type="hidden" name="start_at" value=slot.start_at.clone() />
                <input type="hidden" name="duration_minutes" value=slot.duration_minutes.to_string() />
                <input type="hidden" name="idempotency_key" value=idempotency_key />
                <button type="submit" class="button button-primary" data-testid="confirm" disabled=pending>
                    {move || if pending() { "Booking…" } else { "Confirm booking" }}
                </button>
            </ActionForm>
        }
            .into_any(),
    };
    view! {
        <section class="card confirm" aria-labelledby="confirm-heading" data-testid="confirm-step">
            <h2 id="confirm-heading" class="step-heading">"4. Confirm"</h2>
            <p>{summary}</p>
            <p class="muted">{policy}</p>
            <BookingAlert />
            {form}
        </section>
    }
}

/// The booking form's error; an unexpected failure reads as the seed's "Unable to book".
#[component]
fn BookingAlert() -> impl IntoView {
    let actions = expect_context::<BookingActions>();
    let reschedule_result = actions.reschedule.value();
    move || {
        let error = actions
            .book_feedback
            .error()
            .or_else(|| reschedule_result.get().and_then(Result::err));
        error.map(|error| {
            let message = match error {
                wire::error::AppError::Internal => "Unable to book. Please try again.".to_owned(),
                other => other.to_string(),
            };
            view! { <p class="form-alert" role="alert" data-testid="booking-error">{message}</p> }
        })
    }
}
