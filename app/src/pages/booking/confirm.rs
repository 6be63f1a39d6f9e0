//! SBOK's last step: the chosen slot, and the form that books it.

use super::*;

#[component]
pub(super) fn ConfirmStep(
    choice: SlotChoice,
    course_id: String,
    st_id: String,
    st_name: String,
    policy: String,
    idempotency_key: String,
    rescheduling: Option<String>,
    /// The price of a session held for payment (no credit left), to say so on the button.
    pay: Option<String>,
) -> impl IntoView {
    let actions = expect_context::<BookingActions>();
    let pending = move || actions.book.pending().get() || actions.reschedule.pending().get();
    let slot = choice;
    let confirm_label = match &pay {
        Some(price) => format!("Hold this time and pay {price}"),
        None => "Confirm booking".to_owned(),
    };
    let summary = format!(
        "{} ({} min) with {st_name}. For {st_name}: {}.",
        slot.label, slot.duration_minutes, slot.st_label
    );
    let form = match rescheduling {
        Some(session_id) => view! {
            <ActionForm action=actions.reschedule>
                <CsrfField />
                <input type="hidden" name="id" value=session_id />
                <input type="hidden" name="start_at" value=slot.start_at.clone() />
                <button type="submit" class="button button-primary" data-testid="confirm" disabled=pending>
                    {move || if pending() { "Moving…" } else { "Move the session here" }}
                </button>
            </ActionForm>
        }
            .into_any(),
        None => view! {
            <ActionForm action=actions.book>
                <CsrfField />
                <input type="hidden" name="course_id" value=course_id />
                <input type="hidden" name="st_id" value=st_id />
                <input type="hidden" name="start_at" value=slot.start_at.clone() />
                <input type="hidden" name="duration_minutes" value=slot.duration_minutes.to_string() />
                <input type="hidden" name="idempotency_key" value=idempotency_key />
                <button type="submit" class="button button-primary" data-testid="confirm" disabled=pending>
                    {move || if pending() { "Booking…".to_owned() } else { confirm_label.clone() }}
                </button>
            </ActionForm>
        }
            .into_any(),
    };
    view! {
        <section class="card confirm" aria-labelledby="confirm-heading" data-testid="confirm-step">
            <h2 id="confirm-heading" class="step-heading">"4. Confirm"</h2>
            <p>{summary}</p>
            <p class="muted">{policy}</p>
            <BookingAlert />
            {form}
        </section>
    }
}

/// The booking form's error; an unexpected failure reads as the seed's "Unable to book".
#[component]
fn BookingAlert() -> impl IntoView {
    let actions = expect_context::<BookingActions>();
    let reschedule_result = actions.reschedule.value();
    move || {
        let error = actions
            .book_feedback
            .error()
            .or_else(|| reschedule_result.get().and_then(Result::err));
        error.map(|error| {
            let message = match error {
                wire::error::AppError::Internal => "Unable to book. Please try again.".to_owned(),
                other => other.to_string(),
            };
            view! { <p class="form-alert" role="alert" data-testid="booking-error">{message}</p> }
        })
    }
}
