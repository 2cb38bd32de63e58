//! GraphQL leaf types and plumbing every record's module shares: people and
//! patients, stamps, periods, global ids in inputs, paging, payloads, the
//! run of a command, and the read log of linked records. Nothing here knows a particular record,
//! so every record module may import from here and none from another.

pub mod command;
pub mod ids;
pub mod paging;
pub mod payload;
pub mod people;
pub mod reads;
pub mod span;

pub use command::run;
pub use ids::{complaint_filter, optional_uuid_of, uuid_of};
pub use paging::{ConnectionFields, DEFAULT_PAGE_SIZE, after_cursor, connection, page_size};
pub use payload::{Payload, UserError, UserErrorCode, payload, refused_payload, user_errors};
pub use people::{Patient, PatientInput, Reasoned, Stamped, UserRef};
pub use reads::{ReadConnection, ReadNode};
pub use span::{Span, SpanInput};
