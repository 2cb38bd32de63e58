//! Facility configuration: what makes a valid facility.

use std::str::FromStr;

use chrono_tz::Tz;

use super::FieldError;
use super::attachment::required::{self, DocumentRequirement};
use super::money::{Money, RawAmount};
use super::text::{Name, TextError, TextKind};

/// A facility as the caller asked for it, before validation.
#[derive(Clone, Debug)]
pub struct FacilityDraft {
    pub code: String,
    pub name: String,
    pub time_zone: String,
    /// As sent; [`Money::parse_raw`] judges.
    pub approval_threshold_amount: RawAmount,
    pub approval_threshold_currency: String,
    /// BCP 47 tag; `None` keeps what the facility has (`en` when new).
    pub default_language: Option<String>,
    /// Documents required before resolution, by channel; `None` keeps what
    /// the facility has (none when new).
    pub required_documents: Option<Vec<DocumentRequirement>>,
    /// Letter settings; `None` keeps what the facility has.
    pub letters: Option<FacilityLetters>,
}

/// How a facility's letters are headed and sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacilityLetters {
    /// The address block under the facility's name, line by line.
    pub address_lines: Vec<String>,
    /// The Quality Improvement Organization named in A-0120 notices.
    pub qio_name: Option<String>,
    pub qio_phone: Option<String>,
    /// A manager other than the drafter approves each letter before it
    /// goes out.
    pub require_approval: bool,
}

/// At most this many address lines.
pub const ADDRESS_LINES_MAX: usize = 6;

fn valid_letters(l: &FacilityLetters, errors: &mut Vec<FieldError>) -> FacilityLetters {
    let mut out = FacilityLetters {
        require_approval: l.require_approval,
        ..FacilityLetters::default()
    };
    if l.address_lines.len() > ADDRESS_LINES_MAX {
        errors.push(FieldError::new(
            &["input", "letters", "addressLines"],
            format!("at most {ADDRESS_LINES_MAX} address lines"),
        ));
    }
    for (i, line) in l.address_lines.iter().enumerate() {
        let index = i.to_string();
        match Name::check(line) {
            Ok(v) => out.address_lines.push(v.into_string()),
            Err(TextError::Empty) => {}
            Err(e) => errors.push(FieldError::new(
                &["input", "letters", "addressLines", index.as_str()],
                e.message("the address line"),
            )),
        }
    }
    for (value, field, slot) in [
        (&l.qio_name, "qioName", &mut out.qio_name),
        (&l.qio_phone, "qioPhone", &mut out.qio_phone),
    ] {
        match value.as_deref().map(Name::check) {
            None | Some(Err(TextError::Empty)) => {}
            Some(Ok(v)) => *slot = Some(v.into_string()),
            Some(Err(e)) => errors.push(FieldError::new(
                &["input", "letters", field],
                e.message(field),
            )),
        }
    }
    out
}

/// A facility that passed every rule, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidFacility {
    pub code: String,
    pub name: String,
    pub time_zone: Tz,
    pub approval_threshold: Money,
    /// Normalised BCP 47 tag, when the draft named one.
    pub default_language: Option<String>,
    /// Normalised, when the draft named them.
    pub required_documents: Option<Vec<DocumentRequirement>>,
    /// Letter settings, when the draft gave them.
    pub letters: Option<FacilityLetters>,
}

/// The language a facility works in unless it says otherwise.
pub const DEFAULT_LANGUAGE: &str = "en";

pub const CODE_MAX: usize = 32;
pub const NAME_MAX: usize = Name::MAX;

/// Normalises a facility code: trimmed, upper case.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Checks a code's shape: 2–32 of A–Z, 0–9, `-`, `_`, starting with a letter
/// or digit. `*` is reserved for "every facility" in tokens.
pub fn code_is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    (2..=CODE_MAX).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_')
}

/// Validates every field and reports every problem at once.
pub fn validate(draft: &FacilityDraft) -> Result<ValidFacility, Vec<FieldError>> {
    let mut errors = Vec::new();

    let code = normalize_code(&draft.code);
    if !code_is_valid(&code) {
        errors.push(FieldError::new(
            &["input", "code"],
            format!(
                "code must be 2 to {CODE_MAX} letters, digits, '-' or '_', starting with a letter or digit"
            ),
        ));
    }

    let name = match Name::check(&draft.name) {
        Ok(name) => name.into_string(),
        Err(TextError::Empty) => {
            errors.push(FieldError::new(
                &["input", "name"],
                "name must not be empty",
            ));
            String::new()
        }
        Err(e) => {
            errors.push(FieldError::new(&["input", "name"], e.message("name")));
            String::new()
        }
    };

    let time_zone = match Tz::from_str(draft.time_zone.trim()) {
        Ok(tz) => Some(tz),
        Err(_) => {
            errors.push(FieldError::new(
                &["input", "timeZone"],
                "timeZone must be an IANA time zone name such as America/Chicago",
            ));
            None
        }
    };

    let threshold = match Money::parse_raw(
        &draft.approval_threshold_amount,
        &draft.approval_threshold_currency,
    ) {
        Ok(money) => Some(money),
        Err(e) => {
            errors.push(FieldError::new(
                &["input", "approvalThreshold"],
                e.to_string(),
            ));
            None
        }
    };

    let default_language = match draft.default_language.as_deref().map(str::trim) {
        None => None,
        Some(tag) => match oxilangtag::LanguageTag::parse_and_normalize(tag) {
            Ok(tag) => Some(tag.into_inner()),
            Err(_) => {
                errors.push(FieldError::new(
                    &["input", "defaultLanguage"],
                    "defaultLanguage must be a BCP 47 tag such as en or es",
                ));
                None
            }
        },
    };

    let required_documents = match &draft.required_documents {
        None => None,
        Some(list) => match required::validate(&["input", "requiredDocuments"], list) {
            Ok(list) => Some(list),
            Err(v) => {
                errors.push(FieldError {
                    field: v.field,
                    message: v.message,
                });
                None
            }
        },
    };
    let letters = draft
        .letters
        .as_ref()
        .map(|l| valid_letters(l, &mut errors));

    match (time_zone, threshold) {
        (Some(time_zone), Some(approval_threshold)) if errors.is_empty() => Ok(ValidFacility {
            code,
            name,
            time_zone,
            approval_threshold,
            default_language,
            required_documents,
            letters,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> FacilityDraft {
        FacilityDraft {
            code: "MERCY-NORTH".into(),
            name: "Mercy North Hospital".into(),
            time_zone: "America/Chicago".into(),
            approval_threshold_amount: RawAmount::from("250.00"),
            approval_threshold_currency: "USD".into(),
            default_language: None,
            required_documents: None,
            letters: None,
        }
    }

    /// Letter settings: lines trimmed, blanks dropped, control characters
    /// and too many lines refused.
    #[test]
    fn letter_settings_table() {
        let ok = |l: FacilityLetters| {
            validate(&FacilityDraft {
                letters: Some(l),
                ..draft()
            })
            .map(|v| v.letters)
        };
        let v = ok(FacilityLetters {
            address_lines: vec![" 1 River Road ".into(), " ".into(), "Springfield".into()],
            qio_name: Some(" Livanta ".into()),
            qio_phone: None,
            require_approval: true,
        });
        assert_eq!(
            v.ok().flatten(),
            Some(FacilityLetters {
                address_lines: vec!["1 River Road".into(), "Springfield".into()],
                qio_name: Some("Livanta".into()),
                qio_phone: None,
                require_approval: true,
            })
        );
        let cases: &[(FacilityLetters, &str)] = &[
            (
                FacilityLetters {
                    address_lines: vec!["a\u{0}b".into()],
                    ..FacilityLetters::default()
                },
                "input.letters.addressLines.0",
            ),
            (
                FacilityLetters {
                    address_lines: vec!["x".into(); ADDRESS_LINES_MAX + 1],
                    ..FacilityLetters::default()
                },
                "input.letters.addressLines",
            ),
            (
                FacilityLetters {
                    qio_phone: Some("1\u{7}".into()),
                    ..FacilityLetters::default()
                },
                "input.letters.qioPhone",
            ),
        ];
        for (l, field) in cases {
            let e = ok(l.clone()).err().unwrap_or_default();
            assert_eq!(e.len(), 1, "{field}: {e:?}");
            assert_eq!(e[0].field.join("."), *field);
        }
    }

    #[test]
    fn valid_draft_is_normalised() {
        let mut d = draft();
        d.code = " mercy-north ".into();
        d.name = "  Mercy North Hospital ".into();
        let v = validate(&d);
        assert!(matches!(
            v,
            Ok(ValidFacility { ref code, ref name, time_zone: chrono_tz::America::Chicago, .. })
                if code == "MERCY-NORTH" && name == "Mercy North Hospital"
        ));
    }

    #[test]
    fn code_table() {
        let cases = [
            ("MAIN", true),
            ("M1", true),
            ("MERCY_NORTH-2", true),
            ("A", false),
            ("*", false),
            ("-MAIN", false),
            ("MAIN ST", false),
            ("MÄIN", false),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", false),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", true),
        ];
        for (code, ok) in cases {
            assert_eq!(code_is_valid(code), ok, "{code}");
        }
    }

    #[test]
    fn every_bad_field_is_reported() {
        let d = FacilityDraft {
            code: "*".into(),
            name: "   ".into(),
            time_zone: "Mars/Olympus_Mons".into(),
            approval_threshold_amount: RawAmount::from("-1"),
            approval_threshold_currency: "USD".into(),
            default_language: None,
            required_documents: None,
            letters: None,
        };
        let fields: Vec<String> = validate(&d)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(
            fields,
            [
                "input.code",
                "input.name",
                "input.timeZone",
                "input.approvalThreshold"
            ]
        );
    }

    #[test]
    fn overlong_name_is_refused() {
        let mut d = draft();
        d.name = "x".repeat(NAME_MAX + 1);
        assert!(validate(&d).is_err());
        d.name = "x".repeat(NAME_MAX);
        assert!(validate(&d).is_ok());
    }
}
