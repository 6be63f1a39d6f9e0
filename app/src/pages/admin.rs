//! Admin tools: enroll a student without payment, and the way to every payment (`/payments`).

use crate::api::courses::list_courses;
use crate::api::learning::EnrollStudent;
use crate::components::form::{Field, FormAlert, FormFeedback};
use crate::components::session::{CsrfField, use_session};
use crate::components::sign_in::login_redirect;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = use_session();
    let enroll = ServerAction::<EnrollStudent>::new();
    let feedback = FormFeedback::new("enroll", enroll);
    let courses = Resource::new(|| (), |_| list_courses(None));
    let confirmation = move || enroll.value().get().and_then(Result::ok);
    view! {
        <Title text="Admin" />
        <section class="container narrow">
            <h1>"Admin"</h1>
            <p>
                <A href="/payments">"Payments, refunds and the ledger"</A>
            </p>
            <Suspense>
                {move || Suspend::new(async move {
                    let viewer = session.viewer.await.ok().flatten();
                    match viewer {
                        None => login_redirect("/admin").into_any(),
                        Some(viewer) if !viewer.is_admin => {
                            view! { <p class="notice">"This page is for PeerLoop admins."</p> }.into_any()
                        }
                        Some(_) => {
                            let courses = courses.await.unwrap_or_default();
                            view! {
                                <section class="card stack" aria-labelledby="enroll-heading">
                                    <h2 id="enroll-heading">"Enroll a student"</h2>
                                    <p class="muted">"Without payment: students normally enroll through checkout."</p>
                                    <ActionForm action=enroll attr:class="stack" attr:novalidate=true>
                                        <CsrfField />
                                        <FormAlert feedback />
                                        <Field feedback name="email" label="Student's email" kind="email" />
                                        <div class="field">
                                            <label for="field-course_id">"Course"</label>
                                            <select id="field-course_id" name="course_id">
                                                {courses
                                                    .into_iter()
                                                    .map(|course| view! { <option value=course.id>{course.title}</option> })
                                                    .collect_view()}
                                            </select>
                                        </div>
                                        <button type="submit" class="button button-primary">
                                            "Enroll"
                                        </button>
                                        {move || {
                                            confirmation()
                                                .map(|message| view! { <p class="form-success" role="status">{message}</p> })
                                        }}
                                    </ActionForm>
                                </section>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
