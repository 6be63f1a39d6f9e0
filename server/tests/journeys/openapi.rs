//! The OpenAPI document tells the truth: a probe in the manner of a schema-driven fuzzer sends
//! each documented operation the requests a client might (signed in or not, no body, a body
//! that is not JSON, an empty object, unknown fields, empty and unreadable parameters, control
//! characters) and every status that comes back must be one the document lists for it. Request
//! bodies refuse unknown fields, and say so.

use crate::common;

use common::{TestApp, log_in_as, spawn_app};
use serde_json::Value;

struct Probe {
    method: reqwest::Method,
    path: String,
    body: Option<&'static str>,
    what: String,
}

fn probes(path: &str, method: &str, operation: &Value) -> Vec<Probe> {
    let method: reqwest::Method = method.to_uppercase().parse().unwrap();
    let concrete = |id: &str| path.replace("{id}", id);
    let mut probes = vec![
        Probe {
            method: method.clone(),
            path: concrete("no-such-id"),
            body: None,
            what: "no body".into(),
        },
        Probe {
            method: method.clone(),
            path: concrete("nul%00byte"),
            body: None,
            what: "a NUL byte in the path".into(),
        },
    ];
    if operation["requestBody"].is_object() {
        for body in [
            "not json",
            "{}",
            "{\"unexpected\": 1}",
            "[]",
            "{\"token\": \"\\u0000\"}",
        ] {
            probes.push(Probe {
                method: method.clone(),
                path: concrete("no-such-id"),
                body: Some(body),
                what: format!("body {body}"),
            });
        }
    }
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] != "query" {
            continue;
        }
        let name = parameter["name"].as_str().unwrap();
        for value in ["", "%00", "not-a-date", "2026-13-45T99:99:99Z"] {
            probes.push(Probe {
                method: method.clone(),
                path: format!("{}?{name}={value}", concrete("no-such-id")),
                body: None,
                what: format!("query {name}={value:?}"),
            });
        }
    }
    probes
}

async fn send(app: &TestApp, client: &reqwest::Client, probe: &Probe) -> u16 {
    let mut request = client
        .request(probe.method.clone(), app.url(&probe.path))
        .header("origin", &app.base_url);
    if let Some(body) = probe.body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    request
        .send()
        .await
        .expect("request failed")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_status_an_endpoint_answers_is_documented() {
    let app = spawn_app().await;
    let (_, doc) = app.get_json("/api/openapi.json").await;
    let signed_in = log_in_as(&app, "alex.kim@example.com").await;
    let mut undocumented = Vec::new();
    let mut probed = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if path == "/api/auth/logout" {
                // Probing it would end the signed-in client's session; it answers 204 always.
                continue;
            }
            let documented: Vec<&String> =
                operation["responses"].as_object().unwrap().keys().collect();
            for probe in probes(path, method, operation) {
                for (who, client) in [("anonymous", &app.new_browser()), ("signed in", &signed_in)]
                {
                    let status = send(&app, client, &probe).await;
                    probed += 1;
                    if !documented.iter().any(|code| **code == status.to_string()) {
                        undocumented.push(format!(
                            "{} {path} ({who}, {}): {status}, documented {documented:?}",
                            method.to_uppercase(),
                            probe.what
                        ));
                    }
                }
            }
        }
    }
    assert!(probed > 100, "only {probed} probes");
    assert!(
        undocumented.is_empty(),
        "statuses the document does not list:\n{}",
        undocumented.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_refuse_unknown_fields_and_say_so() {
    let app = spawn_app().await;
    let (_, doc) = app.get_json("/api/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(reference) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            else {
                continue;
            };
            let name = reference.rsplit('/').next().unwrap();
            let schema = &schemas[name];
            assert_eq!(
                schema["additionalProperties"],
                Value::Bool(false),
                "{method} {path}: {name} allows unknown fields"
            );
            // A body whose fields are all optional lists none.
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            for field in &required {
                let property = &schema["properties"][field.as_str().unwrap()];
                if property["type"] == "string" {
                    assert!(
                        property["minLength"].as_u64().unwrap_or(0) >= 1
                            || property["format"].is_string(),
                        "{method} {path}: {name}.{field} documents no constraint: {property}"
                    );
                }
            }
        }
    }
    // And the server holds to it.
    let (status, body) = app
        .post_json(
            &app.new_browser(),
            "/api/auth/login",
            serde_json::json!({ "email": "sam.rivera@example.com", "password": "x", "admin": true }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}
