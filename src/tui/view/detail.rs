//! The detail pane under the registries list: everything about the
//! selected registry, secrets masked, the containers that use it, and
//! whether docker and podman/skopeo ask `docker-credential-regvault` for its
//! host (from the model's cache: a frame never reads a file).

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::fit;
use super::wrap::labelled;
use crate::model::escape;
use crate::registry;
use crate::tui::state::Model;
use crate::tui::state::list::age;
use crate::tui::theme::Theme;

/// What a secret looks like on screen, whatever its length.
pub const MASK: &str = "••••••••";

pub(super) fn render(f: &mut Frame, area: Rect, m: &Model, theme: Theme) {
    let Some(r) = m.selected_registry() else {
        f.render_widget(Block::bordered().title(" Details "), area);
        return;
    };
    let width = area.width.saturating_sub(19) as usize;
    // Long values wrap: the pane shows all of a finding or a test summary.
    let row = |label: &str, value: String| labelled(label, 16, &value, width, theme.dim());
    // The kind and id go in the title: one line more for the rows below.
    let mut lines = Vec::new();
    let host = registry::display_host(r.kind, &r.credentials);
    let helper = helper_text(m, r);
    lines.extend(row("host", host.clone()));
    let helper_at = lines.len();
    let host_lines = 0;
    for spec in r.kind.fields() {
        let shown = match r.credentials.get(spec.name) {
            None | Some("") => "(not set)".to_owned(),
            Some(_) if spec.secret => MASK.to_owned(),
            Some(v) => v.to_owned(),
        };
        lines.extend(row(spec.name, escape(&shown).into_owned()));
    }
    let mut created = format!(
        "by {}, {} ago",
        escape(&r.created_by),
        age(r.created_at, m.now)
    );
    if let Some(at) = r.credentials_rotated_at {
        let _ = write!(created, "; rotated {} ago", age(at, m.now));
    }
    lines.extend(row("created", created));
    // Rotated since it was applied: the clusters still pull with the old
    // credentials until synced (`ops::stale`; a few records, not the vault).
    let stale = crate::ops::stale::stale_records(&m.data, r).count();
    if stale > 0 {
        let noun = if stale == 1 { "target" } else { "targets" };
        lines.extend(row("stale", format!("{stale} {noun} — press A to sync")));
    }
    let last = r.last_test.as_ref().map_or_else(
        || "never".to_owned(),
        |t| {
            format!(
                "{} {} ago — {}",
                t.outcome,
                age(t.at, m.now),
                escape(&t.summary)
            )
        },
    );
    lines.extend(row("last test", last));
    let users: Vec<String> = m
        .data
        .containers_using(&r.id)
        .iter()
        .map(|c| format!("{} ({})", escape(&c.name), c.environment))
        .collect();
    let used = if users.is_empty() {
        "no containers".to_owned()
    } else {
        users.join(", ")
    };
    lines.extend(row("used by", used));
    if !r.delegates.is_empty() {
        // Who else may rotate and delete it; named with `regvault registry
        // delegate` (the TUI shows them, it does not edit them).
        let named: Vec<_> = r.delegates.iter().map(|d| escape(d)).collect();
        lines.extend(row("delegates", named.join(", ")));
    }
    if let Some(text) = helper {
        // Its own row when the pane has room; else on the host row, so a
        // registry with many fields still shows every row at 80×24.
        let inner = usize::from(area.height.saturating_sub(2));
        let own = row("helper", text.clone());
        if lines.len() + own.len() <= inner {
            lines.splice(helper_at..helper_at, own);
        } else {
            lines.splice(
                host_lines..helper_at,
                row("host", format!("{host}  · helper {text}")),
            );
        }
    }
    // Its own last entries in the audit log (the History tab has all).
    for (i, e) in m.registry_history(&r.id, 3).iter().rev().enumerate() {
        let label = if i == 0 { "history" } else { "" };
        lines.extend(row(
            label,
            format!(
                "{} ago  {} {} by {}",
                age(e.at, m.now),
                e.action,
                e.result,
                e.who
            ),
        ));
    }
    let title = format!(
        " {} · {} ({}) · {} ",
        escape(&r.name),
        r.kind.display_name(),
        r.kind.type_key(),
        r.id
    );
    let title = Line::styled(
        fit(&title, usize::from(area.width.saturating_sub(2))),
        theme.title(),
    );
    let mut block = Block::bordered().title(title);
    // The newest entry stays visible when the rows above fill the pane.
    if let Some(e) = m.registry_history(&r.id, 1).first() {
        let width = area.width.saturating_sub(4) as usize;
        let last = format!(
            " last: {} {} by {}, {} ago ",
            e.action,
            e.result,
            e.who,
            age(e.at, m.now)
        );
        block = block.title_bottom(Line::styled(fit(&last, width), theme.dim()));
    }
    block = more_below(block, lines.len(), area, theme);
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// When `lines` do not all fit in the bordered `area`, its bottom border
/// says how many are left out and how to see them: never a silent cut.
pub(super) fn more_below(block: Block<'_>, lines: usize, area: Rect, theme: Theme) -> Block<'_> {
    let inner = usize::from(area.height.saturating_sub(2));
    if lines <= inner {
        return block;
    }
    let hidden = lines - inner;
    let s = if hidden == 1 { "" } else { "s" };
    block.title_bottom(
        Line::styled(
            format!(" +{hidden} line{s}: enlarge the terminal "),
            theme.warning(),
        )
        .right_aligned(),
    )
}

/// The helper line for `r`: `None` without client files to check (or for
/// a public registry, which has no credentials to serve).
fn helper_text(m: &Model, r: &crate::model::Registry) -> Option<String> {
    use crate::ops::helper::FileRoutes;
    m.ctx.helper_paths.as_ref()?;
    if r.kind == registry::RegistryKind::Public {
        return None;
    }
    let Some(host) = crate::deploy::registry_image_host(r) else {
        return Some(if r.kind == registry::RegistryKind::Ecr {
            "host known after a token exchange (t test)".to_owned()
        } else {
            "no valid host".to_owned()
        });
    };
    let Some(status) = &m.helper.status else {
        return Some("checking…".to_owned());
    };
    let mark = |f: &FileRoutes| -> Option<(String, bool, bool)> {
        if f.error.is_some() {
            return Some(("?".to_owned(), false, false));
        }
        let route = f.route(&host)?;
        let shown = match &route.other_helper {
            _ if route.helper => "✓".to_owned(),
            Some(other) => format!("→ {}", escape(other)),
            None => "✗".to_owned(),
        };
        Some((shown, route.helper, !route.plaintext.is_empty()))
    };
    let (Some(docker), Some(podman)) = (mark(&status.docker), mark(&status.containers)) else {
        return Some("checking…".to_owned());
    };
    // podman login's own file, read first: a plaintext login there is
    // still on disk (and still what podman uses).
    let runtime_plain = status
        .podman_runtime
        .as_ref()
        .and_then(|f| f.route(&host))
        .is_some_and(|r| !r.plaintext.is_empty());
    let mut text = format!("docker {}  podman/skopeo {}", docker.0, podman.0);
    if !(docker.1 && podman.1) {
        text.push_str(" — run regvault helper install");
    } else if docker.2 || podman.2 || runtime_plain {
        text.push_str(" — plaintext copy left on disk");
    }
    Some(text)
}
