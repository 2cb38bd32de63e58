//! Letters: drafting, changing and sending them through the API, and the
//! RESOLUTION letter a grievance needs before it is resolved.

use serde_json::{Value, json};

use super::TestApp;

/// What the letter tests read back.
pub const LETTER_FIELDS: &str = "id version kind status delivery language languageGap \
needsTranslation compositionProblem format text qioNotice allowedActions supersedes supersededBy \
complaintId pdfPath sending { method sentAt sha256 bytes mediaType } \
approval { by { subject } } deliveryRecord { outcome note }";

/// RESOLUTION letter content meeting A-0123 (and, with `qio`, A-0120).
pub fn resolution_content(qio: bool) -> Value {
    json!({
        "contact": { "name": "Pat Rivera", "title": "Patient Relations", "phone": "555-0100" },
        "investigationSteps": "Reviewed the triage log; interviewed the charge nurse.",
        "results": "Triage staffing gap confirmed; evening rota changed.",
        "completedOn": chrono::Utc::now().date_naive().to_string(),
        "qioNotice": qio
    })
}

/// The text given by hand when no template exists in the letter's
/// language (the helpers' complainants prefer Spanish).
pub const SPANISH_TEXT: &str = "Hemos revisado su queja.\n\nLe escribimos con el resultado.";

impl TestApp {
    /// Runs a letter mutation; returns its payload (`letter`, `userErrors`).
    pub async fn letter_mutate(&self, token: &str, mutation: &str, input: Value) -> Value {
        let ty = format!("{}Input", upper_first(mutation));
        let extra = if mutation == "letterDraft" {
            "replayed"
        } else {
            ""
        };
        let query = format!(
            "mutation M($input: {ty}!) {{ {mutation}(input: $input) {{ letter {{ {LETTER_FIELDS} }} {extra} userErrors {{ field message code }} }} }}"
        );
        let data = self.ok(token, &query, json!({ "input": input })).await;
        data[mutation].clone()
    }

    /// Like `letter_mutate`, asserting it was not refused; returns the letter.
    pub async fn letter_must(&self, token: &str, mutation: &str, input: Value) -> Value {
        let payload = self.letter_mutate(token, mutation, input).await;
        assert_eq!(payload["userErrors"], json!([]), "{mutation}: {payload:#}");
        payload["letter"].clone()
    }

    /// Drafts a letter of `kind` on the complaint; where no template exists
    /// in the complainant's language, gives its text in that language.
    pub async fn draft_letter(
        &self,
        token: &str,
        complaint: &Value,
        kind: &str,
        content: Value,
    ) -> Value {
        let letter = self
            .letter_must(
                token,
                "letterDraft",
                json!({ "complaintId": complaint["id"], "kind": kind, "content": content }),
            )
            .await;
        if letter["needsTranslation"] == json!(true) {
            let mut content = content.clone();
            content["text"] = json!(SPANISH_TEXT);
            return self
                .letter_must(
                    token,
                    "letterUpdate",
                    json!({ "id": letter["id"], "expectedVersion": letter["version"], "content": content }),
                )
                .await;
        }
        letter
    }

    /// Marks the letter sent by mail now.
    pub async fn send_letter(&self, token: &str, letter: &Value) -> Value {
        self.letter_must(
            token,
            "letterMarkSent",
            json!({ "id": letter["id"], "expectedVersion": letter["version"], "method": "MAIL" }),
        )
        .await
    }

    /// `GET` the letter's `pdfPath` with `token`: the answer.
    pub async fn letter_pdf_response(&self, token: &str, letter: &Value) -> reqwest::Response {
        let path = letter["pdfPath"].as_str().expect("the letter's pdfPath");
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the PDF request is sent")
    }

    /// The letter as a PDF (asserting a 200 with a PDF).
    pub async fn letter_pdf(&self, token: &str, letter: &Value) -> Vec<u8> {
        let response = self.letter_pdf_response(token, letter).await;
        assert_eq!(response.status(), 200, "the letter's PDF");
        assert_eq!(
            response.headers()["content-type"],
            "application/pdf",
            "the letter's PDF"
        );
        let bytes = response.bytes().await.expect("the PDF's bytes").to_vec();
        assert!(bytes.starts_with(b"%PDF-"), "a PDF");
        bytes
    }

    /// Drafts and sends the complaint's RESOLUTION letter (the written
    /// response `complaintResolve` then copies).
    pub async fn send_resolution_letter(&self, token: &str, complaint: &Value, qio: bool) -> Value {
        let letter = self
            .draft_letter(token, complaint, "RESOLUTION", resolution_content(qio))
            .await;
        let sent = self.send_letter(token, &letter).await;
        assert_eq!(sent["status"], "SENT", "{sent:#}");
        sent
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The text `pdftotext` (Debian's poppler-utils) reads from a PDF, its
/// whitespace squashed to single spaces.
pub fn pdf_text(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("redress-letter-{}.pdf", uuid::Uuid::now_v7()));
    std::fs::write(&path, pdf).expect("the PDF is written to a temporary file");
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (install Debian's poppler-utils)");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
