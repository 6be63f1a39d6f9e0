//! The home page: the course catalog with a search that filters as you type once the page is
//! hydrated, and that still works as a plain GET form without JavaScript.

use crate::api::courses::{CourseSummary, list_courses};
use crate::components::course_card::CourseCard;
use crate::components::notice::{ErrorNotice, LoadingCards};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::location::Url;

#[component]
pub fn CourseCatalogPage() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let courses = Resource::new(
        move || search.get(),
        |search| list_courses((!search.trim().is_empty()).then_some(search)),
    );

    // Hydrated, the page filters as you type and a submit stays client-side; without
    // JavaScript the same form is a plain GET to `/?q=`.
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    let show_results_for = move |value: String| {
        navigate(
            &catalog_url(&value),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let filter_as_you_type = {
        let show_results_for = show_results_for.clone();
        move |ev| show_results_for(event_target_value(&ev))
    };
    let submit_without_reload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(input) = input.get() {
            show_results_for(input.value());
        }
    };

    view! {
        <Title text="Courses" />
        <section class="hero">
            <div class="container">
                <h1>"Learn it. Then teach it."</h1>
                <p class="lead">
                    "Take a course, get 1-on-1 sessions with students who finished it, "
                    "and once you finish, teach the next student and earn."
                </p>
            </div>
        </section>
        <div class="container">
            <form
                method="get"
                action="/"
                class="search"
                role="search"
                on:submit=submit_without_reload
            >
                <label for="course-search">"Search courses"</label>
                <div class="search-row">
                    <input
                        id="course-search"
                        name="q"
                        type="search"
                        placeholder="Try “rust” or “design”"
                        autocomplete="off"
                        node_ref=input
                        value=move || search.get()
                        prop:value=move || search.get()
                        on:input=filter_as_you_type
                    />
                    <button type="submit" class="button">
                        "Search"
                    </button>
                </div>
            </form>
            <Transition fallback=|| view! { <LoadingCards count=4 /> }>
                {move || Suspend::new(async move {
                    match courses.await {
                        Ok(list) => view! { <CourseResults courses=list search=search.get_untracked() /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn CourseResults(courses: Vec<CourseSummary>, search: String) -> impl IntoView {
    let count = match courses.len() {
        1 => "1 course".to_owned(),
        n => format!("{n} courses"),
    };
    if courses.is_empty() {
        let message = if search.trim().is_empty() {
            "No courses are published yet. Check back soon.".to_owned()
        } else {
            format!("No courses match “{}”.", search.trim())
        };
        return view! {
            <div class="empty-state" role="status">
                <p>{message}</p>
                <A href="/">"Show all courses"</A>
            </div>
        }
        .into_any();
    }
    view! {
        <p class="result-count muted" role="status">
            {count}
        </p>
        <ul class="course-grid">
            {courses.into_iter().map(|course| view! { <CourseCard course /> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The catalog URL that shows the results for `search`.
fn catalog_url(search: &str) -> String {
    if search.trim().is_empty() {
        "/".to_owned()
    } else {
        format!("/?q={}", Url::escape(search))
    }
}
