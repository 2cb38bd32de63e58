//! Letters on a complaint (`domain.md`, "The written response"): records
//! of their own, drafted from the complaint, approved where the facility
//! requires it, sent, and then delivered, returned or failed. A sent letter
//! is never edited: a correction is a new letter that supersedes it.
//!
//! `LetterKind` is defined here rather than taken from the correspondence
//! crate: the domain holds no rendering code (its crate has no renderer as
//! a dependency), and the API's enum is this one; the services map it to
//! the correspondence crate's kind when they compose a letter.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::complaint::{ContactMethod, ResponseFormat, UserRef, WrittenResponse, spelled_enum};
use super::text::{LongText, Name, Note};
use super::work::{Checks, Machine, Stamp, optional_text};
use super::{Violation, ViolationKind};

spelled_enum! {
    /// What a letter is for.
    pub enum LetterKind {
        /// We received your complaint (A-0122).
        Acknowledgement = "ACKNOWLEDGEMENT",
        /// Still being worked on, and by when the written response comes.
        ProgressNotice = "PROGRESS_NOTICE",
        /// The response will take longer, with the reason.
        Extension = "EXTENSION",
        /// The written response of A-0123 (with A-0120's QIO notice where owed).
        Resolution = "RESOLUTION",
        /// Anything else, written by hand.
        Other = "OTHER",
    }
}

spelled_enum! {
    /// Where a letter is before and after it goes out.
    pub enum LetterStatus {
        /// Being written; may change.
        Draft = "DRAFT",
        /// Approved by a manager (where the facility requires it); a change
        /// takes it back to DRAFT.
        Approved = "APPROVED",
        /// Sent; never edited again.
        Sent = "SENT",
        /// Sent, then replaced by a correction that was sent.
        Superseded = "SUPERSEDED",
    }
}

spelled_enum! {
    /// What became of a sent letter.
    #[cfg_attr(feature = "graphql", graphql(name = "LetterDeliveryStatus"))]
    pub enum Delivery {
        /// On its way; no outcome recorded yet.
        Sent = "SENT",
        Delivered = "DELIVERED",
        /// Came back (wrong address, refused).
        Returned = "RETURNED",
        /// Could not be delivered (email bounced, fax failed).
        Failed = "FAILED",
    }
}

spelled_enum! {
    /// How a letter went out.
    #[cfg_attr(feature = "graphql", graphql(name = "LetterSendMethod"))]
    pub enum SendMethod {
        Mail = "MAIL",
        Email = "EMAIL",
        Portal = "PORTAL",
        Fax = "FAX",
        HandDelivered = "HAND_DELIVERED",
    }
}

impl SendMethod {
    /// The contact method the complaint's written response records.
    pub fn contact_method(self) -> ContactMethod {
        match self {
            SendMethod::Mail => ContactMethod::Letter,
            SendMethod::Email => ContactMethod::Email,
            SendMethod::Portal => ContactMethod::Portal,
            SendMethod::Fax => ContactMethod::Fax,
            SendMethod::HandDelivered => ContactMethod::InPerson,
        }
    }
}

spelled_enum! {
    /// The layout a letter is printed in.
    pub enum LetterFormat {
        Standard = "STANDARD",
        /// For a complainant who asked for large print.
        LargePrint = "LARGE_PRINT",
    }
}

spelled_enum! {
    /// What may be done to a letter.
    pub enum LetterAction {
        Update = "UPDATE",
        Approve = "APPROVE",
        MarkSent = "MARK_SENT",
        RecordDelivery = "RECORD_DELIVERY",
        /// Done by sending a correction, not by itself.
        Supersede = "SUPERSEDE",
    }
}

/// The status machine.
pub const MACHINE: Machine<LetterStatus, LetterAction> = Machine {
    noun: "letter",
    table: {
        use LetterAction::*;
        use LetterStatus::*;
        &[
            (Draft, Update, Draft),
            (Approved, Update, Draft),
            (Draft, Approve, Approved),
            (Draft, MarkSent, Sent),
            (Approved, MarkSent, Sent),
            (Sent, RecordDelivery, Sent),
            (Superseded, RecordDelivery, Superseded),
            (Sent, Supersede, Superseded),
        ]
    },
};

/// The hospital contact person a letter names (A-0123).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPerson {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What the writer puts into a letter besides what the complaint holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LetterContent {
    pub contact: Option<ContactPerson>,
    /// PROGRESS_NOTICE, EXTENSION: by when the written response comes.
    pub response_by: Option<NaiveDate>,
    /// EXTENSION: why more time is needed.
    pub extension_reason: Option<String>,
    /// RESOLUTION: the steps taken to investigate.
    pub investigation_steps: Option<String>,
    /// RESOLUTION: the results of the grievance process.
    pub results: Option<String>,
    /// RESOLUTION: the date of completion.
    pub completed_on: Option<NaiveDate>,
    /// RESOLUTION: the letter tells of the right to refer to the QIO.
    pub qio_notice: bool,
    /// OTHER: the body; otherwise a paragraph after the template's body.
    pub body: Option<String>,
    /// The whole text, written by hand in the letter's language, when no
    /// template exists in it.
    pub text: Option<String>,
}

/// The letter as composed for sending, and whether a template existed in
/// its language (the services compose it; the domain keeps it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Composition {
    /// The composed document (the correspondence crate's `LetterDocument`).
    pub document: Value,
    /// No template exists in the letter's language: the text must be given
    /// by hand in that language, or the language changed with a reason.
    pub language_gap: bool,
    /// Why the template could not write the letter yet (a fact its kind
    /// needs is missing); no document then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Sending: how, when, and the hash of the bytes that went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sending {
    pub by: UserRef,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// When it went out.
    pub sent_at: DateTime<Utc>,
    pub method: SendMethod,
    /// The rendition stored at send: its media type, SHA-256 (hex) and size.
    pub media_type: String,
    pub sha256: String,
    pub bytes: u64,
}

/// An outcome of delivery, recorded by hand (or by the mail gateway).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    pub outcome: Delivery,
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// The whole letter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LetterState {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    pub complaint_reference: String,
    /// Who logged the complaint (STAFF see the letters of their own).
    pub complaint_created_by: String,
    pub kind: LetterKind,
    pub status: LetterStatus,
    /// Set when sent.
    pub delivery: Option<Delivery>,
    /// BCP 47 tag.
    pub language: String,
    /// Why the language differs from the complainant's preferred one.
    pub language_reason: Option<String>,
    pub format: LetterFormat,
    pub content: LetterContent,
    pub composition: Composition,
    /// The sent letter this one corrects.
    pub supersedes: Option<Uuid>,
    /// The sent correction that replaced this one.
    pub superseded_by: Option<Uuid>,
    pub drafted: Stamp,
    pub approved: Option<Stamp>,
    pub sent: Option<Sending>,
    pub delivery_record: Option<DeliveryRecord>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LetterState {
    /// Sent, delivered or not, and not replaced by a correction.
    pub fn is_current_sent(&self) -> bool {
        self.status == LetterStatus::Sent
    }
}

/// A letter's inputs as entered (draft and update).
#[derive(Clone, Debug, Default)]
pub struct ContentInput {
    pub contact_name: Option<String>,
    pub contact_title: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub response_by: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub investigation_steps: Option<String>,
    pub results: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub qio_notice: bool,
    pub body: Option<String>,
    pub text: Option<String>,
}

/// Checks every text of the input; each problem at once.
pub fn check_content(i: &ContentInput) -> Result<LetterContent, Vec<Violation>> {
    let mut c = Checks::default();
    let f = |name: &'static str| -> [&'static str; 3] { ["input", "content", name] };
    let name = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "name"],
            i.contact_name.as_deref(),
            "the contact person's name",
        ))
        .flatten();
    let title = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "title"],
            i.contact_title.as_deref(),
            "the contact person's title",
        ))
        .flatten();
    let phone = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "phone"],
            i.contact_phone.as_deref(),
            "the contact person's phone",
        ))
        .flatten();
    let email = c
        .take(optional_text::<Name>(
            &["input", "content", "contact", "email"],
            i.contact_email.as_deref(),
            "the contact person's email",
        ))
        .flatten();
    let no_name = i
        .contact_name
        .as_deref()
        .is_none_or(|n| n.trim().is_empty());
    if no_name && (title.is_some() || phone.is_some() || email.is_some()) {
        c.push(Violation::validation(
            &["input", "content", "contact", "name"],
            "the contact person needs a name",
        ));
    }
    let extension_reason = c
        .take(optional_text::<Note>(
            &f("extensionReason"),
            i.extension_reason.as_deref(),
            "the reason for the extension",
        ))
        .flatten();
    let investigation_steps = c
        .take(optional_text::<LongText>(
            &f("investigationSteps"),
            i.investigation_steps.as_deref(),
            "the steps taken to investigate",
        ))
        .flatten();
    let results = c
        .take(optional_text::<LongText>(
            &f("results"),
            i.results.as_deref(),
            "the results",
        ))
        .flatten();
    let body = c
        .take(optional_text::<LongText>(
            &f("body"),
            i.body.as_deref(),
            "the body",
        ))
        .flatten();
    let text = c
        .take(optional_text::<LongText>(
            &f("text"),
            i.text.as_deref(),
            "the letter's text",
        ))
        .flatten();
    c.finish()?;
    Ok(LetterContent {
        contact: name.map(|name| ContactPerson {
            name,
            title,
            phone,
            email,
        }),
        response_by: i.response_by,
        extension_reason,
        investigation_steps,
        results,
        completed_on: i.completed_on,
        qio_notice: i.qio_notice,
        body,
        text,
    })
}

/// The BCP 47 tag, normalised, or a violation on `field`.
pub fn check_language(field: &[&str], tag: &str) -> Result<String, Violation> {
    let tag = tag.trim();
    oxilangtag::LanguageTag::parse_and_normalize(tag)
        .map(|t| t.as_str().to_owned())
        .map_err(|_| {
            Violation::validation(field, "the language must be a BCP 47 tag such as en or es")
        })
}

/// The primary language subtag (`es` of `es-MX`), lower case.
pub fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The complaint's facts a new letter takes.
#[derive(Clone, Debug)]
pub struct LetterSetting {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    pub complaint_reference: String,
    pub complaint_created_by: String,
    /// The complaint is open or resolved (not closed or withdrawn).
    pub complaint_accepts_letters: bool,
    /// The complainant's preferred language (normalised), else the
    /// facility's.
    pub preferred_language: String,
    /// The complainant asked for large print.
    pub large_print: bool,
    /// The letter the new one corrects, when it names one.
    pub superseded: Option<(Uuid, LetterKind, LetterStatus, Uuid)>,
    pub composition: Composition,
}

/// A letter as asked for by `letterDraft`.
#[derive(Clone, Debug)]
pub struct DraftInput {
    pub kind: LetterKind,
    pub language: Option<String>,
    pub language_reason: Option<String>,
    pub format: Option<LetterFormat>,
    pub supersedes: Option<Uuid>,
    pub content: ContentInput,
}

/// The language the letter is in and the reason it is not the preferred
/// one. Another language than the complainant's needs a reason.
fn language_of(
    asked: Option<&str>,
    reason: Option<&str>,
    preferred: &str,
    checks: &mut Checks,
) -> (String, Option<String>) {
    let language = match asked {
        None => preferred.to_owned(),
        Some(tag) => checks
            .take(check_language(&["input", "language"], tag))
            .unwrap_or_else(|| preferred.to_owned()),
    };
    let reason = checks
        .take(optional_text::<Note>(
            &["input", "languageReason"],
            reason,
            "the reason for the language",
        ))
        .flatten();
    if primary_language(&language) != primary_language(preferred) && reason.is_none() {
        checks.push(Violation::validation(
            &["input", "languageReason"],
            format!(
                "the complainant's language is {preferred}; say why this letter is in {language}"
            ),
        ));
    }
    (language, reason)
}

/// Builds a draft letter from the complaint's setting.
pub fn draft(
    d: &DraftInput,
    s: &LetterSetting,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<LetterState, Vec<Violation>> {
    let mut checks = Checks::default();
    if !s.complaint_accepts_letters {
        checks.push(Violation::guard(
            &["input", "complaintId"],
            "letters are written on a complaint that is open or resolved, not one that is closed or withdrawn",
        ));
    }
    let (language, language_reason) = language_of(
        d.language.as_deref(),
        d.language_reason.as_deref(),
        &s.preferred_language,
        &mut checks,
    );
    if let Some(target) = d.supersedes {
        match s.superseded {
            Some((id, kind, status, complaint)) if id == target => {
                if complaint != s.complaint_id {
                    checks.push(Violation::validation(
                        &["input", "supersedes"],
                        "a correction replaces a letter on the same complaint",
                    ));
                } else if kind != d.kind {
                    checks.push(Violation::validation(
                        &["input", "supersedes"],
                        format!(
                            "a correction is of the same kind as the letter it replaces ({})",
                            kind.as_str()
                        ),
                    ));
                } else if status != LetterStatus::Sent {
                    checks.push(Violation::guard(
                        &["input", "supersedes"],
                        format!(
                            "only a sent letter is corrected by a new one; this one is {} (edit a draft instead)",
                            status.as_str()
                        ),
                    ));
                }
            }
            _ => checks.push(Violation::validation(
                &["input", "supersedes"],
                "no such letter",
            )),
        }
    }
    let content = match check_content(&d.content) {
        Ok(c) => Some(c),
        Err(v) => {
            checks.0.extend(v);
            None
        }
    };
    checks.finish()?;
    let format = d.format.unwrap_or(if s.large_print {
        LetterFormat::LargePrint
    } else {
        LetterFormat::Standard
    });
    Ok(LetterState {
        facility_id: s.facility_id,
        facility_code: s.facility_code.clone(),
        complaint_id: s.complaint_id,
        complaint_reference: s.complaint_reference.clone(),
        complaint_created_by: s.complaint_created_by.clone(),
        kind: d.kind,
        status: LetterStatus::Draft,
        delivery: None,
        language,
        language_reason,
        format,
        content: content.unwrap_or_default(),
        composition: s.composition.clone(),
        supersedes: d.supersedes,
        superseded_by: None,
        drafted: Stamp {
            by: by.clone(),
            at: now,
            reason: None,
        },
        approved: None,
        sent: None,
        delivery_record: None,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// A change of a draft: new content, and optionally a new language (with
/// its reason) or format. The services compose it again.
#[derive(Clone, Debug)]
pub struct UpdateInput {
    pub language: Option<String>,
    pub language_reason: Option<String>,
    pub format: Option<LetterFormat>,
    pub content: ContentInput,
}

/// DRAFT/APPROVED → DRAFT with new content; a change undoes an approval.
pub fn update(
    s: &mut LetterState,
    u: &UpdateInput,
    preferred_language: &str,
    composition: Composition,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE
        .step(s.status, LetterAction::Update)
        .map_err(|mut v| {
            if matches!(s.status, LetterStatus::Sent | LetterStatus::Superseded) {
                v[0].message = format!(
                    "a sent letter is never edited; draft a correction that supersedes it ({})",
                    v[0].message
                );
            }
            v
        })?;
    let mut checks = Checks::default();
    let (language, language_reason) = match &u.language {
        Some(tag) => language_of(
            Some(tag),
            u.language_reason.as_deref(),
            preferred_language,
            &mut checks,
        ),
        None => (s.language.clone(), s.language_reason.clone()),
    };
    let content = match check_content(&u.content) {
        Ok(c) => Some(c),
        Err(v) => {
            checks.0.extend(v);
            None
        }
    };
    checks.finish()?;
    s.status = to;
    s.approved = None;
    s.language = language;
    s.language_reason = language_reason;
    if let Some(format) = u.format {
        s.format = format;
    }
    s.content = content.unwrap_or_default();
    s.composition = composition;
    Ok(())
}

/// DRAFT → APPROVED by someone other than the drafter.
pub fn approve(
    s: &mut LetterState,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, LetterAction::Approve)?;
    if s.drafted.by.subject == by.subject {
        return Err(vec![Violation::guard(
            &["input", "id"],
            "a letter is approved by a manager other than the one who drafted it",
        )]);
    }
    s.status = to;
    s.approved = Some(Stamp {
        by: by.clone(),
        at: now,
        reason: None,
    });
    Ok(())
}

/// What sending is checked against besides the letter.
#[derive(Clone, Debug)]
pub struct SendRules {
    /// The facility requires a manager's approval before a letter goes out.
    pub approval_required: bool,
    /// A QIO notice is owed on the complaint (A-0120).
    pub qio_owed: bool,
    pub received_at: DateTime<Utc>,
}

/// The rendition of the letter stored at send.
#[derive(Clone, Debug)]
pub struct Rendition {
    pub media_type: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What A-0123 (and A-0120) require a RESOLUTION letter to hold, in the
/// order a surveyor checks it: the missing elements' names and fields.
pub fn resolution_missing(c: &LetterContent, qio_owed: bool) -> Vec<(&'static str, &'static str)> {
    let mut missing = Vec::new();
    if c.contact.as_ref().is_none_or(|p| p.name.trim().is_empty()) {
        missing.push(("the name of the hospital contact person", "contact"));
    }
    if c.investigation_steps
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        missing.push(("the steps taken to investigate", "investigationSteps"));
    }
    if c.results.as_deref().is_none_or(|t| t.trim().is_empty()) {
        missing.push(("the results of the grievance process", "results"));
    }
    if c.completed_on.is_none() {
        missing.push(("the date of completion", "completedOn"));
    }
    if qio_owed && !c.qio_notice {
        missing.push((
            "the right to refer a Medicare quality-of-care or premature-discharge grievance to the QIO (A-0120)",
            "qioNotice",
        ));
    }
    missing
}

/// Every reason the letter may not go out yet.
pub fn send_guards(
    s: &LetterState,
    rules: &SendRules,
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Violation> {
    let mut v = Vec::new();
    if rules.approval_required && s.status == LetterStatus::Draft {
        v.push(Violation::guard(
            &["input", "id"],
            "this facility requires a manager's approval before a letter is sent",
        ));
    }
    if s.composition.language_gap && s.content.text.is_none() {
        v.push(Violation::guard(
            &["input", "id"],
            format!(
                "there is no template in {}: give the letter's text in that language (letterUpdate) or change its language with a reason; it is not sent in another language",
                s.language
            ),
        ));
    }
    let resolution_missing_now = s.kind == LetterKind::Resolution
        && !resolution_missing(&s.content, rules.qio_owed).is_empty();
    if let Some(problem) = &s.composition.problem
        && !resolution_missing_now
    {
        v.push(Violation::guard(
            &["input", "id"],
            format!("the letter cannot be written yet: {problem}"),
        ));
    }
    if s.kind == LetterKind::Resolution {
        let missing = resolution_missing(&s.content, rules.qio_owed);
        if !missing.is_empty() {
            v.push(Violation::guard(
                &["input", "id"],
                format!(
                    "a resolution letter must state {} (A-0123) before it is sent",
                    missing
                        .iter()
                        .map(|(what, _)| *what)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ));
        }
        if let Some(done) = s.content.completed_on
            && (done < rules.received_at.date_naive()
                || done > now.date_naive() + chrono::Days::new(1))
        {
            v.push(Violation::validation(
                &["input", "id"],
                "the letter's date of completion must be between receipt and today",
            ));
        }
    }
    if sent_at < rules.received_at || sent_at > now + chrono::Duration::minutes(5) {
        v.push(Violation::validation(
            &["input", "sentAt"],
            "when it was sent must be between the complaint's receipt and now",
        ));
    }
    v
}

/// DRAFT (where no approval is required) or APPROVED → SENT.
pub fn mark_sent(
    s: &mut LetterState,
    rules: &SendRules,
    method: SendMethod,
    sent_at: DateTime<Utc>,
    rendition: &Rendition,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, LetterAction::MarkSent)?;
    let guards = send_guards(s, rules, sent_at, now);
    if !guards.is_empty() {
        return Err(guards);
    }
    s.status = to;
    s.delivery = Some(Delivery::Sent);
    s.sent = Some(Sending {
        by: by.clone(),
        recorded_at: now,
        sent_at: chrono::SubsecRound::trunc_subsecs(sent_at, 6),
        method,
        media_type: rendition.media_type.clone(),
        sha256: rendition.sha256.clone(),
        bytes: rendition.bytes,
    });
    Ok(())
}

/// SENT → DELIVERED, RETURNED or FAILED, once.
pub fn record_delivery(
    s: &mut LetterState,
    outcome: Delivery,
    note: Option<&str>,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, LetterAction::RecordDelivery)?;
    if outcome == Delivery::Sent {
        return Err(vec![Violation::validation(
            &["input", "outcome"],
            "the outcome is DELIVERED, RETURNED or FAILED",
        )]);
    }
    if s.delivery != Some(Delivery::Sent) {
        return Err(vec![Violation::new(
            ViolationKind::InvalidTransition,
            &["input", "id"],
            format!(
                "this letter's delivery is already recorded as {}",
                s.delivery.map_or("unknown", Delivery::as_str)
            ),
        )]);
    }
    let note = optional_text::<Note>(&["input", "note"], note, "the note").map_err(|v| vec![v])?;
    s.status = to;
    s.delivery = Some(outcome);
    s.delivery_record = Some(DeliveryRecord {
        outcome,
        by: by.clone(),
        at: now,
        note,
    });
    Ok(())
}

/// SENT → SUPERSEDED, when the correction `by_letter` is sent.
pub fn supersede(s: &mut LetterState, by_letter: Uuid) -> Result<(), Vec<Violation>> {
    s.status = MACHINE.step(s.status, LetterAction::Supersede)?;
    s.superseded_by = Some(by_letter);
    Ok(())
}

/// The complaint's written response, copied from a sent RESOLUTION letter.
pub fn written_response_of(id: Uuid, l: &LetterState) -> Option<WrittenResponse> {
    let sent = l.sent.as_ref()?;
    Some(WrittenResponse {
        contact_person: l.content.contact.as_ref().map(|c| c.name.clone())?,
        investigation_steps: l.content.investigation_steps.clone()?,
        results: l.content.results.clone()?,
        completed_on: l.content.completed_on?,
        sent_at: sent.sent_at,
        sent_by: sent.method.contact_method(),
        language: l.language.clone(),
        format: match l.format {
            LetterFormat::Standard => ResponseFormat::Standard,
            LetterFormat::LargePrint => ResponseFormat::LargePrint,
        },
        qio_notice_included: l.content.qio_notice,
        letter_id: Some(id),
    })
}

/// Fixtures for the domain's unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::complaint::ComplaintState;

    pub fn user(subject: &str) -> UserRef {
        UserRef {
            subject: subject.to_owned(),
            name: format!("User {subject}"),
        }
    }

    /// A RESOLUTION letter's content that A-0123 accepts (and, with `qio`,
    /// A-0120).
    pub fn resolution_content(c: &ComplaintState, qio: bool) -> ContentInput {
        ContentInput {
            contact_name: Some("Pat Relations".into()),
            contact_phone: Some("555-0100".into()),
            investigation_steps: Some("Reviewed the triage log and interviewed staff".into()),
            results: Some("Staffing gap found; rota changed".into()),
            completed_on: Some(c.received_at.date_naive() + chrono::Days::new(1)),
            qio_notice: qio,
            ..ContentInput::default()
        }
    }

    pub fn setting(c: &ComplaintState) -> LetterSetting {
        LetterSetting {
            facility_id: c.facility_id,
            facility_code: c.facility_code.clone(),
            complaint_id: Uuid::from_u128(7),
            complaint_reference: c.reference.clone(),
            complaint_created_by: c.created_by.subject.clone(),
            complaint_accepts_letters: true,
            preferred_language: "es".into(),
            large_print: false,
            superseded: None,
            composition: Composition::default(),
        }
    }

    /// A draft of `kind` on `c` by `pr-1`.
    pub fn drafted(c: &ComplaintState, kind: LetterKind, content: ContentInput) -> LetterState {
        draft(
            &DraftInput {
                kind,
                language: None,
                language_reason: None,
                format: None,
                supersedes: None,
                content,
            },
            &setting(c),
            &user("pr-1"),
            c.received_at + chrono::Duration::hours(1),
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    pub fn rules(c: &ComplaintState) -> SendRules {
        SendRules {
            approval_required: false,
            qio_owed: c.needs_qio_notice(),
            received_at: c.received_at,
        }
    }

    pub fn rendition() -> Rendition {
        Rendition {
            media_type: "text/plain; charset=utf-8".into(),
            sha256: "0".repeat(64),
            bytes: 10,
        }
    }

    /// A RESOLUTION letter on `c`, sent by mail a day after receipt.
    pub fn sent_resolution(c: &ComplaintState, qio: bool) -> (Uuid, LetterState) {
        let mut l = drafted(c, LetterKind::Resolution, resolution_content(c, qio));
        let at = c.received_at + chrono::Duration::hours(30);
        mark_sent(
            &mut l,
            &SendRules {
                qio_owed: false,
                ..rules(c)
            },
            SendMethod::Mail,
            at,
            &rendition(),
            &user("pr-1"),
            at,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        (Uuid::from_u128(99), l)
    }
}

#[cfg(test)]
#[path = "letter_tests.rs"]
mod tests;
