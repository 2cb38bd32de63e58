//! A letter's content, already in its language and with every variable
//! filled in: what a renderer needs and nothing else.

use serde::{Deserialize, Serialize};

/// The layout a letter is rendered in.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LetterFormat {
    /// Ordinary print.
    #[default]
    Standard,
    /// Large print (for a complainant who asked for it).
    LargePrint,
}

/// The sender's letterhead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacilityBlock {
    /// The facility's name.
    pub name: String,
    /// Address and contact lines, in order.
    pub address: Vec<String>,
}

/// A part of the body: an optional heading and its paragraphs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
}

/// A letter ready to render: every text final, in `language`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LetterDocument {
    /// The letter's language as a BCP 47 tag (`en`, `es`, `zh-Hans`): the
    /// PDF's document language, which screen readers use to pick a voice.
    pub language: String,
    /// The document's title (its subject line and the PDF's title).
    pub title: String,
    /// The letterhead.
    pub facility: FacilityBlock,
    /// The letter's date, already written out for its language and the
    /// facility's time zone.
    pub date: String,
    /// The recipient's name and address lines.
    pub recipient: Vec<String>,
    /// The reference line (for example "Reference: G-2026-000123").
    pub reference: String,
    /// "Dear …,".
    pub salutation: String,
    /// The body.
    pub sections: Vec<Section>,
    /// "Sincerely,".
    pub closing: String,
    /// The signer's lines: name, title, how to reach them.
    pub signature: Vec<String>,
    /// Standard or large print.
    pub format: LetterFormat,
}
