//! SBOK's month calendar of one S-T: days with free time, and the day's slots in the viewer's
//! zone beside the S-T's.

use super::*;

#[component]
pub(super) fn CalendarStep(
    calendar: StCalendar,
    course_id: String,
    base: Step,
    idempotency_key: String,
    rescheduling: Option<String>,
    pay: Option<String>,
) -> impl IntoView {
    let step = Step {
        st: Some(calendar.st_id.clone()),
        month: Some(calendar.month.clone()),
        ..base
    };
    let month_link = |month: Option<String>, label: &'static str| {
        month.map(|month| {
            let href = Step {
                month: Some(month),
                day: None,
                ..step.clone()
            }
            .href(&course_id);
            view! { <a href=href class="button button-small">{label}</a> }
        })
    };
    let previous = month_link(calendar.previous_month.clone(), "‹ Previous");
    let next = month_link(calendar.next_month.clone(), "Next ›");
    let weeks = calendar.weeks.clone();
    view! {
        <h2 class="step-heading">{format!("2. Pick a day with {}", calendar.st_name)}</h2>
        <p class="muted">
            {format!("{} lives in {}. ", calendar.st_name, calendar.st_time_zone)}
            "Days with free times are marked."
        </p>
        <div class="calendar" data-testid="calendar">
            <div class="calendar-nav">
                {previous}
                <h3 class="calendar-month" aria-live="polite">{calendar.month_label.clone()}</h3>
                {next}
            </div>
            <table class="calendar-grid">
                <caption class="visually-hidden">{calendar.month_label.clone()}</caption>
                <thead>
                    <tr>
                        {["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                            .into_iter()
                            .map(|day| view! { <th scope="col">{day}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {weeks
                        .into_iter()
                        .map(|week| {
                            view! {
                                <tr>
                                    {week
                                        .into_iter()
                                        .map(|day| {
                                            let class = format!(
                                                "calendar-day{}{}{}",
                                                if day.in_month { "" } else { " outside" },
                                                if day.is_today { " today" } else { "" },
                                                if day.is_selected { " selected" } else { "" },
                                            );
                                            let cell = if day.has_slots && day.in_month {
                                                let href = Step {
                                                    day: Some(day.date.clone()),
                                                    ..step.clone()
                                                }
                                                    .href(&course_id);
                                                view! {
                                                    <a
                                                        href=href
                                                        class="day-link"
                                                        aria-label=format!("{}, free times", day.date)
                                                        aria-current=day.is_selected.then_some("date")
                                                        data-testid="free-day"
                                                    >
                                                        {day.day_of_month}
                                                    </a>
                                                }
                                                    .into_any()
                                            } else {
                                                view! { <span class="day-number">{day.day_of_month}</span> }.into_any()
                                            };
                                            view! { <td class=class>{cell}</td> }
                                        })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {calendar
                .weeks
                .iter()
                .flatten()
                .all(|day| !day.has_slots)
                .then(|| view! { <p class="empty-state">"No free times this month. Try the next one."</p> })}
        </div>
        {calendar
            .day
            .clone()
            .map(|day| {
                let slots = day.slots.clone();
                view! {
                    <h2 class="step-heading">{format!("3. Pick a time on {}", day.label)}</h2>
                    {if slots.is_empty() {
                        view! { <p class="empty-state">"No free times left on this day."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="slot-list">
                                {slots
                                    .into_iter()
                                    .map(|slot| {
                                        let href = Step {
                                            day: Some(day.date.clone()),
                                            start: Some(slot.start_at.clone()),
                                            minutes: Some(slot.duration_minutes),
                                            ..step.clone()
                                        }
                                            .href(&course_id);
                                        let chosen = calendar
                                            .confirm
                                            .as_ref()
                                            .is_some_and(|c| c == &slot);
                                        let SlotChoice { start_at, duration_minutes, label, st_label } = slot;
                                        let title = st_label.clone();
                                        view! {
                                            <li>
                                                <a
                                                    href=href
                                                    class={if chosen { "slot selected" } else { "slot" }}
                                                    aria-current=chosen.then_some("true")
                                                    title=title
                                                    data-testid="slot"
                                                    data-start=start_at
                                                >
                                                    <strong>{label}</strong>
                                                    <span class="slot-length">{format!("{duration_minutes} min")}</span>
                                                    <span class="muted slot-theirs">{st_label}</span>
                                                </a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }}
                }
            })}
        {calendar
            .unavailable
            .clone()
            .map(|message| view! { <p class="form-alert" role="alert" data-testid="unavailable">{message}</p> })}
        {calendar
            .confirm
            .clone()
            .map(|slot| {
                view! {
                    <ConfirmStep
                        choice=slot
                        course_id=course_id.clone()
                        st_id=calendar.st_id.clone()
                        st_name=calendar.st_name.clone()
                        policy=calendar.policy.clone()
                        idempotency_key=idempotency_key.clone()
                        rescheduling=rescheduling.clone()
                        pay=pay.clone()
                    />
                }
            })}
    }
}
