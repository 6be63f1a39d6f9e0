//! Money is an integer number of minor units (cents) in one ISO 4217 currency.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative amount in a currency's minor unit, e.g. 2500 USD cents = $25.00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub cents: i64,
    pub currency: Currency,
}

/// The currencies PeerLoop prices in. All of them have two decimal places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Currency {
    Usd,
    Eur,
    Gbp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code {0:?}")]
    UnknownCurrency(String),
    #[error("amounts cannot be negative")]
    Negative,
    #[error("write the amount as 25, 25.5 or 25.50")]
    Unreadable,
    #[error("a price is more than zero")]
    NotAPrice,
    #[error("a price is at most 10,000.00")]
    PriceTooHigh,
}

/// The most anything on PeerLoop may cost: a guard against a typo's extra zeros, far below what
/// Stripe Checkout accepts.
pub const MAX_PRICE_CENTS: i64 = 1_000_000;

/// A price someone set, checked: more than zero and at most `MAX_PRICE_CENTS`.
pub fn check_price(cents: i64) -> Result<i64, MoneyError> {
    match cents {
        ..=0 => Err(MoneyError::NotAPrice),
        1..=MAX_PRICE_CENTS => Ok(cents),
        _ => Err(MoneyError::PriceTooHigh),
    }
}

/// An amount a person typed ("25", "25.5", "$1,250.00") in cents. At most two decimals; no
/// sign, no exponent, nothing a float would round.
pub fn parse_cents(text: &str) -> Result<i64, MoneyError> {
    let digits: String = text
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, fraction) = digits.split_once('.').unwrap_or((&digits, ""));
    let all_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > 2
        || whole.len() > 12
    {
        return Err(MoneyError::Unreadable);
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| MoneyError::Unreadable)?
    };
    let fraction: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| MoneyError::Unreadable)?;
    Ok(whole * 100 + fraction)
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Usd => "usd",
            Currency::Eur => "eur",
            Currency::Gbp => "gbp",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Currency::Usd => "$",
            Currency::Eur => "€",
            Currency::Gbp => "£",
        }
    }

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        match code.to_ascii_lowercase().as_str() {
            "usd" => Ok(Currency::Usd),
            "eur" => Ok(Currency::Eur),
            "gbp" => Ok(Currency::Gbp),
            _ => Err(MoneyError::UnknownCurrency(code.to_owned())),
        }
    }
}

impl Money {
    pub fn new(cents: i64, currency: Currency) -> Result<Self, MoneyError> {
        if cents < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Money { cents, currency })
    }

    pub fn is_free(self) -> bool {
        self.cents == 0
    }

    /// The amount alone, as spreadsheets and exports read it: "1250.00", no symbol or grouping.
    pub fn decimal(self) -> String {
        format!("{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

impl fmt::Display for Money {
    /// "$25.00", "€9.50", with thousands separators ("$1,250.00").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.cents / 100;
        let fraction = self.cents % 100;
        let digits = whole.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{}{grouped}.{fraction:02}", self.currency.symbol())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_symbol_and_two_decimals() {
        let price = Money::new(2500, Currency::Usd).unwrap();
        assert_eq!(price.to_string(), "$25.00");
        assert_eq!(Money::new(5, Currency::Eur).unwrap().to_string(), "€0.05");
        assert_eq!(
            Money::new(125_000, Currency::Gbp).unwrap().to_string(),
            "£1,250.00"
        );
        assert_eq!(
            Money::new(123_456_789, Currency::Usd).unwrap().to_string(),
            "$1,234,567.89"
        );
    }

    #[test]
    fn prices_are_positive_and_bounded() {
        assert_eq!(check_price(0), Err(MoneyError::NotAPrice));
        assert_eq!(check_price(-250), Err(MoneyError::NotAPrice));
        assert_eq!(check_price(1), Ok(1));
        assert_eq!(check_price(MAX_PRICE_CENTS), Ok(MAX_PRICE_CENTS));
        assert_eq!(
            check_price(MAX_PRICE_CENTS + 1),
            Err(MoneyError::PriceTooHigh)
        );
    }

    #[test]
    fn decimal_is_the_bare_amount() {
        assert_eq!(
            Money::new(125_005, Currency::Usd).unwrap().decimal(),
            "1250.05"
        );
        assert_eq!(Money::new(7, Currency::Gbp).unwrap().decimal(), "0.07");
    }

    #[test]
    fn rejects_negative_amounts_and_unknown_currencies() {
        assert_eq!(Money::new(-1, Currency::Usd), Err(MoneyError::Negative));
        assert_eq!(Currency::parse("USD"), Ok(Currency::Usd));
        assert!(matches!(
            Currency::parse("btc"),
            Err(MoneyError::UnknownCurrency(_))
        ));
    }

    #[test]
    fn typed_amounts_become_cents_exactly() {
        for (text, cents) in [
            ("25", 2500),
            ("25.5", 2550),
            ("25.05", 2505),
            (" $1,250.00 ", 125_000),
            (".99", 99),
            ("0", 0),
        ] {
            assert_eq!(parse_cents(text), Ok(cents), "{text}");
        }
        for text in ["", "-5", "1.005", "1e3", "abc", "12.3.4", "."] {
            assert_eq!(parse_cents(text), Err(MoneyError::Unreadable), "{text}");
        }
    }

    proptest! {
        #[test]
        fn what_is_shown_reads_back_as_the_same_cents(cents in 0i64..10_000_000_000) {
            let shown = Money::new(cents, Currency::Usd).unwrap().to_string();
            prop_assert_eq!(parse_cents(&shown), Ok(cents));
        }

        #[test]
        fn display_round_trips_to_the_same_cents(cents in 0i64..10_000_000_000) {
            let shown = Money::new(cents, Currency::Usd).unwrap().to_string();
            let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(digits.parse::<i64>().unwrap(), cents);
        }
    }
}
