//! Validated values end to end: every text input of every mutation refuses
//! control characters (and single-line ones a line break) with a
//! `VALIDATION` user error on that field, changing nothing; money is a plain
//! decimal string below its ceiling, never a JSON number, never rounded.

use serde_json::{Value, json};

use crate::helpers::*;

/// Runs any mutation asking only for its user errors; asserts that the
/// answer has no top-level error.
async fn user_errors(app: &TestApp, token: &str, mutation: &str, input: Value) -> Value {
    let mut chars = mutation.chars();
    let first = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or_default();
    let query = format!(
        "mutation M($input: {first}{}Input!) {{ {mutation}(input: $input) {{ userErrors {{ field message code }} }} }}",
        chars.as_str()
    );
    let data = app.ok(token, &query, json!({ "input": input })).await;
    data[mutation]["userErrors"].clone()
}

fn slot<'a>(value: &'a mut Value, path: &[&str]) -> &'a mut Value {
    path.iter()
        .fold(value, |v, key| match key.parse::<usize>() {
            Ok(i) if v.is_array() => &mut v[i],
            _ => &mut v[*key],
        })
}

/// `input` with the string at `path` replaced by `text` around `c`.
fn poisoned(input: &Value, path: &[&str], c: char) -> Value {
    let mut input = input.clone();
    let target = slot(&mut input, path);
    let text = target.as_str().unwrap_or("Valid text").to_owned();
    let mid = text.char_indices().nth(1).map_or(text.len(), |(i, _)| i);
    *target = json!(format!("{}{c}{}", &text[..mid], &text[mid..]));
    input
}

/// One text input: the mutation, who sends it, an input that is valid but
/// for the poisoned field, and that field's path inside `input`.
struct Case {
    mutation: &'static str,
    token: String,
    input: Value,
    path: &'static [&'static str],
    /// The refusal's whole field path when it is not `["input", ..path]`.
    field: Option<&'static [&'static str]>,
    /// Whether the field has its own format (a code, a tag, a time zone)
    /// whose message says so rather than naming control characters.
    own_format: bool,
}

fn case(mutation: &'static str, token: &str, input: &Value, path: &'static [&'static str]) -> Case {
    Case {
        mutation,
        token: token.to_owned(),
        input: input.clone(),
        path,
        field: None,
        own_format: false,
    }
}

fn formatted(mut c: Case, field: Option<&'static [&'static str]>) -> Case {
    c.own_format = true;
    c.field = field;
    c
}

/// Fields that must stay on one line: a line feed inside is refused too.
const SINGLE_LINE: &[&str] = &[
    "name",
    "code",
    "mrn",
    "department",
    "receivedBy",
    "contact",
    "preferredLanguage",
    "defaultLanguage",
    "role",
    "ownerSubject",
    "ownerName",
    "withWhom",
    "contactPerson",
    "language",
    "encounter",
    "requestedBy",
    "staffId",
    "vendor",
    "interpreterId",
    "relationship",
    "provider",
    "timeZone",
    "currency",
    "facilityCode",
    "idempotencyKey",
];

#[tokio::test]
async fn every_text_input_refuses_control_characters() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let admin = admin();
    let pr = manager();
    let now = chrono::Utc::now();
    let policy = json!({
        "facilityCode": "MAIN", "program": "MEDICARE_ADVANTAGE", "name": "Medicare Advantage",
        "acknowledgement": { "amount": 7, "unit": "CALENDAR_DAYS" },
        "resolution": { "amount": 30, "unit": "CALENDAR_DAYS" },
        "maxExtensions": 1, "maxExtension": { "amount": 14, "unit": "CALENDAR_DAYS" }
    });
    let errors = user_errors(&app, &admin, "deadlinePolicyUpsert", policy.clone()).await;
    assert_eq!(errors, json!([]), "{errors:#}");

    // Records in the states each action needs.
    let open = app.create_complaint(&pr, intake("MAIN")).await;
    let mut ma_intake = intake("MAIN");
    ma_intake["program"] = json!("MEDICARE_ADVANTAGE");
    let ma = app.create_complaint(&pr, ma_intake).await;
    let investigating = app.create_complaint(&pr, intake("MAIN")).await;
    let investigating = app
        .complaint_must(
            &pr,
            "complaintAssign",
            at(
                &investigating,
                json!({ "ownerSubject": "prm-1", "ownerName": "Pat Rivera" }),
            ),
        )
        .await;
    let investigating = app
        .complaint_must(
            &pr,
            "complaintStartInvestigation",
            at(&investigating, json!({})),
        )
        .await;
    let withdrawn = app.create_complaint(&pr, intake("MAIN")).await;
    let withdrawn = app
        .complaint_must(
            &pr,
            "complaintWithdraw",
            at(&withdrawn, json!({ "reason": "Complainant withdrew." })),
        )
        .await;
    let action = app
        .work_must(
            &pr,
            "serviceRecoveryPropose",
            proposal(&open["id"], "APOLOGY", None),
        )
        .await;
    let session = app
        .work_must(
            &pr,
            "interpreterSessionLog",
            session_input("MAIN", session_entry()),
        )
        .await;
    let needed_by = (now + chrono::Duration::days(2)).to_rfc3339();
    let request = app
        .work_must(
            &pr,
            "accessibilityRequestCreate",
            accessibility_input("MAIN", &needed_by),
        )
        .await;
    let acknowledged = app
        .work_must(
            &pr,
            "accessibilityRequestCreate",
            accessibility_input("MAIN", &needed_by),
        )
        .await;
    let acknowledged = app
        .work_must(
            &pr,
            "accessibilityRequestAcknowledge",
            at_version(&acknowledged, json!({})),
        )
        .await;

    // Inputs valid in every field.
    let mut facility = facility_input("NEW-ONE");
    facility["defaultLanguage"] = json!("en");
    facility["letters"] = json!({ "addressLines": ["1 River Road"], "qioName": "Livanta",
                                  "qioPhone": "555-0199", "requireApproval": false });
    let mut create = intake("MAIN");
    for (key, value) in [
        ("receivedBy", json!("Front desk")),
        (
            "complainant",
            json!({ "name": "Maria Lopez", "relationship": "SELF", "contact": "555-0100",
                    "preferredLanguage": "es", "communicationNeeds": "Large print" }),
        ),
        ("desiredOutcome", json!("An apology.")),
        (
            "peopleInvolved",
            json!([{ "name": "Dr. Kim", "role": "Triage physician" }]),
        ),
        ("idempotencyKey", json!("create-1")),
    ] {
        create[key] = value;
    }
    create["issues"][0]["summary"] = json!("Long wait");
    let issues: Vec<Value> = open["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            json!({ "id": i["id"], "category": i["category"], "severity": i["severity"],
                         "stageOfCare": "ADMISSION", "summary": "As coded" })
        })
        .collect();
    let update = at(
        &open,
        json!({
            "department": "Cardiology",
            "complainant": create["complainant"],
            "patient": { "mrn": "MRN-0001", "name": "Maria Lopez" },
            "description": "Waited five hours.",
            "desiredOutcome": "A call back.",
            "peopleInvolved": create["peopleInvolved"],
            "issues": issues,
        }),
    );
    let assign = at(
        &open,
        json!({ "ownerSubject": "prm-1", "ownerName": "Pat Rivera" }),
    );
    let reason = |record: &Value| at(record, json!({ "reason": "Asked by the family." }));
    let resolve = at(
        &investigating,
        json!({ "findings": findings(&investigating), "summary": "Addressed.",
                "writtenNoticeException": { "reason": "Answered by phone at the family's request." } }),
    );
    let extend = at(
        &ma,
        json!({ "clock": "RESOLUTION", "by": { "amount": 7, "unit": "CALENDAR_DAYS" },
                "reason": "Awaiting records." }),
    );
    let note =
        json!({ "complaintId": open["id"], "body": "Called back.", "idempotencyKey": "note-1" });
    let contact = json!({
        "complaintId": open["id"], "direction": "OUTBOUND", "method": "PHONE",
        "contactedAt": now.to_rfc3339(), "withWhom": "Maria Lopez",
        "summary": "Explained the next steps.", "idempotencyKey": "contact-1"
    });
    let mut propose = proposal(&open["id"], "GIFT_CARD", Some("20.00"));
    propose["idempotencyKey"] = json!("propose-1");
    let mut entry = session_entry();
    entry["notes"] = json!("Went well.");
    let mut companion_entry = declined_entry(false, true, true, false);
    companion_entry["notes"] = json!("Patient asked for the son.");
    let mut staff_entry = session_entry();
    staff_entry["interpreter"] =
        json!({ "staffId": "S-12", "qualification": "CERTIFIED_MEDICAL_INTERPRETER" });
    let mut log = session_input("MAIN", entry.clone());
    log["idempotencyKey"] = json!("log-1");
    let companion_log = session_input("MAIN", companion_entry.clone());
    let staff_log = session_input("MAIN", staff_entry.clone());
    let amend = at_version(
        &session,
        json!({ "reason": "Wrong modality.", "entry": entry }),
    );
    let amend_companion = at_version(
        &session,
        json!({ "reason": "It was the son.", "entry": companion_entry }),
    );
    let amend_staff = at_version(
        &session,
        json!({ "reason": "Staff interpreter.", "entry": staff_entry }),
    );
    let mut filing = accessibility_input("MAIN", &needed_by);
    filing["idempotencyKey"] = json!("filing-1");
    let schedule = at_version(
        &acknowledged,
        json!({ "scheduledFor": needed_by, "provider": "ASL Services" }),
    );
    let fulfill = at_version(&request, json!({ "note": "Interpreter came." }));
    let alternative = at_version(
        &request,
        json!({ "alternative": "VRI on a tablet", "reason": "No on-site interpreter free." }),
    );
    let deny = at_version(
        &request,
        json!({ "ground": "UNDUE_BURDEN", "reason": "Cost out of proportion." }),
    );

    // Letters: a draft to change, and a sent one to record delivery of.
    let content = json!({
        "contact": { "name": "Pat Rivera", "title": "Patient Relations",
                     "phone": "555-0100", "email": "pat@example.org" },
        "extensionReason": "Records are late.", "investigationSteps": "Read the chart.",
        "results": "Upheld.", "body": "We are sorry.", "text": "Hemos recibido su queja."
    });
    let mut letter_draft = json!({
        "complaintId": open["id"], "kind": "OTHER", "language": "es-MX",
        "languageReason": "The complainant's dialect.", "content": content,
        "idempotencyKey": "letter-1"
    });
    let draft = app
        .letter_must(&pr, "letterDraft", letter_draft.clone())
        .await;
    letter_draft["idempotencyKey"] = json!("letter-2");
    let letter_update = json!({
        "id": draft["id"], "expectedVersion": draft["version"], "language": "es-MX",
        "languageReason": "The complainant's dialect.", "content": content
    });
    let other = app
        .letter_must(
            &pr,
            "letterDraft",
            json!({ "complaintId": open["id"], "kind": "OTHER",
                    "content": { "contact": { "name": "Pat Rivera" }, "body": "A note." } }),
        )
        .await;
    let sent = app.send_letter(&pr, &other).await;
    let delivery = json!({ "id": sent["id"], "expectedVersion": sent["version"],
                           "outcome": "DELIVERED", "note": "Signed for." });

    let mut cases = vec![
        formatted(case("facilityUpsert", &admin, &facility, &["code"]), None),
        case("facilityUpsert", &admin, &facility, &["name"]),
        formatted(
            case("facilityUpsert", &admin, &facility, &["defaultLanguage"]),
            None,
        ),
        formatted(
            case("facilityUpsert", &admin, &facility, &["timeZone"]),
            None,
        ),
        formatted(
            case(
                "facilityUpsert",
                &admin,
                &facility,
                &["approvalThreshold", "currency"],
            ),
            Some(&["input", "approvalThreshold"]),
        ),
        case("deadlinePolicyUpsert", &admin, &policy, &["name"]),
        formatted(
            case("deadlinePolicyUpsert", &admin, &policy, &["facilityCode"]),
            None,
        ),
        formatted(
            case("complaintCreate", &pr, &create, &["facilityCode"]),
            None,
        ),
        case("complaintCreate", &pr, &create, &["department"]),
        case("complaintCreate", &pr, &create, &["receivedBy"]),
        case("complaintCreate", &pr, &create, &["complainant", "name"]),
        case("complaintCreate", &pr, &create, &["complainant", "contact"]),
        case(
            "complaintCreate",
            &pr,
            &create,
            &["complainant", "preferredLanguage"],
        ),
        case(
            "complaintCreate",
            &pr,
            &create,
            &["complainant", "communicationNeeds"],
        ),
        case("complaintCreate", &pr, &create, &["patient", "mrn"]),
        case("complaintCreate", &pr, &create, &["patient", "name"]),
        case("complaintCreate", &pr, &create, &["description"]),
        case("complaintCreate", &pr, &create, &["desiredOutcome"]),
        case(
            "complaintCreate",
            &pr,
            &create,
            &["peopleInvolved", "0", "name"],
        ),
        case(
            "complaintCreate",
            &pr,
            &create,
            &["peopleInvolved", "0", "role"],
        ),
        case("complaintCreate", &pr, &create, &["issues", "0", "summary"]),
        case("complaintCreate", &pr, &create, &["idempotencyKey"]),
        case("complaintUpdate", &pr, &update, &["department"]),
        case("complaintUpdate", &pr, &update, &["complainant", "name"]),
        case("complaintUpdate", &pr, &update, &["complainant", "contact"]),
        case(
            "complaintUpdate",
            &pr,
            &update,
            &["complainant", "preferredLanguage"],
        ),
        case(
            "complaintUpdate",
            &pr,
            &update,
            &["complainant", "communicationNeeds"],
        ),
        case("complaintUpdate", &pr, &update, &["patient", "mrn"]),
        case("complaintUpdate", &pr, &update, &["patient", "name"]),
        case("complaintUpdate", &pr, &update, &["description"]),
        case("complaintUpdate", &pr, &update, &["desiredOutcome"]),
        case(
            "complaintUpdate",
            &pr,
            &update,
            &["peopleInvolved", "0", "name"],
        ),
        case(
            "complaintUpdate",
            &pr,
            &update,
            &["peopleInvolved", "0", "role"],
        ),
        case("complaintUpdate", &pr, &update, &["issues", "1", "summary"]),
        case("complaintAssign", &pr, &assign, &["ownerSubject"]),
        case("complaintAssign", &pr, &assign, &["ownerName"]),
        case("complaintEscalate", &pr, &reason(&open), &["reason"]),
        case(
            "complaintResolveAtPointOfService",
            &pr,
            &at(&open, json!({ "resolution": "Apologised; moved her up." })),
            &["resolution"],
        ),
        case(
            "complaintResolve",
            &pr,
            &resolve,
            &["findings", "0", "finding"],
        ),
        case("complaintResolve", &pr, &resolve, &["summary"]),
        case(
            "complaintResolve",
            &pr,
            &resolve,
            &["writtenNoticeException", "reason"],
        ),
        case("complaintWithdraw", &pr, &reason(&open), &["reason"]),
        case("complaintReopen", &pr, &reason(&withdrawn), &["reason"]),
        case("complaintExtendDeadline", &pr, &extend, &["reason"]),
        case("complaintAddNote", &pr, &note, &["body"]),
        case("complaintAddNote", &pr, &note, &["idempotencyKey"]),
        case("complaintLogContact", &pr, &contact, &["withWhom"]),
        case("complaintLogContact", &pr, &contact, &["summary"]),
        case("complaintLogContact", &pr, &contact, &["idempotencyKey"]),
        case("serviceRecoveryPropose", &pr, &propose, &["description"]),
        formatted(
            case(
                "serviceRecoveryPropose",
                &pr,
                &propose,
                &["amount", "currency"],
            ),
            None,
        ),
        case("serviceRecoveryPropose", &pr, &propose, &["idempotencyKey"]),
        case("serviceRecoveryDecline", &pr, &reason(&action), &["reason"]),
        case(
            "serviceRecoveryComplete",
            &pr,
            &at(&action, json!({ "note": "Done." })),
            &["note"],
        ),
        case("serviceRecoveryCancel", &pr, &reason(&action), &["reason"]),
        formatted(
            case("interpreterSessionLog", &pr, &log, &["facilityCode"]),
            None,
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &log,
            &["entry", "patient", "mrn"],
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &log,
            &["entry", "patient", "name"],
        ),
        case("interpreterSessionLog", &pr, &log, &["entry", "encounter"]),
        case("interpreterSessionLog", &pr, &log, &["entry", "department"]),
        formatted(
            case("interpreterSessionLog", &pr, &log, &["entry", "language"]),
            None,
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &log,
            &["entry", "requestedBy"],
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &log,
            &["entry", "interpreter", "vendor"],
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &log,
            &["entry", "interpreter", "interpreterId"],
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &staff_log,
            &["entry", "interpreter", "staffId"],
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &companion_log,
            &["entry", "companion", "name"],
        ),
        case(
            "interpreterSessionLog",
            &pr,
            &companion_log,
            &["entry", "companion", "relationship"],
        ),
        case("interpreterSessionLog", &pr, &log, &["entry", "notes"]),
        case("interpreterSessionLog", &pr, &log, &["idempotencyKey"]),
        case("interpreterSessionAmend", &pr, &amend, &["reason"]),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend,
            &["entry", "patient", "name"],
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend,
            &["entry", "encounter"],
        ),
        case("interpreterSessionAmend", &pr, &amend, &["entry", "notes"]),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend,
            &["entry", "patient", "mrn"],
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend,
            &["entry", "department"],
        ),
        formatted(
            case(
                "interpreterSessionAmend",
                &pr,
                &amend,
                &["entry", "language"],
            ),
            None,
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend,
            &["entry", "requestedBy"],
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend,
            &["entry", "interpreter", "vendor"],
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend,
            &["entry", "interpreter", "interpreterId"],
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend_staff,
            &["entry", "interpreter", "staffId"],
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend_companion,
            &["entry", "companion", "name"],
        ),
        case(
            "interpreterSessionAmend",
            &pr,
            &amend_companion,
            &["entry", "companion", "relationship"],
        ),
        formatted(
            case(
                "accessibilityRequestCreate",
                &pr,
                &filing,
                &["facilityCode"],
            ),
            None,
        ),
        case(
            "accessibilityRequestCreate",
            &pr,
            &filing,
            &["patient", "mrn"],
        ),
        case(
            "accessibilityRequestCreate",
            &pr,
            &filing,
            &["patient", "name"],
        ),
        case("accessibilityRequestCreate", &pr, &filing, &["department"]),
        case("accessibilityRequestCreate", &pr, &filing, &["details"]),
        case(
            "accessibilityRequestCreate",
            &pr,
            &filing,
            &["requestedAid"],
        ),
        case(
            "accessibilityRequestCreate",
            &pr,
            &filing,
            &["idempotencyKey"],
        ),
        case(
            "accessibilityRequestSchedule",
            &pr,
            &schedule,
            &["provider"],
        ),
        case("accessibilityRequestFulfill", &pr, &fulfill, &["note"]),
        case(
            "accessibilityRequestProvideAlternative",
            &pr,
            &alternative,
            &["alternative"],
        ),
        case(
            "accessibilityRequestProvideAlternative",
            &pr,
            &alternative,
            &["reason"],
        ),
        case("accessibilityRequestDeny", &pr, &deny, &["reason"]),
        case(
            "accessibilityRequestCancel",
            &pr,
            &reason(&request),
            &["reason"],
        ),
    ];

    for (mutation, input) in [
        ("letterDraft", &letter_draft),
        ("letterUpdate", &letter_update),
    ] {
        cases.push(formatted(case(mutation, &pr, input, &["language"]), None));
        cases.push(case(mutation, &pr, input, &["languageReason"]));
        let paths: [&'static [&'static str]; 9] = [
            &["content", "contact", "name"],
            &["content", "contact", "title"],
            &["content", "contact", "phone"],
            &["content", "contact", "email"],
            &["content", "extensionReason"],
            &["content", "investigationSteps"],
            &["content", "results"],
            &["content", "body"],
            &["content", "text"],
        ];
        for path in paths {
            cases.push(case(mutation, &pr, input, path));
        }
    }
    cases.push(case("letterDraft", &pr, &letter_draft, &["idempotencyKey"]));
    cases.push(case("letterRecordDelivery", &pr, &delivery, &["note"]));
    cases.push(case(
        "facilityUpsert",
        &admin,
        &facility,
        &["letters", "addressLines", "0"],
    ));
    cases.push(case(
        "facilityUpsert",
        &admin,
        &facility,
        &["letters", "qioName"],
    ));
    cases.push(case(
        "facilityUpsert",
        &admin,
        &facility,
        &["letters", "qioPhone"],
    ));

    // The coverage guard: every text input of every mutation is above.
    let covered = cases
        .iter()
        .map(|c| {
            let path: Vec<&str> = c
                .path
                .iter()
                .copied()
                .filter(|p| p.parse::<usize>().is_err())
                .collect();
            format!("{}.input.{}", c.mutation, path.join("."))
        })
        .collect();
    let (missing, stale) = crate::text_inputs::uncovered(&app, &covered).await;
    assert!(
        missing.is_empty(),
        "text inputs no case poisons (add them to this table): {missing:#?}"
    );
    assert!(stale.is_empty(), "exemptions of no text input: {stale:#?}");

    let trail = app.audit_event_count().await;
    for c in &cases {
        let field: Vec<&str> = match c.field {
            Some(field) => field.to_vec(),
            None => std::iter::once("input")
                .chain(c.path.iter().copied())
                .collect(),
        };
        let last = c.path.last().copied().unwrap_or_default();
        let mut poisons = vec!['\u{0}', '\u{1b}', '\u{7f}', '\u{9b}', '\u{202E}'];
        if SINGLE_LINE.contains(&last) {
            poisons.extend(['\n', '\t', '\r']);
        }
        for poison in poisons {
            let ctx = format!("{} {:?} U+{:04X}", c.mutation, c.path, u32::from(poison));
            let input = poisoned(&c.input, c.path, poison);
            let errors = user_errors(&app, &c.token, c.mutation, input).await;
            let errors = errors.as_array().unwrap();
            // The one refusal of that field; any other error can only be a
            // consequence (a finding refused leaves its issue without one).
            let on_field: Vec<&Value> = errors
                .iter()
                .filter(|e| e["field"] == json!(field))
                .collect();
            assert_eq!(on_field.len(), 1, "{ctx}: {errors:#?}");
            assert_eq!(on_field[0]["code"], "VALIDATION", "{ctx}: {errors:#?}");
            assert!(
                errors
                    .iter()
                    .all(|e| e["field"] == json!(field) || e["code"] != "VALIDATION"),
                "{ctx}: {errors:#?}"
            );
            let message = on_field[0]["message"].as_str().unwrap_or_default();
            assert!(!message.contains(poison), "{ctx}: echoed {message:?}");
            if !c.own_format {
                let expected = if poison == '\u{202E}' {
                    "bidirectional override"
                } else {
                    "control characters"
                };
                assert!(message.contains(expected), "{ctx}: {message:?}");
            }
        }
    }
    assert_eq!(
        app.audit_event_count().await,
        trail,
        "a refused change wrote nothing"
    );

    // Tab and line breaks stay welcome where text spans lines.
    let mut multi_line = note.clone();
    multi_line["body"] = json!("First line.\r\n\tSecond line.");
    multi_line["idempotencyKey"] = json!("note-2");
    let errors = user_errors(&app, &pr, "complaintAddNote", multi_line).await;
    assert_eq!(errors, json!([]));
}

const PROPOSE: &str =
    "mutation P($input: ServiceRecoveryProposeInput!) { serviceRecoveryPropose(input: $input) {
  serviceRecoveryAction { amount { amount currency } } userErrors { field message code } } }";

#[tokio::test]
async fn money_is_a_decimal_string_below_its_ceiling() {
    let app = TestApp::spawn().await;
    app.create_facility("MAIN").await;
    let pr = manager();
    let complaint = app.create_complaint(&pr, intake("MAIN")).await;
    let trail = app.audit_event_count().await;
    let refused = [
        (json!(12.5), "not a number"),
        (json!(0.300_000_000_000_000_04), "not a number"),
        (json!(20), "not a number"),
        (json!("1e2"), "no exponent"),
        (json!("1,000.00"), "no thousands separators"),
        (json!("12.505"), "more decimal places"),
        (json!("9999999999999999.99"), "less than 100000000 USD"),
        (json!("100000000.00"), "less than 100000000 USD"),
    ];
    for (amount, message) in refused {
        let mut input = proposal(&complaint["id"], "REFUND", None);
        input["amount"] = json!({ "amount": amount, "currency": "USD" });
        // Sent as variables: a JSON number stays a JSON number.
        let data = app.ok(&pr, PROPOSE, json!({ "input": input })).await;
        let payload = &data["serviceRecoveryPropose"];
        assert_eq!(payload["serviceRecoveryAction"], Value::Null, "{amount}");
        let errors = payload["userErrors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{amount}: {errors:#?}");
        assert_eq!(errors[0]["code"], "VALIDATION", "{amount}");
        assert_eq!(
            errors[0]["field"],
            json!(["input", "amount", "amount"]),
            "{amount}"
        );
        let text = errors[0]["message"].as_str().unwrap_or_default();
        assert!(text.contains(message), "{amount}: {text:?}");
    }
    // A GraphQL float literal is a number too.
    let literal = format!(
        "mutation {{ serviceRecoveryPropose(input: {{ complaintId: {}, kind: REFUND, description: \"Refund\", amount: {{ amount: 12.5, currency: \"USD\" }} }}) {{ userErrors {{ field code }} }} }}",
        complaint["id"]
    );
    let data = app.ok(&pr, &literal, json!({})).await;
    assert_eq!(
        data["serviceRecoveryPropose"]["userErrors"],
        json!([{ "field": ["input", "amount", "amount"], "code": "VALIDATION" }])
    );
    assert_eq!(app.audit_event_count().await, trail, "nothing was stored");

    // At the ceiling, and with every digit: stored and returned exactly.
    for (amount, stored) in [("99999999.99", "99999999.99"), ("0012345.6", "12345.60")] {
        let input = proposal(&complaint["id"], "BILL_WRITE_OFF", Some(amount));
        let data = app.ok(&pr, PROPOSE, json!({ "input": input })).await;
        let payload = &data["serviceRecoveryPropose"];
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        assert_eq!(
            payload["serviceRecoveryAction"]["amount"],
            json!({ "amount": stored, "currency": "USD" })
        );
    }

    // A facility's approval threshold follows the same rules.
    for (amount, ok) in [
        (json!(250.5), false),
        (json!("2.5e2"), false),
        (json!("100000000"), false),
        (json!("99999999.99"), true),
    ] {
        let mut input = facility_input("MAIN");
        input["expectedVersion"] = json!(1);
        input["approvalThreshold"] = json!({ "amount": amount, "currency": "USD" });
        let data = app.ok(&admin(), UPSERT, json!({ "input": input })).await;
        let payload = &data["facilityUpsert"];
        if ok {
            assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
            assert_eq!(
                payload["facility"]["approvalThreshold"],
                json!({ "amount": "99999999.99", "currency": "USD" })
            );
        } else {
            assert_eq!(
                payload["userErrors"][0]["field"],
                json!(["input", "approvalThreshold"]),
                "{amount}: {payload:#}"
            );
            assert_eq!(payload["userErrors"][0]["code"], "VALIDATION", "{amount}");
        }
    }
}
