//! The code's shape, checked like any other rule: the domain crate depends
//! on no framework, no source file grows past about 500 lines (inline test
//! modules, test files and migrations aside), and the modules of one layer
//! never import each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// "About 500 lines": a little slack, so a doc comment does not fail CI.
const MAX_LINES: usize = 520;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Lines before the file's first inline test module (`#[cfg(test)]`, other
/// attributes, then `mod … {`), or all of them.
fn code_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let opens_test_module = |at: usize| {
        lines[at] == "#[cfg(test)]"
            && lines[at + 1..]
                .iter()
                .find(|l| !l.starts_with("#["))
                .is_some_and(|l| l.contains("mod ") && l.ends_with('{'))
    };
    (0..lines.len())
        .find(|at| opens_test_module(*at))
        .unwrap_or(lines.len())
}

fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name == "tests.rs" || name.ends_with("_tests.rs") || name == "testing.rs"
}

#[test]
fn no_source_file_over_about_500_lines() {
    let mut long = Vec::new();
    for dir in ["src", "api/src", "domain/src", "entity/src", "benches"] {
        for path in rust_files(&root().join(dir)) {
            if is_test_file(&path) {
                continue;
            }
            let n = code_lines(&fs::read_to_string(&path).unwrap());
            if n > MAX_LINES {
                long.push(format!(
                    "{} ({n} lines)",
                    path.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these by job (types, inputs, queries, mutations; or by action): {long:#?}"
    );
}

#[test]
fn the_domain_crate_depends_on_no_framework() {
    let manifest = fs::read_to_string(root().join("domain/Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for line in deps.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let name = line.split([' ', '=', '.']).next().unwrap();
        let framework = [
            "sea-orm",
            "sqlx",
            "actix",
            "tokio",
            "async-graphql",
            "entity",
        ]
        .iter()
        .any(|f| name.starts_with(f));
        // The GraphQL derive on the domain's enums is optional (the API
        // turns the feature on); without it the crate has no such edge.
        let optional_derive = name == "async-graphql" && line.contains("optional = true");
        assert!(
            !framework || optional_derive,
            "the domain crate must stay free of frameworks: {line}"
        );
    }
}

/// The peer modules of a layer: `x.rs` and `x/` beside each other.
fn peers(layer: &Path) -> BTreeSet<String> {
    fs::read_dir(layer)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            if p.is_dir() {
                Some(p.file_name()?.to_string_lossy().into_owned())
            } else {
                let stem = p.file_stem()?.to_string_lossy().into_owned();
                (p.extension()? == "rs" && stem != "mod" && stem != "lib").then_some(stem)
            }
        })
        .collect()
}

/// The first identifiers after each occurrence of `prefix` (a path such as
/// `crate::services::` or `super::`), expanding one `{…}` group.
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + prefix.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        if after.starts_with("super::") {
            continue; // leaves the layer
        }
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => {
                        out.push(ident(&item));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 1 => out.push(ident(&std::mem::take(&mut item))),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
            }
        } else {
            out.push(ident(after));
        }
    }
    out
}

/// Which peer module imports which, in a layer whose modules reach each
/// other as `{layer_path}::x` or `super::x`.
fn imports(layer: &Path, layer_path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let peers = peers(layer);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(layer) {
        if is_test_file(&path) {
            continue;
        }
        let rel = path.strip_prefix(layer).unwrap();
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let top = parts[0].trim_end_matches(".rs").to_owned();
        if !peers.contains(&top) {
            continue; // the layer's own root (mod.rs, lib.rs)
        }
        let is_mod_file = parts.last().is_some_and(|p| p == "mod.rs");
        let depth = parts.len() - 1 - usize::from(is_mod_file);
        let text = fs::read_to_string(&path).unwrap();
        let code: String = text
            .lines()
            .take(code_lines(&text))
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut names = names_after(&code, &format!("{layer_path}::"));
        names.extend(names_after(&code, &"super::".repeat(depth + 1)));
        let edges = graph.entry(top.clone()).or_default();
        for name in names {
            if peers.contains(&name) && name != top {
                edges.insert(name);
            }
        }
    }
    graph
}

/// The groups of modules that reach each other through imports (the
/// strongly connected components with more than one module), each sorted.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let reaches = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(n) = stack.pop() {
            for next in graph.get(&n).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|k| (k, reaches(k))).collect();
    let mut groups = BTreeSet::new();
    for (node, from_node) in &reach {
        let group: Vec<String> = from_node
            .iter()
            .filter(|other| *other != *node && reach.get(other).is_some_and(|r| r.contains(*node)))
            .cloned()
            .chain(std::iter::once((*node).clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if group.len() > 1 {
            groups.insert(group);
        }
    }
    groups.into_iter().collect()
}

#[test]
fn no_import_cycles_between_modules_of_a_layer() {
    let layers = [
        ("domain/src", "crate"),
        ("api/src/services", "crate::services"),
        ("api/src/graphql", "crate::graphql"),
        ("api/src/http", "crate::http"),
        ("api/src/ops", "crate::ops"),
        ("api/src/auth", "crate::auth"),
        ("api/src/db", "crate::db"),
    ];
    let mut found = Vec::new();
    for (dir, layer_path) in layers {
        for cycle in cycles(&imports(&root().join(dir), layer_path)) {
            found.push(format!("{dir}: {} import each other", cycle.join(", ")));
        }
    }
    assert!(
        found.is_empty(),
        "move what both sides need to a module both may import: {found:#?}"
    );
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
    assert_eq!(
        names_after("use super::{a, b::{c, d}, E};\nsuper::f::g();", "super::"),
        vec!["a", "b", "E", "f"]
    );
}

/// The one read path: record content reaches the GraphQL layer only through
/// the services, which authorise and log. So the GraphQL layer builds no
/// query of its own: no sea-orm entity, query builder or raw statement.
#[test]
fn the_graphql_layer_never_queries_the_database() {
    let forbidden = [
        "::find(",
        "::find_by_id(",
        "find_related(",
        "update_many(",
        "delete_many(",
        "insert_many(",
        "Statement::",
        "query_all(",
        "query_one(",
        "execute_unprepared(",
        "EntityTrait",
        "QueryFilter",
    ];
    let mut found = Vec::new();
    for path in rust_files(&root().join("api/src/graphql")) {
        let text = fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(f) = forbidden.iter().find(|f| line.contains(*f)) {
                found.push(format!(
                    "{}:{}: {f}",
                    path.strip_prefix(root()).unwrap().display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "query through services (which authorise and log reads): {found:#?}"
    );
}
