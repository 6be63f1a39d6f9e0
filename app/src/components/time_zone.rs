//! Time zone input helpers: common IANA zones as suggestions, and the browser's own zone.

use leptos::prelude::*;

/// Suggestions for a time zone input (`list="time-zones"`); any IANA name is accepted.
const COMMON_ZONES: &[&str] = &[
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Warsaw",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
];

#[component]
pub fn TimeZoneOptions() -> impl IntoView {
    view! {
        <datalist id="time-zones">
            {COMMON_ZONES.iter().map(|zone| view! { <option value=*zone></option> }).collect_view()}
        </datalist>
    }
}

/// Once hydrated, replaces the untouched default ("UTC") of the input with the browser's zone.
pub fn detect_time_zone_into(input_id: &'static str) {
    Effect::new(move || {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::js_sys;
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        let detected = js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string());
        let input = document()
            .get_element_by_id(input_id)
            .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlInputElement>().ok());
        if let (Some(zone), Some(input)) = (detected, input)
            && input.value() == "UTC"
        {
            input.set_value(&zone);
        }
    });
}
