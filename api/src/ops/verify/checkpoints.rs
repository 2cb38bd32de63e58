//! The `audit_checkpoints` section of `redress verify`: the trail checked
//! against the signed checkpoints stored in the database and those kept
//! off the server (export lines in a file), under the trusted public key.

use ed25519_dalek::VerifyingKey;
use sea_orm::{ConnectionTrait, DbErr};

use super::report::{Problem, Section};
use crate::domain::checkpoint::SignedCheckpoint;
use crate::services::checkpoints::{self, Origin};

/// What to check checkpoints with; `None` key: the section is skipped.
pub struct CheckpointInput<'a> {
    pub trusted: Option<&'a VerifyingKey>,
    pub supplied: &'a [SignedCheckpoint],
}

pub async fn section(
    db: &impl ConnectionTrait,
    input: &CheckpointInput<'_>,
) -> Result<Section, DbErr> {
    let mut s = Section::new(
        "audit_checkpoints",
        "Audit trail against signed checkpoints (stored and supplied)",
    );
    let Some(trusted) = input.trusted else {
        s.skip("no checkpoint key: pass --checkpoint-key (the public or private key file)");
        return Ok(s);
    };
    let report = checkpoints::verify_all(db, trusted, input.supplied).await?;
    s.count("checked", report.checked);
    s.count("supplied", input.supplied.len() as u64);
    if let Some(latest) = report.latest_verified_sequence {
        s.fact("latest_verified_sequence", latest);
    }
    if let Some(finding) = report.first_problem {
        let source = match finding.origin {
            Origin::Stored(id) => format!("stored checkpoint {id}"),
            Origin::Supplied(index) => format!("supplied checkpoint line {}", index + 1),
        };
        let meaning = match finding.problem.as_str() {
            "HASH_MISMATCH" => {
                "the event at the signed sequence has another hash now: the trail was rewritten after it was signed"
            }
            "EVENTS_MISSING" => {
                "there is no event at the signed sequence: the trail was cut off below a signed head"
            }
            "BAD_SIGNATURE" => {
                "the checkpoint's signature does not verify: the checkpoint was altered or forged"
            }
            _ => "signed by a key that is not the trusted one",
        };
        s.problem(
            Problem::new(
                finding.problem.as_str(),
                format!("{source} (key {}): {meaning}", finding.key_id),
            )
            .sequence(finding.sequence),
        );
    }
    Ok(s)
}

/// Reads exported checkpoint lines from a file's text: each checkpoint
/// starts with `redress-checkpoint/`; a line wrapped by a mail client
/// still reads; blank lines and lines starting with `#` are ignored.
/// Errors name the checkpoint's number (1-based) in the file.
pub fn parse_file(text: &str) -> Result<Vec<SignedCheckpoint>, String> {
    let mut groups: Vec<Vec<&str>> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        for token in line.split_whitespace() {
            if token.starts_with("redress-checkpoint/") || groups.is_empty() {
                groups.push(Vec::new());
            }
            if let Some(group) = groups.last_mut() {
                group.push(token);
            }
        }
    }
    groups
        .iter()
        .enumerate()
        .map(|(i, tokens)| {
            SignedCheckpoint::parse_export_line(&tokens.join(" "))
                .map_err(|e| format!("checkpoint {} in the file: {e}", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint_key::CheckpointSigner;
    use crate::domain::checkpoint::Head;

    fn line(sequence: i64) -> String {
        let signer = CheckpointSigner::generate();
        signer
            .sign(Head {
                sequence,
                hash: "a".repeat(64),
                signed_at: chrono::Utc::now(),
            })
            .export_line()
    }

    #[test]
    fn reads_lines_comments_and_wrapped_lines() {
        let (a, b) = (line(3), line(9));
        let wrapped = b.replacen(' ', "\n   ", 3);
        let text = format!("# kept by compliance\n\n{a}\n{wrapped}\n");
        let parsed = parse_file(&text).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].head.sequence, 3);
        assert_eq!(parsed[1].head.sequence, 9);
        assert!(parse_file("").unwrap().is_empty());
    }

    #[test]
    fn a_bad_checkpoint_is_named_by_its_number() {
        let text = format!("{}\nredress-checkpoint/v1 1 abc\n", line(1));
        let error = parse_file(&text).unwrap_err();
        assert!(error.starts_with("checkpoint 2 in the file"), "{error}");
        assert!(parse_file("hello world").is_err());
    }
}
