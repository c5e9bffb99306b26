//! Who did what to an order: the reason given for a change, staff's internal notes, and how an
//! entry of an order's timeline reads to the shopper and to staff.
//!
//! A shopper may say why they cancel; staff must, because the shopper is told ("Cancelled by
//! staff — out of stock at the supplier"). Notes are staff's own: they are never in what a
//! shopper is sent (`OrderEvent::for_owner`, and `backend::orders::detail` does not load them).

use serde::{Deserialize, Serialize};

use crate::lifecycle::{Actor, OrderStatus};

/// The longest reason, in characters: a sentence, shown in a timeline line.
pub const REASON_MAX: usize = 200;
/// The longest note, in characters.
pub const NOTE_MAX: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Please say why the order is cancelled: the shopper is told.")]
    ReasonRequired,
    #[error("The reason is too long: at most {REASON_MAX} characters.")]
    ReasonTooLong,
    #[error("The note is empty.")]
    NoteEmpty,
    #[error("The note is too long: at most {NOTE_MAX} characters.")]
    NoteTooLong,
}

/// The reason to store for a change to `to` made by `actor`: trimmed, `None` when blank. Staff
/// cancelling must give one; a reason is optional otherwise.
pub fn check_reason(to: OrderStatus, actor: Actor, reason: Option<&str>) -> Result<Option<String>, TextError> {
    let reason = reason.map(one_line).filter(|r| !r.is_empty());
    match reason {
        None if to == OrderStatus::Cancelled && actor == Actor::Staff => Err(TextError::ReasonRequired),
        Some(r) if r.chars().count() > REASON_MAX => Err(TextError::ReasonTooLong),
        r => Ok(r),
    }
}

/// A note to store: trimmed, not empty, not too long; line breaks kept, other control
/// characters dropped.
pub fn check_note(body: &str) -> Result<String, TextError> {
    let body: String = body.trim().chars().filter(|c| *c == '\n' || !c.is_control()).collect();
    if body.is_empty() {
        return Err(TextError::NoteEmpty);
    }
    if body.chars().count() > NOTE_MAX {
        return Err(TextError::NoteTooLong);
    }
    Ok(body)
}

/// Collapses runs of whitespace (line breaks included) into single spaces and drops control
/// characters: a reason is one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// Where an event sits in the topic, once the relay published it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPosition {
    pub event_id: String,
    /// `None` until the relay has published the event.
    pub partition: Option<i32>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// The order moved to this status (the first entry: placed).
    Status(OrderStatus),
    /// An internal note (staff only).
    Note,
}

/// One line of an order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub kind: EntryKind,
    /// The order's version after this entry (a note: the version it was written at).
    pub version: i64,
    pub at_ms: i64,
    pub actor: Actor,
    /// The staff member's name (staff viewers only).
    pub actor_name: Option<String>,
    /// The reason of a change, or the text of a note.
    pub text: Option<String>,
    /// The event behind the entry (staff viewers only; entries older than the feature have none).
    pub log: Option<LogPosition>,
}

impl TimelineEntry {
    /// What happened and who did it, as the viewer reads it: "Cancelled by you", "Shipped by
    /// staff", "Processing started by staff", or for staff "Shipped by Ada Lovelace (staff)",
    /// "Placed by the shopper".
    pub fn headline(&self, viewer_is_staff: bool) -> String {
        let what = match self.kind {
            EntryKind::Status(OrderStatus::Pending) if self.version == 1 => "Placed",
            EntryKind::Status(OrderStatus::Processing) => "Processing started",
            EntryKind::Status(status) => status.label(),
            EntryKind::Note => "Note",
        };
        let who = match (self.actor, viewer_is_staff, &self.actor_name) {
            (Actor::Owner, false, _) => "you".to_owned(),
            (Actor::Owner, true, _) => "the shopper".to_owned(),
            (Actor::Staff, true, Some(name)) => format!("{name} (staff)"),
            (Actor::Staff, _, _) => "staff".to_owned(),
            (Actor::System, _, _) => "the shop".to_owned(),
        };
        format!("{what} by {who}")
    }
}

/// Merges status changes and notes into one timeline, oldest first (a note written at the same
/// moment as a change comes after it).
pub fn merge(mut changes: Vec<TimelineEntry>, notes: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    changes.extend(notes);
    changes.sort_by_key(|e| (e.at_ms, e.version, matches!(e.kind, EntryKind::Note)));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    fn entry(kind: EntryKind, version: i64, actor: Actor, at_ms: i64) -> TimelineEntry {
        TimelineEntry { kind, version, at_ms, actor, actor_name: None, text: None, log: None }
    }

    #[test]
    fn staff_must_say_why_they_cancel_and_shoppers_may() {
        assert_eq!(check_reason(Cancelled, Actor::Staff, None), Err(TextError::ReasonRequired));
        assert_eq!(check_reason(Cancelled, Actor::Staff, Some("  \n ")), Err(TextError::ReasonRequired));
        assert_eq!(check_reason(Cancelled, Actor::Staff, Some(" out of\nstock ")), Ok(Some("out of stock".into())));
        assert_eq!(check_reason(Cancelled, Actor::Owner, None), Ok(None));
        assert_eq!(check_reason(Cancelled, Actor::Owner, Some("changed my mind")), Ok(Some("changed my mind".into())));
        assert_eq!(check_reason(Shipped, Actor::Staff, Some("")), Ok(None));
        assert_eq!(check_reason(Cancelled, Actor::Owner, Some(&"x".repeat(REASON_MAX + 1))), Err(TextError::ReasonTooLong));
        assert_eq!(check_reason(Cancelled, Actor::Owner, Some(&"é".repeat(REASON_MAX))).unwrap().unwrap().chars().count(), REASON_MAX);
        assert_eq!(check_reason(Cancelled, Actor::Owner, Some("a\u{7}b")), Ok(Some("ab".into())));
    }

    #[test]
    fn notes_keep_their_lines_and_refuse_empty_or_huge() {
        assert_eq!(check_note("  called the shopper\nwill ship Monday \u{1b}[31m "), Ok("called the shopper\nwill ship Monday [31m".into()));
        assert_eq!(check_note(" \n\t "), Err(TextError::NoteEmpty));
        assert_eq!(check_note(&"n".repeat(NOTE_MAX + 1)), Err(TextError::NoteTooLong));
    }

    #[test]
    fn headlines_say_who_to_each_viewer() {
        let placed = entry(EntryKind::Status(Pending), 1, Actor::Owner, 1);
        assert_eq!(placed.headline(false), "Placed by you");
        assert_eq!(placed.headline(true), "Placed by the shopper");
        let shipped = TimelineEntry { actor_name: Some("Ada".into()), ..entry(EntryKind::Status(Shipped), 3, Actor::Staff, 2) };
        assert_eq!(shipped.headline(false), "Shipped by staff");
        assert_eq!(shipped.headline(true), "Shipped by Ada (staff)");
        assert_eq!(entry(EntryKind::Status(Cancelled), 2, Actor::Owner, 2).headline(false), "Cancelled by you");
        assert_eq!(entry(EntryKind::Status(Processing), 2, Actor::Staff, 2).headline(false), "Processing started by staff");
        assert_eq!(entry(EntryKind::Status(Cancelled), 2, Actor::System, 2).headline(false), "Cancelled by the shop");
        assert_eq!(entry(EntryKind::Note, 2, Actor::Staff, 2).headline(true), "Note by staff");
    }

    #[test]
    fn merged_oldest_first_with_a_note_after_a_change_of_the_same_moment() {
        let changes = vec![entry(EntryKind::Status(Pending), 1, Actor::Owner, 10), entry(EntryKind::Status(Processing), 2, Actor::Staff, 30)];
        let notes = vec![entry(EntryKind::Note, 2, Actor::Staff, 30), entry(EntryKind::Note, 1, Actor::Staff, 20)];
        let merged = merge(changes, notes);
        let kinds: Vec<(i64, bool)> = merged.iter().map(|e| (e.at_ms, e.kind == EntryKind::Note)).collect();
        assert_eq!(kinds, vec![(10, false), (20, true), (30, false), (30, true)]);
    }
}
