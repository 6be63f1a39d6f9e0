//! A Student-Teacher's earnings as `/payments` and its CSV show them: every movement of their
//! ledger account, newest first, with where each stands (held through the student's 48 hours to
//! dispute, or available; domain::earnings), and their totals held and available.

use crate::auth::SessionUser;
use crate::db::Db;
use crate::services::booking::{instant_in, when_in};
use crate::store::booking::{DISPUTE_COLUMNS, dispute_of};
use domain::earnings::Standing;
use domain::money::Money;
use sqlx::AnyConnection;
use wire::error::AppError;

/// One movement of a Student-Teacher's earnings.
pub struct EarningLine {
    /// The day it was posted, in the viewer's zone ("3 Dec 2026").
    pub on: String,
    pub course_title: String,
    pub student_name: String,
    /// The session it was for, in the viewer's zone; none for a refund of the student's payment.
    pub session: Option<String>,
    pub entry: Entry,
    /// Earned, or taken back.
    pub amount: Money,
    pub taken_back: bool,
    /// Where it stands, in words ("Held until Sat 5 Dec, 14:00").
    pub standing: String,
}

/// What moved the money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    SessionTaught,
    /// An admin decided the session did not take place.
    SessionDidNotHappen,
    /// The student's payment was refunded.
    Refund,
}

impl Entry {
    /// As the CSV names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Entry::SessionTaught => "session taught",
            Entry::SessionDidNotHappen => "session did not take place",
            Entry::Refund => "refund",
        }
    }
}

impl EarningLine {
    /// "$12.25", or "−$12.25" taken back.
    pub fn amount_shown(&self) -> String {
        if self.taken_back {
            format!("−{}", self.amount)
        } else {
            self.amount.to_string()
        }
    }

    /// "12.25", or "-12.25" taken back, for a spreadsheet.
    pub fn amount_decimal(&self) -> String {
        if self.taken_back {
            format!("-{}", self.amount.decimal())
        } else {
            self.amount.decimal()
        }
    }
}

/// The viewer's earnings as a Student-Teacher in one currency: (held, available).
pub struct Totals {
    pub held: Money,
    pub available: Money,
}

fn account_of(user: &SessionUser) -> String {
    domain::ledger::Account::StudentTeacher(user.id.clone()).key()
}

/// The viewer's earning lines, newest first (the latest 500).
pub async fn earning_lines(
    conn: &mut AnyConnection,
    user: &SessionUser,
    now: i64,
) -> Result<Vec<EarningLine>, AppError> {
    // Kind, posted at, currency, amount, course, student, whether the payment was refunded in
    // full (1); the session's start, end, marking and dispute when the movement was for one.
    type Row = (
        String,
        i64,
        String,
        i64,
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT e.kind, MIN(e.created_at), e.currency, CAST(SUM(e.amount_cents) AS BIGINT),
                c.title, u.name,
                CAST(CASE WHEN p.refunded_cents >= p.amount_cents THEN 1 ELSE 0 END AS BIGINT),
                b.start_at, b.end_at, b.taught_at, {DISPUTE_COLUMNS}
           FROM ledger_entries e JOIN payments p ON p.id = e.payment_id
           JOIN courses c ON c.id = p.course_id JOIN users u ON u.id = p.user_id
           LEFT JOIN bookings b ON b.id = e.booking_id
          WHERE e.account = $1
          GROUP BY e.movement_id, e.kind, e.currency, c.title, u.name, p.refunded_cents,
                   p.amount_cents, b.start_at, b.end_at,
                   b.taught_at, b.disputed_at, b.dispute_session_happened
          ORDER BY MIN(e.created_at) DESC, e.movement_id DESC LIMIT 500"
    ))
    .bind(account_of(user))
    .fetch_all(&mut *conn)
    .await?;
    let zone = jiff::tz::TimeZone::get(&user.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    rows.into_iter()
        .map(
            |(
                kind,
                posted_at,
                currency,
                cents,
                course_title,
                student_name,
                refunded_in_full,
                start,
                end,
                taught_at,
                disputed_at,
                happened,
            )| {
                let session = start
                    .zip(end)
                    .map(|(start, end)| when_in(start, end, &user.time_zone));
                let entry = match (kind.as_str(), cents < 0) {
                    ("refund", _) => Entry::Refund,
                    (_, true) => Entry::SessionDidNotHappen,
                    (_, false) => Entry::SessionTaught,
                };
                let standing = match entry {
                    // A session's earning its payment's full refund took back is no longer
                    // held or available.
                    Entry::Refund => REFUNDED.to_owned(),
                    Entry::SessionTaught if refunded_in_full == 1 => REFUNDED.to_owned(),
                    Entry::SessionDidNotHappen => "The session did not take place".to_owned(),
                    Entry::SessionTaught => {
                        let standing = domain::earnings::standing(
                            taught_at.unwrap_or(posted_at),
                            dispute_of(disputed_at, happened),
                            now,
                        );
                        standing_shown(standing, &user.time_zone)
                    }
                };
                let on = jiff::Timestamp::from_second(posted_at)
                    .map(|at| {
                        at.to_zoned_datetime(zone.clone())
                            .strftime("%-d %b %Y")
                            .to_string()
                    })
                    .unwrap_or_default();
                Ok(EarningLine {
                    on,
                    course_title,
                    student_name,
                    session,
                    entry,
                    amount: super::stored_money(cents.abs(), &currency)?,
                    taken_back: cents < 0,
                    standing,
                })
            },
        )
        .collect()
}

const REFUNDED: &str = "Refunded to the student";

fn standing_shown(standing: Standing, time_zone: &str) -> String {
    match standing {
        Standing::HeldUntil(until) => format!("Held until {}", instant_in(until, time_zone)),
        Standing::Disputed => "Held: the student disputes it".to_owned(),
        Standing::TakenBack => "Taken back".to_owned(),
        Standing::Available => "Available".to_owned(),
    }
}

/// The viewer's earnings per currency, held and available.
pub async fn totals(
    conn: &mut AnyConnection,
    user: &SessionUser,
    now: i64,
) -> Result<Vec<Totals>, AppError> {
    let account = account_of(user);
    // What each session that may still be held left the viewer. The filter only narrows the
    // rows down (recently marked, or disputed and undecided); domain::earnings decides.
    // Currency, what the session left the viewer, when it was marked taught, its dispute.
    type HeldRow = (String, i64, i64, Option<i64>, Option<i64>);
    let sessions: Vec<HeldRow> = sqlx::query_as(&format!(
        "SELECT e.currency, CAST(SUM(e.amount_cents) AS BIGINT), b.taught_at,
                    {DISPUTE_COLUMNS}
               FROM ledger_entries e JOIN bookings b ON b.id = e.booking_id
              WHERE e.account = $1 AND b.taught_at IS NOT NULL
                AND (b.taught_at >= $2 OR (b.disputed_at IS NOT NULL
                                           AND b.dispute_decided_at IS NULL))
              GROUP BY e.booking_id, e.currency, b.taught_at, b.disputed_at,
                       b.dispute_session_happened"
    ))
    .bind(&account)
    .bind(now - domain::earnings::DISPUTE_WINDOW_SECS)
    .fetch_all(&mut *conn)
    .await?;
    let held_in = |code: &str| {
        sessions
            .iter()
            .filter(|(currency, _, taught_at, disputed_at, happened)| {
                currency == code
                    && domain::earnings::standing(
                        *taught_at,
                        dispute_of(*disputed_at, *happened),
                        now,
                    )
                    .is_held()
            })
            .map(|(_, cents, ..)| cents)
            .sum::<i64>()
    };
    crate::store::payments::balances_by_currency(conn, &account)
        .await?
        .into_iter()
        .map(|(currency, balance)| {
            let (held, available) =
                domain::earnings::held_and_available(balance, held_in(&currency));
            Ok(Totals {
                held: super::stored_money(held, &currency)?,
                available: super::stored_money(available, &currency)?,
            })
        })
        .collect()
}

/// The viewer's earning lines, for the CSV export.
pub async fn earning_records(
    db: &Db,
    user: &SessionUser,
    now: i64,
) -> Result<Vec<EarningLine>, AppError> {
    let mut conn = db.pool().acquire().await?;
    earning_lines(&mut conn, user, now).await
}
