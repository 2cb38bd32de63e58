//! Periods (`Span`): a deadline policy's limits and a complaint's
//! extensions.

use async_graphql::{InputObject, SimpleObject};

use crate::domain::clocks as domain_clocks;
use crate::graphql::enums::TimeUnit;

/// A period: an amount of a unit.
#[derive(SimpleObject, Clone, Copy)]
pub struct Span {
    pub amount: i32,
    pub unit: TimeUnit,
}

impl From<domain_clocks::Span> for Span {
    fn from(s: domain_clocks::Span) -> Self {
        Span {
            amount: i32::try_from(s.amount).unwrap_or(i32::MAX),
            unit: s.unit,
        }
    }
}

#[derive(InputObject, Clone, Copy)]
pub struct SpanInput {
    /// At least 1.
    pub amount: i32,
    pub unit: TimeUnit,
}

impl SpanInput {
    pub fn to_domain(self) -> domain_clocks::Span {
        domain_clocks::Span {
            amount: u32::try_from(self.amount).unwrap_or(0),
            unit: self.unit,
        }
    }
}
