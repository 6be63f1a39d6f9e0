//! The ledger keeps every balance per currency: payouts will pay from these balances, and cents
//! of two currencies never add up.

use crate::common::*;
use crate::payments::paid_enrollment;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earner_below_zero_in_one_currency_is_a_breach_whatever_they_hold_in_another() {
    let app = spawn_app().await;
    let (_, _) = paid_enrollment(&app, "two.currencies@example.com").await;
    let payment: String = sqlx::query_scalar("SELECT id FROM payments LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let breaches = backend::services::payments::ledger_check(&app.db)
        .await
        .unwrap();
    assert!(breaches.is_sound(), "{breaches:?}");
    // A Student-Teacher holds 5.00 in dollars and owes 1.00 in euros: not 4.00 of anything.
    let account = format!("st:{}", uuid::Uuid::new_v4());
    for (movement, amount, currency) in [("m-usd", 500, "usd"), ("m-eur", -100, "eur")] {
        let movement = format!("{movement}-{}", uuid::Uuid::new_v4());
        for (account, amount) in [(account.as_str(), amount), ("stripe_clearing", -amount)] {
            sqlx::query(
                "INSERT INTO ledger_entries (id, movement_id, payment_id, account, kind,
                                             amount_cents, currency, created_at)
                 VALUES ($1, $2, $3, $4, 'release', $5, $6, $7)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&movement)
            .bind(&payment)
            .bind(account)
            .bind(amount)
            .bind(currency)
            .bind(now())
            .execute(app.db.pool())
            .await
            .unwrap();
        }
    }
    let breaches = backend::services::payments::ledger_check(&app.db)
        .await
        .unwrap();
    assert_eq!(breaches.negative_earners, 1, "{breaches:?}");
}
