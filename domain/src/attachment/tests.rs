use super::required::{DocumentRequirement, DocumentsOnFile, check, missing, validate};
use super::{AttachmentKind as K, filename, is_sha256_hex};
use crate::ViolationKind;
use crate::complaint::Channel as C;

fn letter_rule() -> Vec<DocumentRequirement> {
    vec![
        DocumentRequirement {
            channel: C::Letter,
            kinds: vec![K::IncomingCorrespondence],
        },
        DocumentRequirement {
            channel: C::Email,
            kinds: vec![K::IncomingCorrespondence, K::SignedForm],
        },
    ]
}

/// Every channel × what is attached: which kinds are still missing.
#[test]
fn required_documents_table() {
    use K::*;
    let cases: &[(C, &[K], &[K])] = &[
        // channel, attached, missing
        (C::Letter, &[], &[IncomingCorrespondence]),
        (C::Letter, &[Photo], &[IncomingCorrespondence]),
        (C::Letter, &[IncomingCorrespondence], &[]),
        (C::Letter, &[Photo, IncomingCorrespondence], &[]),
        (C::Email, &[], &[IncomingCorrespondence, SignedForm]),
        (C::Email, &[IncomingCorrespondence], &[SignedForm]),
        (C::Email, &[SignedForm, IncomingCorrespondence], &[]),
        (C::Phone, &[], &[]),
        (C::InPerson, &[], &[]),
        (C::Fax, &[], &[]),
        (C::Portal, &[Photo], &[]),
        (C::SurveyComment, &[], &[]),
        (C::AgencyReferral, &[], &[]),
    ];
    for (channel, attached, expected) in cases {
        let on_file = DocumentsOnFile {
            required: letter_rule(),
            attached: attached.to_vec(),
        };
        assert_eq!(
            &missing(*channel, &on_file),
            expected,
            "{channel:?} {attached:?}"
        );
        let result = check(*channel, &on_file);
        if expected.is_empty() {
            assert!(result.is_ok(), "{channel:?} {attached:?}");
        } else {
            let v = result.expect_err("refused");
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].kind, ViolationKind::GuardFailed);
            for kind in *expected {
                assert!(v[0].message.contains(kind.as_str()), "{}", v[0].message);
            }
            assert!(v[0].message.contains(channel.as_str()));
        }
    }
}

/// A facility without requirements refuses nothing, on any channel.
#[test]
fn no_requirements_refuse_nothing() {
    for channel in C::ALL {
        assert!(check(*channel, &DocumentsOnFile::default()).is_ok());
    }
}

#[test]
fn requirements_are_validated_and_normalised() {
    let field = ["input", "requiredDocuments"];
    let ok = validate(
        &field,
        &[
            DocumentRequirement {
                channel: C::Letter,
                kinds: vec![K::Photo, K::IncomingCorrespondence, K::Photo],
            },
            DocumentRequirement {
                channel: C::Phone,
                kinds: vec![K::Other],
            },
        ],
    )
    .expect("valid");
    assert_eq!(
        ok,
        vec![
            DocumentRequirement {
                channel: C::Phone,
                kinds: vec![K::Other],
            },
            DocumentRequirement {
                channel: C::Letter,
                kinds: vec![K::IncomingCorrespondence, K::Photo],
            },
        ]
    );
    let twice = validate(
        &field,
        &[
            DocumentRequirement {
                channel: C::Letter,
                kinds: vec![K::Photo],
            },
            DocumentRequirement {
                channel: C::Letter,
                kinds: vec![K::Other],
            },
        ],
    );
    assert!(twice.expect_err("twice").message.contains("twice"));
    let empty = validate(
        &field,
        &[DocumentRequirement {
            channel: C::Fax,
            kinds: vec![],
        }],
    );
    assert!(empty.expect_err("empty").message.contains("at least one"));
}

#[test]
fn file_names_are_one_line_names_not_paths() {
    let f = ["filename"];
    let cases: &[(&str, Option<&str>)] = &[
        ("letter.pdf", Some("letter.pdf")),
        ("  scan 2026-11-30.tiff ", Some("scan 2026-11-30.tiff")),
        ("carta de queja.txt", Some("carta de queja.txt")),
        ("", None),
        ("../etc/passwd", None),
        ("C:\\scans\\a.pdf", None),
        ("a\u{0}b.pdf", None),
        ("a\nb.pdf", None),
    ];
    for (input, expected) in cases {
        assert_eq!(filename(&f, input).ok().as_deref(), *expected, "{input:?}");
    }
    assert!(filename(&f, &"x".repeat(201)).is_err());
}

#[test]
fn sha256_hex_shape() {
    assert!(is_sha256_hex(&"a".repeat(64)));
    assert!(!is_sha256_hex(&"A".repeat(64)));
    assert!(!is_sha256_hex(&"a".repeat(63)));
    assert!(!is_sha256_hex(&"g".repeat(64)));
}
