//! Letters emailed by the server (`letterMarkSent` with EMAIL, SMTP
//! configured) through a real SMTP server: Python's aiosmtpd on 127.0.0.1
//! (correspondence/tests/smtp/server.py, the correspondence crate's
//! harness), installed on first use into a venv under target/ from its
//! pinned requirements. The server writes what it received to a directory
//! and the tests read it back. Without python3 and its venv module the
//! tests fail, naming the Debian packages to install.
//!
//! * accepted: the message arrives (To, Subject = the letter's title, the
//!   stored text as the body); the relay's Message-ID is on the letter and
//!   on the audit trail (LETTER_RELAY_ACCEPT), the delivery stays SENT;
//! * refused with 550: the delivery is FAILED, on the letter and the trail,
//!   the note holding the code and not the address;
//! * no email address on the complaint: refused before anything is
//!   written;
//! * SMTP not configured: EMAIL is recorded by hand, nothing is emailed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redress_api::correspondence::mail::{SmtpSecurity, SmtpSettings};
use serde_json::{Value, json};

use crate::helpers::*;

#[path = "../../correspondence/tests/support/venv.rs"]
mod venv;

fn smtp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("correspondence/tests/smtp")
}

/// The venv's python, created once per test run (again when
/// requirements.txt changes); the correspondence and API tests share it.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| venv::python("smtp-venv", &smtp_dir().join("requirements.txt")))
}

/// A running aiosmtpd (plain, on loopback); stopped when dropped. It
/// refuses with 550 any recipient whose address contains "reject".
struct Relay {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Relay {
    fn start() -> Self {
        let python = python();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("api-smtp-{port}-{nanos}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(python)
            .arg(smtp_dir().join("server.py"))
            .arg("--dir")
            .arg(&dir)
            .args(["--port", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "READY",
            "the SMTP server did not start: {}",
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        );
        Relay { child, port, dir }
    }

    fn settings(&self) -> SmtpSettings {
        let mut s = SmtpSettings::new("127.0.0.1", "Patient Relations <pr@hospital.example>");
        s.security = SmtpSecurity::None;
        s.port = self.port;
        s.timeout = Duration::from_secs(10);
        s
    }

    /// What arrived as message `n` (1-based): `part` is one of the files
    /// server.py writes.
    fn received(&self, n: usize, part: &str) -> String {
        std::fs::read_to_string(self.dir.join(n.to_string()).join(part))
            .unwrap_or_else(|e| panic!("message {n} has no {part}: {e}"))
    }

    /// The names of the attachments of message `n`.
    fn attachments(&self, n: usize) -> Vec<String> {
        std::fs::read_dir(self.dir.join(n.to_string()))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| f.starts_with("attachment-") && !f.ends_with(".type"))
            .collect()
    }

    fn count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().is_dir())
            .count()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const EMAIL_FIELDS: &str = "id version status delivery text pdfPath \
    sending { method relayMessageId } deliveryRecord { outcome note }";

/// A complaint whose complainant's contact is `contact` (English, so the
/// template writes the letter), and an ACKNOWLEDGEMENT drafted on it.
async fn drafted(app: &TestApp, contact: Option<&str>) -> (Value, Value) {
    let mut input = intake("MAIN");
    input["complainant"]["preferredLanguage"] = json!("en");
    if let Some(contact) = contact {
        input["complainant"]["contact"] = json!(contact);
    }
    let c = app.create_complaint(&manager(), input).await;
    let letter = app
        .draft_letter(
            &specialist(),
            &c,
            "ACKNOWLEDGEMENT",
            json!({ "contact": { "name": "Pat Rivera", "phone": "555-0100" } }),
        )
        .await;
    assert_eq!(letter["status"], "DRAFT", "{letter:#}");
    (c, letter)
}

async fn mark_sent_by_email(app: &TestApp, letter: &Value) -> Value {
    let query = format!(
        "mutation M($input: LetterMarkSentInput!) {{ letterMarkSent(input: $input) {{ \
         letter {{ {EMAIL_FIELDS} }} userErrors {{ field message code }} }} }}"
    );
    let data = app
        .ok(
            &specialist(),
            &query,
            json!({ "input": { "id": letter["id"], "expectedVersion": letter["version"],
                               "method": "EMAIL" } }),
        )
        .await;
    data["letterMarkSent"].clone()
}

/// The complaint's letters as stored now.
async fn letters(app: &TestApp, complaint: &Value) -> Vec<Value> {
    let data = app
        .ok(
            &manager(),
            &format!(
                "query L($id: ID!) {{ complaint(id: $id) {{ letters {{ {EMAIL_FIELDS} }} }} }}"
            ),
            json!({ "id": complaint["id"] }),
        )
        .await;
    data["complaint"]["letters"].as_array().unwrap().clone()
}

/// The complaint's history: action, record, after.
async fn history(app: &TestApp, complaint: &Value) -> Vec<Value> {
    let data = app
        .ok(
            &compliance(),
            "query H($id: ID!) { complaint(id: $id) { history(first: 100) { nodes { action recordId after } } } }",
            json!({ "id": complaint["id"] }),
        )
        .await;
    data["complaint"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

fn actions_on(events: &[Value], record: &Value) -> Vec<String> {
    events
        .iter()
        .filter(|e| &e["recordId"] == record)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn app_with(relay: Option<&Relay>) -> TestApp {
    let mail = relay.map(Relay::settings);
    let app = TestApp::spawn_with(move |s| s.mail = mail).await;
    app.create_facility("MAIN").await;
    app
}

#[tokio::test]
async fn an_emailed_letter_arrives_and_the_relays_message_id_is_on_the_trail() {
    let relay = Relay::start();
    let app = app_with(Some(&relay)).await;
    let (c, letter) = drafted(
        &app,
        Some("12 Elm St, Springfield; email maria.lopez@patient.example"),
    )
    .await;
    let payload = mark_sent_by_email(&app, &letter).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let sent = &payload["letter"];
    assert_eq!(sent["status"], "SENT", "{sent:#}");
    assert_eq!(
        sent["delivery"], "SENT",
        "accepted by the relay is not delivered"
    );
    assert_eq!(sent["sending"]["method"], "EMAIL");
    let message_id = sent["sending"]["relayMessageId"]
        .as_str()
        .unwrap_or_else(|| panic!("{sent:#}"));
    assert!(
        message_id.starts_with('<') && message_id.ends_with('>'),
        "{message_id}"
    );
    // The send and the relay's acceptance: two changes.
    assert_eq!(sent["version"], letter["version"].as_i64().unwrap() + 2);

    // What arrived: to the complainant, the letter's title, the stored text.
    assert_eq!(relay.count(), 1);
    assert_eq!(relay.received(1, "to"), "maria.lopez@patient.example");
    let subject = relay.received(1, "subject");
    // The letter's title, which its text carries too.
    assert!(!subject.trim().is_empty());
    assert!(
        sent["text"].as_str().unwrap().contains(&subject),
        "{subject}"
    );
    let body = relay.received(1, "text").replace("\r\n", "\n");
    assert_eq!(body.trim_end(), sent["text"].as_str().unwrap().trim_end());
    assert!(body.contains("Maria Lopez"), "{body}");
    let eml = relay.received(1, "message.eml");
    assert!(
        eml.contains(message_id),
        "the Message-ID the relay got is the one recorded"
    );
    // The stored PDF rendition is attached, byte for byte.
    let attachments = relay.attachments(1);
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    assert!(attachments[0].ends_with(".pdf"), "{attachments:?}");
    let attached = std::fs::read(relay.dir.join("1").join(&attachments[0])).unwrap();
    assert_eq!(attached, app.letter_pdf(&specialist(), sent).await);

    // The audit trail: the send, then the relay's acceptance with its id.
    let events = history(&app, &c).await;
    let actions = actions_on(&events, &sent["id"]);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "LETTER_RELAY_ACCEPT")
            .count(),
        1,
        "{actions:?}"
    );
    let accept = events
        .iter()
        .find(|e| e["action"] == "LETTER_RELAY_ACCEPT")
        .unwrap();
    assert_eq!(accept["after"]["sent"]["relayMessageId"], message_id);
    // Only the sending changed: the delivery is untouched (still SENT).
    assert_eq!(accept["after"]["delivery"], Value::Null, "{accept:#}");
    let stored = letters(&app, &c).await;
    assert_eq!(stored[0]["sending"]["relayMessageId"], message_id);
}

#[tokio::test]
async fn a_permanent_refusal_makes_the_delivery_failed_with_the_code_only() {
    let relay = Relay::start();
    let app = app_with(Some(&relay)).await;
    let (c, letter) = drafted(&app, Some("reject.me@patient.example")).await;
    let payload = mark_sent_by_email(&app, &letter).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let sent = &payload["letter"];
    assert_eq!(sent["status"], "SENT", "{sent:#}");
    assert_eq!(sent["delivery"], "FAILED", "{sent:#}");
    assert_eq!(sent["deliveryRecord"]["outcome"], "FAILED");
    let note = sent["deliveryRecord"]["note"].as_str().unwrap();
    assert!(note.contains("550"), "{note}");
    assert!(
        !note.contains('@') && !note.contains("reject"),
        "no address in the note: {note}"
    );
    assert_eq!(sent["sending"]["relayMessageId"], Value::Null);
    assert_eq!(relay.count(), 0);

    let events = history(&app, &c).await;
    let failed = events
        .iter()
        .find(|e| e["action"] == "LETTER_RECORD_DELIVERY" && e["recordId"] == sent["id"])
        .unwrap_or_else(|| panic!("no LETTER_RECORD_DELIVERY in {events:#?}"));
    assert_eq!(failed["after"]["delivery"], "FAILED");
    assert_eq!(failed["after"]["deliveryRecord"]["note"], note);
    assert!(!actions_on(&events, &sent["id"]).contains(&"LETTER_RELAY_ACCEPT".to_owned()));
    let stored = letters(&app, &c).await;
    assert_eq!(stored[0]["delivery"], "FAILED");
}

#[tokio::test]
async fn without_an_email_address_email_is_refused_and_nothing_is_written() {
    let relay = Relay::start();
    let app = app_with(Some(&relay)).await;
    for contact in [None, Some("12 Elm St, Springfield; phone 555-0101")] {
        let (c, letter) = drafted(&app, contact).await;
        let before = history(&app, &c).await;
        let payload = mark_sent_by_email(&app, &letter).await;
        assert_eq!(payload["letter"], Value::Null, "{contact:?}: {payload:#}");
        let errors = payload["userErrors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{payload:#}");
        assert_eq!(errors[0]["code"], "VALIDATION", "{payload:#}");
        assert_eq!(
            errors[0]["field"],
            json!(["input", "method"]),
            "{payload:#}"
        );
        assert!(
            errors[0]["message"]
                .as_str()
                .unwrap()
                .contains("email address"),
            "{payload:#}"
        );
        // Nothing written: no event, the letter still the draft it was.
        assert_eq!(history(&app, &c).await, before, "{contact:?}");
        let stored = letters(&app, &c).await;
        assert_eq!(stored[0]["status"], "DRAFT");
        assert_eq!(stored[0]["version"], letter["version"]);
        assert_eq!(stored[0]["sending"], Value::Null);
        // Another method still goes out.
        let mailed = app.send_letter(&specialist(), &letter).await;
        assert_eq!(mailed["status"], "SENT");
    }
    assert_eq!(relay.count(), 0);
}

#[tokio::test]
async fn without_smtp_email_is_recorded_by_hand() {
    let app = app_with(None).await;
    let (c, letter) = drafted(&app, None).await;
    let payload = mark_sent_by_email(&app, &letter).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let sent = &payload["letter"];
    assert_eq!(sent["delivery"], "SENT");
    assert_eq!(sent["sending"]["method"], "EMAIL");
    assert_eq!(sent["sending"]["relayMessageId"], Value::Null);
    assert_eq!(sent["version"], letter["version"].as_i64().unwrap() + 1);
    let actions = actions_on(&history(&app, &c).await, &sent["id"]);
    assert!(
        !actions.contains(&"LETTER_RELAY_ACCEPT".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_relay_that_cannot_be_reached_leaves_the_letter_sent_for_the_user_to_record() {
    // A port nothing listens on: the connection is refused (transient).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut mail = SmtpSettings::new("127.0.0.1", "Patient Relations <pr@hospital.example>");
    mail.security = SmtpSecurity::None;
    mail.port = port;
    mail.timeout = Duration::from_secs(5);
    let app = TestApp::spawn_with(move |s| s.mail = Some(mail)).await;
    app.create_facility("MAIN").await;
    let (c, letter) = drafted(&app, Some("maria.lopez@patient.example")).await;
    let payload = mark_sent_by_email(&app, &letter).await;
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    let sent = &payload["letter"];
    assert_eq!(sent["status"], "SENT", "{sent:#}");
    assert_eq!(sent["delivery"], "SENT", "{sent:#}");
    assert_eq!(sent["deliveryRecord"], Value::Null);
    assert_eq!(sent["sending"]["relayMessageId"], Value::Null);
    assert_eq!(sent["version"], letter["version"].as_i64().unwrap() + 1);
    let actions = actions_on(&history(&app, &c).await, &sent["id"]);
    assert!(
        !actions
            .iter()
            .any(|a| a == "LETTER_RELAY_ACCEPT" || a == "LETTER_RECORD_DELIVERY"),
        "{actions:?}"
    );
    // The user records the outcome by hand later.
    let recorded = app
        .letter_must(
            &specialist(),
            "letterRecordDelivery",
            json!({ "id": sent["id"], "expectedVersion": sent["version"], "outcome": "DELIVERED" }),
        )
        .await;
    assert_eq!(recorded["delivery"], "DELIVERED");
}
