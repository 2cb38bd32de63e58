//! Email through a real SMTP server: Python's aiosmtpd on 127.0.0.1
//! (tests/smtp/server.py), installed on first use into a venv under
//! target/ from tests/smtp/requirements.txt (pinned, with hashes). The
//! server writes what it received to a directory and the tests read it
//! back: recipient, subject, text body and the PDF attachment's bytes.
//! Without python3 and its venv module the tests fail, naming the Debian
//! packages to install.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redress_correspondence::mail::{MailError, Mailer, OutgoingLetter, SmtpSecurity, SmtpSettings};
use secrecy::SecretString;

#[path = "support/venv.rs"]
mod venv;

fn smtp_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp")
}

/// The venv's python, created once per test run (again when
/// requirements.txt changes); the correspondence and API tests share it.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| venv::python("smtp-venv", &smtp_dir().join("requirements.txt")))
}

/// A running aiosmtpd; stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    fn start(tls: Option<(&Path, &Path)>) -> Self {
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
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("smtp-{port}-{nanos}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut command = Command::new(python);
        command
            .arg(smtp_dir().join("server.py"))
            .arg("--dir")
            .arg(&dir)
            .args(["--port", &port.to_string()]);
        if let Some((cert, key)) = tls {
            command.arg("--cert").arg(cert).arg("--key").arg(key);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its log (a refused TLS handshake is a traceback there).
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
        Server { child, port, dir }
    }

    /// What the server received as message `n` (1-based): `part` is one of
    /// the files server.py writes.
    fn received(&self, n: usize, part: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(n.to_string()).join(part))
            .unwrap_or_else(|e| panic!("message {n} has no {part}: {e}"))
    }

    fn received_text(&self, n: usize, part: &str) -> String {
        String::from_utf8(self.received(n, part)).unwrap()
    }

    /// How many messages arrived.
    fn count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().is_dir())
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn letter(to: &str) -> OutgoingLetter {
    // Bytes that are not text, to see the attachment arrive byte for byte.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..=255u8).cycle().take(5000));
    OutgoingLetter {
        to: to.into(),
        subject: "Response to your grievance G-2026-000123".into(),
        text_body:
            "Dear Ana Ruiz,\n\nWe reviewed your concern. Señora, gracias.\n\nSincerely,\nPat Lee\n"
                .into(),
        pdf: Some(("G-2026-000123-resolution.pdf".into(), pdf)),
    }
}

/// The text part of message 1, line ends as sent and without the line
/// ends SMTP's transfer adds at the end.
fn received_text_body(server: &Server) -> String {
    server
        .received_text(1, "text")
        .replace("\r\n", "\n")
        .trim_end()
        .to_owned()
}

fn plain(port: u16) -> SmtpSettings {
    let mut settings = SmtpSettings::new("127.0.0.1", "Patient Relations <pr@hospital.example>");
    settings.security = SmtpSecurity::None;
    settings.port = port;
    settings.timeout = Duration::from_secs(10);
    settings
}

#[tokio::test]
async fn a_letter_arrives_with_its_text_and_pdf() {
    let server = Server::start(None);
    let mailer = Mailer::new(&plain(server.port)).unwrap();
    let sent = letter("Ana Ruiz <ana@patient.example>");
    let delivery = mailer.send(&sent).await.unwrap();
    assert!(
        delivery.response.starts_with("250 2.0.0 OK queued as 1"),
        "{delivery:?}"
    );
    assert!(
        delivery.message_id.starts_with('<') && delivery.message_id.ends_with('>'),
        "{delivery:?}"
    );
    assert_eq!(server.count(), 1);
    assert_eq!(
        server.received_text(1, "to"),
        "Ana Ruiz <ana@patient.example>"
    );
    assert_eq!(server.received_text(1, "subject"), sent.subject);
    assert_eq!(received_text_body(&server), sent.text_body.trim_end());
    let (filename, bytes) = sent.pdf.as_ref().unwrap();
    assert_eq!(
        &server.received(1, &format!("attachment-{filename}")),
        bytes
    );
    assert_eq!(
        server.received_text(1, &format!("attachment-{filename}.type")),
        "application/pdf"
    );
    let raw = server.received_text(1, "message.eml");
    assert!(raw.contains("multipart/mixed"), "{raw}");
    assert!(
        raw.contains(&format!("Message-ID: {}", delivery.message_id)),
        "{raw}"
    );
    assert_eq!(server.received_text(1, "tls"), "no");
}

#[tokio::test]
async fn without_a_pdf_the_letter_is_plain_text() {
    let server = Server::start(None);
    let mailer = Mailer::new(&plain(server.port)).unwrap();
    let mut sent = letter("ana@patient.example");
    sent.pdf = None;
    mailer.send(&sent).await.unwrap();
    let raw = server.received_text(1, "message.eml");
    assert!(!raw.contains("multipart"), "{raw}");
    assert_eq!(received_text_body(&server), sent.text_body.trim_end());
}

#[tokio::test]
async fn a_550_refusal_is_permanent_and_nothing_arrives() {
    let server = Server::start(None);
    let mailer = Mailer::new(&plain(server.port)).unwrap();
    let err = mailer
        .send(&letter("reject-me@patient.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, MailError::Permanent { code: 550, reply } if reply.contains("Mailbox unavailable")),
        "{err:?}"
    );
    assert!(err.is_permanent());
    // The message (what may be logged) does not echo the address.
    assert!(!err.to_string().contains("reject-me"), "{err}");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn a_relay_that_is_not_there_is_a_transient_connection_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer = Mailer::new(&plain(port)).unwrap();
    let err = mailer
        .send(&letter("ana@patient.example"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Connection { .. }), "{err:?}");
    assert!(!err.is_permanent());
}

/// A hospital CA and a certificate for `localhost` it signed, as PEM files
/// in `dir`: (CA certificate, server certificate, server key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "Redress test hospital CA");
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

#[tokio::test]
async fn starttls_with_the_hospitals_own_ca_and_credentials() {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("smtp-tls-{nanos}"));
    let (ca, cert, key) = certificates(&dir);
    let server = Server::start(Some((&cert, &key)));

    let mut settings = SmtpSettings::new("localhost", "pr@hospital.example");
    settings.port = server.port;
    settings.timeout = Duration::from_secs(10);
    settings.username = Some("redress".into());
    settings.password = Some(SecretString::from("secret"));

    // Without the hospital's CA the server's certificate is not trusted.
    let err = Mailer::new(&settings)
        .unwrap()
        .send(&letter("ana@patient.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MailError::Connection { .. } | MailError::Transient { .. }
        ),
        "{err:?}"
    );
    assert!(!err.is_permanent());
    assert_eq!(server.count(), 0);

    settings.extra_root_pem = Some(std::fs::read(&ca).unwrap());
    let sent = letter("ana@patient.example");
    let delivery = Mailer::new(&settings).unwrap().send(&sent).await.unwrap();
    assert!(delivery.response.starts_with("250"), "{delivery:?}");
    assert_eq!(server.received_text(1, "tls"), "yes");
    assert_eq!(server.received_text(1, "authenticated"), "yes");
    assert_eq!(server.received_text(1, "subject"), sent.subject);
    let (filename, bytes) = sent.pdf.as_ref().unwrap();
    assert_eq!(
        &server.received(1, &format!("attachment-{filename}")),
        bytes
    );

    // Wrong credentials: the relay refuses (535); the settings are wrong,
    // not the letter, so it is not a permanent failure of the letter.
    settings.password = Some(SecretString::from("wrong"));
    let err = Mailer::new(&settings)
        .unwrap()
        .send(&letter("ana@patient.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, MailError::Authentication { code: 535, .. }),
        "{err:?}"
    );
    assert!(!err.is_permanent());
}
