//! Use cases. A service validates input into domain types, owns the transaction, and returns
//! wire types; REST handlers and server functions both call these.

pub mod accounts;
pub mod availability;
pub mod booking;
pub mod booking_page;
pub mod catalog;
pub mod dashboards;
pub mod earnings;
pub mod learning;
pub mod mail;
pub mod payments;

/// An amount as stored (cents and a currency code) as `Money`. A value outside the domain is a
/// corrupt row: logged, and the request fails rather than showing a wrong price.
pub(crate) fn stored_money(
    cents: i64,
    currency: &str,
) -> Result<domain::money::Money, wire::error::AppError> {
    domain::money::Currency::parse(currency)
        .and_then(|currency| domain::money::Money::new(cents, currency))
        .map_err(|error| {
            tracing::error!(%error, cents, currency, "a stored amount is outside the domain");
            wire::error::AppError::Internal
        })
}
