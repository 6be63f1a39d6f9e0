//! How the webhook benchmarks deliver: concurrent senders, each POSTing its events in order with
//! a signature made just before sending (signatures carry the time), as a provider does.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// A signature for a body: the header's name and value.
pub type Signer = Arc<dyn Fn(&str) -> (&'static str, String) + Send + Sync>;

/// Sends each sender's bodies in order, the senders concurrently, to `url`; every answer must be
/// a 200. Returns each request's latency and the time the whole run took.
pub async fn deliver_concurrently(
    client: &reqwest::Client,
    url: &str,
    senders: Vec<Vec<String>>,
    sign: Signer,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for bodies in senders {
        let (client, url, sign) = (client.clone(), url.to_owned(), sign.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            for body in bodies {
                let (header, signature) = sign(&body);
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header(header, signature)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert_eq!(status, 200, "{text}");
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let latencies = workers.join_all().await.into_iter().flatten().collect();
    (latencies, started.elapsed())
}
