//! Enums with one stored spelling per variant: the `Spelled` trait and the
//! `spelled_enum!` macro every such enum of the domain is defined with.

/// An enum with one SCREAMING_SNAKE spelling per variant (`spelled_enum!`).
pub trait Spelled: Copy + Eq {
    fn spelled(self) -> &'static str;
}

/// Defines a fieldless enum with its SCREAMING_SNAKE_CASE spelling, `ALL`,
/// `as_str` and `parse`, so the stored text and the API agree.
///
/// With the `graphql` feature (the API turns it on) the enum is also an
/// async-graphql `Enum` with the same spellings and these doc comments as
/// its descriptions: the API's enums are these types, so a variant, a
/// spelling or a doc cannot differ between the domain and the schema. The
/// GraphQL name is the Rust name unless the invocation gives
/// `#[cfg_attr(feature = "graphql", graphql(name = "…"))]`.
macro_rules! spelled_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        #[cfg_attr(feature = "graphql", derive(::async_graphql::Enum))]
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] #[cfg_attr(feature = "graphql", graphql(name = $text))] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::spelled::Spelled for $name {
            fn spelled(self) -> &'static str {
                self.as_str()
            }
        }
    };
}
pub(crate) use spelled_enum;
