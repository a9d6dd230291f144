//! List state shared by the registries and containers screens: selection,
//! sort column and direction, and the `/` filter. The rows themselves are
//! computed from the vault data on demand, so they can never go stale.

use std::cmp::Ordering;

use jiff::Timestamp;
use tui_input::Input;

use crate::model::{Container, Registry, VaultData};
use crate::registry;

#[derive(Clone, Debug, Default)]
pub struct ListState {
    /// Index into the visible (filtered, sorted) rows.
    pub selected: usize,
    /// Column index the rows are sorted by.
    pub sort: usize,
    pub descending: bool,
    pub filter: Input,
    /// The filter line has focus and takes the typed keys.
    pub filtering: bool,
}

impl ListState {
    pub fn filter_text(&self) -> &str {
        self.filter.value()
    }

    /// Keeps the selection on a row after the row count changed.
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize, len: usize) {
        let max = len.saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, max) as usize;
    }
}

pub const REGISTRY_COLUMNS: [&str; 6] =
    ["NAME", "TYPE", "HOST", "CREATED BY", "LAST TEST", "USED BY"];
pub const CONTAINER_COLUMNS: [&str; 5] = ["NAME", "ENVIRONMENT", "IMAGE", "REGISTRY", "CREATED BY"];

/// How long ago, compactly (`42s`, `5m`, `3h`, `2d`), as the CLI prints it.
pub fn age(at: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(at.as_second()).max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// The text of each column of a registry row.
pub fn registry_cells(r: &Registry, data: &VaultData, now: Timestamp) -> [String; 6] {
    let last = r.last_test.as_ref().map_or_else(
        || "never".to_owned(),
        |t| {
            format!(
                "{} {} ago",
                if t.passed() { "ok" } else { t.outcome.as_str() },
                age(t.at, now)
            )
        },
    );
    [
        r.name.clone(),
        r.kind.type_key().to_owned(),
        registry::display_host(r.kind, &r.credentials),
        r.created_by.clone(),
        last,
        data.containers_using(&r.id).len().to_string(),
    ]
}

pub fn container_cells(c: &Container, data: &VaultData) -> [String; 5] {
    let registry = match &c.registry_config.registry_id {
        None => "public".to_owned(),
        Some(id) => data
            .registries
            .iter()
            .find(|r| &r.id == id)
            .map_or_else(|| format!("{id} (missing)"), |r| r.name.clone()),
    };
    [
        c.name.clone(),
        c.environment.clone(),
        c.image_ref(),
        registry,
        c.created_by.clone(),
    ]
}

fn matches(cells: &[String], filter: &str) -> bool {
    let needle = filter.to_lowercase();
    needle.is_empty() || cells.iter().any(|c| c.to_lowercase().contains(&needle))
}

fn compare(a: &str, b: &str, numeric: bool) -> Ordering {
    if numeric {
        a.parse::<u64>()
            .unwrap_or(0)
            .cmp(&b.parse::<u64>().unwrap_or(0))
    } else {
        a.to_lowercase().cmp(&b.to_lowercase())
    }
}

/// Visible rows as indices into `cells`, filtered on the shown text then
/// sorted by `sort_key` (stable, so equal keys keep the vault's order).
fn visible<const N: usize>(
    cells: &[[String; N]],
    list: &ListState,
    sort_key: impl Fn(usize, usize) -> String,
    numeric_col: Option<usize>,
) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..cells.len())
        .filter(|&i| matches(&cells[i], list.filter_text()))
        .collect();
    let col = list.sort.min(N - 1);
    let numeric = numeric_col == Some(col);
    rows.sort_by(|&a, &b| {
        let ord = compare(&sort_key(a, col), &sort_key(b, col), numeric);
        if list.descending { ord.reverse() } else { ord }
    });
    rows
}

pub fn registry_rows(data: &VaultData, list: &ListState, now: Timestamp) -> Vec<usize> {
    let cells: Vec<[String; 6]> = data
        .registries
        .iter()
        .map(|r| registry_cells(r, data, now))
        .collect();
    // "LAST TEST" sorts by when, not by its text; never-tested first.
    let key = |i: usize, col: usize| match (col, &data.registries[i].last_test) {
        (4, None) => String::new(),
        (4, Some(t)) => format!("{:020}", t.at.as_second()),
        _ => cells[i][col].clone(),
    };
    visible(&cells, list, key, Some(5))
}

pub fn container_rows(data: &VaultData, list: &ListState) -> Vec<usize> {
    let cells = data
        .containers
        .iter()
        .map(|c| container_cells(c, data))
        .collect::<Vec<_>>();
    visible(&cells, list, |i, col| cells[i][col].clone(), None)
}
