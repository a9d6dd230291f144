//! Text that fits: a long value wraps onto continuation lines instead of
//! being cut, at a space when there is one (else mid-word), so the detail
//! panes and the form's findings show everything they say.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// `text` in lines of at most `width` characters.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > width {
        // The last space within the line (not at its start) ends it.
        let cut = rest[..=width]
            .iter()
            .rposition(|&c| c == ' ')
            .filter(|&i| i > 0)
            .unwrap_or(width);
        out.push(rest[..cut].iter().collect::<String>().trim_end().to_owned());
        let skip = if rest.get(cut) == Some(&' ') {
            cut + 1
        } else {
            cut
        };
        rest.drain(..skip);
    }
    out.push(rest.into_iter().collect());
    out
}

/// A detail row: `label` in its column (styled `label_style`), `value`
/// wrapped in `width` characters, continuation lines under the value.
pub fn labelled(
    label: &str,
    label_width: usize,
    value: &str,
    width: usize,
    label_style: Style,
) -> Vec<Line<'static>> {
    wrap(value, width)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let label = if i == 0 { label } else { "" };
            Line::from(vec![
                Span::styled(format!(" {label:<label_width$}"), label_style),
                Span::raw(part),
            ])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_keeps_every_character() {
        assert_eq!(
            wrap("bad-credentials 3d ago — the registry said 401", 20),
            ["bad-credentials 3d", "ago — the registry", "said 401"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(wrap("", 10), [""]);
    }
}
