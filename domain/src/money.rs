//! Exact money: a decimal amount and an ISO 4217 currency. Never a float.
//!
//! An amount is accepted only as a plain decimal string, `-?digits(.digits)?`
//! after trimming: no JSON number (it may have been rounded to a binary
//! float before it reached us: `0.30000000000000004`), no exponent (`1e2`),
//! no thousands separators, no `+`, no leading or trailing point. It is never
//! rounded: more decimal places than the currency has minor units is
//! refused (trailing zeros aside: `10.000` USD is `10.00`), and what is
//! accepted is stored and returned with exactly its digits, rescaled to the
//! currency's minor units.
//!
//! # Upper bound
//! An amount must be below [`ORDINARY_CEILING`] (100 000 000) major units:
//! at most `99999999.99` USD, EUR or GBP. Service recovery (refunds, bill
//! write-offs, vouchers, gift cards) rarely reaches a few thousand and the
//! largest hospital bills written off run to a few million, so this leaves
//! an order of magnitude to spare while refusing typing slips and absurd
//! values such as `9999999999999999.99`. For currencies whose major unit is
//! worth less than about one US cent ([`TINY_UNIT_CURRENCIES`]: JPY, KRW,
//! IDR, VND, COP …) the ceiling is a thousand times higher,
//! [`TINY_UNIT_CEILING`] (100 000 000 000) major units, so that the bound
//! means roughly the same value everywhere (10^11 VND is about 4 million
//! USD). The list is by order of magnitude, not by exchange rate, and needs
//! revisiting only when a currency is redenominated.
//!
//! Either way every accepted amount, counted in minor units, is below
//! 2^53: a client that reads the decimal string into a double cannot lose
//! a minor unit.

use std::str::FromStr;

use iso_currency::Currency;
use rust_decimal::Decimal;

/// Amounts must be below this many major units in most currencies.
pub const ORDINARY_CEILING: u64 = 100_000_000;
/// Amounts must be below this many major units in [`TINY_UNIT_CURRENCIES`].
pub const TINY_UNIT_CEILING: u64 = 100_000_000_000;

/// Currencies whose major unit is worth less than about one US cent
/// (order of magnitude, 2025): their ceiling is [`TINY_UNIT_CEILING`].
pub const TINY_UNIT_CURRENCIES: &[&str] = &[
    "AMD", "AOA", "ARS", "BDT", "BIF", "CDF", "CLP", "COP", "CRC", "CVE", "DJF", "DZD", "ETB",
    "GNF", "GYD", "HTG", "HUF", "IDR", "IQD", "IRR", "ISK", "JMD", "JPY", "KES", "KHR", "KMF",
    "KRW", "KZT", "LAK", "LBP", "LKR", "LRD", "MGA", "MMK", "MNT", "MWK", "NGN", "NPR", "PKR",
    "PYG", "RSD", "RWF", "SDG", "SLL", "SOS", "SYP", "TZS", "UGX", "UZS", "VND", "VUV", "XAF",
    "XOF", "XPF", "YER",
];

/// The amount as the caller sent it, before any judgement: the GraphQL
/// layer hands over what arrived, and [`Money::parse_raw`] decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawAmount {
    /// A string, to be read as a plain decimal.
    Text(String),
    /// A JSON number (or a GraphQL int or float literal): refused, as it
    /// may already have been rounded on its way here.
    Number,
}

impl From<&str> for RawAmount {
    fn from(text: &str) -> Self {
        RawAmount::Text(text.to_owned())
    }
}

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
    #[error(
        "amount must be a decimal string such as \"12.50\", not a number: a number may already have been rounded"
    )]
    NotAString,
    #[error(
        "amount must be a plain decimal string such as \"12.50\": digits, an optional leading '-' and one decimal point; no exponent, no thousands separators"
    )]
    NotADecimal,
    #[error("amount must not be negative")]
    Negative,
    #[error("amount has more decimal places than {currency} allows ({allowed})")]
    TooPrecise { currency: String, allowed: u16 },
    #[error("amount must be less than {ceiling} {currency}")]
    TooLarge { currency: String, ceiling: u64 },
}

/// The ceiling of `code`, in major units (exclusive).
pub fn ceiling(code: &str) -> u64 {
    if TINY_UNIT_CURRENCIES.contains(&code) {
        TINY_UNIT_CEILING
    } else {
        ORDINARY_CEILING
    }
}

impl Money {
    /// The only way to a new amount: a plain decimal string and a known
    /// currency, non-negative, below the currency's [`ceiling`], with no
    /// more decimal places than the currency has minor units. Rescaled to
    /// those minor units, never rounded.
    pub fn parse(amount: &str, currency: &str) -> Result<Money, MoneyError> {
        let text = amount.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (unsigned, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (unsigned.contains('.') && !digits(fraction)) {
            return Err(MoneyError::NotADecimal);
        }
        let code = currency.trim().to_ascii_uppercase();
        let cur = Currency::from_code(&code).ok_or(MoneyError::UnknownCurrency)?;
        let whole = whole.trim_start_matches('0');
        let fraction = fraction.trim_end_matches('0');
        if negative && !(whole.is_empty() && fraction.is_empty()) {
            return Err(MoneyError::Negative);
        }
        let allowed = cur.exponent().unwrap_or(0);
        if fraction.len() > usize::from(allowed) {
            return Err(MoneyError::TooPrecise {
                currency: code,
                allowed,
            });
        }
        let ceiling = ceiling(&code);
        // Below the ceiling means fewer digits than it has, less one (it is
        // a power of ten); this also keeps the text far inside Decimal.
        if whole.len() >= ceiling.to_string().len() {
            return Err(MoneyError::TooLarge {
                currency: code,
                ceiling,
            });
        }
        let whole = if whole.is_empty() { "0" } else { whole };
        let canonical = format!("{whole}.{fraction:0<width$}", width = usize::from(allowed));
        let mut amount = Decimal::from_str(&canonical).map_err(|_| MoneyError::NotADecimal)?;
        amount.rescale(u32::from(allowed));
        Ok(Money {
            amount,
            currency: code,
        })
    }

    /// [`Money::parse`] of what the caller sent: a number is refused.
    pub fn parse_raw(amount: &RawAmount, currency: &str) -> Result<Money, MoneyError> {
        match amount {
            RawAmount::Text(text) => Money::parse(text, currency),
            RawAmount::Number => Err(MoneyError::NotAString),
        }
    }

    /// [`Money::parse`] of a decimal held in code (seed data, tests): the
    /// same rules.
    pub fn new(amount: Decimal, currency: &str) -> Result<Money, MoneyError> {
        Money::parse(&amount.to_string(), currency)
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

    fn too_precise(currency: &str, allowed: u16) -> MoneyError {
        MoneyError::TooPrecise {
            currency: currency.into(),
            allowed,
        }
    }

    fn too_large(currency: &str, ceiling: u64) -> MoneyError {
        MoneyError::TooLarge {
            currency: currency.into(),
            ceiling,
        }
    }

    #[test]
    fn parse_table() {
        use MoneyError::{Negative, NotADecimal, UnknownCurrency};
        #[allow(clippy::type_complexity)] // a table of cases, read row by row
        let cases: &[(&str, &str, Result<(&str, &str), MoneyError>)] = &[
            ("250", "USD", Ok(("250.00", "USD"))),
            ("250.5", "usd", Ok(("250.50", "USD"))),
            ("  12.50 ", "USD", Ok(("12.50", "USD"))),
            ("0", "EUR", Ok(("0.00", "EUR"))),
            ("-0", "EUR", Ok(("0.00", "EUR"))),
            ("-0.00", "USD", Ok(("0.00", "USD"))),
            ("000123.40", "USD", Ok(("123.40", "USD"))),
            ("1000", "JPY", Ok(("1000", "JPY"))),
            ("1000.000", "JPY", Ok(("1000", "JPY"))),
            ("10.000", "USD", Ok(("10.00", "USD"))),
            ("1.234", "KWD", Ok(("1.234", "KWD"))),
            ("0.30000000000000004", "USD", Err(too_precise("USD", 2))),
            ("10.001", "USD", Err(too_precise("USD", 2))),
            ("10.5", "JPY", Err(too_precise("JPY", 0))),
            ("-1", "USD", Err(Negative)),
            ("-0.01", "USD", Err(Negative)),
            ("1", "XYZ", Err(UnknownCurrency)),
            ("1", "", Err(UnknownCurrency)),
            // Only a plain decimal string.
            ("1e2", "USD", Err(NotADecimal)),
            ("1E2", "USD", Err(NotADecimal)),
            ("1.5e-3", "USD", Err(NotADecimal)),
            ("1,000.00", "USD", Err(NotADecimal)),
            ("1 000", "USD", Err(NotADecimal)),
            ("1_000", "USD", Err(NotADecimal)),
            ("+12", "USD", Err(NotADecimal)),
            (".5", "USD", Err(NotADecimal)),
            ("5.", "USD", Err(NotADecimal)),
            ("1.2.3", "USD", Err(NotADecimal)),
            ("--1", "USD", Err(NotADecimal)),
            ("", "USD", Err(NotADecimal)),
            ("-", "USD", Err(NotADecimal)),
            ("NaN", "USD", Err(NotADecimal)),
            ("Infinity", "USD", Err(NotADecimal)),
            ("0x10", "USD", Err(NotADecimal)),
            ("١٢", "USD", Err(NotADecimal)),
            ("12.50", "US D", Err(UnknownCurrency)),
            // The ceiling: below 10^8 major units, 10^11 for tiny units.
            ("99999999.99", "USD", Ok(("99999999.99", "USD"))),
            ("100000000", "USD", Err(too_large("USD", ORDINARY_CEILING))),
            (
                "100000000.00",
                "EUR",
                Err(too_large("EUR", ORDINARY_CEILING)),
            ),
            (
                "9999999999999999.99",
                "USD",
                Err(too_large("USD", ORDINARY_CEILING)),
            ),
            ("0099999999.990", "USD", Ok(("99999999.99", "USD"))),
            ("99999999.999", "KWD", Ok(("99999999.999", "KWD"))),
            ("99999999999", "JPY", Ok(("99999999999", "JPY"))),
            (
                "100000000000",
                "JPY",
                Err(too_large("JPY", TINY_UNIT_CEILING)),
            ),
            ("99999999999.99", "IDR", Ok(("99999999999.99", "IDR"))),
            ("99999999999", "VND", Ok(("99999999999", "VND"))),
            (
                "99999999999999999999999999999999999",
                "USD",
                Err(too_large("USD", ORDINARY_CEILING)),
            ),
            (
                "1.000000000000000000000000000000000000",
                "USD",
                Ok(("1.00", "USD")),
            ),
        ];
        for (amount, currency, expected) in cases {
            let got = Money::parse(amount, currency).map(|m| (m.amount.to_string(), m.currency));
            let expected = expected
                .as_ref()
                .map(|(a, c)| ((*a).to_owned(), (*c).to_owned()))
                .map_err(Clone::clone);
            assert_eq!(got, expected, "{amount:?} {currency}");
        }
    }

    #[test]
    fn a_number_is_refused_whatever_its_value() {
        assert_eq!(
            Money::parse_raw(&RawAmount::Number, "USD"),
            Err(MoneyError::NotAString)
        );
        assert_eq!(
            Money::parse_raw(&RawAmount::from("12.5"), "USD").map(|m| m.amount.to_string()),
            Ok("12.50".to_owned())
        );
    }

    #[test]
    fn decimals_in_code_follow_the_same_rules() {
        let cases: &[(Decimal, Result<&str, MoneyError>)] = &[
            (Decimal::new(25_000, 2), Ok("250.00")),
            (Decimal::new(1, 3), Err(too_precise("USD", 2))),
            (Decimal::new(-1, 0), Err(MoneyError::Negative)),
            (
                Decimal::new(1, 0) * Decimal::new(100_000_000, 0),
                Err(too_large("USD", ORDINARY_CEILING)),
            ),
        ];
        for (amount, expected) in cases {
            let got = Money::new(*amount, "USD").map(|m| m.amount.to_string());
            assert_eq!(got, expected.clone().map(str::to_owned), "{amount}");
        }
    }

    #[test]
    fn ceilings_are_known_currencies_and_safe_in_a_double() {
        let max_safe = 2_u64.pow(53);
        for code in TINY_UNIT_CURRENCIES {
            let cur = Currency::from_code(code);
            assert!(cur.is_some(), "{code} is not an ISO 4217 code");
            let exponent = cur.and_then(|c| c.exponent()).unwrap_or(0);
            assert!(
                TINY_UNIT_CEILING * 10_u64.pow(u32::from(exponent)) < max_safe,
                "{code}"
            );
        }
        for code in ["USD", "EUR", "KWD", "CLF"] {
            let exponent = Currency::from_code(code)
                .and_then(|c| c.exponent())
                .unwrap_or(0);
            assert!(
                ORDINARY_CEILING * 10_u64.pow(u32::from(exponent)) < max_safe,
                "{code}"
            );
            assert_eq!(ceiling(code), ORDINARY_CEILING);
        }
        assert_eq!(ceiling("JPY"), TINY_UNIT_CEILING);
    }
}
