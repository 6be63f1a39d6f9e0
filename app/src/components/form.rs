//! Form feedback: the error of the last submission, from the hydrated action or, without
//! JavaScript, from the session flash that the server kept for the page.

use crate::api::forms::{FormFailure, take_form_failure};
use leptos::prelude::*;
use wire::error::AppError;

/// The latest failure of one form: the action's result when hydrated, the flash otherwise.
#[derive(Clone, Copy)]
pub struct FormFeedback {
    action_error: Signal<Option<AppError>>,
    flash: Resource<Result<Option<FormFailure>, AppError>>,
}

impl FormFeedback {
    pub fn new<I, O>(form: impl Into<String>, action: ServerAction<I>) -> Self
    where
        I: leptos::server_fn::ServerFn<Output = O, Error = AppError>
            + Clone
            + Send
            + Sync
            + 'static,
        O: Clone + Send + Sync + 'static,
    {
        let value = action.value();
        let form = form.into();
        FormFeedback {
            action_error: Signal::derive(move || value.get().and_then(Result::err)),
            flash: Resource::new(|| (), move |_| take_form_failure(form.clone())),
        }
    }

    fn flash(&self) -> Option<FormFailure> {
        self.flash.get().and_then(Result::ok).flatten()
    }

    pub fn error(&self) -> Option<AppError> {
        self.action_error
            .get()
            .or_else(|| self.flash().map(|failure| failure.error))
    }

    pub fn field(&self, field: &'static str) -> Option<String> {
        self.error()?.field_errors()?.get(field).map(str::to_owned)
    }

    /// The value typed before a no-JS submission failed, to refill the field.
    pub fn previous(&self, field: &'static str) -> Option<String> {
        self.flash()?.value(field)
    }
}

/// The message for a whole form (not tied to one field). Forms using `FormFeedback` render
/// inside a `Suspense`, which waits for the flash.
#[component]
pub fn FormAlert(feedback: FormFeedback) -> impl IntoView {
    move || {
        feedback
            .error()
            .filter(|error| error.field_errors().is_none())
            .map(|error| view! { <p class="form-alert" role="alert">{error.to_string()}</p> })
    }
}

/// A rule the browser checks as soon as a field loses focus: the same function the server
/// applies, so the message is the same.
pub type FieldCheck = fn(&str) -> Result<(), String>;

/// A labelled input with its error message, wired for screen readers.
#[component]
pub fn Field(
    feedback: FormFeedback,
    name: &'static str,
    label: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] list: &'static str,
    #[prop(default = true)] required: bool,
    /// Checked in the browser when the field loses focus (the server checks again).
    #[prop(optional)]
    check: Option<FieldCheck>,
) -> impl IntoView {
    let local_error = RwSignal::new(None::<String>);
    let check_on_blur = move |ev: leptos::ev::FocusEvent| {
        if let Some(check) = check {
            local_error.set(check(&event_target_value(&ev)).err());
        }
    };
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let initial = value.unwrap_or_default();
    let shown_value = move || {
        if kind == "password" {
            String::new()
        } else {
            feedback.previous(name).unwrap_or_else(|| initial.clone())
        }
    };
    let error = move || local_error.get().or_else(|| feedback.field(name));
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if !hint.is_empty() {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                list=(!list.is_empty()).then_some(list)
                required=required
                value=shown_value
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described_by
                on:blur=check_on_blur
            />
            // Always present, so a message appearing (say, when a field loses focus as its form's
            // button is pressed) never moves the button from under the pointer.
            <p class="field-error" id=error_id>
                {error}
            </p>
        </div>
    }
}
