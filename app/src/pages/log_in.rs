use crate::api::auth::{DemoLogIn, demo_accounts};
use crate::components::form::{Field, FormAlert, FormFeedback};
use crate::components::session::{CsrfField, use_session};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LogInPage() -> impl IntoView {
    let session = use_session();
    let feedback = FormFeedback::new("log_in", session.log_in);
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| "/dashboard".into())
    };
    view! {
        <Title text="Log in" />
        <section class="container narrow">
            <h1>"Log in"</h1>
            <Suspense>
                <ActionForm action=session.log_in attr:class="stack" attr:novalidate=true>
                    <CsrfField />
                    <input type="hidden" name="next" value=next />
                    <FormAlert feedback />
                    <Field feedback name="email" label="Email" kind="email" autocomplete="email" />
                    <Field
                        feedback
                        name="password"
                        label="Password"
                        kind="password"
                        autocomplete="current-password"
                    />
                    <button type="submit" class="button button-primary">
                        "Log in"
                    </button>
                </ActionForm>
            </Suspense>
            <p>"New to PeerLoop? " <A href="/signup">"Create an account"</A></p>
            <DemoLogIns />
        </section>
    }
}

/// One-click log-ins for the demo accounts, offered only in local mode.
#[component]
fn DemoLogIns() -> impl IntoView {
    let accounts = Resource::new(|| (), |_| demo_accounts());
    let demo_log_in = ServerAction::<DemoLogIn>::new();
    let session = use_session();
    Effect::new(move || {
        if demo_log_in.version().get() > 0 {
            session.viewer.refetch();
        }
    });
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let accounts = accounts.await.unwrap_or_default();
                (!accounts.is_empty())
                    .then(|| {
                        view! {
                            <section class="card demo-logins" aria-labelledby="demo-heading">
                                <h2 id="demo-heading">"Demo accounts"</h2>
                                <p class="muted">
                                    "Local mode: log in as anyone in the demo data with one click."
                                </p>
                                <ul class="demo-list">
                                    {accounts
                                        .into_iter()
                                        .map(|account| {
                                            view! {
                                                <li>
                                                    <ActionForm action=demo_log_in>
                                                        <CsrfField />
                                                        <input type="hidden" name="email" value=account.email.clone() />
                                                        <button type="submit" class="button button-small">
                                                            {format!("Log in as {}", account.name)}
                                                        </button>
                                                        <span class="muted">{account.description}</span>
                                                    </ActionForm>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    })
            })}
        </Suspense>
    }
}
