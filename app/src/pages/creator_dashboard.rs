//! CDSH: a creator's courses and the applications to teach them, approved or declined here.

use crate::api::learning::{
    CreatorDashboard, DecideApplication, PendingApplication, get_creator_dashboard,
};
use crate::components::form::{FormAlert, FormFeedback};
use crate::components::notice::ErrorNotice;
use crate::components::session::CsrfField;
use crate::components::sign_in::login_redirect;
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn CreatorDashboardPage() -> impl IntoView {
    let decide = ServerAction::<DecideApplication>::new();
    let dashboard = Resource::new(move || decide.version().get(), |_| get_creator_dashboard());
    view! {
        <Title text="Creator dashboard" />
        <section class="container">
            <h1>"Creator dashboard"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match dashboard.await {
                        Ok(dashboard) => view! { <Dashboard dashboard decide /> }.into_any(),
                        Err(AppError::Unauthorized) => login_redirect("/creator").into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Dashboard(
    dashboard: CreatorDashboard,
    decide: ServerAction<DecideApplication>,
) -> impl IntoView {
    let pending = dashboard.pending;
    view! {
        <h2>"Applications to teach"</h2>
        {if pending.is_empty() {
            view! { <p class="empty-state">"No applications are waiting."</p> }.into_any()
        } else {
            view! {
                <ul class="dashboard-list">
                    {pending
                        .into_iter()
                        .map(|application| view! { <ApplicationCard application decide /> })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
        <h2>"Your courses"</h2>
        {if dashboard.courses.is_empty() {
            view! { <p class="empty-state">"You haven't published a course yet."</p> }.into_any()
        } else {
            view! {
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Course"</th>
                            <th scope="col">"Students"</th>
                            <th scope="col">"Student-Teachers"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {dashboard
                            .courses
                            .into_iter()
                            .map(|course| {
                                view! {
                                    <tr>
                                        <td>
                                            <A href=format!("/courses/{}", course.id)>{course.title}</A>
                                        </td>
                                        <td>{course.enrolled}</td>
                                        <td>{course.student_teachers}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
    }
}

#[component]
fn ApplicationCard(
    application: PendingApplication,
    decide: ServerAction<DecideApplication>,
) -> impl IntoView {
    let feedback = FormFeedback::new(format!("decide-{}", application.id), decide);
    let reason_id = format!("reason-{}", application.id);
    let (approve_id, decline_id) = (application.id.clone(), application.id.clone());
    view! {
        <li class="card stack" data-testid="pending-application">
            <h3>{format!("{} wants to teach {}", application.applicant_name, application.course_title)}</h3>
            <blockquote>{application.motivation}</blockquote>
            <FormAlert feedback />
            <div class="decision-forms">
                <ActionForm action=decide>
                    <CsrfField />
                    <input type="hidden" name="application_id" value=approve_id />
                    <input type="hidden" name="decision" value="approve" />
                    <button type="submit" class="button button-primary">
                        "Approve"
                    </button>
                </ActionForm>
                <ActionForm action=decide attr:class="stack">
                    <CsrfField />
                    <input type="hidden" name="application_id" value=decline_id />
                    <input type="hidden" name="decision" value="decline" />
                    <label for=reason_id.clone()>"Reason for declining"</label>
                    <textarea id=reason_id name="reason" rows="2"></textarea>
                    {move || feedback.field("reason").map(|message| view! { <p class="field-error">{message}</p> })}
                    <button type="submit" class="button">
                        "Decline"
                    </button>
                </ActionForm>
            </div>
        </li>
    }
}
