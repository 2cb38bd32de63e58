//! The coverage guard of `validated_values`: every text field of every
//! input object reachable from `Mutation`'s arguments, found by
//! introspection, is either in that test's table of poisoned inputs or
//! exempt below for a stated reason. A new text input therefore cannot
//! reach the schema without a test that it refuses control characters.

use std::collections::BTreeSet;

use crate::authz_walk::schema::Schema;
use crate::helpers::*;

/// Input scalars a client sends as a JSON string (ids aside: `ID`s are
/// decoded, never stored as text; times and dates are parsed).
const TEXT_SCALARS: &[&str] = &["String", "JSON", "DecimalString"];

/// Text inputs not poisoned by `validated_values`, and why. Paths are
/// `mutation.argument.field…` (list items have no index).
const EXEMPT: &[(&str, &str)] = &[
    (
        "facilityUpsert.input.approvalThreshold.amount",
        "decimal money: `money_is_a_decimal_string_below_its_ceiling` refuses all but digits",
    ),
    (
        "serviceRecoveryPropose.input.amount.amount",
        "decimal money: `money_is_a_decimal_string_below_its_ceiling` refuses all but digits",
    ),
];

/// Every text input path reachable from `Mutation`'s arguments.
pub fn text_inputs(schema: &Schema) -> BTreeSet<String> {
    fn walk(
        schema: &Schema,
        type_name: &str,
        prefix: &str,
        seen: &mut Vec<String>,
        out: &mut BTreeSet<String>,
    ) {
        if seen.iter().any(|t| t == type_name) {
            return;
        }
        seen.push(type_name.to_owned());
        for field in schema.input_fields(type_name) {
            let path = format!("{prefix}.{}", field.name);
            if TEXT_SCALARS.contains(&field.named) {
                out.insert(path);
            } else if schema.kind(field.named) == "INPUT_OBJECT" {
                walk(schema, field.named, &path, seen, out);
            }
        }
        seen.pop();
    }
    let mut out = BTreeSet::new();
    for mutation in schema.fields("Mutation") {
        for (arg, type_ref) in schema.arg_types("Mutation", mutation.name) {
            let named = crate::authz_walk::schema::named(type_ref);
            let path = format!("{}.{arg}", mutation.name);
            if TEXT_SCALARS.contains(&named) {
                out.insert(path);
            } else if schema.kind(named) == "INPUT_OBJECT" {
                walk(schema, named, &path, &mut Vec::new(), &mut out);
            }
        }
    }
    out
}

/// The text inputs neither `covered` nor exempt; and exemptions that
/// name no text input (stale).
pub async fn uncovered(app: &TestApp, covered: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    let schema = Schema::introspect(app, &admin()).await;
    let inputs = text_inputs(&schema);
    let exempt: BTreeSet<&str> = EXEMPT.iter().map(|(path, _)| *path).collect();
    let missing = inputs
        .iter()
        .filter(|p| !covered.contains(*p) && !exempt.contains(p.as_str()))
        .cloned()
        .collect();
    let stale = exempt
        .iter()
        .filter(|p| !inputs.contains(**p))
        .map(|p| (*p).to_owned())
        .collect();
    (missing, stale)
}

/// The guard can fail: a text field nested in a new input is listed, ids,
/// enums and times are not.
#[test]
fn nested_text_inputs_are_listed() {
    use serde_json::json;
    let scalar = |name: &str| json!({ "kind": "SCALAR", "name": name, "ofType": null });
    let non_null = |t: serde_json::Value| json!({ "kind": "NON_NULL", "name": null, "ofType": t });
    let input = |name: &str| json!({ "kind": "INPUT_OBJECT", "name": name, "ofType": null });
    let list =
        |t: serde_json::Value| json!({ "kind": "LIST", "name": null, "ofType": non_null(t) });
    let schema = Schema::from_types(&json!([
        { "kind": "OBJECT", "name": "Mutation", "fields": [
            { "name": "complaintAttach", "args": [{ "name": "input", "type": non_null(input("AttachInput")) }],
              "type": scalar("Boolean") },
        ] },
        { "kind": "INPUT_OBJECT", "name": "AttachInput", "inputFields": [
            { "name": "id", "type": non_null(scalar("ID")) },
            { "name": "at", "type": scalar("DateTime") },
            { "name": "files", "type": list(input("FileInput")) },
        ] },
        { "kind": "INPUT_OBJECT", "name": "FileInput", "inputFields": [
            { "name": "caption", "type": scalar("String") },
            { "name": "size", "type": scalar("Int") },
        ] },
        { "kind": "SCALAR", "name": "String" },
        { "kind": "SCALAR", "name": "ID" },
        { "kind": "SCALAR", "name": "Int" },
        { "kind": "SCALAR", "name": "Boolean" },
        { "kind": "SCALAR", "name": "DateTime" },
    ]));
    assert_eq!(
        text_inputs(&schema).into_iter().collect::<Vec<_>>(),
        ["complaintAttach.input.files.caption"]
    );
}
