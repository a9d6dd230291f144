//! Who and when: the acting user (`current_user`, recorded as a record's
//! creator and a lock's holder) and how long ago something happened (`age`,
//! printed the same way by both faces).

use jiff::Timestamp;

/// How long ago, compactly (`42s`, `5m`, `3h`, `2d`): the list screens and
/// the CLI print ages the same way.
pub fn age(at: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(at.as_second()).max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Who is acting: `REGVAULT_USER`, else `$USER@hostname`; control
/// characters in either are stored escaped (it is shown to other users).
pub fn current_user() -> String {
    if let Ok(u) = std::env::var("REGVAULT_USER")
        && !u.trim().is_empty()
    {
        return super::escape(u.trim()).into_owned();
    }
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    super::escape(&format!("{user}@{host}")).into_owned()
}
