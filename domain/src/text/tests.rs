use super::*;

/// What a kind makes of a value: `Ok(stored)` or the refusal.
fn run<K: TextKind>(value: &str) -> Result<String, TextError> {
    K::check(value).map(K::into_string)
}

/// The control characters every kind refuses, one of each family.
const ALWAYS_REFUSED: &[(char, &str)] = &[
    ('\u{0}', "NUL"),
    ('\u{7}', "BEL"),
    ('\u{8}', "backspace"),
    ('\u{b}', "vertical tab"),
    ('\u{c}', "form feed"),
    ('\u{1b}', "ESC"),
    ('\u{1f}', "unit separator"),
    ('\u{7f}', "DEL"),
    ('\u{80}', "C1 PAD"),
    ('\u{85}', "C1 NEL"),
    ('\u{9b}', "C1 CSI"),
    ('\u{9f}', "C1 APC"),
];

const BIDI: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

fn table<K: TextKind>(kind: &str, multi_line: bool, max: usize) {
    assert_eq!(K::MAX, max, "{kind}");
    assert_eq!(K::MULTI_LINE, multi_line, "{kind}");
    for (c, name) in ALWAYS_REFUSED {
        let value = format!("Ana{c}Lima");
        assert_eq!(
            run::<K>(&value),
            Err(TextError::ControlCharacter(*c)),
            "{kind}: {name}"
        );
    }
    for c in BIDI {
        let value = format!("abc{c}def");
        assert_eq!(
            run::<K>(&value),
            Err(TextError::BidiControl(*c)),
            "{kind}: U+{:04X}",
            u32::from(*c)
        );
    }
    for c in ['\t', '\n', '\r'] {
        let value = format!("first{c}second");
        let expected = if multi_line {
            Ok(value.clone())
        } else {
            Err(TextError::ControlCharacter(c))
        };
        assert_eq!(run::<K>(&value), expected, "{kind}: {c:?} inside");
    }
    // Length counts characters after trimming: é is 2 bytes, 😀 is 4.
    for unit in ["a", "é", "😀"] {
        let at_max = unit.repeat(max);
        assert_eq!(
            run::<K>(&at_max),
            Ok(at_max.clone()),
            "{kind}: {unit} × max"
        );
        let padded = format!("  {at_max}\n ");
        assert_eq!(
            run::<K>(&padded),
            Ok(at_max),
            "{kind}: trimmed before counting"
        );
        assert_eq!(
            run::<K>(&unit.repeat(max + 1)),
            Err(TextError::TooLong { max }),
            "{kind}: {unit} × (max + 1)"
        );
    }
    let cases: &[(&str, Result<&str, TextError>)] = &[
        ("  Ana Lima  ", Ok("Ana Lima")),
        ("\tAna\n", Ok("Ana")),
        ("", Err(TextError::Empty)),
        ("   ", Err(TextError::Empty)),
        ("\n\t\r", Err(TextError::Empty)),
        ("عربي עברית", Ok("عربي עברית")),
        ("a\u{200F}b", Ok("a\u{200F}b")),
        ("Zoë – 5 €", Ok("Zoë – 5 €")),
    ];
    for (value, expected) in cases {
        assert_eq!(
            run::<K>(value),
            expected.map(str::to_owned),
            "{kind}: {value:?}"
        );
    }
}

#[test]
fn every_kind() {
    table::<Code>("Code", false, 64);
    table::<Label>("Label", false, 100);
    table::<Name>("Name", false, 200);
    table::<Phrase>("Phrase", true, 1000);
    table::<Summary>("Summary", true, 2000);
    table::<Note>("Note", true, 4000);
    table::<LongText>("LongText", true, 20_000);
}

#[test]
fn violations_name_the_field_and_the_problem() {
    let field = ["input", "patient", "name"];
    let cases: &[(&str, &str, &str)] = &[
        ("", "", "must not be empty"),
        ("", "the patient's name", "the patient's name is required"),
        (
            "a\u{1b}[31m",
            "",
            "must not contain control characters (found U+001B)",
        ),
        (
            "a\u{0}",
            "the patient's name",
            "the patient's name must not contain control characters (found U+0000)",
        ),
        (
            "a\u{202E}b",
            "",
            "must not contain bidirectional override characters (found U+202E)",
        ),
    ];
    for (value, what, message) in cases {
        let v = Name::parse_named(&field, value, what).err();
        assert_eq!(
            v,
            Some(Violation::validation(&field, *message)),
            "{value:?} {what:?}"
        );
    }
    let long = "x".repeat(201);
    assert_eq!(
        Name::parse(&field, &long).err().map(|v| v.message),
        Some("must be at most 200 characters".to_owned())
    );
}

#[test]
fn optional_fields() {
    let field = ["input", "notes"];
    assert_eq!(Note::parse_optional(&field, None), Ok(None));
    assert_eq!(Note::parse_optional(&field, Some("  \n ")), Ok(None));
    assert_eq!(
        optional_string::<Note>(&field, Some(" seen \n")),
        Ok(Some("seen".to_owned()))
    );
    assert!(Note::parse_optional(&field, Some("a\u{7}")).is_err());
}

#[test]
fn stored_values_load_without_checks() {
    // Decoding never refuses: records written before these rules still load.
    let stored = "\"old\\u0007value\"";
    let value: Result<Name, _> = serde_json::from_str(stored);
    assert_eq!(
        value.map(String::from).ok(),
        Some("old\u{7}value".to_owned())
    );
    let name = Name::check(" Ana ").map(|n| serde_json::to_string(&n).ok());
    assert_eq!(name, Ok(Some("\"Ana\"".to_owned())));
}

#[test]
fn characters_only() {
    assert_eq!(check_characters("a\tb", true), Ok(()));
    assert_eq!(
        check_characters("a\tb", false),
        Err(TextError::ControlCharacter('\t'))
    );
    assert_eq!(check_characters(" key ", false), Ok(()));
}
