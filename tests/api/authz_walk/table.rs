//! The arguments the walk passes, by field: the coverage guard. A `Query`
//! field, or a field with arguments of any other type, that has no entry
//! here fails the walk with "add <field> to the authorization walk", so a
//! new field cannot reach the schema without the walk covering it.

use serde_json::json;

use super::schema::Schema;
use super::seed::{FACILITY_A, Seeded};

/// The arguments (GraphQL syntax, without the parentheses) of fields with
/// arguments below the root, by `Type.field`. None is skipped: were one
/// to need arguments the walk cannot supply, its entry would say why.
fn nested_entry(type_name: &str, field: &str) -> Option<&'static str> {
    match (type_name, field) {
        ("Complaint", "history") => Some("first: 3"),
        _ => None,
    }
}

pub fn nested(type_name: &str, field: &str) -> &'static str {
    nested_entry(type_name, field).unwrap_or_else(|| {
        panic!("add {type_name}.{field} to the authorization walk (tests/api/authz_walk/table.rs)")
    })
}

/// A GraphQL string literal.
fn string(s: &str) -> String {
    json!(s).to_string()
}

/// The argument lists a root field is walked with, one request each
/// (GraphQL syntax, without the parentheses; `""`: no arguments); `None`
/// when the field has no entry. Lists name facility A where they can
/// (what an outsider would try) and, where a filter is optional, leave it
/// out too (everything the caller can see).
fn root_entry(field: &str, s: &Seeded) -> Option<Vec<String>> {
    let a = string(FACILITY_A);
    let id = |id: &str| format!("id: {}", string(id));
    let report = || {
        vec![
            format!(
                "filter: {{ facilities: [{a}], from: {}, to: {} }}",
                string(&s.from),
                string(&s.to)
            ),
            format!(
                "filter: {{ from: {}, to: {} }}",
                string(&s.from),
                string(&s.to)
            ),
        ]
    };
    let paged = |filter: String| {
        vec![
            "first: 3".to_owned(),
            format!("first: 3, filter: {{ {filter} }}"),
        ]
    };
    let complaint_id = string(&s.complaint);
    Some(match field {
        "me" | "auditTrailVerification" => vec![String::new()],
        "facilities" | "auditCheckpoints" => vec!["first: 3".to_owned()],
        "facility" => vec![format!("code: {a}")],
        "deadlinePolicies" => vec!["first: 3".to_owned(), format!("facilityCode: {a}")],
        "node" => s.record_ids().iter().map(|i| id(i)).collect(),
        "complaint" => vec![id(&s.complaint)],
        "complaintByReference" => vec![format!("reference: {}", string(&s.reference))],
        "complaintAsOf" => vec![format!("{}, at: {}", id(&s.complaint), string(&s.after))],
        "complaints" => paged(format!("facilityCodes: [{a}]")),
        "serviceRecoveryActions" | "interpreterSessions" | "accessibilityRequests" => {
            let mut lists = paged(format!("facilityCodes: [{a}]"));
            lists.push(format!(
                "first: 3, filter: {{ complaintId: {complaint_id} }}"
            ));
            lists
        }
        "auditEvents" => {
            let mut lists = paged(format!("complaintId: {complaint_id}"));
            lists.extend(
                s.record_ids()[1..]
                    .iter()
                    .map(|r| format!("first: 3, filter: {{ recordId: {} }}", string(r))),
            );
            lists
        }
        "accessLog" => vec![format!("complaintId: {complaint_id}, first: 3")],
        "recordAccessLog" => s.record_ids()[1..]
            .iter()
            .map(|r| format!("recordId: {}, first: 3", string(r)))
            .collect(),
        "grievanceLog" | "surveyReadiness" | "reopenReport" | "languageAccessGaps" => report()
            .into_iter()
            .map(|f| format!("{f}, first: 3"))
            .collect(),
        "timelinessReport"
        | "serviceRecoveryCostReport"
        | "interpreterUsageReport"
        | "accessibilityReport"
        | "accessReview" => report(),
        // By department: the dimension that carries free text.
        "complaintTrends" => report()
            .into_iter()
            .map(|f| format!("{f}, groupBy: DEPARTMENT"))
            .collect(),
        _ => return None,
    })
}

pub fn root(field: &str, s: &Seeded) -> Vec<String> {
    root_entry(field, s).unwrap_or_else(|| {
        panic!("add Query.{field} to the authorization walk (tests/api/authz_walk/table.rs)")
    })
}

/// The fields the table is missing: every `Query` field, and every
/// field with arguments of every other output type (`Mutation` and the
/// introspection types aside).
pub fn missing(schema: &Schema, s: &Seeded) -> Vec<String> {
    let mut missing = Vec::new();
    for field in schema.fields("Query") {
        if root_entry(field.name, s).is_none() {
            missing.push(format!("Query.{}", field.name));
        }
    }
    for type_name in schema.type_names() {
        if matches!(type_name, "Query" | "Mutation") || type_name.starts_with("__") {
            continue;
        }
        for field in schema.fields(type_name) {
            if !field.args.is_empty() && nested_entry(type_name, field.name).is_none() {
                missing.push(format!("{type_name}.{}", field.name));
            }
        }
    }
    missing
}

/// The guard can fail: a new root field, and a new field with arguments
/// on a record type, are named.
#[test]
fn a_field_without_an_entry_is_named() {
    let int = json!({ "kind": "SCALAR", "name": "Int", "ofType": null });
    let object = |name: &str| json!({ "kind": "OBJECT", "name": name, "ofType": null });
    let field = |name: &str, args: serde_json::Value, t: serde_json::Value| json!({ "name": name, "args": args, "type": t });
    let first = json!([{ "name": "first", "type": int }]);
    let schema = Schema::from_types(&json!([
        { "kind": "OBJECT", "name": "Query", "fields": [
            field("me", json!([]), object("Viewer")),
            field("complaintNotes", first.clone(), object("Complaint")),
        ] },
        { "kind": "OBJECT", "name": "Complaint", "fields": [
            field("history", first.clone(), object("Viewer")),
            field("attachments", first, object("Viewer")),
        ] },
        { "kind": "OBJECT", "name": "Viewer", "fields": [field("subject", json!([]), int)] },
    ]));
    let s = Seeded {
        complaint: String::new(),
        reference: String::new(),
        service_recovery: String::new(),
        interpreter_session: String::new(),
        accessibility_request: String::new(),
        attachment: String::new(),
        identifiers: Vec::new(),
        sentinels: Default::default(),
        from: String::new(),
        to: String::new(),
        after: String::new(),
    };
    assert_eq!(
        missing(&schema, &s),
        ["Query.complaintNotes", "Complaint.attachments"]
    );
}
