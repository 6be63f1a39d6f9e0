//! TDSH: a Student-Teacher's sessions (upcoming and past, in their zone) and the courses they
//! teach.

use crate::api::availability::{
    AddAvailabilityOverride, RemoveAvailabilityOverride, SaveAvailability, get_my_availability,
};
use crate::api::learning::teacher_dashboard;

use crate::components::form::{Field, FormAlert, FormFeedback};
use crate::components::session::CsrfField;
use crate::components::session_list::DashboardSessions;
use crate::components::sign_in::signed_in_page;
use domain::availability::WEEKDAYS;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn TeacherDashboardPage() -> impl IntoView {
    let courses = Resource::new(|| (), |_| teacher_dashboard());
    view! {
        <Title text="Teaching" />
        <section class="container">
            <h1>"Teaching"</h1>
            <p>
                <A href="/payments">"Earnings, and sessions to mark taught"</A>
            </p>
            <DashboardSessions as_teacher=true here="/teach" />
            <AvailabilityEditor />
            <h2>"Courses you teach"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(courses.await, "/teach", |courses| {
                        if courses.is_empty() {
                            return view! {
                                <div class="empty-state">
                                    <p>
                                        "You don't teach a course yet. Finish a course, then apply to teach it from its page."
                                    </p>
                                    <A href="/dashboard">"Your learning"</A>
                                </div>
                            }
                                .into_any();
                        }
                        view! {
                            <ul class="dashboard-list">
                                {courses
                                    .into_iter()
                                    .map(|course| {
                                        view! {
                                            <li class="card" data-testid="taught-course">
                                                <h3>
                                                    <A href=format!("/courses/{}", course.course_id)>{course.title}</A>
                                                </h3>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}

/// The S-T's availability: weekly hours in their own zone, session lengths, buffers, notice,
/// horizon and cancellation window, plus days off and extra hours on given dates.
#[component]
fn AvailabilityEditor() -> impl IntoView {
    let save = ServerAction::<SaveAvailability>::new();
    let add = ServerAction::<AddAvailabilityOverride>::new();
    let remove = ServerAction::<RemoveAvailabilityOverride>::new();
    let save_feedback = FormFeedback::new("availability", save);
    let add_feedback = FormFeedback::new("override", add);
    let settings = Resource::new(
        move || {
            (
                save.version().get(),
                add.version().get(),
                remove.version().get(),
            )
        },
        |_| get_my_availability(),
    );
    let saved = move || save.value().get().is_some_and(|result| result.is_ok());
    view! {
        <section class="card availability" aria-labelledby="availability-heading">
            <h2 id="availability-heading">"Your availability"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading your hours…"</p> }>
                {move || Suspend::new(async move {
                    let Ok(settings) = settings.await else {
                        return ().into_any();
                    };
                    view! {
                        <p class="muted">
                            {format!("Hours are in your time zone, {}. Students see them in theirs.", settings.time_zone)}
                        </p>
                        <ActionForm action=save attr:class="stack" attr:novalidate=true>
                            <CsrfField />
                            <FormAlert feedback=save_feedback />
                            <fieldset class="weekly-hours">
                                <legend>"Weekly hours"</legend>
                                <p class="hint">"Like 09:00-12:00, 14:00-18:00. Leave a day empty when you're not available."</p>
                                {WEEKDAYS
                                    .into_iter()
                                    .zip(settings.weekly.iter())
                                    .map(|((name, label), hours)| {
                                        view! {
                                            <Field feedback=save_feedback name label value=hours.clone() required=false />
                                        }
                                    })
                                    .collect_view()}
                            </fieldset>
                            <fieldset>
                                <legend>"Session lengths"</legend>
                                {settings
                                    .lengths
                                    .iter()
                                    .map(|(minutes, on)| {
                                        view! {
                                            <label class="checkbox">
                                                <input type="checkbox" name=format!("length_{minutes}") checked=*on />
                                                {format!(" {minutes} minutes")}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                                <p class="field-error">{move || save_feedback.field("lengths")}</p>
                            </fieldset>
                            <div class="field-row">
                                <Field feedback=save_feedback name="buffer_before_minutes" label="Buffer before (minutes)" kind="number" value=settings.buffer_before_minutes.to_string() />
                                <Field feedback=save_feedback name="buffer_after_minutes" label="Buffer after (minutes)" kind="number" value=settings.buffer_after_minutes.to_string() />
                            </div>
                            <div class="field-row">
                                <Field feedback=save_feedback name="minimum_notice_hours" label="Minimum notice (hours)" kind="number" value=settings.minimum_notice_hours.to_string() />
                                <Field feedback=save_feedback name="horizon_days" label="Bookable ahead (days)" kind="number" value=settings.horizon_days.to_string() />
                                <Field feedback=save_feedback name="free_cancel_hours" label="Free cancellation until (hours before)" kind="number" value=settings.free_cancel_hours.to_string() />
                            </div>
                            <button type="submit" class="button button-primary" data-testid="save-availability">
                                "Save availability"
                            </button>
                            {move || saved().then(|| view! { <p class="form-success" role="status">"Saved."</p> })}
                        </ActionForm>
                        <h3>"Days off and extra hours"</h3>
                        {if settings.overrides.is_empty() {
                            view! { <p class="muted">"None planned."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="override-list">
                                    {settings
                                        .overrides
                                        .clone()
                                        .into_iter()
                                        .map(|row| {
                                            view! {
                                                <li>
                                                    {format!("{}: {}", row.date, row.label)}
                                                    <ActionForm action=remove attr:class="inline-form">
                                                        <CsrfField />
                                                        <input type="hidden" name="id" value=row.id />
                                                        <button type="submit" class="link-button">"Remove"</button>
                                                    </ActionForm>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }}
                        <ActionForm action=add attr:class="stack" attr:novalidate=true>
                            <CsrfField />
                            <FormAlert feedback=add_feedback />
                            <div class="field-row">
                                <Field feedback=add_feedback name="date" label="Date" kind="date" />
                                <Field feedback=add_feedback name="hours" label="Extra hours" hint="Empty for a day off, or like 10:00-12:00." required=false />
                            </div>
                            <button type="submit" class="button">"Add date"</button>
                        </ActionForm>
                    }
                        .into_any()
                })}
            </Suspense>
        </section>
    }
}
