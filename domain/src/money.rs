//! Exact money: a decimal amount and an ISO 4217 currency. Never a float.

use std::str::FromStr;

use iso_currency::Currency;
use rust_decimal::Decimal;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Money {
    pub amount: Decimal,
    /// ISO 4217 alphabetic code, upper case.
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("currency must be an ISO 4217 code such as USD")]
    UnknownCurrency,
    #[error("amount must not be negative")]
    Negative,
    #[error("amount has more decimal places than {currency} allows ({allowed})")]
    TooPrecise { currency: String, allowed: u16 },
}

impl Money {
    /// Validates and normalises: known currency, non-negative, no more
    /// decimal places than the currency has minor units.
    pub fn new(amount: Decimal, currency: &str) -> Result<Money, MoneyError> {
        let code = currency.trim().to_ascii_uppercase();
        let cur = Currency::from_code(&code).ok_or(MoneyError::UnknownCurrency)?;
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        let allowed = cur.exponent().unwrap_or(0);
        let normalized = amount.normalize();
        if normalized.scale() > u32::from(allowed) {
            return Err(MoneyError::TooPrecise {
                currency: code,
                allowed,
            });
        }
        let mut amount = normalized;
        amount.rescale(u32::from(allowed));
        Ok(Money {
            amount,
            currency: code,
        })
    }

    /// Rebuilds a stored value (canonical decimal string and code).
    pub fn from_stored(amount: &str, currency: &str) -> Option<Money> {
        Some(Money {
            amount: Decimal::from_str(amount).ok()?,
            currency: currency.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn validation_table() {
        let cases: &[(&str, &str, Result<(&str, &str), MoneyError>)] = &[
            ("250", "USD", Ok(("250.00", "USD"))),
            ("250.5", "usd", Ok(("250.50", "USD"))),
            ("0", "EUR", Ok(("0.00", "EUR"))),
            ("1000", "JPY", Ok(("1000", "JPY"))),
            ("10.000", "USD", Ok(("10.00", "USD"))),
            (
                "10.001",
                "USD",
                Err(MoneyError::TooPrecise {
                    currency: "USD".into(),
                    allowed: 2,
                }),
            ),
            (
                "10.5",
                "JPY",
                Err(MoneyError::TooPrecise {
                    currency: "JPY".into(),
                    allowed: 0,
                }),
            ),
            ("-1", "USD", Err(MoneyError::Negative)),
            ("1", "XYZ", Err(MoneyError::UnknownCurrency)),
            ("1", "", Err(MoneyError::UnknownCurrency)),
        ];
        for (amount, currency, expected) in cases {
            let got = Money::new(dec(amount), currency).map(|m| (m.amount.to_string(), m.currency));
            let expected = expected
                .as_ref()
                .map(|(a, c)| ((*a).to_owned(), (*c).to_owned()))
                .map_err(Clone::clone);
            assert_eq!(got, expected, "{amount} {currency}");
        }
    }
}
