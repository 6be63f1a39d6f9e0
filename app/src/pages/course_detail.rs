//! CDET: a course's description, modules, price and creator, with the calls to action.

use crate::api::courses::{CourseDetail, get_course};
use crate::components::notice::ErrorNotice;
use crate::domain::catalog::duration_label;
use crate::error::AppError;
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CourseDetailPage() -> impl IntoView {
    let params = use_params_map();
    let course = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_course,
    );
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
                    Ok(course) => view! { <CourseDetailView course /> }.into_any(),
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CourseDetailView(course: CourseDetail) -> impl IntoView {
    let book_href = format!("/courses/{}/book", course.id);
    let enroll_href = format!("/courses/{}/enroll", course.id);
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
                </div>
                <aside class="course-aside" aria-label="Enroll">
                    <div class="card">
                        <p class="price-large" data-testid="course-price">
                            {price}
                        </p>
                        <p class="muted">"One-time payment · includes 1-on-1 sessions"</p>
                        <A href=enroll_href attr:class="button button-primary button-block">
                            "Enroll"
                        </A>
                        <A href=book_href attr:class="button button-block">
                            "Book a Session"
                        </A>
                    </div>
                    <div class="card creator-card">
                        <h2>"Your creator"</h2>
                        <p class="creator-name">{course.creator.name}</p>
                        <p class="muted">{course.creator.bio}</p>
                    </div>
                </aside>
            </div>
        </article>
    }
}
