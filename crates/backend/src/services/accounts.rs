use crate::auth::{self, SessionUser};
use crate::db::Db;
use crate::store::{self, new_id};
use domain::account::{
    self, FieldErrors, LOGIN_WINDOW_SECS, check_password, login_allowed, parse_bio, parse_name,
    validate_signup,
};
use tower_sessions::Session;
use wire::error::AppError;

/// The canonical IANA name of a time zone in the bundled database ("europe/berlin" →
/// "Europe/Berlin"), or `None` when there is no such zone.
pub fn canonical_zone(name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let zone = jiff::tz::db().get(name).ok()?;
    zone.iana_name().map(str::to_owned)
}

pub struct SignUp<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub time_zone: &'a str,
}

/// How long the link in a sign-up confirmation email works.
pub const SIGNUP_LINK_SECS: i64 = 24 * 3600;

/// Outbox job kind for account emails (sign-up confirmation, "someone tried your address").
pub const ACCOUNT_EMAIL_KIND: &str = "account_email";

/// An account email job. The confirmation token travels only in the job and the email; the
/// database keeps its hash.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountEmailJob {
    ConfirmSignUp { request_id: String, token: String },
    SignUpAttempt { user_id: String },
}

/// Starts a sign-up. Valid input always gets the same answer (`api::auth::CHECK_YOUR_EMAIL`), so the form
/// never tells whether an address has an account: a new address gets a link that creates the
/// account, a taken one gets a note to its owner. The password is hashed either way, so both
/// take as long.
pub async fn sign_up(db: &Db, form: SignUp<'_>, now: i64) -> Result<(), AppError> {
    let account = validate_signup(
        form.name,
        form.email,
        form.password,
        form.time_zone,
        canonical_zone,
    )
    .map_err(AppError::Invalid)?;
    let hash = auth::hash_password(&account.password).await?;
    let mut tx = db.begin_write().await?;
    let job = match store::users::id_by_email(&mut tx, &account.email.normalized).await? {
        Some(user_id) => AccountEmailJob::SignUpAttempt { user_id },
        None => {
            let request_id = new_id();
            let token = auth::random_token();
            store::users::insert_signup_request(
                &mut tx,
                store::users::NewUser {
                    id: &request_id,
                    name: &account.name,
                    email: &account.email.display,
                    email_normalized: &account.email.normalized,
                    time_zone: &account.time_zone,
                    password_hash: &hash,
                    now,
                },
                &auth::sha256_hex(&token),
                now + SIGNUP_LINK_SECS,
            )
            .await?;
            AccountEmailJob::ConfirmSignUp { request_id, token }
        }
    };
    let payload = serde_json::to_value(&job).map_err(|_| AppError::Internal)?;
    store::outbox::enqueue(&mut tx, ACCOUNT_EMAIL_KIND, &payload, now, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The email an account job sends; `None` when it no longer applies (the sign-up was
/// confirmed or expired meanwhile, the account is gone).
pub async fn email_for_job(
    db: &Db,
    job_id: &str,
    job: &AccountEmailJob,
    public_url: &str,
) -> Result<Option<crate::mail::Email>, AppError> {
    Ok(match job {
        AccountEmailJob::ConfirmSignUp { request_id, token } => {
            store::users::signup_request_recipient(db, request_id)
                .await?
                .map(|(name, email)| {
                    crate::services::mail::confirm_sign_up_email(
                        job_id, &name, &email, token, public_url,
                    )
                })
        }
        AccountEmailJob::SignUpAttempt { user_id } => {
            store::users::find_by_id(db, user_id).await?.map(|user| {
                crate::services::mail::sign_up_attempt_email(
                    job_id,
                    &user.name,
                    &user.email,
                    public_url,
                )
            })
        }
    })
}

/// Finishes a sign-up from its emailed link: creates the account and signs it in.
pub async fn confirm_sign_up(
    db: &Db,
    session: &Session,
    token: &str,
    now: i64,
) -> Result<SessionUser, AppError> {
    let expired = || {
        AppError::NotFound(
            "This link has expired or was already used. Sign up again to get a new one.".into(),
        )
    };
    let mut tx = db.begin_write().await?;
    let request = store::users::take_signup_request(&mut tx, &auth::sha256_hex(token), now)
        .await?
        .ok_or_else(expired)?;
    let id = new_id();
    let created = store::users::insert(
        &mut tx,
        store::users::NewUser {
            id: &id,
            name: &request.name,
            email: &request.email,
            email_normalized: &request.email_normalized,
            time_zone: &request.time_zone,
            password_hash: &request.password_hash,
            now,
        },
    )
    .await?;
    if !created {
        // Two links for one address: the first one used made the account.
        tx.commit().await?;
        return Err(AppError::Conflict(
            "An account with this email already exists. Log in instead.".into(),
        ));
    }
    tx.commit().await?;
    let user = store::users::find_by_id(db, &id)
        .await?
        .ok_or(AppError::Internal)?;
    auth::start_session(session, &user, now).await?;
    Ok(user)
}

pub async fn log_in(
    db: &Db,
    session: &Session,
    email: &str,
    password: &str,
    client_address: &str,
    now: i64,
) -> Result<SessionUser, AppError> {
    let email = email.trim().to_lowercase();
    let account_subject = format!("account:{email}");
    let address_subject = format!("address:{client_address}");
    let since = now - LOGIN_WINDOW_SECS;
    // Count and reserve in one write transaction, before the (slow) password check, so
    // parallel guesses cannot all pass the count: each waits for the one before.
    let attempt_id = new_id();
    let mut tx = db.begin_write().await?;
    store::users::lock_throttle(&mut tx, &account_subject, now).await?;
    store::users::lock_throttle(&mut tx, &address_subject, now).await?;
    login_allowed(
        store::users::count_failures(&mut tx, &account_subject, since).await?,
        store::users::count_failures(&mut tx, &address_subject, since).await?,
    )
    .map_err(AppError::TooManyRequests)?;
    store::users::reserve_attempt(
        &mut tx,
        &[&account_subject, &address_subject],
        &attempt_id,
        now,
        since,
    )
    .await?;
    tx.commit().await?;

    let (user, hash) = match store::users::find_login(db, &email).await? {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    // Verify even for unknown emails, so the answer takes as long either way.
    if auth::verify_password(hash, password).await
        && let Some(user) = user
    {
        store::users::clear_after_success(db, &account_subject, &attempt_id).await?;
        auth::start_session(session, &user, now).await?;
        return Ok(user);
    }
    Err(AppError::InvalidCredentials)
}

/// Logs in as a demo account without its password: local mode only, demo accounts only.
pub async fn demo_log_in(
    state: &crate::AppState,
    session: &Session,
    email: &str,
    now: i64,
) -> Result<SessionUser, AppError> {
    let refused = || AppError::Forbidden("Demo log-ins exist only in local mode.".into());
    if !state.settings.local_mode || !crate::seed::is_demo_email(email) {
        return Err(refused());
    }
    let (user, _) = store::users::find_login(&state.db, &email.to_lowercase())
        .await?
        .ok_or_else(refused)?;
    auth::start_session(session, &user, now).await?;
    Ok(user)
}

pub async fn log_out(session: &Session) -> Result<(), AppError> {
    auth::end_session(session).await
}

/// Ends every session of this user, this one included.
pub async fn log_out_everywhere(
    db: &Db,
    session: &Session,
    user: &SessionUser,
) -> Result<(), AppError> {
    let mut conn = db.pool().acquire().await?;
    store::users::raise_session_epoch(&mut conn, &user.id).await?;
    auth::end_session(session).await
}

/// Changes the password and ends the user's other sessions; this one stays signed in.
pub async fn change_password(
    db: &Db,
    session: &Session,
    user: &SessionUser,
    current_password: &str,
    new_password: &str,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    if let Err(message) = check_password(new_password) {
        errors.add("new_password", message);
    }
    let stored = store::users::password_hash(db, &user.id).await?;
    if !auth::verify_password(stored, current_password).await {
        errors.add("current_password", "That isn't your current password.");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let hash = auth::hash_password(new_password).await?;
    let mut tx = db.begin_write().await?;
    store::users::set_password_hash(&mut tx, &user.id, &hash).await?;
    let epoch = store::users::raise_session_epoch(&mut tx, &user.id).await?;
    tx.commit().await?;
    auth::keep_session_at_epoch(session, epoch).await
}

pub struct ProfileUpdate<'a> {
    pub name: &'a str,
    pub time_zone: &'a str,
    pub bio: &'a str,
}

pub async fn update_profile(
    db: &Db,
    user: &SessionUser,
    form: ProfileUpdate<'_>,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let name = parse_name(form.name)
        .map_err(|m| errors.add("name", m))
        .ok();
    let bio = parse_bio(form.bio).map_err(|m| errors.add("bio", m)).ok();
    let time_zone = canonical_zone(form.time_zone.trim());
    if time_zone.is_none() {
        errors.add("time_zone", account::UNKNOWN_ZONE);
    }
    match (name, bio, time_zone) {
        (Some(name), Some(bio), Some(time_zone)) if errors.is_empty() => {
            store::users::update_profile(db, &user.id, &name, &time_zone, &bio).await
        }
        _ => Err(AppError::Invalid(errors)),
    }
}

pub async fn me(db: &Db, user: &SessionUser) -> Result<wire::auth::Me, AppError> {
    let courses_taught = super::dashboards::courses_taught(db, &user.id).await?;
    let mut roles = vec!["student".to_owned()];
    if store::learning::owns_courses(db, &user.id).await? {
        roles.push("creator".into());
    }
    if !courses_taught.is_empty() {
        roles.push("student_teacher".into());
    }
    if user.is_admin {
        roles.push("admin".into());
    }
    Ok(wire::auth::Me {
        id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        time_zone: user.time_zone.clone(),
        roles,
        courses_taught,
    })
}

/// Who is viewing the page, with the roles the site's menus depend on.
pub async fn viewer(db: &Db, user: &SessionUser) -> Result<wire::auth::Viewer, AppError> {
    let me = me(db, user).await?;
    let has_role = |role: &str| me.roles.iter().any(|r| r == role);
    Ok(wire::auth::Viewer {
        is_creator: has_role("creator"),
        is_student_teacher: has_role("student_teacher"),
        id: me.id,
        name: me.name,
        time_zone: me.time_zone,
        is_admin: user.is_admin,
    })
}

/// The settings page's view of an account.
pub async fn settings(
    db: &Db,
    user: &SessionUser,
) -> Result<wire::auth::AccountSettings, AppError> {
    let (bio, email_status) = store::users::profile_extras(db, &user.id).await?;
    Ok(wire::auth::AccountSettings {
        name: user.name.clone(),
        email: user.email.clone(),
        email_status,
        time_zone: user.time_zone.clone(),
        bio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_zones_are_known_by_their_canonical_names() {
        for zone in [
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Australia/Sydney",
            "Asia/Kolkata",
        ] {
            assert_eq!(canonical_zone(zone).as_deref(), Some(zone));
        }
        assert_eq!(
            canonical_zone("europe/berlin").as_deref(),
            Some("Europe/Berlin")
        );
        for zone in ["", "Mars/Olympus", "GMT+25"] {
            assert_eq!(canonical_zone(zone), None, "{zone}");
        }
    }

    #[test]
    fn the_login_failure_message_is_shared() {
        assert_eq!(
            AppError::InvalidCredentials.to_string(),
            account::LOGIN_FAILED
        );
    }
}
