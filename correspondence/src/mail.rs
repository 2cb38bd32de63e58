//! Letters by email: a plain-text body with the letter's PDF attached
//! (multipart/mixed), sent through the hospital's SMTP relay with lettre
//! (async on tokio, rustls). The relay's answer decides the letter's
//! delivery: accepted (a [`Delivery`] with the relay's reply and the
//! Message-ID), refused for good (5xx: the delivery is FAILED) or not now
//! (4xx, connection, TLS or timeout: try again later).
//!
//! Settings come from the environment ([`SmtpSettings::from_env`]):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `REDRESS_SMTP_HOST` | the relay; unset = no email, delivery recorded by hand | |
//! | `REDRESS_SMTP_PORT` | its port | 587 (STARTTLS), 465 (TLS), 25 (NONE) |
//! | `REDRESS_SMTP_SECURITY` | `STARTTLS`, `TLS` or `NONE` (loopback relays only) | `STARTTLS` |
//! | `REDRESS_SMTP_USERNAME`, `REDRESS_SMTP_PASSWORD` | credentials (both or neither) | none |
//! | `REDRESS_SMTP_FROM` | the sender, `Name <address>` or `address` (required) | |
//! | `REDRESS_SMTP_TIMEOUT_SECS` | per SMTP command | 30 |
//! | `REDRESS_SMTP_CA_FILE` | PEM file of extra root certificates (a hospital's own CA) | |

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

/// How the connection to the relay is protected.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a relay on this machine (loopback), for
    /// example a local MTA that relays onwards itself.
    None,
}

impl SmtpSecurity {
    /// `STARTTLS`, `TLS` or `NONE`, in any case.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_uppercase().as_str() {
            "STARTTLS" => Some(Self::StartTls),
            "TLS" => Some(Self::Tls),
            "NONE" => Some(Self::None),
            _ => None,
        }
    }

    /// The usual port for this security.
    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// Where and how letters are emailed.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// The sender: `Name <address>` or `address`.
    pub from: String,
    /// How long one SMTP command may take.
    pub timeout: Duration,
    /// Extra trusted root certificates (PEM), added to the system's.
    pub extra_root_pem: Option<Vec<u8>>,
}

impl SmtpSettings {
    /// Settings for `host` with the defaults: STARTTLS on 587, no
    /// credentials, 30 s timeout.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port: SmtpSecurity::StartTls.default_port(),
            security: SmtpSecurity::StartTls,
            username: None,
            password: None,
            from: from.into(),
            timeout: Duration::from_secs(30),
            extra_root_pem: None,
        }
    }

    /// Reads the `REDRESS_SMTP_*` variables (see the module's table).
    /// `Ok(None)` when `REDRESS_SMTP_HOST` is unset or empty: email is off.
    pub fn from_env() -> Result<Option<Self>, MailError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] with the variables from `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, MailError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let Some(host) = var("REDRESS_SMTP_HOST") else {
            return Ok(None);
        };
        let from = var("REDRESS_SMTP_FROM").ok_or_else(|| {
            MailError::Settings("REDRESS_SMTP_FROM is required with REDRESS_SMTP_HOST".into())
        })?;
        let mut settings = Self::new(host.trim(), from.trim());
        if let Some(security) = var("REDRESS_SMTP_SECURITY") {
            settings.security = SmtpSecurity::parse(&security).ok_or_else(|| {
                MailError::Settings("REDRESS_SMTP_SECURITY must be STARTTLS, TLS or NONE".into())
            })?;
        }
        settings.port = match var("REDRESS_SMTP_PORT") {
            Some(port) => port.trim().parse().map_err(|_| {
                MailError::Settings("REDRESS_SMTP_PORT must be a port number".into())
            })?,
            None => settings.security.default_port(),
        };
        settings.username = var("REDRESS_SMTP_USERNAME");
        settings.password = var("REDRESS_SMTP_PASSWORD").map(SecretString::from);
        if let Some(secs) = var("REDRESS_SMTP_TIMEOUT_SECS") {
            let secs: u64 = secs.trim().parse().map_err(|_| {
                MailError::Settings("REDRESS_SMTP_TIMEOUT_SECS must be a number of seconds".into())
            })?;
            settings.timeout = Duration::from_secs(secs.max(1));
        }
        if let Some(path) = var("REDRESS_SMTP_CA_FILE") {
            let pem = std::fs::read(path.trim()).map_err(|e| {
                MailError::Settings(format!("cannot read REDRESS_SMTP_CA_FILE {path}: {e}"))
            })?;
            settings.extra_root_pem = Some(pem);
        }
        settings.check()?;
        Ok(Some(settings))
    }

    /// The rules a mailer is built on: a host, a valid sender, NONE only to
    /// loopback, username and password together.
    fn check(&self) -> Result<Mailbox, MailError> {
        if self.host.trim().is_empty() {
            return Err(MailError::Settings("the SMTP host is empty".into()));
        }
        if self.security == SmtpSecurity::None && !is_loopback(&self.host) {
            return Err(MailError::Settings(
                "SMTP security NONE is only allowed to a relay on this machine (localhost, 127.0.0.0/8, ::1); use STARTTLS or TLS".into(),
            ));
        }
        if self.username.is_some() != self.password.is_some() {
            return Err(MailError::Settings(
                "an SMTP username needs a password and a password a username".into(),
            ));
        }
        self.from
            .parse::<Mailbox>()
            .map_err(|_| MailError::Settings("the sender (from) is not a valid address".into()))
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The first email address in free text (a complainant's contact, which
/// may also hold a postal address or a phone number): a word that is a
/// valid address, stripped of the brackets and punctuation around it.
pub fn find_address(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | ':' | '"' | '\'' | '[' | ']')))
        .find(|w| {
            w.contains('@')
                && w.parse::<lettre::Address>().is_ok()
                && w.rsplit('@').next().is_some_and(|d| d.contains('.'))
        })
        .map(str::to_owned)
}

/// A letter to email.
#[derive(Clone, Debug)]
pub struct OutgoingLetter {
    /// The recipient: `Name <address>` or `address`.
    pub to: String,
    pub subject: String,
    /// The plain-text rendering of the letter.
    pub text_body: String,
    /// The PDF as (file name, bytes).
    pub pdf: Option<(String, Vec<u8>)>,
}

/// The relay accepted the letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The Message-ID header the letter was sent with (`<…@…>`).
    pub message_id: String,
    /// The relay's reply, code and text (for example
    /// `250 2.0.0 OK queued as 4F2A`).
    pub response: String,
}

/// Why a letter was not sent. The messages carry no letter content; the
/// relay's own reply (which may echo the address) is in `reply`, for the
/// delivery record, and not in the message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("SMTP settings: {0}")]
    Settings(String),
    #[error("the recipient is not a valid email address")]
    Recipient,
    #[error("the letter could not be made into an email")]
    Message,
    #[error("the mail relay refused the letter permanently ({code})")]
    Permanent { code: u16, reply: String },
    #[error("the mail relay refused our credentials ({code}): check the SMTP settings")]
    Authentication { code: u16, reply: String },
    #[error("the mail relay refused the letter for now ({code}); try again later")]
    Transient { code: u16, reply: String },
    #[error("could not talk to the mail relay ({kind}); try again later")]
    Connection {
        kind: ConnectionFailure,
        reply: String,
    },
}

/// What went wrong talking to the relay.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ConnectionFailure {
    Timeout,
    Tls,
    Network,
}

impl std::fmt::Display for ConnectionFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out",
            Self::Tls => "TLS failed",
            Self::Network => "connection failed",
        })
    }
}

impl MailError {
    /// Trying again will not help: the letter's delivery is FAILED (a 5xx
    /// refusal of the letter, or an address that is not one). Everything
    /// else (4xx, connection, TLS, timeouts, refused credentials, settings)
    /// is transient or a configuration problem: the letter can be sent later.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent { .. } | Self::Recipient)
    }
}

/// Sends letters through one relay. Cheap to share (`Clone`): connections
/// are pooled.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the settings and prepares the transport; connects on the
    /// first send.
    pub fn new(settings: &SmtpSettings) -> Result<Self, MailError> {
        let from = settings.check()?;
        let host = settings.host.trim().to_owned();
        let tls_name = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.port)
            .timeout(Some(settings.timeout));
        if settings.security != SmtpSecurity::None {
            let mut tls = TlsParameters::builder(tls_name);
            if let Some(pem) = &settings.extra_root_pem {
                let certificate = Certificate::from_pem(pem).map_err(|_| {
                    MailError::Settings("the extra root certificate is not valid PEM".into())
                })?;
                tls = tls.add_root_certificate(certificate);
            }
            let tls = tls
                .build_rustls()
                .map_err(|_| MailError::Settings("the TLS settings were refused".into()))?;
            builder = builder.tls(match settings.security {
                SmtpSecurity::Tls => Tls::Wrapper(tls),
                _ => Tls::Required(tls),
            });
        }
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends the letter: the text as the body, the PDF (if any) attached.
    pub async fn send(&self, letter: &OutgoingLetter) -> Result<Delivery, MailError> {
        let message = self.message(letter)?;
        let message_id = message
            .headers()
            .get_raw("Message-ID")
            .unwrap_or_default()
            .to_owned();
        let response = self.transport.send(message).await.map_err(classify)?;
        let mut reply = response.code().to_string();
        for line in response.message() {
            reply.push(' ');
            reply.push_str(line);
        }
        Ok(Delivery {
            message_id,
            response: reply,
        })
    }

    fn message(&self, letter: &OutgoingLetter) -> Result<Message, MailError> {
        let to: Mailbox = letter.to.trim().parse().map_err(|_| MailError::Recipient)?;
        // A subject is one line.
        let subject: String = letter
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(None)
            .date_now();
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(letter.text_body.clone());
        let built = match &letter.pdf {
            Some((filename, bytes)) => {
                let pdf = ContentType::parse("application/pdf").map_err(|_| MailError::Message)?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(text)
                        .singlepart(Attachment::new(filename.clone()).body(bytes.clone(), pdf)),
                )
            }
            None => builder.singlepart(text),
        };
        built.map_err(|_| MailError::Message)
    }
}

fn classify(error: lettre::transport::smtp::Error) -> MailError {
    let reply = error.to_string();
    let code = error
        .status()
        .and_then(|code| code.to_string().parse::<u16>().ok());
    match code {
        // Authentication refused or required: the relay's settings are
        // wrong, not the letter; it can be sent once they are fixed.
        Some(code @ (530 | 534 | 535 | 538)) => MailError::Authentication { code, reply },
        Some(code) if error.is_permanent() => MailError::Permanent { code, reply },
        Some(code) => MailError::Transient { code, reply },
        None => MailError::Connection {
            kind: if error.is_timeout() {
                ConnectionFailure::Timeout
            } else if error.is_tls() {
                ConnectionFailure::Tls
            } else {
                ConnectionFailure::Network
            },
            reply,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn an_address_is_found_in_a_contact() {
        let cases = [
            ("jane@example.org", Some("jane@example.org")),
            (
                "Jane Roe\n12 Elm St\nemail: jane.roe@mail.example.",
                Some("jane.roe@mail.example"),
            ),
            ("phone 555-0100, <j@example.org>; x", Some("j@example.org")),
            ("12 Elm St, Springfield", None),
            ("@handle or a@b", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(find_address(text).as_deref(), expected, "{text:?}");
        }
    }

    #[test]
    fn no_host_means_no_email() {
        assert!(SmtpSettings::from_lookup(lookup(&[])).unwrap().is_none());
        assert!(
            SmtpSettings::from_lookup(lookup(&[("REDRESS_SMTP_HOST", " ")]))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn settings_from_the_environment() {
        let s = SmtpSettings::from_lookup(lookup(&[
            ("REDRESS_SMTP_HOST", "smtp.hospital.example"),
            (
                "REDRESS_SMTP_FROM",
                "Patient Relations <pr@hospital.example>",
            ),
            ("REDRESS_SMTP_SECURITY", "tls"),
            ("REDRESS_SMTP_USERNAME", "redress"),
            ("REDRESS_SMTP_PASSWORD", "secret"),
            ("REDRESS_SMTP_TIMEOUT_SECS", "10"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(s.host, "smtp.hospital.example");
        assert_eq!((s.security, s.port), (SmtpSecurity::Tls, 465));
        assert_eq!(s.username.as_deref(), Some("redress"));
        assert_eq!(
            s.password.as_ref().map(|p| p.expose_secret()),
            Some("secret")
        );
        assert_eq!(s.timeout, Duration::from_secs(10));
        // The password is not in the settings' Debug output.
        assert!(!format!("{s:?}").contains("secret\""), "{s:?}");
        let s = SmtpSettings::from_lookup(lookup(&[
            ("REDRESS_SMTP_HOST", "smtp.hospital.example"),
            ("REDRESS_SMTP_FROM", "pr@hospital.example"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((s.security, s.port), (SmtpSecurity::StartTls, 587));
    }

    #[test]
    fn bad_settings_are_refused() {
        let host = ("REDRESS_SMTP_HOST", "smtp.hospital.example");
        let from = ("REDRESS_SMTP_FROM", "pr@hospital.example");
        let cases: &[&[(&str, &str)]] = &[
            &[host],
            &[host, ("REDRESS_SMTP_FROM", "not an address")],
            &[host, from, ("REDRESS_SMTP_SECURITY", "SSL")],
            &[host, from, ("REDRESS_SMTP_PORT", "seventy")],
            &[host, from, ("REDRESS_SMTP_USERNAME", "u")],
            &[host, from, ("REDRESS_SMTP_PASSWORD", "p")],
            &[host, from, ("REDRESS_SMTP_SECURITY", "NONE")],
            &[host, from, ("REDRESS_SMTP_CA_FILE", "/nonexistent/ca.pem")],
        ];
        for vars in cases {
            let result = SmtpSettings::from_lookup(lookup(vars));
            assert!(
                matches!(result, Err(MailError::Settings(_))),
                "{vars:?}: {result:?}"
            );
        }
    }

    #[test]
    fn security_none_only_to_loopback() {
        for (host, ok) in [
            ("localhost", true),
            ("127.0.0.1", true),
            ("127.1.2.3", true),
            ("::1", true),
            ("[::1]", true),
            ("10.0.0.5", false),
            ("smtp.hospital.example", false),
            ("localhost.evil.example", false),
        ] {
            let mut s = SmtpSettings::new(host, "pr@hospital.example");
            s.security = SmtpSecurity::None;
            assert_eq!(Mailer::new(&s).is_ok(), ok, "{host}");
        }
    }

    #[test]
    fn an_invalid_recipient_is_permanent() {
        let mut s = SmtpSettings::new("127.0.0.1", "pr@hospital.example");
        s.security = SmtpSecurity::None;
        let mailer = Mailer::new(&s).unwrap();
        let letter = OutgoingLetter {
            to: "not an address".into(),
            subject: "s".into(),
            text_body: "t".into(),
            pdf: None,
        };
        let err = mailer.message(&letter).unwrap_err();
        assert!(matches!(err, MailError::Recipient) && err.is_permanent());
    }
}
