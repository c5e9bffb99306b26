//! The last events this instance sent out, so that a Server-Sent Events stream that dropped for a
//! moment can resume where it stopped (`Last-Event-ID`) instead of making the page refetch.
//!
//! Each event the hub publishes gets the next sequence number of this process. A stream names
//! what it saw last as `<epoch>-<seq>`, where the epoch is drawn at random when the process
//! starts: an id from another instance or an earlier run never matches, and the browser is
//! told to resync, as it is when the gap has already left the buffer.

use std::collections::VecDeque;
use std::fmt;

use axum::extract::ws::Utf8Bytes;

/// How many events are kept for resuming streams. At a few hundred bytes per event this is a
/// few hundred KiB, and it covers a drop of some seconds at the busiest rate the shop has seen.
pub const KEPT: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventId {
    pub epoch: u64,
    pub seq: u64,
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}-{}", self.epoch, self.seq)
    }
}

impl EventId {
    /// Reads an id this process may have written; anything else (too long, malformed) is `None`.
    pub fn parse(text: &str) -> Option<EventId> {
        if text.len() > 64 {
            return None;
        }
        let (epoch, seq) = text.split_once('-')?;
        Some(EventId { epoch: u64::from_str_radix(epoch, 16).ok()?, seq: seq.parse().ok()? })
    }
}

/// One sent event: its number, whose order it is about, its encoded frame for staff, and the
/// owner's (`None`: not for the owner, a note).
struct Sent {
    seq: u64,
    owner: String,
    frame: Utf8Bytes,
    owner_frame: Option<Utf8Bytes>,
}

/// What a resuming stream gets.
#[derive(Debug, PartialEq, Eq)]
pub enum Resume {
    /// Every event after the one it saw that it may see, oldest first (possibly none).
    Gap(Vec<(u64, Utf8Bytes)>),
    /// The gap is not here (another instance's id, or older than the buffer): refetch.
    Lost,
}

pub struct Recent {
    epoch: u64,
    next_seq: u64,
    kept: VecDeque<Sent>,
    capacity: usize,
}

impl Recent {
    pub fn new(epoch: u64, capacity: usize) -> Recent {
        Recent { epoch, next_seq: 1, kept: VecDeque::with_capacity(capacity.min(KEPT)), capacity: capacity.max(1) }
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Records an event (as staff and as its owner see it) and returns its sequence number.
    pub fn push(&mut self, owner: &str, frame: Utf8Bytes, owner_frame: Option<Utf8Bytes>) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.kept.len() == self.capacity {
            self.kept.pop_front();
        }
        self.kept.push_back(Sent { seq, owner: owner.to_owned(), frame, owner_frame });
        seq
    }

    /// The events after `last` that `user` may see (staff see all).
    pub fn since(&self, last: EventId, user: &str, staff: bool) -> Resume {
        if last.epoch != self.epoch || last.seq >= self.next_seq {
            return Resume::Lost;
        }
        // The oldest kept event must directly follow `last`, or one the stream never saw is gone.
        let oldest = self.kept.front().map_or(self.next_seq, |s| s.seq);
        if last.seq + 1 < oldest {
            return Resume::Lost;
        }
        let gap = self
            .kept
            .iter()
            .filter(|s| s.seq > last.seq)
            .filter_map(|s| match staff {
                true => Some((s.seq, s.frame.clone())),
                false if s.owner == user => s.owner_frame.clone().map(|f| (s.seq, f)),
                false => None,
            })
            .collect();
        Resume::Gap(gap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(capacity: usize, owners: &[&str]) -> Recent {
        let mut recent = Recent::new(0xabc, capacity);
        for (i, owner) in owners.iter().enumerate() {
            let frame = Utf8Bytes::from(format!("frame {}", i + 1));
            recent.push(owner, frame.clone(), Some(frame));
        }
        recent
    }

    fn seqs(resume: Resume) -> Vec<u64> {
        match resume {
            Resume::Gap(gap) => gap.into_iter().map(|(seq, _)| seq).collect(),
            Resume::Lost => panic!("expected a gap"),
        }
    }

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = EventId { epoch: 0xdead_beef, seq: 42 };
        assert_eq!(id.to_string(), "deadbeef-42");
        assert_eq!(EventId::parse("deadbeef-42"), Some(id));
        for bad in ["", "42", "x-1", "1-x", "1-", "-1", &"1".repeat(80)] {
            assert_eq!(EventId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_stream_gets_what_it_missed_and_may_see() {
        let recent = filled(8, &["alice", "bob", "alice", "bob"]);
        let after_first = EventId { epoch: 0xabc, seq: 1 };
        assert_eq!(seqs(recent.since(after_first, "alice", false)), vec![3]);
        assert_eq!(seqs(recent.since(after_first, "bob", false)), vec![2, 4]);
        assert_eq!(seqs(recent.since(after_first, "staff", true)), vec![2, 3, 4]);
        assert_eq!(seqs(recent.since(EventId { epoch: 0xabc, seq: 4 }, "alice", true)), Vec::<u64>::new(), "nothing missed");
    }

    #[test]
    fn a_gap_that_left_the_buffer_or_another_instance_means_resync() {
        let recent = filled(2, &["alice", "alice", "alice", "alice"]);
        assert_eq!(recent.since(EventId { epoch: 0xabc, seq: 1 }, "alice", false), Resume::Lost, "event 2 is gone");
        assert_eq!(seqs(recent.since(EventId { epoch: 0xabc, seq: 2 }, "alice", false)), vec![3, 4], "3 and 4 are kept");
        assert_eq!(recent.since(EventId { epoch: 0xdef, seq: 3 }, "alice", false), Resume::Lost, "another epoch");
        assert_eq!(recent.since(EventId { epoch: 0xabc, seq: 9 }, "alice", false), Resume::Lost, "a number not yet given");
    }
}
