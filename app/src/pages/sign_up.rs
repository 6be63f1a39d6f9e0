use crate::api::auth::{ConfirmSignUp, demo_accounts};
use crate::components::form::{Field, FormAlert, FormFeedback};
use crate::components::session::{CsrfField, use_session};
use crate::components::time_zone::{TimeZoneOptions, detect_time_zone_into};
use domain::account::{check_email, check_name, check_password};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let session = use_session();
    let feedback = FormFeedback::new("sign_up", session.sign_up);
    detect_time_zone_into("field-time_zone");
    view! {
        <Title text="Create your account" />
        <section class="container narrow">
            <h1>"Create your account"</h1>
            <p class="muted">"Learn a course, then teach it to the next student."</p>
            <Suspense>
                <ActionForm action=session.sign_up attr:class="stack" attr:novalidate=true>
                    <CsrfField />
                    <FormAlert feedback />
                    <Field feedback name="name" label="Name" autocomplete="name" check=check_name />
                    <Field
                        feedback
                        name="email"
                        label="Email"
                        kind="email"
                        autocomplete="email"
                        check=check_email
                    />
                    <Field
                        feedback
                        name="password"
                        label="Password"
                        kind="password"
                        autocomplete="new-password"
                        hint="At least 12 characters. A few random words work well."
                        check=check_password
                    />
                    <Field
                        feedback
                        name="time_zone"
                        label="Time zone"
                        value="UTC"
                        list="time-zones"
                        hint="Session times are shown in this zone. We fill it in from your browser."
                    />
                    <TimeZoneOptions />
                    <button type="submit" class="button button-primary">
                        "Create account"
                    </button>
                </ActionForm>
            </Suspense>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}

/// After a sign-up: the same page whether the address was new or already had an account.
#[component]
pub fn SignUpSentPage() -> impl IntoView {
    let local_mode = Resource::new(|| (), |_| demo_accounts());
    view! {
        <Title text="Check your email" />
        <section class="container narrow">
            <h1>"Check your email"</h1>
            <p role="status">
                {crate::api::auth::CHECK_YOUR_EMAIL}
            </p>
            <p class="muted">
                "The link works for 24 hours. Nothing there? Check your spam folder, or "
                <A href="/signup">"sign up again"</A> "."
            </p>
            <Suspense>
                {move || Suspend::new(async move {
                    let local = !local_mode.await.unwrap_or_default().is_empty();
                    local
                        .then(|| {
                            view! {
                                <p class="card">
                                    "Local mode: emails land in the "
                                    <a href="/dev/mailbox">"local mailbox"</a> "."
                                </p>
                            }
                        })
                })}
            </Suspense>
        </section>
    }
}

/// The page the confirmation email links to: one button finishes the sign-up. A button, not
/// the link itself, so mail scanners that open links cannot use up the token.
#[component]
pub fn ConfirmSignUpPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmSignUp>::new();
    let feedback = FormFeedback::new("confirm_sign_up", confirm);
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Finish signing up" />
        <section class="container narrow">
            <h1>"Finish signing up"</h1>
            <p>"Confirm that this is your email address, and your account is ready."</p>
            <Suspense>
                <ActionForm action=confirm attr:class="stack">
                    <CsrfField />
                    <input type="hidden" name="token" value=token />
                    <FormAlert feedback />
                    <button type="submit" class="button button-primary">
                        "Finish signing up"
                    </button>
                </ActionForm>
            </Suspense>
        </section>
    }
}
