//! sea-orm entities: the shape of the tables and nothing else.
//!
//! GraphQL types live in `redress-api`; these models never reach the API directly.

pub mod facility;

pub mod prelude {
    pub use crate::facility::Entity as Facility;
}
