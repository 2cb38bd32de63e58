//! What "no acknowledged write lost" means, checked through the API: every
//! acknowledged complaint is readable at (at least) its acknowledged version
//! with the same reference, references are unique, and the audit chain
//! verifies.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::harness::{Api, compliance};
use crate::load::Acked;

const PAGE: &str = "query($after: String) { complaints(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id reference version } } }";
const VERIFY: &str =
    "{ auditTrailVerification { intact checkedCount firstBrokenLink { sequence problem } } }";

/// Every complaint the server has: id → (reference, version).
pub async fn all_complaints(api: &Api) -> Result<HashMap<String, Acked>, String> {
    let token = compliance();
    let mut found = HashMap::new();
    let mut after = Value::Null;
    // Bounded: 1,000 pages of 100 is far more than any test writes.
    for _ in 0..1000 {
        let data = api.try_ok(&token, PAGE, json!({ "after": after })).await?;
        let page = &data["complaints"];
        for node in page["nodes"].as_array().into_iter().flatten() {
            found.insert(
                node["id"].as_str().unwrap_or_default().to_owned(),
                Acked {
                    reference: node["reference"].as_str().unwrap_or_default().to_owned(),
                    version: node["version"].as_i64().unwrap_or_default(),
                },
            );
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return Ok(found);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    Err("more than 100,000 complaints: the listing did not end".into())
}

/// `(intact, checkedCount)` of the whole chain; prints the first broken link.
pub async fn chain(api: &Api) -> Result<(bool, i64), String> {
    let data = api.try_ok(&compliance(), VERIFY, json!({})).await?;
    let v = &data["auditTrailVerification"];
    if v["intact"] != json!(true) {
        println!("  audit chain broken at {}", v["firstBrokenLink"]);
    }
    Ok((
        v["intact"] == json!(true),
        v["checkedCount"].as_i64().unwrap_or_default(),
    ))
}

/// The acknowledged writes missing from `found` (absent, older version, or
/// another reference), as `(id, acknowledged, found)`.
pub fn lost(
    acked: &HashMap<String, Acked>,
    found: &HashMap<String, Acked>,
) -> Vec<(String, Acked, Option<Acked>)> {
    let mut lost: Vec<_> = acked
        .iter()
        .filter(|(id, a)| {
            found
                .get(*id)
                .is_none_or(|f| f.reference != a.reference || f.version < a.version)
        })
        .map(|(id, a)| (id.clone(), a.clone(), found.get(id).cloned()))
        .collect();
    lost.sort_by(|a, b| a.0.cmp(&b.0));
    lost
}

/// References acknowledged more than once.
pub fn duplicate_references(references: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut dups: Vec<String> = references
        .iter()
        .filter(|r| !seen.insert(r.as_str()))
        .cloned()
        .collect();
    dups.sort();
    dups
}

/// Reads everything back through `api` and prints the figures; returns what
/// is wrong (empty when every acknowledged write is there, references are
/// unique and the chain is intact).
pub async fn nothing_lost(
    label: &str,
    api: &Api,
    acked: &HashMap<String, Acked>,
    references: &[String],
) -> Vec<String> {
    let mut problems = Vec::new();
    let dups = duplicate_references(references);
    if !dups.is_empty() {
        problems.push(format!("{label}: duplicate references {dups:?}"));
    }
    let found = match all_complaints(api).await {
        Ok(found) => found,
        Err(e) => {
            println!("  {label}: cannot read the complaints back: {e}");
            problems.push(format!("{label}: cannot read the complaints back: {e}"));
            return problems;
        }
    };
    let lost = lost(acked, &found);
    let chain = chain(api).await;
    println!(
        "  {label}: acknowledged complaints {}, found {} of them ({} complaints in the database), lost {}, duplicate references {}, chain {chain:?} (intact, events)",
        acked.len(),
        acked.len() - lost.len(),
        found.len(),
        lost.len(),
        dups.len()
    );
    for (id, a, f) in lost.iter().take(5) {
        println!("    lost {id}: acknowledged {a:?}, found {f:?}");
    }
    if !lost.is_empty() {
        problems.push(format!(
            "{label}: {} of {} acknowledged writes lost",
            lost.len(),
            acked.len()
        ));
    }
    match chain {
        Ok((true, _)) => {}
        Ok((false, _)) => problems.push(format!("{label}: the audit chain does not verify")),
        Err(e) => problems.push(format!("{label}: cannot verify the audit chain: {e}")),
    }
    problems
}

/// Panics with every problem, one a line.
pub fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
