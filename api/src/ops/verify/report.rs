//! The integrity report: sections of counts and problems, as text or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sea_orm::DbBackend;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// At most this many problems are listed per section (all are counted).
pub const MAX_LISTED_PROBLEMS: usize = 100;
/// The outcome of a check.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SectionStatus {
    Ok,
    Failed,
    /// Not applicable to this database (e.g. a SQLite check on PostgreSQL).
    Skipped,
}

/// One thing wrong, named without content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What is wrong, e.g. `REPLAY_MISMATCH`.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<Uuid>,
    /// An audit event's sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// Field or column names involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// A sentence for people; it holds no record content.
    pub detail: String,
}

impl Problem {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            code,
            record_type: None,
            record_id: None,
            sequence: None,
            fields: Vec::new(),
            detail: detail.into(),
        }
    }

    pub fn record(mut self, record_type: &str, id: Uuid) -> Self {
        self.record_type = Some(record_type.to_owned());
        self.record_id = Some(id);
        self
    }

    pub fn sequence(mut self, sequence: i64) -> Self {
        self.sequence = Some(sequence);
        self
    }

    pub fn fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }
}

/// One check's result. Build it with [`Section::new`], then `count`,
/// `fact`, `problem` or `skip`; its status follows from what was added.
#[derive(Clone, Debug)]
pub struct Section {
    name: &'static str,
    title: &'static str,
    counts: BTreeMap<String, u64>,
    facts: BTreeMap<String, String>,
    problems: Vec<Problem>,
    problems_total: u64,
    skipped: Option<String>,
}

impl Section {
    /// `name` is the stable key (`audit_chain`), `title` the heading.
    pub fn new(name: &'static str, title: &'static str) -> Self {
        Section {
            name,
            title,
            counts: BTreeMap::new(),
            facts: BTreeMap::new(),
            problems: Vec::new(),
            problems_total: 0,
            skipped: None,
        }
    }

    /// Adds `n` to the count `key`.
    pub fn count(&mut self, key: &str, n: u64) -> &mut Self {
        *self.counts.entry(key.to_owned()).or_default() += n;
        self
    }

    pub fn fact(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.facts.insert(key.to_owned(), value.to_string());
        self
    }

    /// Records a problem (listed while fewer than [`MAX_LISTED_PROBLEMS`]).
    pub fn problem(&mut self, problem: Problem) -> &mut Self {
        self.problems_total += 1;
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(problem);
        }
        self
    }

    /// Counts `n` problems found but not listed.
    pub fn unlisted_problems(&mut self, n: u64) -> &mut Self {
        self.problems_total += n;
        self
    }

    /// Marks the check as not applicable, saying why.
    pub fn skip(&mut self, reason: &str) -> &mut Self {
        self.skipped = Some(reason.to_owned());
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn status(&self) -> SectionStatus {
        if self.problems_total > 0 {
            SectionStatus::Failed
        } else if self.skipped.is_some() {
            SectionStatus::Skipped
        } else {
            SectionStatus::Ok
        }
    }

    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn problems_total(&self) -> u64 {
        self.problems_total
    }
}

impl Serialize for Section {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct View<'a> {
            name: &'a str,
            title: &'a str,
            status: SectionStatus,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<&'a str>,
            counts: &'a BTreeMap<String, u64>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            facts: &'a BTreeMap<String, String>,
            problems_total: u64,
            problems: &'a [Problem],
        }
        View {
            name: self.name,
            title: self.title,
            status: self.status(),
            skipped: self.skipped.as_deref(),
            counts: &self.counts,
            facts: &self.facts,
            problems_total: self.problems_total,
            problems: &self.problems,
        }
        .serialize(serializer)
    }
}

/// Everything `redress verify` found, section by section. Other checks
/// (e.g. signed checkpoints) add their own section with [`push`](Self::push).
#[derive(Clone, Debug, Serialize)]
pub struct IntegrityReport {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    pub sections: Vec<Section>,
}

impl IntegrityReport {
    pub fn new(backend: DbBackend) -> Self {
        IntegrityReport {
            backend: match backend {
                DbBackend::Postgres => "postgres",
                DbBackend::Sqlite => "sqlite",
                _ => "other",
            },
            sections: Vec::new(),
        }
    }

    pub fn push(&mut self, section: Section) {
        self.sections.push(section);
    }

    /// No section found a problem.
    pub fn is_whole(&self) -> bool {
        self.sections
            .iter()
            .all(|s| s.status() != SectionStatus::Failed)
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The report as JSON, with `whole` on top.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("whole".into(), Value::Bool(self.is_whole()));
        if let Ok(Value::Object(rest)) = serde_json::to_value(self) {
            map.extend(rest);
        }
        Value::Object(map)
    }

    /// The report for people.
    pub fn to_text(&self) -> String {
        let mut out = format!("redress verify ({} database)\n", self.backend);
        for s in &self.sections {
            let mark = match s.status() {
                SectionStatus::Ok => "ok     ",
                SectionStatus::Failed => "FAILED ",
                SectionStatus::Skipped => "skipped",
            };
            let _ = write!(out, "[{mark}] {}", s.title);
            if let Some(reason) = &s.skipped {
                let _ = write!(out, ": {reason}");
            }
            out.push('\n');
            if !s.counts.is_empty() {
                let counts: Vec<String> =
                    s.counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
                let _ = writeln!(out, "          {}", counts.join(", "));
            }
            for (k, v) in &s.facts {
                let _ = writeln!(out, "          {k}: {v}");
            }
            for p in &s.problems {
                let _ = write!(out, "          - {}", p.code);
                if let (Some(t), Some(id)) = (&p.record_type, &p.record_id) {
                    let _ = write!(out, " {t} {id}");
                }
                if let Some(seq) = p.sequence {
                    let _ = write!(out, " sequence {seq}");
                }
                if !p.fields.is_empty() {
                    let _ = write!(out, " [{}]", p.fields.join(", "));
                }
                let _ = writeln!(out, ": {}", p.detail);
            }
            let unlisted = s.problems_total.saturating_sub(s.problems.len() as u64);
            if unlisted > 0 {
                let _ = writeln!(out, "          … and {unlisted} more");
            }
        }
        out.push_str(if self.is_whole() {
            "whole: no problems found\n"
        } else {
            "NOT WHOLE: problems found\n"
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_section_fails_with_a_problem_and_caps_the_list() {
        let mut s = Section::new("x", "X");
        assert_eq!(s.status(), SectionStatus::Ok);
        s.skip("n/a");
        assert_eq!(s.status(), SectionStatus::Skipped);
        for _ in 0..(MAX_LISTED_PROBLEMS + 5) {
            s.problem(Problem::new("P", "p"));
        }
        assert_eq!(s.status(), SectionStatus::Failed);
        assert_eq!(s.problems().len(), MAX_LISTED_PROBLEMS);
        assert_eq!(s.problems_total(), MAX_LISTED_PROBLEMS as u64 + 5);
        let mut report = IntegrityReport::new(DbBackend::Sqlite);
        report.push(Section::new("ok", "OK"));
        assert!(report.is_whole());
        report.push(s);
        assert!(!report.is_whole());
        assert_eq!(report.to_json()["whole"], json!(false));
        assert!(report.to_text().contains("… and 5 more"));
    }
}
