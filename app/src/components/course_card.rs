use crate::api::courses::CourseSummary;
use domain::catalog::duration_label;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn CourseCard(course: CourseSummary) -> impl IntoView {
    let href = format!("/courses/{}", course.id);
    let facts = format!(
        "{} modules · {}",
        course.module_count,
        duration_label(course.total_minutes)
    );
    view! {
        <li class="course-card" data-testid="course-card">
            <span class="badge">{course.level.label()}</span>
            <h2 class="course-card-title">
                <A href=href>{course.title}</A>
            </h2>
            <p class="course-card-summary">{course.summary}</p>
            <p class="muted">{facts}</p>
            <div class="course-card-footer">
                <span class="creator">"by " {course.creator.name}</span>
                <span class="price">{course.price.to_string()}</span>
            </div>
        </li>
    }
}
