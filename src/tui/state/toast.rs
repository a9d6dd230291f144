//! Toasts: short notes about results (saved, deleted, test passed, errors),
//! and the message log that keeps them for reading in full (`:messages`).
//!
//! One toast shows at a time: the newest. A newer toast supersedes it, so
//! an older one never comes back when a newer one goes. Info and success
//! notes expire by the injected clock (tests stay deterministic); errors
//! stay until dismissed or superseded, because an error that vanishes
//! before it is read is an error lost.

use std::collections::VecDeque;

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

impl Level {
    /// The word the message log shows.
    pub fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Success => "ok",
            Level::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub level: Level,
    pub at: Timestamp,
}

/// How long an info or success note shows.
const INFO_TTL: SignedDuration = SignedDuration::from_secs(4);

/// How many messages the log keeps (`:messages`).
pub const LOG_LEN: usize = 100;

#[derive(Clone, Debug, Default)]
pub struct Toasts {
    /// The toast on screen, if any: always the newest message.
    current: Option<Toast>,
    /// Every message, newest last, at most `LOG_LEN`.
    log: VecDeque<Toast>,
}

impl Toasts {
    pub fn push(&mut self, level: Level, text: impl Into<String>, now: Timestamp) {
        let toast = Toast {
            text: text.into(),
            level,
            at: now,
        };
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back(toast.clone());
        self.current = Some(toast);
    }

    /// Hides an expired info or success note; errors stay.
    pub fn prune(&mut self, now: Timestamp) {
        if self
            .current
            .as_ref()
            .is_some_and(|t| t.level != Level::Error && now.duration_since(t.at) >= INFO_TTL)
        {
            self.current = None;
        }
    }

    /// Hides the toast on screen (it stays in the log); `true` if one showed.
    pub fn dismiss(&mut self) -> bool {
        self.current.take().is_some()
    }

    /// The toast on screen.
    pub fn latest(&self) -> Option<&Toast> {
        self.current.as_ref()
    }

    /// An error is on screen (Esc in a list dismisses it first).
    pub fn error_showing(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|t| t.level == Level::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.current.is_none()
    }

    /// A toast shows that the clock will take away: the loop ticks for it.
    /// An error waits for a key, so it asks for no ticks.
    pub fn expiring(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|t| t.level != Level::Error)
    }

    /// The log, newest first.
    pub fn log(&self) -> impl ExactSizeIterator<Item = &Toast> {
        self.log.iter().rev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).expect("timestamp")
    }

    #[test]
    fn the_log_keeps_the_last_hundred_newest_first() {
        let mut t = Toasts::default();
        for i in 0..130 {
            t.push(Level::Info, format!("note {i}"), at(i));
        }
        assert_eq!(t.log().len(), LOG_LEN);
        let texts: Vec<_> = t.log().map(|t| t.text.as_str()).collect();
        assert_eq!(texts[0], "note 129");
        assert_eq!(texts[99], "note 30");
    }
}
