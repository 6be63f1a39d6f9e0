//! SETT: profile, time zone, email and its delivery status, password, sessions.

use crate::api::auth::{
    AccountSettings, ChangePassword, LogOutEverywhere, UpdateProfile, get_account_settings,
};
use crate::components::form::{Field, FormAlert, FormFeedback};
use crate::components::session::CsrfField;
use crate::components::sign_in::signed_in_page;
use crate::components::time_zone::TimeZoneOptions;
use domain::account::{check_name, check_password};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let update_profile = ServerAction::<UpdateProfile>::new();
    let change_password = ServerAction::<ChangePassword>::new();
    let settings = Resource::new(
        move || update_profile.version().get(),
        |_| get_account_settings(),
    );
    // Created before the Suspense resolves, so server rendering waits for them too.
    let profile = FormFeedback::new("profile", update_profile);
    let password = FormFeedback::new("password", change_password);
    view! {
        <Title text="Settings" />
        <section class="container narrow">
            <h1>"Settings"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading your settings…"</p> }>
                {move || Suspend::new(async move {
                    signed_in_page(settings.await, "/settings", |settings| {
                        view! { <SettingsForms settings update_profile change_password profile password /> }
                            .into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SettingsForms(
    settings: AccountSettings,
    update_profile: ServerAction<UpdateProfile>,
    change_password: ServerAction<ChangePassword>,
    profile: FormFeedback,
    password: FormFeedback,
) -> impl IntoView {
    let log_out_everywhere = ServerAction::<LogOutEverywhere>::new();
    let saved = move || matches!(update_profile.value().get(), Some(Ok(())));
    let password_changed = move || matches!(change_password.value().get(), Some(Ok(())));
    let (delivery_class, delivery_text) = match settings.email_status.as_str() {
        "ok" => ("badge", "Delivering"),
        "bounced" => ("badge badge-warning", "Bounced: update your address"),
        "complained" => ("badge badge-warning", "Marked as spam: we paused emails"),
        _ => ("badge badge-warning", "Not delivering"),
    };
    view! {
        <section class="card stack" aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Profile"</h2>
            <ActionForm action=update_profile attr:class="stack" attr:novalidate=true>
                <CsrfField />
                <FormAlert feedback=profile />
                <Field
                    feedback=profile
                    name="name"
                    label="Name"
                    autocomplete="name"
                    value=settings.name
                    check=check_name
                />
                <Field
                    feedback=profile
                    name="time_zone"
                    label="Time zone"
                    list="time-zones"
                    value=settings.time_zone
                    hint="Session times are shown in this zone."
                />
                <TimeZoneOptions />
                <div class="field">
                    <label for="field-bio">"Bio"</label>
                    <p class="hint" id="field-bio-hint">
                        "Shown on your public profile when you teach."
                    </p>
                    <textarea id="field-bio" name="bio" rows="4" aria-describedby="field-bio-hint">
                        {settings.bio}
                    </textarea>
                    {move || profile.field("bio").map(|message| view! { <p class="field-error">{message}</p> })}
                </div>
                <button type="submit" class="button button-primary">
                    "Save profile"
                </button>
                {move || saved().then(|| view! { <p class="form-success" role="status">"Profile saved."</p> })}
            </ActionForm>
        </section>
        <section class="card stack" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email"</h2>
            <p>
                <span data-testid="account-email">{settings.email}</span>
                " "
                <span class=delivery_class data-testid="email-status">
                    {delivery_text}
                </span>
            </p>
        </section>
        <section class="card stack" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <ActionForm action=change_password attr:class="stack" attr:novalidate=true>
                <CsrfField />
                <FormAlert feedback=password />
                <Field
                    feedback=password
                    name="current_password"
                    label="Current password"
                    kind="password"
                    autocomplete="current-password"
                />
                <Field
                    feedback=password
                    name="new_password"
                    label="New password"
                    kind="password"
                    autocomplete="new-password"
                    hint="At least 12 characters. Changing it logs out your other devices."
                    check=check_password
                />
                <button type="submit" class="button">
                    "Change password"
                </button>
                {move || {
                    password_changed()
                        .then(|| view! { <p class="form-success" role="status">"Password changed."</p> })
                }}
            </ActionForm>
        </section>
        <section class="card stack" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            <p class="muted">"Lost a device? Log out of PeerLoop on every browser, this one included."</p>
            <ActionForm action=log_out_everywhere>
                <CsrfField />
                <button type="submit" class="button button-danger">
                    "Log out everywhere"
                </button>
            </ActionForm>
        </section>
    }
}
