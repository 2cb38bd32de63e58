//! `Money`: an exact decimal amount and its currency.

use async_graphql::{InputObject, SimpleObject};
use rust_decimal::Decimal;

use crate::domain::money::Money as DomainMoney;

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

#[derive(Clone, Debug, InputObject)]
pub struct MoneyInput {
    /// Decimal string, e.g. `"250.00"`.
    pub amount: Decimal,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}
