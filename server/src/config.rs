//! Typed configuration from environment variables (a `.env` file is read in development).
//! `.env.example` documents every variable. Secrets are wrapped so they never reach logs.

use leptos::config::LeptosOptions;
use std::fmt;

/// A value that must never be printed: its `Debug` shows only that it is set.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnv {
    /// `PEERLOOP_ENV` unset: a laptop. Local modes, demo log-ins and the dev mailbox are on,
    /// so the server must only be reachable from this machine.
    Local,
    /// `PEERLOOP_ENV=development`, said on purpose: local modes on a shared dev host.
    Development,
    Production,
}

impl RunEnv {
    /// Local modes (demo log-ins, the dev mailbox, built-in stand-ins for outside services).
    pub fn local_modes(self) -> bool {
        self != RunEnv::Production
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub env: RunEnv,
    /// May carry a password, hence secret.
    pub database_url: Secret,
    pub db_max_connections: u32,
    pub public_url: String,
    pub demo_data: bool,
    /// With the demo data and the local Stripe: demo students pay through the local Stripe and
    /// have sessions taught (`demo_money`). `PEERLOOP_DEMO_PAYMENTS=false` leaves them out (the
    /// integration tests start from a ledger with nothing in it).
    pub demo_payments: bool,
    pub log_format: LogFormat,
    /// How many reverse proxies in front of the app append to `X-Forwarded-For`; the client is
    /// the entry that many places from the right (0: the header is ignored).
    pub trusted_proxy_hops: usize,
    /// Resend, when `RESEND_API_KEY` is set; otherwise the local mailbox (development only).
    pub resend: Option<ResendConfig>,
    /// Stripe, when `STRIPE_SECRET_KEY` is set; otherwise the local Stripe (development only).
    pub stripe: Option<StripeConfig>,
    /// PlugNmeet, when `PLUGNMEET_SERVER_URL` is set; otherwise the built-in room (development
    /// only).
    pub plugnmeet: Option<PlugNmeetConfig>,
    /// Cloudflare R2, when `R2_BUCKET` is set; otherwise a local directory (development only).
    pub r2: Option<R2Config>,
    /// `PEERLOOP_BLOB_DIR`: the local directory recordings are kept in without R2
    /// (`data/blobs` by default).
    pub blob_dir: std::path::PathBuf,
    /// The sender of every email, e.g. "PeerLoop <sessions@example.com>".
    pub mail_from: String,
    /// How often the outbox worker looks for due jobs when idle.
    pub job_poll: std::time::Duration,
    /// Whether this server runs the outbox worker (`PEERLOOP_RUN_JOBS`, default true). Tests
    /// that drive the outbox themselves turn it off, so no second worker races them.
    pub run_jobs: bool,
    /// How long a claimed outbox job stays with its worker before another may take it over
    /// (`PEERLOOP_JOB_LEASE_SECS`, default 120).
    pub job_lease_secs: i64,
}

#[derive(Clone, Debug)]
pub struct ResendConfig {
    pub api_key: Secret,
    /// `RESEND_BASE_URL`, as the official SDKs call it; https://api.resend.com by default.
    pub base_url: String,
}

#[derive(Clone, Debug)]
pub struct StripeConfig {
    pub secret_key: Secret,
    /// `STRIPE_WEBHOOK_SECRET`: the endpoint's `whsec_…` signing secrets, comma-separated while
    /// one is being rolled.
    pub webhook_secrets: Vec<Secret>,
    /// `STRIPE_API_BASE`: https://api.stripe.com by default; tests point it at a fake.
    pub api_base: String,
}

#[derive(Clone, Debug)]
pub struct PlugNmeetConfig {
    /// `PLUGNMEET_SERVER_URL`: where its API and its browser client are served.
    pub server_url: String,
    /// `PLUGNMEET_API_KEY`: sent as `API-KEY`, and the issuer of its webhooks.
    pub api_key: String,
    /// `PLUGNMEET_API_SECRET`: signs our requests and its webhooks.
    pub api_secret: Secret,
}

#[derive(Clone, Debug)]
pub struct R2Config {
    /// `R2_ENDPOINT`, or `https://<R2_ACCOUNT_ID>.r2.cloudflarestorage.com` (any S3-compatible
    /// endpoint works; the tests run one of their own).
    pub endpoint: String,
    /// `R2_BUCKET`.
    pub bucket: String,
    /// `R2_ACCESS_KEY_ID` and `R2_SECRET_ACCESS_KEY`: an R2 API token's S3 credentials.
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} has an invalid value {value:?}: {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{0} must be set when {1} is")]
    Needs(&'static str, &'static str),
    #[error("PEERLOOP_DEMO_DATA=true is refused when PEERLOOP_ENV=production")]
    DemoDataInProduction,
    #[error("{0} must be set when PEERLOOP_ENV=production (local modes are for development)")]
    MissingInProduction(&'static str),
    #[error(
        "local mode (PEERLOOP_ENV unset) has one-click demo log-ins and an open mailbox, so it only \
         serves this machine, but {what} is {value}; use a loopback address, or set \
         PEERLOOP_ENV=development (a shared dev host) or production"
    )]
    LocalModeNotLoopback { what: &'static str, value: String },
    #[error(
        "PEERLOOP_ENV=production needs PEERLOOP_PUBLIC_URL to be the https:// address people \
         use, not {0}"
    )]
    ProductionUrl(String),
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/peerloop.db";
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:3000";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply variables without touching
    /// the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        // A yes-or-no setting: true/1 or false/0; None when unset.
        let flag = |name: &'static str| match get(name).as_deref() {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(other) => Err(invalid(name, other, "true or false")),
        };
        let env = match get("PEERLOOP_ENV").as_deref() {
            None => RunEnv::Local,
            Some("development") => RunEnv::Development,
            Some("production") => RunEnv::Production,
            Some(other) => return Err(invalid("PEERLOOP_ENV", other, "development or production")),
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if backend::db::Backend::from_url(&database_url).is_none() {
            // Never echo the URL: it may hold a password.
            return Err(invalid(
                "DATABASE_URL",
                "[redacted]",
                "a sqlite:// or postgres:// URL",
            ));
        }
        let db_max_connections = match get("PEERLOOP_DB_MAX_CONNECTIONS") {
            None => 10,
            Some(value) => value
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| invalid("PEERLOOP_DB_MAX_CONNECTIONS", &value, "1 to 1000"))?,
        };
        let public_url =
            get("PEERLOOP_PUBLIC_URL").unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
        let Some(public_host) = url::Url::parse(&public_url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .and_then(|url| url.host().map(|host| host.to_owned()))
        else {
            return Err(invalid(
                "PEERLOOP_PUBLIC_URL",
                &public_url,
                "an http:// or https:// URL",
            ));
        };
        match env {
            RunEnv::Local if !is_loopback_host(&public_host) => {
                return Err(ConfigError::LocalModeNotLoopback {
                    what: "PEERLOOP_PUBLIC_URL",
                    value: public_url,
                });
            }
            RunEnv::Production
                if !public_url.starts_with("https://") || is_loopback_host(&public_host) =>
            {
                return Err(ConfigError::ProductionUrl(public_url));
            }
            _ => {}
        }
        // A shared database gets the demo accounts (with their published password) only when
        // asked; the embedded SQLite file is the laptop's own.
        let demo_data = flag("PEERLOOP_DEMO_DATA")?.unwrap_or_else(|| {
            env.local_modes()
                && backend::db::Backend::from_url(&database_url)
                    == Some(backend::db::Backend::Sqlite)
        });
        let demo_payments = flag("PEERLOOP_DEMO_PAYMENTS")?.unwrap_or(true);
        if demo_data && env == RunEnv::Production {
            return Err(ConfigError::DemoDataInProduction);
        }
        let trusted_proxy_hops = match get("PEERLOOP_TRUST_FORWARDED_FOR").as_deref() {
            None | Some("false") => 0,
            Some("true") => 1,
            Some(other) => other
                .parse::<usize>()
                .ok()
                .filter(|hops| *hops <= 10)
                .ok_or_else(|| {
                    invalid(
                        "PEERLOOP_TRUST_FORWARDED_FOR",
                        other,
                        "true (one proxy), false, or the number of proxies (0-10)",
                    )
                })?,
        };
        let log_format = match get("PEERLOOP_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(invalid("PEERLOOP_LOG_FORMAT", other, "pretty or json")),
        };
        let resend = get("RESEND_API_KEY").map(|key| ResendConfig {
            api_key: Secret::new(key),
            base_url: get("RESEND_BASE_URL")
                .unwrap_or_else(|| "https://api.resend.com".to_owned())
                .trim_end_matches('/')
                .to_owned(),
        });
        if resend.is_none() && env == RunEnv::Production {
            return Err(ConfigError::MissingInProduction("RESEND_API_KEY"));
        }
        let stripe = match get("STRIPE_SECRET_KEY") {
            None => None,
            Some(key) => {
                let webhook_secrets: Vec<Secret> = get("STRIPE_WEBHOOK_SECRET")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|secret| !secret.is_empty())
                    .map(Secret::new)
                    .collect();
                if webhook_secrets.is_empty() {
                    return Err(ConfigError::Needs(
                        "STRIPE_WEBHOOK_SECRET",
                        "STRIPE_SECRET_KEY",
                    ));
                }
                Some(StripeConfig {
                    secret_key: Secret::new(key),
                    webhook_secrets,
                    api_base: get("STRIPE_API_BASE")
                        .unwrap_or_else(|| "https://api.stripe.com".to_owned())
                        .trim_end_matches('/')
                        .to_owned(),
                })
            }
        };
        if stripe.is_none() && env == RunEnv::Production {
            return Err(ConfigError::MissingInProduction("STRIPE_SECRET_KEY"));
        }
        let plugnmeet = match get("PLUGNMEET_SERVER_URL") {
            None => None,
            Some(server_url) => Some(PlugNmeetConfig {
                server_url: server_url.trim_end_matches('/').to_owned(),
                api_key: get("PLUGNMEET_API_KEY").ok_or(ConfigError::Needs(
                    "PLUGNMEET_API_KEY",
                    "PLUGNMEET_SERVER_URL",
                ))?,
                api_secret: get("PLUGNMEET_API_SECRET").map(Secret::new).ok_or(
                    ConfigError::Needs("PLUGNMEET_API_SECRET", "PLUGNMEET_SERVER_URL"),
                )?,
            }),
        };
        if plugnmeet.is_none() && env == RunEnv::Production {
            return Err(ConfigError::MissingInProduction("PLUGNMEET_SERVER_URL"));
        }
        let r2 = match get("R2_BUCKET") {
            None => None,
            Some(bucket) => Some(R2Config {
                endpoint: match (get("R2_ENDPOINT"), get("R2_ACCOUNT_ID")) {
                    (Some(endpoint), _) => endpoint.trim_end_matches('/').to_owned(),
                    (None, Some(account)) => {
                        format!("https://{account}.r2.cloudflarestorage.com")
                    }
                    (None, None) => return Err(ConfigError::Needs("R2_ACCOUNT_ID", "R2_BUCKET")),
                },
                bucket,
                access_key_id: get("R2_ACCESS_KEY_ID")
                    .ok_or(ConfigError::Needs("R2_ACCESS_KEY_ID", "R2_BUCKET"))?,
                secret_access_key: get("R2_SECRET_ACCESS_KEY")
                    .map(Secret::new)
                    .ok_or(ConfigError::Needs("R2_SECRET_ACCESS_KEY", "R2_BUCKET"))?,
            }),
        };
        if r2.is_none() && env == RunEnv::Production {
            return Err(ConfigError::MissingInProduction("R2_BUCKET"));
        }
        let blob_dir = get("PEERLOOP_BLOB_DIR")
            .unwrap_or_else(|| "data/blobs".into())
            .into();
        let mail_from = get("PEERLOOP_MAIL_FROM")
            .unwrap_or_else(|| "PeerLoop <sessions@peerloop.local>".into());
        let job_poll = match get("PEERLOOP_JOB_POLL_MS") {
            None => std::time::Duration::from_secs(1),
            Some(value) => value
                .parse::<u64>()
                .ok()
                .filter(|ms| (10..=60_000).contains(ms))
                .map(std::time::Duration::from_millis)
                .ok_or_else(|| invalid("PEERLOOP_JOB_POLL_MS", &value, "10 to 60000"))?,
        };
        let run_jobs = flag("PEERLOOP_RUN_JOBS")?.unwrap_or(true);
        let job_lease_secs = match get("PEERLOOP_JOB_LEASE_SECS") {
            None => backend::store::outbox::LEASE_SECS,
            Some(value) => value
                .parse::<i64>()
                .ok()
                .filter(|secs| (1..=3600).contains(secs))
                .ok_or_else(|| invalid("PEERLOOP_JOB_LEASE_SECS", &value, "1 to 3600"))?,
        };
        Ok(Config {
            job_lease_secs,
            run_jobs,
            env,
            database_url: Secret::new(database_url),
            db_max_connections,
            public_url: public_url.trim_end_matches('/').to_owned(),
            demo_data,
            demo_payments,
            log_format,
            trusted_proxy_hops,
            resend,
            stripe,
            plugnmeet,
            r2,
            blob_dir,
            mail_from,
            job_poll,
        })
    }
}

impl Config {
    /// Local mode refuses to listen where other machines can reach it.
    pub fn check_listen_address(&self, address: std::net::SocketAddr) -> Result<(), ConfigError> {
        if self.env == RunEnv::Local && !address.ip().is_loopback() {
            return Err(ConfigError::LocalModeNotLoopback {
                what: "the listen address (LEPTOS_SITE_ADDR)",
                value: address.to_string(),
            });
        }
        Ok(())
    }
}

fn is_loopback_host(host: &url::Host) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(address) => address.is_loopback(),
        url::Host::Ipv6(address) => address.is_loopback(),
    }
}

fn invalid(name: &'static str, value: &str, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        name,
        value: value.to_owned(),
        expected,
    }
}

/// Leptos settings: from the `LEPTOS_*` variables that cargo-leptos sets (and scripts/serve.sh
/// sets for the release binary), with the workspace defaults otherwise.
pub fn leptos_options() -> LeptosOptions {
    leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| {
            let site_addr: std::net::SocketAddr = std::env::var("LEPTOS_SITE_ADDR")
                .ok()
                .and_then(|addr| addr.parse().ok())
                .unwrap_or_else(|| ([127, 0, 0, 1], 3000).into());
            LeptosOptions::builder()
                .output_name("peerloop")
                .site_root(
                    std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()),
                )
                .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
                .site_addr(site_addr)
                .build()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_run_locally_on_sqlite_with_demo_data() {
        let config = config(&[]).unwrap();
        assert_eq!(config.env, RunEnv::Local);
        assert_eq!(config.database_url.expose(), DEFAULT_DATABASE_URL);
        assert!(config.demo_data);
        assert_eq!(config.public_url, DEFAULT_PUBLIC_URL);
    }

    #[test]
    fn production_refuses_demo_data_and_defaults_it_off() {
        let production = config(&[
            ("PEERLOOP_ENV", "production"),
            ("RESEND_API_KEY", "re_x"),
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("PLUGNMEET_SERVER_URL", "https://video.example"),
            ("PLUGNMEET_API_KEY", "pnm_key"),
            ("PLUGNMEET_API_SECRET", "pnm_secret"),
            ("R2_BUCKET", "recordings"),
            ("R2_ACCOUNT_ID", "acct"),
            ("R2_ACCESS_KEY_ID", "r2_key"),
            ("R2_SECRET_ACCESS_KEY", "r2_secret"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
            ("PEERLOOP_PUBLIC_URL", "https://peerloop.example"),
        ])
        .unwrap();
        assert!(!production.demo_data);
        assert_eq!(
            config(&[
                ("PEERLOOP_ENV", "production"),
                ("RESEND_API_KEY", "re_x"),
                ("STRIPE_SECRET_KEY", "sk_test_x"),
                ("PLUGNMEET_SERVER_URL", "https://video.example"),
                ("PLUGNMEET_API_KEY", "pnm_key"),
                ("PLUGNMEET_API_SECRET", "pnm_secret"),
                ("R2_BUCKET", "recordings"),
                ("R2_ACCOUNT_ID", "acct"),
                ("R2_ACCESS_KEY_ID", "r2_key"),
                ("R2_SECRET_ACCESS_KEY", "r2_secret"),
                ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
                ("PEERLOOP_PUBLIC_URL", "https://peerloop.example"),
                ("PEERLOOP_DEMO_DATA", "true")
            ])
            .unwrap_err(),
            ConfigError::DemoDataInProduction
        );
    }

    #[test]
    fn production_refuses_the_local_mailbox_and_keys_stay_hidden() {
        assert_eq!(
            config(&[
                ("PEERLOOP_ENV", "production"),
                ("PEERLOOP_PUBLIC_URL", "https://peerloop.example")
            ])
            .unwrap_err(),
            ConfigError::MissingInProduction("RESEND_API_KEY")
        );
        let with_resend = config(&[
            ("RESEND_API_KEY", "re_secret123"),
            ("RESEND_BASE_URL", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        let resend = with_resend.resend.as_ref().unwrap();
        assert_eq!(resend.base_url, "http://127.0.0.1:9");
        assert!(!format!("{with_resend:?}").contains("re_secret123"));
        assert!(config(&[]).unwrap().resend.is_none());
    }

    #[test]
    fn production_refuses_the_local_stripe_and_stripe_needs_its_webhook_secret() {
        assert_eq!(
            config(&[
                ("PEERLOOP_ENV", "production"),
                ("RESEND_API_KEY", "re_x"),
                ("PEERLOOP_PUBLIC_URL", "https://peerloop.example")
            ])
            .unwrap_err(),
            ConfigError::MissingInProduction("STRIPE_SECRET_KEY")
        );
        assert_eq!(
            config(&[("STRIPE_SECRET_KEY", "sk_test_secret")]).unwrap_err(),
            ConfigError::Needs("STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY")
        );
        let with_stripe = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_secret"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_new, whsec_old"),
            ("STRIPE_API_BASE", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        let stripe = with_stripe.stripe.as_ref().unwrap();
        assert_eq!(stripe.api_base, "http://127.0.0.1:9");
        assert_eq!(stripe.webhook_secrets.len(), 2);
        assert_eq!(stripe.webhook_secrets[1].expose(), "whsec_old");
        let shown = format!("{with_stripe:?}");
        assert!(!shown.contains("sk_test_secret") && !shown.contains("whsec_new"));
        assert!(config(&[]).unwrap().stripe.is_none());
    }

    #[test]
    fn database_url_is_never_shown() {
        let config = config(&[("DATABASE_URL", "postgres://app:hunter2@db/peerloop")]).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        let error =
            super::tests::config(&[("DATABASE_URL", "mysql://app:hunter2@db/x")]).unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let error = config(&[("PEERLOOP_DB_MAX_CONNECTIONS", "zero")]).unwrap_err();
        assert!(error.to_string().contains("PEERLOOP_DB_MAX_CONNECTIONS"));
        assert!(config(&[("PEERLOOP_PUBLIC_URL", "example.com")]).is_err());
        assert!(config(&[("PEERLOOP_ENV", "staging")]).is_err());
    }

    #[test]
    fn local_mode_serves_only_this_machine() {
        for url in ["https://peerloop.example", "http://192.0.2.10:3000"] {
            assert!(
                matches!(
                    config(&[("PEERLOOP_PUBLIC_URL", url)]),
                    Err(ConfigError::LocalModeNotLoopback { .. })
                ),
                "{url}"
            );
        }
        for url in [
            "http://127.0.0.1:3000",
            "http://localhost:8080",
            "http://[::1]:3000",
        ] {
            assert!(config(&[("PEERLOOP_PUBLIC_URL", url)]).is_ok(), "{url}");
        }
        let local = config(&[]).unwrap();
        assert!(
            local
                .check_listen_address("127.0.0.1:3000".parse().unwrap())
                .is_ok()
        );
        assert!(
            local
                .check_listen_address("0.0.0.0:3000".parse().unwrap())
                .is_err()
        );
        let shared_dev = config(&[
            ("PEERLOOP_ENV", "development"),
            ("PEERLOOP_PUBLIC_URL", "http://dev.peerloop.example"),
        ])
        .unwrap();
        assert!(shared_dev.env.local_modes());
        assert!(
            shared_dev
                .check_listen_address("0.0.0.0:3000".parse().unwrap())
                .is_ok()
        );
    }

    #[test]
    fn production_needs_its_public_https_address() {
        for url in [
            "http://peerloop.example",
            "https://127.0.0.1",
            "https://localhost:3000",
            "http://127.0.0.1:3000",
        ] {
            assert_eq!(
                config(&[
                    ("PEERLOOP_ENV", "production"),
                    ("RESEND_API_KEY", "re_x"),
                    ("STRIPE_SECRET_KEY", "sk_test_x"),
                    ("PLUGNMEET_SERVER_URL", "https://video.example"),
                    ("PLUGNMEET_API_KEY", "pnm_key"),
                    ("PLUGNMEET_API_SECRET", "pnm_secret"),
                    ("R2_BUCKET", "recordings"),
                    ("R2_ACCOUNT_ID", "acct"),
                    ("R2_ACCESS_KEY_ID", "r2_key"),
                    ("R2_SECRET_ACCESS_KEY", "r2_secret"),
                    ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
                    ("PEERLOOP_PUBLIC_URL", url)
                ])
                .unwrap_err(),
                ConfigError::ProductionUrl(url.into()),
            );
        }
        assert_eq!(
            config(&[
                ("PEERLOOP_ENV", "production"),
                ("RESEND_API_KEY", "re_x"),
                ("STRIPE_SECRET_KEY", "sk_test_x"),
                ("PLUGNMEET_SERVER_URL", "https://video.example"),
                ("PLUGNMEET_API_KEY", "pnm_key"),
                ("PLUGNMEET_API_SECRET", "pnm_secret"),
                ("R2_BUCKET", "recordings"),
                ("R2_ACCOUNT_ID", "acct"),
                ("R2_ACCESS_KEY_ID", "r2_key"),
                ("R2_SECRET_ACCESS_KEY", "r2_secret"),
                ("STRIPE_WEBHOOK_SECRET", "whsec_x")
            ])
            .unwrap_err(),
            ConfigError::ProductionUrl(DEFAULT_PUBLIC_URL.into()),
            "the default address is no production address"
        );
    }

    #[test]
    fn production_refuses_the_built_in_room_and_plugnmeet_needs_its_key_and_secret() {
        assert_eq!(
            config(&[
                ("PEERLOOP_ENV", "production"),
                ("RESEND_API_KEY", "re_x"),
                ("STRIPE_SECRET_KEY", "sk_test_x"),
                ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
                ("PEERLOOP_PUBLIC_URL", "https://peerloop.example")
            ])
            .unwrap_err(),
            ConfigError::MissingInProduction("PLUGNMEET_SERVER_URL")
        );
        assert_eq!(
            config(&[("PLUGNMEET_SERVER_URL", "https://video.example")]).unwrap_err(),
            ConfigError::Needs("PLUGNMEET_API_KEY", "PLUGNMEET_SERVER_URL")
        );
        let with_plugnmeet = config(&[
            ("PLUGNMEET_SERVER_URL", "https://video.example/"),
            ("PLUGNMEET_API_KEY", "pnm_key"),
            ("PLUGNMEET_API_SECRET", "pnm_secret"),
        ])
        .unwrap();
        let plugnmeet = with_plugnmeet.plugnmeet.as_ref().unwrap();
        assert_eq!(plugnmeet.server_url, "https://video.example");
        assert!(!format!("{with_plugnmeet:?}").contains("pnm_secret"));
        assert!(config(&[]).unwrap().plugnmeet.is_none());
    }

    #[test]
    fn production_refuses_local_blobs_and_r2_needs_its_account_and_token() {
        assert_eq!(
            config(&[
                ("PEERLOOP_ENV", "production"),
                ("RESEND_API_KEY", "re_x"),
                ("STRIPE_SECRET_KEY", "sk_test_x"),
                ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
                ("PLUGNMEET_SERVER_URL", "https://video.example"),
                ("PLUGNMEET_API_KEY", "pnm_key"),
                ("PLUGNMEET_API_SECRET", "pnm_secret"),
                ("PEERLOOP_PUBLIC_URL", "https://peerloop.example")
            ])
            .unwrap_err(),
            ConfigError::MissingInProduction("R2_BUCKET")
        );
        assert_eq!(
            config(&[("R2_BUCKET", "recordings")]).unwrap_err(),
            ConfigError::Needs("R2_ACCOUNT_ID", "R2_BUCKET")
        );
        assert_eq!(
            config(&[("R2_BUCKET", "recordings"), ("R2_ACCOUNT_ID", "acct")]).unwrap_err(),
            ConfigError::Needs("R2_ACCESS_KEY_ID", "R2_BUCKET")
        );
        let with_r2 = config(&[
            ("R2_BUCKET", "recordings"),
            ("R2_ACCOUNT_ID", "acct"),
            ("R2_ACCESS_KEY_ID", "r2_key"),
            ("R2_SECRET_ACCESS_KEY", "r2_secret"),
        ])
        .unwrap();
        let r2 = with_r2.r2.as_ref().unwrap();
        assert_eq!(r2.endpoint, "https://acct.r2.cloudflarestorage.com");
        assert!(!format!("{with_r2:?}").contains("r2_secret"));
        let elsewhere = config(&[
            ("R2_BUCKET", "recordings"),
            ("R2_ENDPOINT", "http://127.0.0.1:9000/"),
            ("R2_ACCESS_KEY_ID", "r2_key"),
            ("R2_SECRET_ACCESS_KEY", "r2_secret"),
        ])
        .unwrap();
        assert_eq!(elsewhere.r2.unwrap().endpoint, "http://127.0.0.1:9000");
        let local = config(&[]).unwrap();
        assert!(local.r2.is_none());
        assert_eq!(local.blob_dir, std::path::Path::new("data/blobs"));
    }

    #[test]
    fn a_shared_database_gets_demo_accounts_only_when_asked() {
        let postgres = "postgres://app@db/peerloop";
        assert!(!config(&[("DATABASE_URL", postgres)]).unwrap().demo_data);
        assert!(
            config(&[("DATABASE_URL", postgres), ("PEERLOOP_DEMO_DATA", "true")])
                .unwrap()
                .demo_data
        );
        assert!(config(&[]).unwrap().demo_data);
    }

    #[test]
    fn proxy_trust_is_a_hop_count() {
        assert_eq!(config(&[]).unwrap().trusted_proxy_hops, 0);
        for (value, hops) in [("true", 1), ("false", 0), ("2", 2)] {
            assert_eq!(
                config(&[("PEERLOOP_TRUST_FORWARDED_FOR", value)])
                    .unwrap()
                    .trusted_proxy_hops,
                hops
            );
        }
        assert!(config(&[("PEERLOOP_TRUST_FORWARDED_FOR", "yes")]).is_err());
    }
}
