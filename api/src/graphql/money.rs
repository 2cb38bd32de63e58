//! `Money`: an exact decimal amount and its currency.

use async_graphql::{
    InputObject, InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value,
};
use rust_decimal::Decimal;

use crate::domain::money::{Money as DomainMoney, RawAmount};

/// An exact amount of money. `amount` is a decimal string, never a float.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(name = "Money")]
pub struct MoneyObject {
    pub amount: Decimal,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}

impl From<DomainMoney> for MoneyObject {
    fn from(m: DomainMoney) -> Self {
        MoneyObject {
            amount: m.amount,
            currency: m.currency,
        }
    }
}

/// An amount as sent. The scalar itself takes a string or a number and
/// judges nothing, so that the domain's refusal (not a decimal string, a
/// number, too precise, over the ceiling) reaches the caller as a
/// `VALIDATION` user error in the payload, with its field, rather than as a
/// top-level error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecimalString(pub RawAmount);

/// A decimal amount as a JSON string: `-?digits(.digits)?`, e.g. `"250.00"`.
/// No exponent (`"1e2"`), no thousands separators. A JSON number (`12.5`)
/// is refused with a `VALIDATION` user error, as it may already have been
/// rounded to a binary float. Never rounded: more decimal places than the
/// currency has is refused too.
#[Scalar(name = "DecimalString")]
impl ScalarType for DecimalString {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) => Ok(DecimalString(RawAmount::Text(text))),
            Value::Number(_) => Ok(DecimalString(RawAmount::Number)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_) | Value::Number(_))
    }

    fn to_value(&self) -> Value {
        match &self.0 {
            RawAmount::Text(text) => Value::String(text.clone()),
            RawAmount::Number => Value::Null,
        }
    }
}

#[derive(Clone, Debug, InputObject)]
pub struct MoneyInput {
    /// A plain decimal string, e.g. `"250.00"` (never a JSON number, no
    /// exponent), with no more decimal places than the currency has. Below
    /// 100000000 major units (at most `"99999999.99"` USD), or below
    /// 100000000000 for currencies whose unit is worth less than about a US
    /// cent (JPY, KRW, IDR, VND, COP …; see `domain::money`). Anything else
    /// is a `VALIDATION` user error.
    pub amount: DecimalString,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}
