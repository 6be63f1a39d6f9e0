//! CDSH: a creator's courses and the applications to teach them, approved or declined here.

use crate::api::learning::{
    CreatorDashboard, DecideApplication, PendingApplication, get_creator_dashboard,
};
use crate::api::payments::SetSessionPrice;
use crate::components::form::{FormAlert, FormFeedback};
use crate::components::session::CsrfField;
use crate::components::sign_in::signed_in_page;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The dashboard's one decision form state, and which card it belongs to.
#[derive(Clone, Copy)]
struct Decisions {
    action: ServerAction<DecideApplication>,
    feedback: FormFeedback,
    last_submitted: RwSignal<Option<String>>,
}

impl Decisions {
    fn for_card(&self, application_id: &str) -> bool {
        self.last_submitted.get().as_deref() == Some(application_id)
            || self.feedback.previous("application_id").as_deref() == Some(application_id)
    }
}

/// The price-per-session forms of the courses table: one action, its feedback above the table.
#[derive(Clone, Copy)]
struct Pricing {
    action: ServerAction<SetSessionPrice>,
    feedback: FormFeedback,
}

#[component]
pub fn CreatorDashboardPage() -> impl IntoView {
    let action = ServerAction::<DecideApplication>::new();
    let price_action = ServerAction::<SetSessionPrice>::new();
    let dashboard = Resource::new(
        move || action.version().get() + price_action.version().get(),
        |_| get_creator_dashboard(),
    );
    let pricing = Pricing {
        action: price_action,
        feedback: FormFeedback::new("session_price", price_action),
    };
    // Created before the Suspense resolves, so server rendering waits for it too.
    let decisions = Decisions {
        action,
        feedback: FormFeedback::new("decide", action),
        last_submitted: RwSignal::new(None),
    };
    view! {
        <Title text="Creator dashboard" />
        <section class="container">
            <h1>"Creator dashboard"</h1>
            <p>
                <A href="/payments">"Payments and earnings"</A>
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(dashboard.await, "/creator", |dashboard| {
                        view! { <Dashboard dashboard decisions pricing /> }.into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Dashboard(dashboard: CreatorDashboard, decisions: Decisions, pricing: Pricing) -> impl IntoView {
    let saved = move || {
        pricing.action.value().get().and_then(Result::ok).map(|message| {
            view! { <p class="form-success" role="status" data-testid="price-saved">{message}</p> }
        })
    };
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
                        .map(|application| view! { <ApplicationCard application decisions /> })
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
                <p class="muted">
                    "A price per session lets students who used their course's sessions book more, paying for each at checkout. Leave it empty to sell none."
                </p>
                <FormAlert feedback=pricing.feedback />
                {saved}
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Course"</th>
                            <th scope="col">"Students"</th>
                            <th scope="col">"Student-Teachers"</th>
                            <th scope="col">"Price per extra session"</th>
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
                                        <td>
                                            <SessionPriceForm
                                                course_id=course.id
                                                price=course.session_price
                                                currency=course.currency
                                                pricing
                                            />
                                        </td>
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
fn ApplicationCard(application: PendingApplication, decisions: Decisions) -> impl IntoView {
    let id = application.id;
    let reason_id = format!("reason-{id}");
    let (approve_id, decline_id) = (id.clone(), id.clone());
    let this_card = {
        let id = id.clone();
        move || decisions.for_card(&id)
    };
    let remember_card = {
        let id = id.clone();
        move |_| decisions.last_submitted.set(Some(id.clone()))
    };
    let feedback = decisions.feedback;
    let alert = {
        let this_card = this_card.clone();
        move || this_card().then(|| view! { <FormAlert feedback /> })
    };
    let reason_error = move || {
        this_card()
            .then(|| feedback.field("reason"))
            .flatten()
            .map(|message| view! { <p class="field-error">{message}</p> })
    };
    view! {
        <li class="card stack" data-testid="pending-application">
            <h3>{format!("{} wants to teach {}", application.applicant_name, application.course_title)}</h3>
            <blockquote>{application.motivation}</blockquote>
            {alert}
            <div class="decision-forms">
                <ActionForm action=decisions.action on:submit=remember_card.clone()>
                    <CsrfField />
                    <input type="hidden" name="application_id" value=approve_id />
                    <input type="hidden" name="decision" value="approve" />
                    <button type="submit" class="button button-primary">
                        "Approve"
                    </button>
                </ActionForm>
                <ActionForm action=decisions.action attr:class="stack" on:submit=remember_card>
                    <CsrfField />
                    <input type="hidden" name="application_id" value=decline_id />
                    <input type="hidden" name="decision" value="decline" />
                    <label for=reason_id.clone()>"Reason for declining"</label>
                    <textarea id=reason_id name="reason" rows="2"></textarea>
                    {reason_error}
                    <button type="submit" class="button">
                        "Decline"
                    </button>
                </ActionForm>
            </div>
        </li>
    }
}

#[component]
fn SessionPriceForm(
    course_id: String,
    price: Option<String>,
    currency: String,
    pricing: Pricing,
) -> impl IntoView {
    let input_id = format!("session-price-{course_id}");
    view! {
        <ActionForm action=pricing.action attr:class="inline-form">
            <CsrfField />
            <input type="hidden" name="course_id" value=course_id />
            <label for=input_id.clone() class="visually-hidden">
                {format!("Price per extra session in {currency}")}
            </label>
            <input
                id=input_id
                name="price"
                inputmode="decimal"
                size="8"
                placeholder="None"
                value=price.unwrap_or_default()
                data-testid="session-price"
            />
            <span class="muted">{format!(" {currency} ")}</span>
            <button type="submit" class="button" data-testid="save-session-price">"Save"</button>
        </ActionForm>
    }
}
