//! The History screen's rows: the audit log's entries as the TUI shows
//! them (loaded by the runtime, newest last), filtered like the other
//! lists. Rows hold only what `regvault log` prints — never a secret.

use jiff::Timestamp;

use crate::model::escape;
use crate::vault::audit::Record;

/// One entry, rendered once when loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    pub index: u64,
    pub at: Timestamp,
    pub who: String,
    pub action: String,
    /// The registry's id, for its detail pane; empty otherwise.
    pub registry_id: String,
    /// The registry's or container's name.
    pub target: String,
    pub place: String,
    /// `ok`, or `refused: why` / `failed: why`.
    pub result: String,
}

impl HistoryRow {
    pub fn of(r: &Record) -> HistoryRow {
        let e = &r.entry;
        let target = e.registry.as_ref().or(e.container.as_ref());
        let mut result = e.result.as_str().to_owned();
        if let Some(why) = &e.reason {
            result = format!("{result}: {why}");
        }
        HistoryRow {
            index: r.index,
            at: e.at,
            who: escape(&e.who.member).into_owned(),
            action: e.action.as_str().to_owned(),
            registry_id: e
                .registry
                .as_ref()
                .map(|t| t.id.clone())
                .unwrap_or_default(),
            target: target
                .map(|t| escape(&t.name).into_owned())
                .unwrap_or_default(),
            place: e
                .place
                .as_deref()
                .map(|p| escape(p).into_owned())
                .unwrap_or_default(),
            result: escape(&result).into_owned(),
        }
    }

    /// Does the filter text match any cell (case-insensitive)?
    pub fn matches(&self, filter: &str) -> bool {
        if filter.is_empty() {
            return true;
        }
        let f = filter.to_lowercase();
        [
            &self.who,
            &self.action,
            &self.target,
            &self.place,
            &self.result,
        ]
        .iter()
        .any(|c| c.to_lowercase().contains(&f))
    }
}

/// What the History screen knows of the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum History {
    /// Not read yet (it is read when the screen opens and after saves).
    #[default]
    NotLoaded,
    Loaded {
        rows: Vec<HistoryRow>,
        /// The chain broke here: entries after it are not shown.
        broken: Option<String>,
    },
    /// The vault has no log yet, or it could not be read.
    Unavailable(String),
}

impl History {
    pub fn rows(&self) -> &[HistoryRow] {
        match self {
            History::Loaded { rows, .. } => rows,
            _ => &[],
        }
    }
}
