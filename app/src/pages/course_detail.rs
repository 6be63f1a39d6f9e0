//! CDET: a course's description, modules, price and creator, with the calls to action.

use crate::api::courses::{CourseDetail, get_course};
use crate::api::learning::{
    ApplyToTeach, CompleteModule, CourseProgress, course_teachers, get_course_progress,
};
use crate::api::payments::{
    CHECKOUT_CANCELLED, PAYMENT_FAILED, PAYMENTS_UNAVAILABLE, StartCheckout,
};
use crate::components::form::{FormAlert, FormFeedback};
use crate::components::notice::ErrorNotice;
use crate::components::session::CsrfField;
use crate::components::session::use_session;
use crate::pages::not_found::NotFound;
use crate::pages::profiles::TeacherList;
use domain::catalog::duration_label;
use domain::ladder::{ApplicationStatus, EnrollmentStatus};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use wire::error::AppError;

#[component]
pub fn CourseDetailPage() -> impl IntoView {
    let params = use_params_map();
    let course_id = move || params.read().get("id").unwrap_or_default();
    let course = Resource::new(course_id, get_course);
    let complete_module = ServerAction::<CompleteModule>::new();
    let apply = ServerAction::<ApplyToTeach>::new();
    let progress = Resource::new(
        move || {
            (
                course_id(),
                complete_module.version().get(),
                apply.version().get(),
            )
        },
        |(id, _, _)| get_course_progress(id),
    );
    let teachers = Resource::new(course_id, course_teachers);
    let enroll = ServerAction::<StartCheckout>::new();
    // Checkout is another page (Stripe's, or the local Stripe's): leave the app for it.
    Effect::new(move || {
        if let Some(Ok(url)) = enroll.value().get() {
            let _ = window().location().set_href(&url);
        }
    });
    // Resources are created here, before any Suspense resolves: server rendering waits only for
    // resources that exist when it starts waiting.
    provide_context(LearningActions {
        complete_module,
        apply,
        enroll,
        progress,
        apply_feedback: FormFeedback::new("apply", apply),
        module_feedback: FormFeedback::new("complete_module", complete_module),
    });
    view! {
        <Suspense fallback=|| {
            view! {
                <div class="container" aria-busy="true">
                    <p class="muted">"Loading course…"</p>
                </div>
            }
        }>
            {move || Suspend::new(async move {
                match course.await {
                    Ok(course) => {
                        let teachers = teachers.await.unwrap_or_default();
                        view! { <CourseDetailView course teachers /> }.into_any()
                    }
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct LearningActions {
    complete_module: ServerAction<CompleteModule>,
    apply: ServerAction<ApplyToTeach>,
    enroll: ServerAction<StartCheckout>,
    progress: Resource<Result<Option<CourseProgress>, AppError>>,
    apply_feedback: FormFeedback,
    module_feedback: FormFeedback,
}

#[component]
fn CourseDetailView(
    course: CourseDetail,
    teachers: Vec<crate::api::learning::StudentTeacher>,
) -> impl IntoView {
    let creator_href = format!("/creators/{}", course.creator.id);
    let module_ids: Vec<(String, String)> = course
        .modules
        .iter()
        .map(|m| (m.id.clone(), m.title.clone()))
        .collect();
    let course_id = course.id.clone();
    let book_href = format!("/courses/{}/book", course.id);
    let price = course.price.to_string();
    let facts = format!(
        "{} · {} modules · {}",
        course.level.label(),
        course.modules.len(),
        duration_label(course.total_minutes)
    );
    view! {
        <Title text=course.title.clone() />
        <Meta name="description" content=course.summary.clone() />
        <article class="container course-detail" data-testid="course-detail">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <A href="/">"Courses"</A>
                " / "
                <span aria-current="page">{course.title.clone()}</span>
            </nav>
            <div class="course-layout">
                <div class="course-main">
                    <h1>{course.title}</h1>
                    <p class="lead">{course.summary}</p>
                    <p class="muted">{facts}</p>
                    <h2>"About this course"</h2>
                    <p>{course.description}</p>
                    <h2>"Modules"</h2>
                    <ol class="module-list">
                        {course
                            .modules
                            .into_iter()
                            .map(|module| {
                                view! {
                                    <li class="module">
                                        <div>
                                            <h3>{module.title}</h3>
                                            <p class="muted">{module.summary}</p>
                                        </div>
                                        <span class="module-duration">
                                            {duration_label(module.duration_minutes)}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                    <YourProgress course_id modules=module_ids />
                    <h2>"Student-Teachers"</h2>
                    <TeacherList teachers />
                </div>
                <aside class="course-aside" aria-label="Enroll">
                    <div class="card">
                        <p class="price-large" data-testid="course-price">
                            {price.clone()}
                        </p>
                        <p class="muted">"One-time payment · includes 1-on-1 sessions"</p>
                        <EnrollAction course_id=course.id.clone() price=price.clone() />
                        <A href=book_href attr:class="button button-block">
                            "Book a Session"
                        </A>
                    </div>
                    <div class="card creator-card">
                        <h2>"Your creator"</h2>
                        <p class="creator-name">
                            <A href=creator_href>{course.creator.name}</A>
                        </p>
                        <p class="muted">{course.creator.bio}</p>
                    </div>
                </aside>
            </div>
        </article>
    }
}

/// "Enroll — $price" (through Checkout), or the student's way to the course once enrolled, and
/// what happened when they came back from Checkout without paying.
#[component]
fn EnrollAction(course_id: String, price: String) -> impl IntoView {
    let actions = expect_context::<LearningActions>();
    let viewer = use_session().viewer;
    let query = use_query_map();
    // Back from Checkout (or sent back without JavaScript): what happened.
    let returned = move || {
        let (role, text) = match query.read().get("checkout").as_deref() {
            Some("failed") => ("alert", PAYMENT_FAILED),
            Some("unavailable") => ("alert", PAYMENTS_UNAVAILABLE),
            Some("cancelled") => ("status", CHECKOUT_CANCELLED),
            _ => return None,
        };
        Some(
            view! { <p class=format!("form-{role}") role=role data-testid="checkout-notice">{text}</p> },
        )
    };
    let failed = move || {
        actions.enroll.value().get().and_then(Result::err).map(|error| {
            view! { <p class="form-alert" role="alert" data-testid="checkout-notice">{error.to_string()}</p> }
        })
    };
    view! {
        {returned}
        <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Checking your enrollment…"</p> }>
            {move || {
                let course_id = course_id.clone();
                let price = price.clone();
                Suspend::new(async move {
                    let signed_in = matches!(viewer.await, Ok(Some(_)));
                    let enrolled = matches!(actions.progress.await, Ok(Some(_)));
                    if enrolled {
                        return view! {
                            <p class="form-success" data-testid="enrolled">"You're enrolled."</p>
                            <A href="/dashboard" attr:class="button button-primary button-block">"Go to your dashboard"</A>
                        }
                            .into_any();
                    }
                    if !signed_in {
                        let next = format!("/login?next=/courses/{course_id}");
                        return view! {
                            <A href=next attr:class="button button-primary button-block">{format!("Enroll — {price}")}</A>
                        }
                            .into_any();
                    }
                    let pending = actions.enroll.pending();
                    view! {
                        <ActionForm action=actions.enroll>
                            <CsrfField />
                            {failed}
                            <input type="hidden" name="course_id" value=course_id />
                            <button
                                type="submit"
                                class="button button-primary button-block"
                                data-testid="enroll"
                                disabled=move || pending.get()
                            >
                                {move || if pending.get() { "Opening checkout…".to_owned() } else { format!("Enroll — {price}") }}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                })
            }}
        </Suspense>
    }
}

/// The signed-in student's progress: mark modules complete, then apply to teach.
#[component]
fn YourProgress(course_id: String, modules: Vec<(String, String)>) -> impl IntoView {
    let actions = expect_context::<LearningActions>();
    let (apply_feedback, module_feedback) = (actions.apply_feedback, actions.module_feedback);
    view! {
        <Suspense>
            {move || {
                let course_id = course_id.clone();
                let modules = modules.clone();
                Suspend::new(async move {
                    let Ok(Some(progress)) = actions.progress.await else {
                        return ().into_any();
                    };
                    let done = progress.completed_module_ids.len();
                    let enrollment_id = progress.enrollment_id.clone();
                    let teaching = progress.clone();
                    view! {
                        <section class="card stack progress-card" data-testid="your-progress">
                            <h2>"Your progress"</h2>
                            <p class="muted">{format!("{done} of {} modules complete", progress.total_modules)}</p>
                            <FormAlert feedback=module_feedback />
                            <ul class="checklist">
                                {modules
                                    .into_iter()
                                    .map(|(module_id, title)| {
                                        let completed = progress.completed_module_ids.contains(&module_id);
                                        let enrollment_id = enrollment_id.clone();
                                        view! {
                                            <li class:done=completed>
                                                <span>{title.clone()}</span>
                                                {if completed {
                                                    view! { <span class="badge">"Done"</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <ActionForm action=actions.complete_module>
                                                            <CsrfField />
                                                            <input type="hidden" name="enrollment_id" value=enrollment_id />
                                                            <input type="hidden" name="module_id" value=module_id />
                                                            <button
                                                                type="submit"
                                                                class="button button-small"
                                                                aria-label=format!("Mark “{title}” complete")
                                                            >
                                                                "Mark complete"
                                                            </button>
                                                        </ActionForm>
                                                    }
                                                        .into_any()
                                                }}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                            <TeachingStatus progress=teaching course_id feedback=apply_feedback />
                        </section>
                    }
                        .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn TeachingStatus(
    progress: CourseProgress,
    course_id: String,
    feedback: FormFeedback,
) -> impl IntoView {
    let actions = expect_context::<LearningActions>();
    if progress.is_student_teacher {
        return view! { <p class="form-success" data-testid="teaching-status">"You teach this course."</p> }.into_any();
    }
    if progress.status != EnrollmentStatus::Completed {
        return view! {
            <p class="muted" data-testid="teaching-status">
                "Finish every module to apply to teach this course."
            </p>
        }
        .into_any();
    }
    if let Some(application) = &progress.application
        && application.status == ApplicationStatus::Pending
    {
        return view! {
            <p data-testid="teaching-status">"Your application to teach is waiting for the creator."</p>
        }
        .into_any();
    }
    let declined = progress
        .application
        .filter(|application| application.status == ApplicationStatus::Declined)
        .map(|application| {
            view! {
                <p class="form-alert" data-testid="teaching-status">
                    {format!(
                        "Your last application was declined: {}",
                        application.decline_reason.unwrap_or_default(),
                    )}
                </p>
            }
        });
    view! {
        {declined}
        <h3>"Teach this course"</h3>
        <p class="muted">"You finished it. Student-Teachers teach it 1-on-1 and earn from every session."</p>
        <ActionForm action=actions.apply attr:class="stack" attr:novalidate=true>
            <CsrfField />
            <FormAlert feedback />
            <input type="hidden" name="course_id" value=course_id />
            <label for="field-motivation">"Why do you want to teach it?"</label>
            <textarea id="field-motivation" name="motivation" rows="3" required=true>
                {feedback.previous("motivation")}
            </textarea>
            {move || feedback.field("motivation").map(|message| view! { <p class="field-error">{message}</p> })}
            <button type="submit" class="button button-primary">
                "Apply to teach"
            </button>
        </ActionForm>
    }
    .into_any()
}
