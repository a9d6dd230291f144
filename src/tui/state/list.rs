//! List state shared by the registries and containers screens: selection,
//! sort column and direction, and the `/` filter; and `RowCache`, the rows
//! those leave, kept between keystrokes (see `RowCache` for when it is
//! rebuilt). `registry_rows`/`container_rows` compute the same rows from
//! scratch: the reference the cache is tested against.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Weak};

use jiff::Timestamp;
use tui_input::Input;

use crate::model::{Container, Registry, RegistryId, VaultData};
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
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(len.saturating_sub(1));
    }
}

pub const REGISTRY_COLUMNS: [&str; 6] =
    ["NAME", "TYPE", "HOST", "CREATED BY", "LAST TEST", "USED BY"];
pub const CONTAINER_COLUMNS: [&str; 5] = ["NAME", "ENVIRONMENT", "IMAGE", "REGISTRY", "CREATED BY"];

pub use crate::model::age;

/// The second from which `age(at, now)` reads differently than at `now`.
fn age_changes_at(at: Timestamp, now: Timestamp) -> i64 {
    let at = at.as_second();
    let secs = now.as_second().saturating_sub(at).max(0);
    let step = match secs {
        s if s < 60 => 1,
        s if s < 3600 => 60,
        s if s < 86_400 => 3600,
        _ => 86_400,
    };
    at.saturating_add((secs / step + 1) * step)
}

/// The LAST TEST column: outcome and age, or `never`.
pub fn last_test_cell(r: &Registry, now: Timestamp) -> String {
    r.last_test.as_ref().map_or_else(
        || "never".to_owned(),
        |t| {
            format!(
                "{} {} ago",
                if t.passed() { "ok" } else { t.outcome.as_str() },
                age(t.at, now)
            )
        },
    )
}

/// The text of each column of a registry row.
pub fn registry_cells(r: &Registry, data: &VaultData, now: Timestamp) -> [String; 6] {
    registry_cells_used(r, data.containers_using(&r.id).len(), now)
}

/// `registry_cells` with the USED BY count already known.
pub fn registry_cells_used(r: &Registry, used_by: usize, now: Timestamp) -> [String; 6] {
    [
        r.name.clone(),
        r.kind.type_key().to_owned(),
        registry::display_host(r.kind, &r.credentials),
        r.created_by.clone(),
        last_test_cell(r, now),
        used_by.to_string(),
    ]
}

pub fn container_cells(c: &Container, data: &VaultData) -> [String; 5] {
    container_cells_in(c, |id| data.registries.iter().find(|r| &r.id == id))
}

/// `container_cells` with the registry looked up by `registry`.
pub fn container_cells_in<'a>(
    c: &Container,
    registry: impl Fn(&RegistryId) -> Option<&'a Registry>,
) -> [String; 5] {
    let registry = match &c.registry_config.registry_id {
        None => "public".to_owned(),
        Some(id) => registry(id).map_or_else(|| format!("{id} (missing)"), |r| r.name.clone()),
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
        .zip(data.used_by_counts())
        .map(|(r, n)| registry_cells_used(r, n, now))
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

/// The rows of a table that fit in `height` lines with the selection shown,
/// as ratatui's `Table` picks them when it starts at the top: the first
/// screenful, or the screenful that ends at the selection. Returns the
/// range into `len` rows; the view builds cells for these rows only.
pub fn window(len: usize, selected: usize, height: usize) -> std::ops::Range<usize> {
    if len == 0 {
        return 0..0;
    }
    let selected = selected.min(len - 1);
    let start = (selected + 1).saturating_sub(height.max(1));
    start..(start + height.max(1)).min(len)
}

/// Grows `width` to the characters in `cell`.
fn widen(width: &mut u16, cell: &str) {
    let n = u16::try_from(cell.chars().count()).unwrap_or(u16::MAX);
    *width = (*width).max(n);
}

/// Separates the cells of a row in `RowCache` text. A filter holding it
/// (it cannot be typed) is matched cell by cell, the slow way.
const SEP: char = '\0';

/// Which list a `RowCache` serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Registries,
    Containers,
}

/// Strings end to end in one buffer: one allocation, not one per row.
#[derive(Default, PartialEq, Eq)]
struct Texts {
    buf: String,
    ends: Vec<usize>,
}

impl Texts {
    /// Appends one row: the lowercase cells joined by `SEP`.
    fn push<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        for (n, cell) in cells.into_iter().enumerate() {
            if n > 0 {
                self.buf.push(SEP);
            }
            self.buf.push_str(&cell.as_ref().to_lowercase());
        }
        self.ends.push(self.buf.len());
    }

    /// Gives back what doubling the buffers reserved.
    fn shrink(&mut self) {
        self.buf.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }
}

/// The visible rows of one list, kept between keystrokes so a key costs a
/// look at the cache, not a pass over every registry. Rebuilt in parts by
/// `refresh` (which `update` calls) when what they depend on changed:
///
/// - the data (another `Arc`): the lowercase text of every row, the
///   USED BY counts (one pass over the containers), everything below;
/// - the clock, once an age shown in LAST TEST would read differently
///   (the filter matches that text too);
/// - the sort column or direction: the order of all rows;
/// - the filter: the rows it leaves. A filter that contains the previous
///   one narrows that one's rows; the earlier results stay stacked, so
///   Backspace goes back to them without a pass.
///
/// `is_fresh` says whether the cache matches a model; the model computes
/// rows from scratch when it does not, so a stale cache is slow, never wrong.
pub struct RowCache {
    kind: ListKind,
    /// The data this was built from. A `Weak`, so its address cannot be
    /// reused by other data while the cache holds it.
    source: Weak<VaultData>,
    /// Per item: the cells that change only with the data, lowercase.
    text: Texts,
    /// Per registry: the LAST TEST cell, lowercase, as of `timed_from`.
    timed: Texts,
    /// The second `timed` was written for, and the first second at which
    /// one of its ages reads differently.
    timed_from: i64,
    timed_until: i64,
    /// Per registry: how many containers use it.
    used_by: Vec<usize>,
    /// Per container: the index of its registry (`None`: public or missing).
    registry_of: Vec<Option<usize>>,
    /// The sort (`ListState::sort`, `descending`) `order` is for.
    sort: Option<(usize, bool)>,
    /// Every item, in sort order.
    order: Vec<usize>,
    /// The filter as typed that `narrowed` is for.
    filter: String,
    /// Lowercase filters, each containing the one before, with their rows.
    narrowed: Vec<(String, Vec<usize>)>,
    /// Per column: the widest cell of any row (characters), for the view's
    /// column widths; with the data, and LAST TEST with the clock.
    widths: Vec<u16>,
}

impl fmt::Debug for RowCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowCache")
            .field("kind", &self.kind)
            .field("items", &self.text.ends.len())
            .field("sort", &self.sort)
            .field("rows", &self.rows().len())
            .finish_non_exhaustive()
    }
}

impl RowCache {
    pub fn new(kind: ListKind) -> Self {
        Self {
            kind,
            source: Weak::new(),
            text: Texts::default(),
            timed: Texts::default(),
            timed_from: 0,
            timed_until: 0,
            used_by: Vec::new(),
            registry_of: Vec::new(),
            sort: None,
            order: Vec::new(),
            filter: String::new(),
            narrowed: Vec::new(),
            widths: Vec::new(),
        }
    }

    /// The widest cell of each column over every row, when the cache is
    /// for `data` (the view shares the width by these, not by a pass).
    pub fn widths(&self, data: &Arc<VaultData>) -> Option<&[u16]> {
        (self.built_from(data) && self.widths.len() == self.columns()).then_some(&self.widths[..])
    }

    fn columns(&self) -> usize {
        match self.kind {
            ListKind::Registries => REGISTRY_COLUMNS.len(),
            ListKind::Containers => CONTAINER_COLUMNS.len(),
        }
    }

    fn built_from(&self, data: &Arc<VaultData>) -> bool {
        std::ptr::eq(self.source.as_ptr(), Arc::as_ptr(data))
    }

    fn timed_valid(&self, now: Timestamp) -> bool {
        self.kind == ListKind::Containers
            || (self.timed_from..self.timed_until).contains(&now.as_second())
    }

    /// The cache holds the rows for exactly this data, list state and time.
    pub fn is_fresh(&self, data: &Arc<VaultData>, list: &ListState, now: Timestamp) -> bool {
        self.built_from(data)
            && self.timed_valid(now)
            && self.sort == Some((list.sort, list.descending))
            && self.filter == list.filter_text()
            && (self.filter.is_empty() || !self.narrowed.is_empty())
    }

    /// The visible rows (indices into the data), as of the last `refresh`.
    pub fn rows(&self) -> &[usize] {
        match self.narrowed.last() {
            Some((_, rows)) if !self.filter.is_empty() => rows,
            _ => &self.order,
        }
    }

    /// Containers using registry `i`, when the cache is for `data`.
    pub fn used_by(&self, data: &Arc<VaultData>, i: usize) -> Option<usize> {
        (self.kind == ListKind::Registries && self.built_from(data))
            .then(|| self.used_by.get(i).copied())
            .flatten()
    }

    /// The registry of container `i` (`Some(None)`: public or missing),
    /// when the cache is for `data`.
    pub fn registry_of(&self, data: &Arc<VaultData>, i: usize) -> Option<Option<usize>> {
        (self.kind == ListKind::Containers && self.built_from(data))
            .then(|| self.registry_of.get(i).copied())
            .flatten()
    }

    /// Brings the cache up to date with `data`, `list` and `now`, redoing
    /// only the parts whose inputs changed.
    pub fn refresh(&mut self, data: &Arc<VaultData>, list: &ListState, now: Timestamp) {
        if !self.built_from(data) {
            self.rebuild(data, now);
        }
        if !self.timed_valid(now) && self.retime(data, now) {
            self.narrowed.clear();
        }
        if self.sort != Some((list.sort, list.descending)) {
            self.sort_all(data, list);
        }
        if self.filter != list.filter_text()
            || (!self.filter.is_empty() && self.narrowed.is_empty())
        {
            self.apply_filter(data, list, now);
        }
    }

    fn rebuild(&mut self, data: &Arc<VaultData>, now: Timestamp) {
        self.source = Arc::downgrade(data);
        self.text = Texts::default();
        self.sort = None;
        self.narrowed.clear();
        self.widths = vec![0; self.columns()];
        match self.kind {
            ListKind::Registries => {
                self.used_by = data.used_by_counts();
                self.registry_of = Vec::new();
                for (r, n) in data.registries.iter().zip(&self.used_by) {
                    let host = registry::display_host(r.kind, &r.credentials);
                    let n = n.to_string();
                    let cells = [&r.name, r.kind.type_key(), &host, &r.created_by, &n];
                    for (col, cell) in [0, 1, 2, 3, 5].into_iter().zip(&cells) {
                        widen(&mut self.widths[col], cell);
                    }
                    self.text.push(cells);
                }
                self.text.shrink();
                self.retime(data, now);
            }
            ListKind::Containers => {
                // The first registry with an id, as `container_cells` finds it.
                let mut index: HashMap<&RegistryId, usize> = HashMap::new();
                for (i, r) in data.registries.iter().enumerate() {
                    index.entry(&r.id).or_insert(i);
                }
                self.used_by = Vec::new();
                self.registry_of = data
                    .containers
                    .iter()
                    .map(|c| {
                        let id = c.registry_config.registry_id.as_ref()?;
                        index.get(id).copied()
                    })
                    .collect();
                for (c, of) in data.containers.iter().zip(&self.registry_of) {
                    let cells = container_cells_in(c, |_| of.map(|i| &data.registries[i]));
                    for (width, cell) in self.widths.iter_mut().zip(&cells) {
                        widen(width, cell);
                    }
                    self.text.push(cells);
                }
                self.text.shrink();
            }
        }
    }

    /// Rewrites the LAST TEST texts for `now`; `true` when one changed.
    fn retime(&mut self, data: &VaultData, now: Timestamp) -> bool {
        let mut timed = Texts::default();
        let mut until = i64::MAX;
        let mut widest = 0;
        for r in &data.registries {
            let cell = last_test_cell(r, now);
            widen(&mut widest, &cell);
            timed.push([cell]);
            if let Some(t) = &r.last_test {
                until = until.min(age_changes_at(t.at, now));
            }
        }
        timed.shrink();
        if let Some(w) = self.widths.get_mut(4) {
            *w = widest;
        }
        let changed = timed != self.timed;
        self.timed = timed;
        self.timed_from = now.as_second();
        self.timed_until = until;
        changed
    }

    /// Sorts every row, as `visible` sorts the filtered ones: stable, the
    /// same keys, so filtering the sorted rows gives the same order.
    fn sort_all(&mut self, data: &VaultData, list: &ListState) {
        let col = list.sort.min(self.columns() - 1);
        let descending = list.descending;
        let dir = |o: Ordering| if descending { o.reverse() } else { o };
        let len = self.text.ends.len();
        let mut order: Vec<usize> = (0..len).collect();
        match (self.kind, col) {
            (ListKind::Registries, 5) => {
                let used = &self.used_by;
                order.sort_by(|&a, &b| dir(used[a].cmp(&used[b])));
            }
            (ListKind::Registries, _) => {
                let keys: Vec<String> = data
                    .registries
                    .iter()
                    .map(|r| match (col, &r.last_test) {
                        (4, None) => String::new(),
                        (4, Some(t)) => format!("{:020}", t.at.as_second()),
                        (0, _) => r.name.to_lowercase(),
                        (1, _) => r.kind.type_key().to_lowercase(),
                        (2, _) => registry::display_host(r.kind, &r.credentials).to_lowercase(),
                        _ => r.created_by.to_lowercase(),
                    })
                    .collect();
                order.sort_by(|&a, &b| dir(keys[a].cmp(&keys[b])));
            }
            (ListKind::Containers, _) => {
                let keys: Vec<String> = data
                    .containers
                    .iter()
                    .zip(&self.registry_of)
                    .map(|(c, of)| {
                        let mut cells = container_cells_in(c, |_| of.map(|i| &data.registries[i]));
                        std::mem::take(&mut cells[col]).to_lowercase()
                    })
                    .collect();
                order.sort_by(|&a, &b| dir(keys[a].cmp(&keys[b])));
            }
        }
        self.order = order;
        self.sort = Some((list.sort, descending));
        self.narrowed.clear();
    }

    fn apply_filter(&mut self, data: &VaultData, list: &ListState, now: Timestamp) {
        list.filter_text().clone_into(&mut self.filter);
        let needle = self.filter.to_lowercase();
        if needle.is_empty() {
            self.narrowed.clear();
            return;
        }
        if needle.contains(SEP) {
            // Could match across two cells of the joined text: go cell by cell.
            let rows = self
                .order
                .iter()
                .copied()
                .filter(|&i| {
                    let cells: Vec<String> = match self.kind {
                        ListKind::Registries => {
                            registry_cells_used(&data.registries[i], self.used_by[i], now).into()
                        }
                        ListKind::Containers => container_cells_in(&data.containers[i], |_| {
                            self.registry_of[i].map(|j| &data.registries[j])
                        })
                        .into(),
                    };
                    matches(&cells, &self.filter)
                })
                .collect();
            self.narrowed = vec![(needle, rows)];
            return;
        }
        while self
            .narrowed
            .last()
            .is_some_and(|(prev, _)| !needle.contains(prev.as_str()))
        {
            self.narrowed.pop();
        }
        let base = match self.narrowed.last() {
            Some((prev, _)) if *prev == needle => return,
            Some((_, rows)) => rows,
            None => &self.order,
        };
        let rows = base
            .iter()
            .copied()
            .filter(|&i| {
                self.text.get(i).contains(&needle)
                    || (self.kind == ListKind::Registries && self.timed.get(i).contains(&needle))
            })
            .collect();
        self.narrowed.push((needle, rows));
    }
}
