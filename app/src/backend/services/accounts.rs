use crate::backend::auth::{self, SessionUser};
use crate::backend::db::Db;
use crate::backend::store::{self, new_id};
use crate::domain::account::{
    self, FieldErrors, LOGIN_WINDOW_SECS, check_password, login_allowed, parse_bio, parse_name,
    validate_signup,
};
use crate::error::AppError;
use tower_sessions::Session;

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

pub async fn sign_up(
    db: &Db,
    session: &Session,
    form: SignUp<'_>,
    now: i64,
) -> Result<SessionUser, AppError> {
    let account = validate_signup(
        form.name,
        form.email,
        form.password,
        form.time_zone,
        canonical_zone,
    )
    .map_err(AppError::Invalid)?;
    let hash = auth::hash_password(&account.password).await?;
    let id = new_id();
    let mut tx = db.pool().begin().await?;
    let created = store::users::insert(
        &mut tx,
        store::users::NewUser {
            id: &id,
            name: &account.name,
            email: &account.email.display,
            email_normalized: &account.email.normalized,
            time_zone: &account.time_zone,
            password_hash: &hash,
            now,
        },
    )
    .await?;
    if !created {
        let mut errors = FieldErrors::default();
        errors.add(
            "email",
            "An account with this email already exists. Log in instead.",
        );
        return Err(AppError::Invalid(errors));
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
    login_allowed(
        store::users::count_failures(db, &account_subject, since).await?,
        store::users::count_failures(db, &address_subject, since).await?,
    )
    .map_err(AppError::TooManyRequests)?;

    let (user, hash) = match store::users::find_login(db, &email).await? {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    // Verify even for unknown emails, so the answer takes as long either way.
    if auth::verify_password(hash, password).await
        && let Some(user) = user
    {
        store::users::clear_failures(db, &account_subject).await?;
        auth::start_session(session, &user, now).await?;
        return Ok(user);
    }
    store::users::record_failures(db, &[&account_subject, &address_subject], now, since).await?;
    Err(AppError::InvalidCredentials)
}

/// Logs in as a demo account without its password: local mode only, demo accounts only.
pub async fn demo_log_in(
    state: &crate::backend::AppState,
    session: &Session,
    email: &str,
    now: i64,
) -> Result<SessionUser, AppError> {
    let refused = || AppError::Forbidden("Demo log-ins exist only in local mode.".into());
    if !state.settings.local_mode || !crate::backend::seed::is_demo_email(email) {
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
    let mut tx = db.pool().begin().await?;
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

pub async fn me(db: &Db, user: &SessionUser) -> Result<crate::api::auth::Me, AppError> {
    let courses_taught = store::learning::courses_taught(db, &user.id).await?;
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
    Ok(crate::api::auth::Me {
        id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        time_zone: user.time_zone.clone(),
        roles,
        courses_taught,
    })
}

/// The settings page's view of an account.
pub async fn settings(
    db: &Db,
    user: &SessionUser,
) -> Result<crate::api::auth::AccountSettings, AppError> {
    let (bio, email_status) = store::users::profile_extras(db, &user.id).await?;
    Ok(crate::api::auth::AccountSettings {
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
