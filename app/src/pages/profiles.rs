//! Public profiles: a creator (CPRO) and a Student-Teacher.

use crate::api::learning::{StudentTeacher, creator_profile, get_student_teacher_profile};
use crate::components::course_card::CourseCard;
use crate::components::notice::ErrorNotice;
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use wire::error::AppError;

#[component]
pub fn CreatorProfilePage() -> impl IntoView {
    let params = use_params_map();
    let profile = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        creator_profile,
    );
    view! {
        <Suspense fallback=|| view! { <p class="container muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => {
                        view! {
                            <Title text=profile.name.clone() />
                            <article class="container" data-testid="creator-profile">
                                <p class="muted">"Creator"</p>
                                <h1>{profile.name}</h1>
                                <p class="lead">{profile.bio}</p>
                                <h2>"Courses"</h2>
                                <ul class="course-grid">
                                    {profile
                                        .courses
                                        .into_iter()
                                        .map(|course| view! { <CourseCard course /> })
                                        .collect_view()}
                                </ul>
                                <h2>"Student-Teachers"</h2>
                                <TeacherList teachers=profile.student_teachers />
                            </article>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn StudentTeacherProfilePage() -> impl IntoView {
    let params = use_params_map();
    let profile = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_student_teacher_profile,
    );
    view! {
        <Suspense fallback=|| view! { <p class="container muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => {
                        view! {
                            <Title text=profile.teacher.name.clone() />
                            <article class="container narrow" data-testid="st-profile">
                                <p class="muted">"Student-Teacher"</p>
                                <h1>{profile.teacher.name}</h1>
                                <p class="muted">{format!("Time zone: {}", profile.teacher.time_zone)}</p>
                                <p>{profile.teacher.bio}</p>
                                <h2>"Teaches"</h2>
                                <ul>
                                    {profile
                                        .courses
                                        .into_iter()
                                        .map(|course| {
                                            view! {
                                                <li>
                                                    <A href=format!("/courses/{}", course.course_id)>{course.title}</A>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                <p data-testid="st-record">
                                    {format!(
                                        "{} · {} session{} taught",
                                        profile.rating,
                                        profile.sessions_taught,
                                        if profile.sessions_taught == 1 { "" } else { "s" },
                                    )}
                                </p>
                            </article>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Student-Teachers as cards with their time zone.
#[component]
pub fn TeacherList(teachers: Vec<StudentTeacher>) -> impl IntoView {
    if teachers.is_empty() {
        return view! { <p class="muted">"No Student-Teachers yet. Finish the course and be the first."</p> }
            .into_any();
    }
    view! {
        <ul class="teacher-list">
            {teachers
                .into_iter()
                .map(|teacher| {
                    view! {
                        <li class="card teacher-card" data-testid="student-teacher">
                            <A href=format!("/sts/{}", teacher.user_id)>{teacher.name}</A>
                            <span class="muted">{teacher.time_zone}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}
