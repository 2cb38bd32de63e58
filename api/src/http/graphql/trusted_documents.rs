//! Trusted documents (persisted queries): with a manifest, the server runs
//! only the operations in it, named by id; without one (development),
//! free-form queries run and an id sent along with a query is checked.
//!
//! The manifest is read once at start. Two formats, as web-client builds
//! write them:
//! - a JSON object `{ "<id>": "<document>" }`: graphql-codegen's client
//!   preset (`persistedDocuments`, SHA-1 or SHA-256 by its `hashAlgorithm`) and
//!   Relay's `persistConfig` local file (MD5 by default, or SHA-1/SHA-256);
//! - Apollo's `{"format":"apollo-persisted-query-manifest","version":1,
//!   "operations":[{"id","name","type","body"}]}`.
//!
//! Every document must parse, and an id of 32, 40 or 64 hex digits must be
//! the MD5, SHA-1 or SHA-256 of its document's text; other ids (a custom
//! `createOperationId`) are names. Each document can also be named by the
//! SHA-256 of its text, so Apollo's and Relay's
//! `extensions.persistedQuery.sha256Hash` finds it whatever the manifest's
//! ids are.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Why a manifest was refused; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the trusted documents manifest {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the trusted documents manifest {path} is not valid JSON: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "the trusted documents manifest {path} is neither an object of id to document \
         nor an Apollo persisted query manifest: {reason}"
    )]
    Shape { path: String, reason: String },
    #[error("the trusted documents manifest {path}, entry {entry}: {reason}")]
    Entry {
        path: String,
        entry: String,
        reason: String,
    },
}

/// The documents the server runs, by id.
#[derive(Debug)]
pub struct TrustedDocuments {
    by_id: HashMap<String, Arc<str>>,
    count: usize,
}

impl TrustedDocuments {
    /// Reads and checks a manifest file.
    pub fn load(path: &Path) -> Result<TrustedDocuments, ManifestError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: shown.clone(),
            source,
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|source| ManifestError::Json {
            path: shown.clone(),
            source,
        })?;
        Self::from_json(value).map_err(|defect| defect.at(shown))
    }

    /// Checks a manifest's JSON value.
    fn from_json(value: Value) -> Result<TrustedDocuments, Defect> {
        let Value::Object(object) = value else {
            return Err(Defect::Shape("the top level must be a JSON object".into()));
        };
        let entries: Vec<(String, Value)> =
            if object.get("format").and_then(Value::as_str) == Some(APOLLO_FORMAT) {
                apollo_entries(object)?
            } else {
                object.into_iter().collect()
            };
        let mut documents = TrustedDocuments {
            by_id: HashMap::new(),
            count: 0,
        };
        for (id, document) in entries {
            let entry = |reason: String| Defect::Entry {
                entry: id.clone(),
                reason,
            };
            let Value::String(document) = document else {
                return Err(entry("the document must be a string".into()));
            };
            if let Err(e) = async_graphql::parser::parse_query(&document) {
                return Err(entry(format!("the document does not parse: {e}")));
            }
            let key = normalise(&id);
            if key.is_empty() {
                return Err(entry("the id is empty".into()));
            }
            if let Some((algorithm, actual)) = digest_for(&key, &document)
                && actual != key
            {
                return Err(entry(format!(
                    "the id is not the {algorithm} of the document (that is {actual})"
                )));
            }
            let document: Arc<str> = Arc::from(document);
            let sha256 = hex::encode(Sha256::digest(document.as_bytes()));
            for key in [key, sha256] {
                if let Some(other) = documents.by_id.insert(key.clone(), document.clone())
                    && other != document
                {
                    return Err(entry(format!(
                        "the id {key} also names a different document"
                    )));
                }
            }
            documents.count += 1;
        }
        if documents.count == 0 {
            return Err(Defect::Shape("it holds no documents".into()));
        }
        Ok(documents)
    }

    /// How many documents the manifest holds.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn get(&self, id: &str) -> Option<&Arc<str>> {
        self.by_id.get(&normalise(id))
    }
}

const APOLLO_FORMAT: &str = "apollo-persisted-query-manifest";

/// The `(id, body)` pairs of an Apollo manifest.
fn apollo_entries(
    mut object: serde_json::Map<String, Value>,
) -> Result<Vec<(String, Value)>, Defect> {
    if object.get("version") != Some(&Value::from(1)) {
        return Err(Defect::Shape(
            "only version 1 of the Apollo manifest format is supported".into(),
        ));
    }
    let Some(Value::Array(operations)) = object.remove("operations") else {
        return Err(Defect::Shape("`operations` must be an array".into()));
    };
    operations
        .into_iter()
        .enumerate()
        .map(|(i, operation)| {
            let Value::Object(mut operation) = operation else {
                return Err(Defect::Entry {
                    entry: format!("operations[{i}]"),
                    reason: "must be an object".into(),
                });
            };
            match (operation.remove("id"), operation.remove("body")) {
                (Some(Value::String(id)), Some(body)) => Ok((id, body)),
                _ => Err(Defect::Entry {
                    entry: format!("operations[{i}]"),
                    reason: "`id` (a string) and `body` are required".into(),
                }),
            }
        })
        .collect()
}

/// A manifest defect, before the file's path is known.
enum Defect {
    Shape(String),
    Entry { entry: String, reason: String },
}

impl Defect {
    fn at(self, path: String) -> ManifestError {
        match self {
            Defect::Shape(reason) => ManifestError::Shape { path, reason },
            Defect::Entry { entry, reason } => ManifestError::Entry {
                path,
                entry,
                reason,
            },
        }
    }
}

/// Hex ids compare without regard to case; `sha256:` is the
/// GraphQL-over-HTTP prefix of a SHA-256 id.
fn normalise(id: &str) -> String {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    if id.bytes().all(|b| b.is_ascii_hexdigit()) {
        id.to_ascii_lowercase()
    } else {
        id.to_owned()
    }
}

/// The digest an id of this form must be: its algorithm and value.
fn digest_for(id: &str, document: &str) -> Option<(&'static str, String)> {
    if !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes = document.as_bytes();
    match id.len() {
        32 => Some(("MD5", hex::encode(<Md5 as md5::Digest>::digest(bytes)))),
        40 => Some(("SHA-1", hex::encode(<Sha1 as sha1::Digest>::digest(bytes)))),
        64 => Some(("SHA-256", hex::encode(Sha256::digest(bytes)))),
        _ => None,
    }
}

/// How a request named its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentRef {
    /// `extensions.persistedQuery.sha256Hash`.
    Sha256(String),
    /// `documentId`: `sha256:<hex>`, or an id as the manifest has it.
    DocumentId(String),
}

/// Why a request's document was refused: a 400 with this code.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: &'static str,
}

/// The text to run. With a manifest: only a document from it, named by
/// id; a query sent along must be that document's text. Without one: the
/// query, which must match the id when one is sent (as Apollo's automatic
/// persisted queries do: an id alone is "not found" and the client sends
/// the query again with it).
pub fn resolve(
    manifest: Option<&TrustedDocuments>,
    query: Option<String>,
    id: Option<&DocumentRef>,
) -> Result<String, Refusal> {
    match (manifest, id, query) {
        (Some(manifest), Some(id), query) => {
            let key = match id {
                DocumentRef::Sha256(hash) => hash,
                DocumentRef::DocumentId(id) => id,
            };
            let Some(document) = manifest.get(key) else {
                return Err(NOT_FOUND);
            };
            match query {
                Some(query) if query != **document => Err(MISMATCH),
                _ => Ok(document.to_string()),
            }
        }
        (Some(_), None, _) => Err(REQUIRED),
        (None, Some(id), Some(query)) => {
            let claimed = match id {
                DocumentRef::Sha256(hash) => Some(normalise(hash)),
                DocumentRef::DocumentId(id) => {
                    let id = normalise(id);
                    (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
                }
            };
            match claimed {
                Some(claimed) if claimed != hex::encode(Sha256::digest(query.as_bytes())) => {
                    Err(MISMATCH)
                }
                _ => Ok(query),
            }
        }
        (None, Some(_), None) => Err(NOT_FOUND),
        (None, None, Some(query)) => Ok(query),
        (None, None, None) => Err(QUERY_REQUIRED),
    }
}

const QUERY_REQUIRED: Refusal = Refusal {
    code: "BAD_REQUEST",
    message: "`query` is required",
};

const REQUIRED: Refusal = Refusal {
    code: "PERSISTED_QUERY_REQUIRED",
    message: "this server runs only trusted documents: send the document's id as \
              `documentId` or `extensions.persistedQuery.sha256Hash`, not its text",
};

/// Apollo's client matches this message (`PersistedQueryNotFound`) as well
/// as the code.
const NOT_FOUND: Refusal = Refusal {
    code: "PERSISTED_QUERY_NOT_FOUND",
    message: "PersistedQueryNotFound: no trusted document has this id",
};

const MISMATCH: Refusal = Refusal {
    code: "PERSISTED_QUERY_MISMATCH",
    message: "the query text is not the document this id names",
};
