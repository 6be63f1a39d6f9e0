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

mod calendar;
mod confirm;

use calendar::CalendarStep;
use confirm::ConfirmStep;

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
        (Some(_), None) => {
            let more = match &page.session_price {
                Some(price) => format!(
                    " Another session is {price}: choose a time, and it is held for you while you pay."
                ),
                None => String::new(),
            };
            view! {
                <p class="form-alert" role="status" data-testid="credits">
                    "You have used every session of this course." {more}
                </p>
            }
            .into_any()
        }
        (None, None) => view! {
            <p class="form-alert" role="status">
                "Enroll in this course to book sessions. "
                <A href=format!("/courses/{course_id}")>"Enroll"</A>
            </p>
        }
        .into_any(),
    };
    let can_defer = rescheduling.is_none()
        && page
            .credits
            .as_ref()
            .is_some_and(|c| c.deferred_credits < c.session_credits);
    // Without a credit, a course that sells single sessions holds the chosen time for payment.
    let pay = page
        .credits
        .as_ref()
        .filter(|c| c.session_credits <= 0 && rescheduling.is_none())
        .and(page.session_price.clone());
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
                                        <span data-testid="st-rating">{st.rating.clone()}</span>
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
                view! { <CalendarStep calendar course_id=page.course_id.clone() base=base.clone() idempotency_key=page.idempotency_key.clone() rescheduling=rescheduling.as_ref().map(|r| r.session_id.clone()) pay=pay.clone() /> }
            })}
    }
}
