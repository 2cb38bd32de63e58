//! Refusals in a specialist's words: no message a client gets names a
//! permission, a role or a Rust type by its internal name, a Rust path, a
//! SQL fragment or a library. Every GraphQL response a test receives
//! through [`TestApp::graphql`](super::TestApp::graphql) is checked (its
//! top-level errors and every `userErrors` list in its data), so every
//! refusal the role × operation tests and the authorization walk provoke
//! is checked too.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use redress_api::domain::actor::Role;
use redress_api::domain::permissions::Operation;
use serde_json::Value;

/// Internal identifiers: the domain's permissions and roles (from its
/// enums, so a new one is covered) and the error types between layers.
fn internal_names() -> &'static BTreeSet<String> {
    static NAMES: OnceLock<BTreeSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let camel = |name: &String| name.chars().filter(char::is_ascii_uppercase).count() > 1;
        let enums = Operation::ALL
            .iter()
            .map(|op| format!("{op:?}"))
            .chain(Role::ALL.iter().map(|role| format!("{role:?}")))
            .filter(camel);
        let types = [
            "ServiceError",
            "RefusalCode",
            "ViolationKind",
            "FieldError",
            "TextError",
            "RebuildError",
            "ApiError",
            "DbErr",
            "RuntimeErr",
            "SqlxError",
            "NotFound",
            "InvalidTransition",
            "GuardFailed",
            "NodeKind",
            "Uuid",
        ];
        enums.chain(types.map(str::to_owned)).collect()
    })
}

/// SQL keywords, as whole upper-case words.
const SQL: &[&str] = &[
    "SELECT",
    "INSERT",
    "DELETE",
    "WHERE",
    "JOIN",
    "RETURNING",
    "VALUES",
    "SQLSTATE",
];

/// Fragments no client message holds, anywhere.
const FRAGMENTS: &[&str] = &[
    "::", "sqlx", "sea_orm", "sea-orm", "panicked", "rusqlite", "tokio", "actix", ".rs:",
];

/// What is internal about `message`, if anything.
pub fn internal_names_in(message: &str) -> Vec<String> {
    let mut found: Vec<String> = FRAGMENTS
        .iter()
        .filter(|f| message.contains(**f))
        .map(|f| (*f).to_owned())
        .collect();
    for word in message.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let snake = word.contains('_')
            && word.chars().any(|c| c.is_ascii_lowercase())
            && word.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if internal_names().contains(word) || SQL.contains(&word) || snake {
            found.push(word.to_owned());
        }
    }
    found
}

/// Every error and user error message in a GraphQL response body.
pub fn messages(body: &Value) -> Vec<&str> {
    fn walk<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    if key == "userErrors" || key == "errors" {
                        out.extend(
                            v.as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|e| e["message"].as_str()),
                        );
                    }
                    walk(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, &mut out);
    out
}

/// Panics when a message in `body` names something internal.
pub fn assert_plain_messages(body: &Value) {
    for message in messages(body) {
        let found = internal_names_in(message);
        assert!(
            found.is_empty(),
            "a client message names internals {found:?}: {message:?}"
        );
    }
}

#[test]
fn internal_names_are_found() {
    for (message, internal) in [
        (
            "your roles do not allow this (WorkAccessibilityRequest)",
            true,
        ),
        ("not for a PatientRelationsManager", true),
        ("error returned from database: SELECT 1", true),
        ("redress_api::services::scope failed", true),
        ("thread 'actix-rt' panicked at src/x.rs:3", true),
        ("column complaint_event.sequence is null", true),
        ("DbErr(Custom)", true),
        (
            "your roles do not allow you to work accessibility requests",
            false,
        ),
        ("cannot ACKNOWLEDGE a complaint that is RESOLVED", false),
        ("Unknown field \"fooBar\" on type \"Complaint\".", false),
    ] {
        assert_eq!(
            !internal_names_in(message).is_empty(),
            internal,
            "{message}"
        );
    }
}
