//! Checks on a parsed document before it runs: which kind of operation it
//! is (no mutation over GET), how many aliases it uses, and whether a value
//! in it holds a NUL character.

use async_graphql::Name;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use serde::Serialize;

/// The type of the operation that will run, if the document names it
/// unambiguously.
pub fn operation_type(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), None) => Some(op.node.ty),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Whether any operation in the document is a mutation (or a subscription).
pub fn has_non_query(doc: &ExecutableDocument) -> bool {
    doc.operations
        .iter()
        .any(|(_, op)| op.node.ty != OperationType::Query)
}

/// Counts the aliases written in the document: in every operation and every
/// fragment definition, once each.
pub fn alias_count(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + walk(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    doc.operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum::<usize>()
        + doc
            .fragments
            .values()
            .map(|f| walk(&f.node.selection_set.node))
            .sum::<usize>()
}

/// Whether a string anywhere in `value` (object keys included) holds a NUL
/// character. No record can contain one, and PostgreSQL refuses it in text
/// outright, so a lookup by such a string would fail as a fault.
pub fn json_has_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(json_has_nul),
        serde_json::Value::Object(map) => {
            map.iter().any(|(k, v)| k.contains('\0') || json_has_nul(v))
        }
        _ => false,
    }
}

/// Whether a value written in the document (a field's or a directive's
/// argument, a variable's default) holds a NUL character.
pub fn has_nul(doc: &ExecutableDocument) -> bool {
    fn values<V: Serialize>(args: &[(Positioned<Name>, Positioned<V>)]) -> bool {
        // A value that does not serialise is not a string: nothing to find.
        args.iter()
            .any(|(_, v)| serde_json::to_value(&v.node).is_ok_and(|json| json_has_nul(&json)))
    }
    fn directives(list: &[Positioned<Directive>]) -> bool {
        list.iter().any(|d| values(&d.node.arguments))
    }
    fn walk(set: &SelectionSet) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => {
                values(&field.node.arguments)
                    || directives(&field.node.directives)
                    || walk(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => {
                directives(&fragment.node.directives) || walk(&fragment.node.selection_set.node)
            }
            Selection::FragmentSpread(spread) => directives(&spread.node.directives),
        })
    }
    doc.operations.iter().any(|(_, op)| {
        let op = &op.node;
        op.variable_definitions.iter().any(|v| {
            v.node.default_value.as_ref().is_some_and(|d| {
                serde_json::to_value(&d.node).is_ok_and(|json| json_has_nul(&json))
            }) || directives(&v.node.directives)
        }) || directives(&op.directives)
            || walk(&op.selection_set.node)
    }) || doc
        .fragments
        .values()
        .any(|f| directives(&f.node.directives) || walk(&f.node.selection_set.node))
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    #[test]
    fn alias_counting() -> Result<(), async_graphql::parser::Error> {
        let cases = [
            ("{ __typename }", 0),
            ("{ a: __typename b: __typename }", 2),
            ("{ x: me { y: name ... on Viewer { z: name } } }", 3),
            (
                "query { ...F } fragment F on Query { a: __typename b: __typename }",
                2,
            ),
        ];
        for (src, n) in cases {
            assert_eq!(alias_count(&parse_query(src)?), n, "{src}");
        }
        Ok(())
    }

    #[test]
    fn operation_types() -> Result<(), async_graphql::parser::Error> {
        let doc = parse_query("query A { __typename } mutation B { __typename }")?;
        assert_eq!(operation_type(&doc, Some("A")), Some(OperationType::Query));
        assert_eq!(
            operation_type(&doc, Some("B")),
            Some(OperationType::Mutation)
        );
        assert_eq!(operation_type(&doc, None), None);
        assert!(has_non_query(&doc));
        let doc = parse_query("mutation { __typename }")?;
        assert_eq!(operation_type(&doc, None), Some(OperationType::Mutation));
        assert!(!has_non_query(&parse_query("{ __typename }")?));
        Ok(())
    }

    #[test]
    fn nul_characters_anywhere_in_values() -> Result<(), async_graphql::parser::Error> {
        let cases = [
            (r#"{ facility(code: "MAIN") { code } }"#, false),
            (r#"{ facility(code: "MA\u0000IN") { code } }"#, true),
            (
                r#"{ a { b(filter: { codes: ["X", "Y\u0000"] }) { c } } }"#,
                true,
            ),
            (r#"{ a { ... on T { b(x: "\u0000") } } }"#, true),
            (r#"{ a @include(if: true) { b @skip(if: false) } }"#, false),
            (r#"{ a @deprecated(reason: "\u0000") }"#, true),
            (r#"query Q($x: String = "\u0000") { a(x: $x) }"#, true),
            (r#"query Q($x: String = "fine") { a(x: $x) }"#, false),
            (r#"{ ...F } fragment F on Query { a(x: "\u0000") }"#, true),
            // The escape written with its backslash escaped is plain text.
            (r#"{ a(x: "\\u0000") }"#, false),
            ("{ a(x: \"\"\"block\"\"\") }", false),
        ];
        for (src, nul) in cases {
            assert_eq!(has_nul(&parse_query(src)?), nul, "{src}");
        }
        let variables = serde_json::json!({ "a": ["ok", { "b": "x\u{0}" }] });
        assert!(json_has_nul(&variables));
        assert!(json_has_nul(&serde_json::json!({ "k\u{0}": 1 })));
        assert!(!json_has_nul(
            &serde_json::json!({ "a": ["ok", 1, null, true] })
        ));
        Ok(())
    }
}
