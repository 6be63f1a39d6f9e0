//! `/payments`: the payments of a creator's courses (every payment for an admin), what the
//! creator earned from them after refunds, a refund form per payment, and a CSV export.

use crate::api::payments::{PaymentLine, PaymentsOverview, RefundPayment, get_payments_overview};
use crate::components::form::{FormAlert, FormFeedback};
use crate::components::session::CsrfField;
use crate::components::sign_in::signed_in_page;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let refund = ServerAction::<RefundPayment>::new();
    let overview = Resource::new(move || refund.version().get(), |_| get_payments_overview());
    let feedback = FormFeedback::new("refund", refund);
    view! {
        <Title text="Payments" />
        <section class="container">
            <h1>"Payments and earnings"</h1>
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading payments…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(overview.await, "/payments", move |overview| {
                        view! { <Overview overview refund feedback /> }.into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Overview(
    overview: PaymentsOverview,
    refund: ServerAction<RefundPayment>,
    feedback: FormFeedback,
) -> impl IntoView {
    let earned = if overview.earned.is_empty() {
        "Nothing yet".to_owned()
    } else {
        overview.earned.join(" · ")
    };
    let health = overview.ledger_sound.map(|sound| {
        let (class, text) = if sound {
            (
                "form-success",
                "Ledger reconciled: every movement balances.",
            )
        } else {
            (
                "form-alert",
                "The ledger does not reconcile. See the server log before paying anyone out.",
            )
        };
        view! { <p class=class role="status" data-testid="ledger-health">{text}</p> }
    });
    let done = move || {
        refund
            .value()
            .get()
            .and_then(Result::ok)
            .map(|message| view! { <p class="form-success" role="status">{message}</p> })
    };
    let flagged = (!overview.flagged.is_empty()).then(|| {
        view! {
            <section class="card stack" data-testid="flagged-checkouts">
                <h2>"Paid, but nothing granted"</h2>
                <p class="muted">"These checkouts were paid differently from their price, or twice. Refund or enroll by hand."</p>
                <ul>{overview.flagged.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
            </section>
        }
    });
    view! {
        {health}
        {flagged}
        <p class="lead">"Your earnings as a creator: " <strong data-testid="earned">{earned}</strong></p>
        <p class="muted">
            "Each payment is split 15 % platform, 15 % creator and 70 % for the Student-Teachers who teach its sessions. "
            <a href="/payments.csv" rel="external" download="peerloop-payments.csv">"Download as CSV"</a>
        </p>
        <FormAlert feedback />
        {done}
        {if overview.lines.is_empty() {
            view! { <p class="empty-state">"No payments yet. They appear here as students enroll."</p> }.into_any()
        } else {
            view! {
                <ul class="dashboard-list">
                    {overview
                        .lines
                        .into_iter()
                        .map(|line| view! { <PaymentRow line refund /> })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

#[component]
fn PaymentRow(line: PaymentLine, refund: ServerAction<RefundPayment>) -> impl IntoView {
    let field = format!("refund-{}", line.payment_id);
    let refunded = line
        .refunded
        .map(|refunded| format!(" · {refunded} refunded"));
    view! {
        <li class="card dashboard-card" data-testid="payment">
            <h3>{line.course_title}</h3>
            <p>
                {format!("{} paid {} on {}", line.student_name, line.amount, line.paid_on)}
                {refunded}
            </p>
            <p class="muted" data-testid="creator-share">{format!("Creator's share: {}", line.creator_share)}</p>
            {line.refundable.then(|| view! {
                <ActionForm action=refund attr:class="inline-form">
                    <CsrfField />
                    <input type="hidden" name="payment_id" value=line.payment_id.clone() />
                    <label for=field.clone()>"Refund amount"</label>
                    <input id=field name="amount" inputmode="decimal" placeholder="All that is left" />
                    <button type="submit" class="button button-small button-danger">"Refund"</button>
                </ActionForm>
            })}
        </li>
    }
}
