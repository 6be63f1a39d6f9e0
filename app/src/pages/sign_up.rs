use crate::components::form::{Field, FormAlert, FormFeedback};
use crate::components::session::{CsrfField, use_session};
use crate::components::time_zone::{TimeZoneOptions, detect_time_zone_into};
use crate::domain::account::{check_email, check_name, check_password};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let session = use_session();
    let feedback = FormFeedback::new("sign_up", session.sign_up);
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| "/dashboard".into())
    };
    detect_time_zone_into("field-time_zone");
    view! {
        <Title text="Create your account" />
        <section class="container narrow">
            <h1>"Create your account"</h1>
            <p class="muted">"Learn a course, then teach it to the next student."</p>
            <Suspense>
                <ActionForm action=session.sign_up attr:class="stack" attr:novalidate=true>
                    <CsrfField />
                    <input type="hidden" name="next" value=next />
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
