//! The schema as the server describes it (`__schema`), and the selections
//! generated from it: every scalar and enum leaf, nested objects,
//! interfaces (through `... on` each possible type) and connections, to a
//! depth bound, never entering a type already on the path.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::table;
use crate::helpers::*;

const TYPE_REF: &str =
    "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// Object levels below a root field a selection goes down.
pub const DEPTH: usize = 5;

/// The introspected types, by name.
pub struct Schema {
    types: BTreeMap<String, Value>,
}

/// One field of an object or input type.
pub struct Field<'a> {
    pub name: &'a str,
    pub args: Vec<&'a str>,
    /// The named type under lists and non-nulls.
    pub named: &'a str,
}

/// The named type under any lists and non-nulls.
pub fn named(type_ref: &Value) -> &str {
    let mut t = type_ref;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    t["name"].as_str().unwrap_or_default()
}

impl Schema {
    pub async fn introspect(app: &TestApp, token: &str) -> Schema {
        let query = format!(
            "{{ __schema {{ types {{ kind name
                 fields(includeDeprecated: true) {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }}
                 inputFields {{ name type {{ {TYPE_REF} }} }}
                 possibleTypes {{ name }} }} }} }}"
        );
        let data = app.ok(token, &query, json!({})).await;
        Schema::from_types(&data["__schema"]["types"])
    }

    /// A schema from `__schema.types` as given (the guards' own tests).
    pub fn from_types(types: &Value) -> Schema {
        let types = types
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        Schema { types }
    }

    pub fn kind(&self, name: &str) -> &str {
        self.types[name]["kind"].as_str().unwrap_or_default()
    }

    pub fn type_names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }

    /// The fields of an object or interface type.
    pub fn fields(&self, type_name: &str) -> Vec<Field<'_>> {
        self.list(type_name, "fields")
    }

    /// The fields of an input object type.
    pub fn input_fields(&self, type_name: &str) -> Vec<Field<'_>> {
        self.list(type_name, "inputFields")
    }

    fn list(&self, type_name: &str, key: &str) -> Vec<Field<'_>> {
        self.types[type_name][key]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| Field {
                        name: f["name"].as_str().unwrap_or_default(),
                        args: f["args"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|a| a["name"].as_str()).collect())
                            .unwrap_or_default(),
                        named: named(&f["type"]),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The argument types of a field, by argument name.
    pub fn arg_types(&self, type_name: &str, field: &str) -> Vec<(&str, &Value)> {
        self.types[type_name]["fields"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["name"] == field))
            .and_then(|f| f["args"].as_array())
            .map(|args| {
                args.iter()
                    .map(|a| (a["name"].as_str().unwrap_or_default(), &a["type"]))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn possible_types(&self, type_name: &str) -> Vec<&str> {
        self.types[type_name]["possibleTypes"]
            .as_array()
            .map(|p| p.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default()
    }

    /// The selection set of a value of `type_name` (without braces);
    /// empty for a leaf. `path`: the types entered so far.
    pub fn selection(&self, type_name: &str, depth: usize, path: &mut Vec<String>) -> String {
        match self.kind(type_name) {
            "SCALAR" | "ENUM" => String::new(),
            "INTERFACE" | "UNION" => {
                let mut out = String::from("__typename");
                for possible in self.possible_types(type_name) {
                    if path.iter().any(|p| p == possible) {
                        continue;
                    }
                    path.push(possible.to_owned());
                    let inner = self.object_selection(possible, depth, path);
                    path.pop();
                    if !inner.is_empty() {
                        out.push_str(&format!(" ... on {possible} {{ {inner} }}"));
                    }
                }
                out
            }
            _ => {
                path.push(type_name.to_owned());
                let out = self.object_selection(type_name, depth, path);
                path.pop();
                out
            }
        }
    }

    fn object_selection(&self, type_name: &str, depth: usize, path: &mut Vec<String>) -> String {
        let mut out = Vec::new();
        for field in self.fields(type_name) {
            let args = if field.args.is_empty() {
                String::new()
            } else {
                format!("({})", table::nested(type_name, field.name))
            };
            match self.kind(field.named) {
                "SCALAR" | "ENUM" => out.push(format!("{}{args}", field.name)),
                _ if depth == 0 => {}
                _ if path.iter().any(|p| p == field.named) => {}
                _ => {
                    let inner = self.selection(field.named, depth - 1, path);
                    if !inner.is_empty() {
                        out.push(format!("{}{args} {{ {inner} }}", field.name));
                    }
                }
            }
        }
        out.join(" ")
    }
}
