//! Account input rules. The server is the source of truth; the browser shows the same messages.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing cannot be abused.
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_BIO_CHARS: usize = 2000;
const MAX_EMAIL_CHARS: usize = 254;

/// Field name → message, for forms that show errors beside each field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no field failed.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// A lowercased, trimmed address: the form used for uniqueness and log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub display: String,
    pub normalized: String,
}

pub fn parse_email(raw: &str) -> Result<Email, String> {
    let display = raw.trim();
    let valid = display.chars().count() <= MAX_EMAIL_CHARS
        && !display.chars().any(char::is_whitespace)
        && match display.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(Email {
            display: display.to_owned(),
            normalized: display.to_lowercase(),
        })
    } else {
        Err("Enter an email address like name@example.com.".into())
    }
}

pub fn parse_name(raw: &str) -> Result<String, String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.chars().count() {
        0 => Err("Enter your name.".into()),
        n if n > MAX_NAME_CHARS => Err(format!("Use at most {MAX_NAME_CHARS} characters.")),
        _ => Ok(name),
    }
}

pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        Err(format!("Use at least {MIN_PASSWORD_CHARS} characters."))
    } else if length > MAX_PASSWORD_CHARS {
        Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."))
    } else {
        Ok(())
    }
}

/// `parse_email` as a yes/no check, for the browser.
pub fn check_email(raw: &str) -> Result<(), String> {
    parse_email(raw).map(drop)
}

/// `parse_name` as a yes/no check, for the browser.
pub fn check_name(raw: &str) -> Result<(), String> {
    parse_name(raw).map(drop)
}

pub fn parse_bio(raw: &str) -> Result<String, String> {
    let bio = raw.trim();
    if bio.chars().count() > MAX_BIO_CHARS {
        Err(format!("Use at most {MAX_BIO_CHARS} characters."))
    } else {
        Ok(bio.to_owned())
    }
}

/// Login throttling: failed attempts counted over a sliding window, per account and per client
/// address. The address limit is higher because many people can share one address.
pub const LOGIN_WINDOW_SECS: i64 = 15 * 60;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

pub fn login_allowed(account_failures: i64, address_failures: i64) -> Result<(), String> {
    if account_failures >= MAX_FAILURES_PER_ACCOUNT || address_failures >= MAX_FAILURES_PER_ADDRESS
    {
        Err(format!(
            "Too many failed log-in attempts. Wait {} minutes and try again, or reset your password.",
            LOGIN_WINDOW_SECS / 60
        ))
    } else {
        Ok(())
    }
}

/// The one message for a wrong password and an unknown email, so neither reveals the other.
pub const LOGIN_FAILED: &str = "That email and password don't match an account.";

/// A validated sign-up form. The time zone is checked against the time zone database by the
/// caller, which owns that data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub email: Email,
    pub password: String,
    pub time_zone: String,
}

pub fn validate_signup(
    name: &str,
    email: &str,
    password: &str,
    time_zone: &str,
    canonical_zone: impl Fn(&str) -> Option<String>,
) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = parse_name(name).map_err(|m| errors.add("name", m)).ok();
    let email = parse_email(email).map_err(|m| errors.add("email", m)).ok();
    if let Err(message) = check_password(password) {
        errors.add("password", message);
    }
    let time_zone = canonical_zone(time_zone.trim());
    if time_zone.is_none() {
        errors.add("time_zone", UNKNOWN_ZONE);
    }
    match (name, email, time_zone) {
        (Some(name), Some(email), Some(time_zone)) if errors.is_empty() => Ok(NewAccount {
            name,
            email,
            password: password.to_owned(),
            time_zone,
        }),
        _ => Err(errors),
    }
}

pub const UNKNOWN_ZONE: &str = "Choose a time zone from the list, like Europe/Berlin.";

#[cfg(test)]
mod tests {
    use super::*;

    fn any_zone(zone: &str) -> Option<String> {
        (zone == "Europe/Berlin").then(|| zone.to_owned())
    }

    #[test]
    fn a_valid_signup_is_normalised() {
        let account = validate_signup(
            "  Ada   Lovelace ",
            " Ada@Example.COM ",
            "correct horse battery",
            "Europe/Berlin",
            any_zone,
        )
        .unwrap();
        assert_eq!(account.name, "Ada Lovelace");
        assert_eq!(account.email.display, "Ada@Example.COM");
        assert_eq!(account.email.normalized, "ada@example.com");
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let errors =
            validate_signup("", "not-an-email", "short", "Mars/Olympus", any_zone).unwrap_err();
        assert_eq!(errors.get("name"), Some("Enter your name."));
        assert_eq!(
            errors.get("email"),
            Some("Enter an email address like name@example.com.")
        );
        assert_eq!(errors.get("password"), Some("Use at least 12 characters."));
        assert!(errors.get("time_zone").is_some());
    }

    #[test]
    fn passwords_are_counted_in_characters_not_bytes() {
        assert!(check_password("ééééééééééé").is_err()); // 11 characters, 22 bytes
        assert!(check_password("éééééééééééé").is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn logins_are_throttled_per_account_and_per_address() {
        assert!(login_allowed(MAX_FAILURES_PER_ACCOUNT - 1, 0).is_ok());
        assert!(login_allowed(MAX_FAILURES_PER_ACCOUNT, 0).is_err());
        assert!(login_allowed(0, MAX_FAILURES_PER_ADDRESS - 1).is_ok());
        assert!(login_allowed(0, MAX_FAILURES_PER_ADDRESS).is_err());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        for bad in [
            "",
            "a@",
            "@b.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@b.com.",
        ] {
            assert!(parse_email(bad).is_err(), "{bad} accepted");
        }
        assert!(parse_email("first.last+tag@sub.example.org").is_ok());
    }
}
