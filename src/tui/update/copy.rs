//! `y` / `Y`: copy the selection's id, or its registry host (a container:
//! its image), to the clipboard with OSC 52 — the terminal sets the
//! clipboard, so it works over SSH and in tmux (`set-clipboard on`).
//!
//! Only these four non-secret values can be copied: the text is built here
//! from the id, `registry::display_host` (which reads only the non-secret
//! fields: region, login server, URL) or the image reference, never from a
//! credential.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::tui::effect::Effect;
use crate::tui::state::{Level, Model, Screen};

/// What `y` / `Y` copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    Id,
    Host,
}

/// The OSC 52 sequence that sets the system clipboard (`c`) to `text`:
/// `ESC ] 52 ; c ; base64 BEL`.
pub(crate) fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

pub(super) fn copy(m: &mut Model, what: What) -> Vec<Effect> {
    let Some((label, text, of)) = value(m, what) else {
        m.toast(Level::Info, "nothing to copy");
        return Vec::new();
    };
    m.toast(Level::Success, format!("copied {label} {text} ({of})"));
    vec![Effect::Clipboard {
        osc52: osc52(&text),
    }]
}

/// (what it is, the text, whose) for the selection on screen.
fn value(m: &Model, what: What) -> Option<(&'static str, String, String)> {
    match m.screen {
        Screen::Registries => {
            let r = m.selected_registry()?;
            match what {
                What::Id => Some(("id", r.id.as_str().to_owned(), r.name.clone())),
                What::Host => {
                    let host = crate::registry::display_host(r.kind, &r.credentials);
                    // "—" (public) or "?" (incomplete): no host to copy.
                    (host.contains('.') || host.contains(':'))
                        .then(|| ("host", host, r.name.clone()))
                }
            }
        }
        Screen::Containers => {
            let c = m.selected_container()?;
            match what {
                What::Id => Some(("id", c.id.to_string(), c.name.clone())),
                What::Host => Some(("image", c.image_ref(), c.name.clone())),
            }
        }
        Screen::Init | Screen::History => None,
    }
}
