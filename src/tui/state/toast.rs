//! Toasts: short-lived notes about results (saved, deleted, test passed,
//! errors). They expire by the injected clock, so tests stay deterministic.

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub level: Level,
    pub at: Timestamp,
}

/// Errors stay longer: they usually need reading twice.
const INFO_TTL: SignedDuration = SignedDuration::from_secs(4);
const ERROR_TTL: SignedDuration = SignedDuration::from_secs(10);

#[derive(Clone, Debug, Default)]
pub struct Toasts {
    items: Vec<Toast>,
}

impl Toasts {
    pub fn push(&mut self, level: Level, text: impl Into<String>, now: Timestamp) {
        self.items.push(Toast {
            text: text.into(),
            level,
            at: now,
        });
        // Only the newest few matter; older ones would be hidden anyway.
        if self.items.len() > 3 {
            self.items.remove(0);
        }
    }

    pub fn prune(&mut self, now: Timestamp) {
        self.items.retain(|t| {
            let ttl = if t.level == Level::Error {
                ERROR_TTL
            } else {
                INFO_TTL
            };
            now.duration_since(t.at) < ttl
        });
    }

    pub fn latest(&self) -> Option<&Toast> {
        self.items.last()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
