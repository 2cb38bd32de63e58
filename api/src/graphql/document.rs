//! Checks on a parsed document before it runs: which kind of operation it
//! is (no mutation over GET) and how many aliases it uses.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};

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
}
