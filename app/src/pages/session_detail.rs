//! A booked session's own page: the booking success screen ("Add to calendar"), and where its
//! participants cancel or reschedule it.

use crate::api::sessions::{CancelSession, SessionDetail, get_session_detail};
use crate::components::countdown::join_countdown;
use crate::components::form::{FormAlert, FormFeedback};
use crate::components::session::CsrfField;
use crate::components::sign_in::signed_in_page;
use domain::booking::{BookingStatus, Party};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use wire::payments::{
    CHECKOUT_CANCELLED, DISPUTE_REASON_INVALID, PAYMENT_FAILED, PAYMENTS_UNAVAILABLE,
};

#[component]
pub fn SessionDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let cancel = ServerAction::<CancelSession>::new();
    let feedback = FormFeedback::new("cancel", cancel);
    // Back from Checkout (`?checkout=cs_…`): the server waits for the payment's confirmation.
    let checkout = move || query.read().get("checkout");
    let detail = Resource::new(
        move || {
            let paid = checkout().is_some_and(|outcome| outcome.starts_with("cs_"));
            (id(), cancel.version().get(), paid)
        },
        |(id, _, back_from_checkout)| get_session_detail(id, back_from_checkout),
    );
    let banner = move || {
        let q = query.read();
        if q.get("booked").is_some() {
            Some("You're booked! We've emailed you both the details.")
        } else if q.get("disputed").is_some() {
            Some("Thanks for telling us. An admin will look at the session and decide.")
        } else if q.get("moved").is_some() {
            Some("Your session has a new time. We've let you both know.")
        } else {
            None
        }
    };
    view! {
        <Title text="Your session" />
        <section class="container session-page">
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading the session…"</p> }>
                {move || Suspend::new(async move {
                    let here = format!("/sessions/{}", id());
                    let banner = banner();
                    let checkout = checkout();
                    signed_in_page(detail.await, &here, |detail| {
                        view! { <SessionView detail banner checkout cancel feedback /> }.into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SessionView(
    detail: SessionDetail,
    banner: Option<&'static str>,
    checkout: Option<String>,
    cancel: ServerAction<CancelSession>,
    feedback: FormFeedback,
) -> impl IntoView {
    let session = detail.session.clone();
    let cancelled = session.status == BookingStatus::Cancelled;
    let held = session.status == BookingStatus::PendingPayment;
    // What happened at Checkout, as far as this page can tell.
    let here = format!("/sessions/{}", session.id);
    let checkout_notice = checkout.map(|outcome| {
        // Without JavaScript, the student asks again.
        let refresh = (held && outcome.starts_with("cs_")).then(|| {
            view! { " " <a href=format!("{here}?checkout={outcome}")>"Refresh"</a> }
        });
        let (class, text) = match (outcome.as_str(), session.status) {
            ("failed", _) => ("form-alert", PAYMENT_FAILED),
            ("unavailable", _) => ("form-alert", PAYMENTS_UNAVAILABLE),
            ("cancelled", _) => ("form-status", CHECKOUT_CANCELLED),
            (_, BookingStatus::PendingPayment) => (
                "form-status",
                "Confirming your payment… This page shows your booking as soon as Stripe confirms it.",
            ),
            (_, BookingStatus::Cancelled) => (
                "form-alert",
                "Your payment came after this time was released, so it is being refunded in full. We've emailed you.",
            ),
            _ => (
                "form-success",
                "Payment received: you're booked! We've emailed you both the details.",
            ),
        };
        view! { <p class=class role="status" data-testid="checkout-status">{text} {refresh}</p> }
    });
    let status_note = detail.status_note.clone().map(|note| {
        view! { <p class="form-status" role="status" data-testid="status-note">{note}</p> }
    });
    // Back from the plain form with a reason of blanks (`?dispute=invalid`).
    let reason_refused = use_query_map().read_untracked().get("dispute").is_some();
    let dispute = detail.dispute_until.clone().map(|until| {
        view! {
            <section class="card stack" data-testid="dispute">
                <h2>"Did this session not take place?"</h2>
                <p class="muted">
                    {format!("Your Student-Teacher marked it taught. If it did not happen, tell us by {until}: an admin decides, and if it did not, what you paid for it comes back to you.")}
                </p>
                // A plain form: the server records it and comes back here.
                <form method="post" action=format!("/sessions/{}/dispute", session.id) class="stack">
                    <CsrfField />
                    <label for="dispute-reason">"What happened?"</label>
                    {reason_refused.then(|| view! { <p class="form-alert" role="alert">{DISPUTE_REASON_INVALID}</p> })}
                    <textarea id="dispute-reason" name="reason" rows="3" required maxlength="1000"></textarea>
                    <button type="submit" class="button button-danger" data-testid="dispute-submit">
                        "Report that it did not take place"
                    </button>
                </form>
            </section>
        }
    });
    let pay_form = detail.payment_due.clone().map(|due| {
        view! {
            <section class="card" data-testid="payment-due">
                <h2>"Pay to book"</h2>
                <p>{due}</p>
                // A plain form: the server opens Checkout and redirects there.
                <form method="post" action=format!("/sessions/{}/checkout", session.id)>
                    <CsrfField />
                    <button type="submit" class="button button-primary" data-testid="pay">
                        "Pay now"
                    </button>
                </form>
            </section>
        }
    });
    let role = match detail.viewer_role {
        Party::Student => "Student-Teacher",
        Party::StudentTeacher => "Student",
    };
    let dashboard = match detail.viewer_role {
        Party::Student => "/dashboard",
        Party::StudentTeacher => "/teach",
    };
    let reschedule_href = format!(
        "/courses/{}/book?reschedule={}&st={}",
        session.course_id, session.id, session.st_id
    );
    view! {
        {checkout_notice}
        {banner
            .filter(|_| !cancelled && !held)
            .map(|text| view! { <p class="form-success" role="status" data-testid="booked">{text}</p> })}
        <h1>{detail.course_title.clone()}</h1>
        <dl class="facts" data-testid="session-facts">
            <dt>"When"</dt>
            <dd data-testid="when">{format!("{} ({})", detail.when_viewer, detail.viewer_time_zone)}</dd>
            <dt>{role}</dt>
            <dd>{detail.with_name.clone()}</dd>
            <dt>"Their time"</dt>
            <dd>{detail.when_other.clone()}</dd>
            <dt>"Status"</dt>
            <dd data-testid="status">
                {session.status.label()}
                {detail.late_cancellation.then_some(" (changed within the free-cancellation window)")}
            </dd>
        </dl>
        {pay_form}
        {status_note}
        {dispute}
        {(!cancelled && !held)
            .then(|| {
                view! {
                    <p class="actions">
                        // A file download, not a page: the router must not handle it.
                        <a
                            class="button"
                            href=format!("/api/sessions/{}/calendar-export", session.id)
                            download=""
                            rel="external"
                            data-testid="add-to-calendar"
                        >
                            "Add to calendar"
                        </a>
                        // The session's room: joined there while it is open, and feedback given
                        // there once it is completed.
                        <a class="button button-primary" href=format!("{here}/room")>
                            {if detail.can_join {
                                "Join session"
                            } else if detail.feedback_due {
                                "Give feedback"
                            } else {
                                "Session room"
                            }}
                        </a>
                        {detail
                            .join_opens
                            .clone()
                            .zip(detail.join_opens_in)
                            .map(|(opens, seconds)| {
                                view! {
                                    {format!(" The room opens at {opens}. ")}
                                    {join_countdown(seconds, format!("{here}/room"))}
                                }
                            })}
                    </p>
                }
            })}
        {(detail.is_upcoming && detail.can_change)
            .then(|| {
                view! {
                    <section class="card">
                        <h2>"Change or cancel"</h2>
                        <p class="muted">{detail.policy.clone()}</p>
                        <FormAlert feedback />
                        <div class="actions">
                            <A href=reschedule_href attr:class="button" attr:data-testid="reschedule">"Reschedule"</A>
                            <ActionForm action=cancel>
                                <CsrfField />
                                <input type="hidden" name="id" value=session.id.clone() />
                                <button type="submit" class="button button-danger" data-testid="cancel">
                                    "Cancel session"
                                </button>
                            </ActionForm>
                        </div>
                    </section>
                }
            })}
        {(detail.is_upcoming && !detail.can_change)
            .then(|| view! { <p class="muted">{detail.policy.clone()}</p> })}
        <p>
            <A href=dashboard>"Back to your dashboard"</A>
        </p>
    }
}
