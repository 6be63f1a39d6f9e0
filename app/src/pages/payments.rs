//! `/payments`: the payments of a creator's courses (every payment for an admin), what the
//! creator earned from them after refunds, a refund form per payment, and a CSV export.

use crate::api::payments::{
    DecideDispute, EarningTotals, MarkTaught, OpenDispute, PaymentLine, PaymentsOverview,
    RefundPayment, SessionToMark, TeachingEarning, get_payments_overview,
};
use crate::components::form::{FormAlert, FormFeedback};
use crate::components::session::CsrfField;
use crate::components::sign_in::signed_in_page;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let refund = ServerAction::<RefundPayment>::new();
    let taught = ServerAction::<MarkTaught>::new();
    let decide = ServerAction::<DecideDispute>::new();
    let overview = Resource::new(
        move || {
            (
                refund.version().get(),
                taught.version().get(),
                decide.version().get(),
            )
        },
        |_| get_payments_overview(),
    );
    let feedback = FormFeedback::new("refund", refund);
    view! {
        <Title text="Payments" />
        <section class="container">
            <h1>"Payments and earnings"</h1>
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading payments…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(overview.await, "/payments", move |overview| {
                        view! { <Overview overview refund taught decide feedback /> }.into_any()
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
    taught: ServerAction<MarkTaught>,
    decide: ServerAction<DecideDispute>,
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
        taught
            .value()
            .get()
            .or_else(|| refund.value().get())
            .or_else(|| decide.value().get())
            .and_then(Result::ok)
            .map(|message| view! { <p class="form-success" role="status">{message}</p> })
    };
    let teaching = (!overview.teaching.is_empty() || !overview.to_mark.is_empty()).then(|| {
        view! {
            <Teaching
                totals=overview.teaching_totals
                lines=overview.teaching
                to_mark=overview.to_mark
                taught
            />
        }
    });
    let flagged = (!overview.flagged.is_empty()).then(|| {
        view! {
            <section class="card stack" data-testid="flagged-checkouts">
                <h2>"Paid, but nothing granted"</h2>
                <p class="muted">"These checkouts were paid differently from their price, or twice. Refund or enroll by hand."</p>
                <ul>{overview.flagged.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
            </section>
        }
    });
    let disputes = (!overview.disputes.is_empty()).then(|| {
        view! {
            <section class="card stack" data-testid="disputes">
                <h2>"Disputed sessions"</h2>
                <p class="muted">"Their students say these sessions, marked taught, did not take place. If one did not, its teacher's earnings go back and the student gets back what they paid."</p>
                <ul class="dashboard-list">
                    {overview.disputes.into_iter().map(|dispute| view! { <DisputeRow dispute decide /> }).collect_view()}
                </ul>
            </section>
        }
    });
    // A Student-Teacher who creates no course sees only their teaching.
    let creating = !overview.lines.is_empty()
        || !overview.earned.is_empty()
        || overview.ledger_sound.is_some()
        || teaching.is_none();
    let creator_intro = creating.then(|| view! {
        <h2>"Payments for your courses"</h2>
        <p class="lead">"Your earnings as a creator: " <strong data-testid="earned">{earned}</strong></p>
        <p class="muted">
            "Each payment is split 15 % platform, 15 % creator and 70 % for the Student-Teachers who teach its sessions. "
            <a href="/payments.csv" rel="external" download="peerloop-payments.csv">"Download as CSV"</a>
        </p>
    });
    view! {
        {health}
        {flagged}
        <FormAlert feedback />
        {disputes}
        {done}
        {teaching}
        {creator_intro}
        {if !creating {
            ().into_any()
        } else if overview.lines.is_empty() {
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
                    <input type="hidden" name="request" value=line.refund_request />
                    <label for=field.clone()>"Refund amount"</label>
                    <input id=field name="amount" inputmode="decimal" placeholder="All that is left" />
                    <button type="submit" class="button button-small button-danger">"Refund"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// The viewer as a Student-Teacher: sessions to mark taught, what they earned (held while the
/// student may dispute, then available), and each movement of it.
#[component]
fn Teaching(
    totals: Vec<EarningTotals>,
    lines: Vec<TeachingEarning>,
    to_mark: Vec<SessionToMark>,
    taught: ServerAction<MarkTaught>,
) -> impl IntoView {
    let totals = if totals.is_empty() {
        view! { <p>"Your earnings as a Student-Teacher: nothing yet."</p> }.into_any()
    } else {
        totals
            .into_iter()
            .map(|totals| view! {
                <p>
                    "Held: " <strong data-testid="teaching-held">{totals.held}</strong>
                    " · Available: " <strong data-testid="teaching-available">{totals.available}</strong>
                </p>
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card stack" data-testid="teaching-earnings">
            <h2>"Teaching"</h2>
            {totals}
            <p class="muted">
                "A session's earning is held for the 48 hours its student may dispute it, then available for payout. "
                <a href="/earnings.csv" rel="external" download="peerloop-earnings.csv">"Download as CSV"</a>
            </p>
            {(!to_mark.is_empty()).then(|| view! {
                <h3>"Sessions to mark taught"</h3>
                <p class="muted">"Mark a session taught once it took place: your share of the student's payment is released to you."</p>
                <ul class="checklist">
                    {to_mark.into_iter().map(|session| view! {
                        <li data-testid="to-mark">
                            <span>{format!("{} · {} with {}", session.when, session.course_title, session.student_name)}</span>
                            <ActionForm action=taught attr:class="inline-form">
                                <CsrfField />
                                <input type="hidden" name="session_id" value=session.session_id />
                                <button type="submit" class="button button-small">"Mark taught"</button>
                            </ActionForm>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {(!lines.is_empty()).then(|| view! {
                <h3>"Earned per session"</h3>
                <ul class="checklist earning-lines">
                    {lines.into_iter().map(|line| view! {
                        <li data-testid="teaching-earning">
                            <span>{line.summary}</span>
                            <strong>{line.amount}</strong>
                            <span class="muted" data-testid="earning-standing">{line.standing}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn DisputeRow(dispute: OpenDispute, decide: ServerAction<DecideDispute>) -> impl IntoView {
    let session_id = dispute.session_id;
    let decision = move |happened: &'static str, label: &'static str, class: &'static str| {
        let session_id = session_id.clone();
        view! {
            <ActionForm action=decide attr:class="inline-form">
                <CsrfField />
                <input type="hidden" name="session_id" value=session_id />
                <input type="hidden" name="happened" value=happened />
                <button type="submit" class=class>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <li class="card dashboard-card" data-testid="dispute">
            <p>{dispute.summary}</p>
            <blockquote>{dispute.reason}</blockquote>
            <div class="actions">
                {decision("yes", "It took place", "button button-small")}
                {decision("no", "It did not take place", "button button-small button-danger")}
            </div>
        </li>
    }
}
