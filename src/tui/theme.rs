//! Styles from the 16 basic ANSI colours only (they follow the user's
//! terminal palette), or none at all when `NO_COLOR` is set: then emphasis
//! uses bold, reverse and dim, which every terminal has.
//!
//! Which colour each role gets is a `Palette`: the `dark` preset (for dark
//! backgrounds, the default), the `light` one (readable on white), and
//! per-role overrides from `$XDG_CONFIG_HOME/regvault/theme.toml`:
//!
//! ```toml
//! preset = "light"
//! [colors]
//! title = "blue"
//! warning = "magenta"
//! ```
//!
//! A bad theme file does not stop the TUI (as k9s treats a bad skin): the
//! defaults are used and a toast names the file and the key.

use std::str::FromStr as _;

use ratatui::style::{Color, Modifier, Style};

/// The colour of each role. `NO_COLOR` ignores all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    pub title: Color,
    pub header: Color,
    pub focused: Color,
    pub dim: Color,
    pub error: Color,
    pub warning: Color,
    pub ok: Color,
    pub key: Color,
    pub danger: Color,
}

/// The roles a theme file may set, as named there.
pub const ROLES: [&str; 9] = [
    "title", "header", "focused", "dim", "error", "warning", "ok", "key", "danger",
];

impl Palette {
    /// For dark backgrounds: the colours regvault always had.
    pub const DARK: Palette = Palette {
        title: Color::Cyan,
        header: Color::Yellow,
        focused: Color::Cyan,
        dim: Color::DarkGray,
        error: Color::Red,
        warning: Color::Yellow,
        ok: Color::Green,
        key: Color::Cyan,
        danger: Color::Red,
    };

    /// For light backgrounds: no yellow or cyan (unreadable on white);
    /// the dark ANSI colours, which terminals draw dark on any palette.
    pub const LIGHT: Palette = Palette {
        title: Color::Blue,
        header: Color::Magenta,
        focused: Color::Blue,
        dim: Color::DarkGray,
        error: Color::Red,
        warning: Color::Magenta,
        ok: Color::Green,
        key: Color::Blue,
        danger: Color::Red,
    };

    fn role_mut(&mut self, role: &str) -> Option<&mut Color> {
        Some(match role {
            "title" => &mut self.title,
            "header" => &mut self.header,
            "focused" => &mut self.focused,
            "dim" => &mut self.dim,
            "error" => &mut self.error,
            "warning" => &mut self.warning,
            "ok" => &mut self.ok,
            "key" => &mut self.key,
            "danger" => &mut self.danger,
            _ => return None,
        })
    }

    /// Parses a theme file: `preset` and a `[colors]` table of roles.
    /// The error names the key at fault, in one line.
    pub fn from_toml(text: &str) -> Result<Palette, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            // The parser's message is several lines; its first says what.
            e.message().lines().next().unwrap_or("not TOML").to_owned()
        })?;
        let mut palette = Palette::DARK;
        if let Some(preset) = table.get("preset") {
            palette = match preset.as_str() {
                Some("dark") => Palette::DARK,
                Some("light") => Palette::LIGHT,
                _ => return Err(format!("preset: {preset} is not \"dark\" or \"light\"")),
            };
        }
        for (key, value) in &table {
            match key.as_str() {
                "preset" => {}
                "colors" => {
                    let Some(colors) = value.as_table() else {
                        return Err("colors: must be a table ([colors])".into());
                    };
                    for (role, value) in colors {
                        let slot = palette.role_mut(role).ok_or_else(|| {
                            format!("colors.{role}: no such role (roles: {})", ROLES.join(", "))
                        })?;
                        *slot = value
                            .as_str()
                            .and_then(|v| Color::from_str(v).ok())
                            .ok_or_else(|| {
                                format!(
                                    "colors.{role}: {value} is not a colour (a name such as \"blue\" or \"light-red\", an index 0-255, or \"#rrggbb\")"
                                )
                            })?;
                    }
                }
                other => {
                    return Err(format!(
                        "{other}: unknown key (a theme has preset and [colors])"
                    ));
                }
            }
        }
        Ok(palette)
    }

    /// The user's theme file, if any: the palette, and a one-line warning
    /// when the file is bad (then the default palette is used).
    pub fn load() -> (Palette, Option<String>) {
        let Some(path) = super::keymap::user_config_path("theme.toml") else {
            return (Palette::DARK, None);
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Palette::DARK, None),
            Err(e) => {
                let warning = format!(
                    "theme.toml: {e}; using the default colours ({})",
                    path.display()
                );
                return (Palette::DARK, Some(warning));
            }
        };
        match Palette::from_toml(&text) {
            Ok(p) => (p, None),
            Err(e) => (
                Palette::DARK,
                // What is wrong first: a toast too narrow for it all
                // still shows the key (the path is in the message log).
                Some(format!(
                    "theme.toml: {e}; using the default colours ({})",
                    path.display()
                )),
            ),
        }
    }
}

impl Default for Palette {
    fn default() -> Self {
        Palette::DARK
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub color: bool,
    pub palette: Palette,
}

impl Theme {
    /// The dark palette, with colour or (`NO_COLOR`) without.
    pub fn new(color: bool) -> Self {
        Theme {
            color,
            palette: Palette::DARK,
        }
    }

    /// `NO_COLOR` set to anything non-empty turns colour off (no-color.org).
    pub fn color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn title(self) -> Style {
        self.fg(self.palette.title).add_modifier(Modifier::BOLD)
    }

    pub fn header(self) -> Style {
        self.fg(self.palette.header).add_modifier(Modifier::BOLD)
    }

    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn focused(self) -> Style {
        self.fg(self.palette.focused).add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(self.palette.dim)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn error(self) -> Style {
        self.fg(self.palette.error).add_modifier(Modifier::BOLD)
    }

    pub fn warning(self) -> Style {
        self.fg(self.palette.warning)
    }

    pub fn ok(self) -> Style {
        self.fg(self.palette.ok).add_modifier(Modifier::BOLD)
    }

    pub fn key(self) -> Style {
        self.fg(self.palette.key)
    }

    pub fn danger_border(self) -> Style {
        self.fg(self.palette.danger)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_light_preset_has_no_yellow_or_cyan() {
        let p = Palette::from_toml("preset = \"light\"\n").expect("parses");
        assert_eq!(p, Palette::LIGHT);
        for role in ROLES {
            let c = *p.clone().role_mut(role).expect("role");
            assert!(
                !matches!(
                    c,
                    Color::Yellow
                        | Color::LightYellow
                        | Color::Cyan
                        | Color::LightCyan
                        | Color::White
                ),
                "{role} is {c:?}: unreadable on white"
            );
        }
    }

    #[test]
    fn overrides_change_only_their_role() {
        let p = Palette::from_toml(
            "preset = \"light\"\n[colors]\ntitle = \"green\"\nwarning = \"#ff8800\"\ndim = \"8\"\n",
        )
        .expect("parses");
        assert_eq!(p.title, Color::Green);
        assert_eq!(p.warning, Color::Rgb(0xff, 0x88, 0x00));
        assert_eq!(p.dim, Color::Indexed(8));
        assert_eq!(p.header, Palette::LIGHT.header, "others keep the preset");
        assert_eq!(Palette::from_toml("").expect("empty"), Palette::DARK);
    }

    #[test]
    fn a_bad_file_names_the_key_in_one_line() {
        for (text, says) in [
            (
                "preset = \"sepia\"",
                "preset: \"sepia\" is not \"dark\" or \"light\"",
            ),
            (
                "[colors]\ntitel = \"blue\"",
                "colors.titel: no such role (roles: title,",
            ),
            (
                "[colors]\ntitle = \"blurple\"",
                "colors.title: \"blurple\" is not a colour",
            ),
            ("[colors]\ntitle = 3", "colors.title: 3 is not a colour"),
            ("colours = 1", "colours: unknown key"),
            ("colors = \"blue\"", "colors: must be a table"),
            ("preset = ", "string values must be quoted"),
        ] {
            let e = Palette::from_toml(text).expect_err(text);
            assert!(e.starts_with(says) || e.contains(says), "{text:?} → {e}");
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
    }

    #[test]
    fn no_color_wins_over_any_palette() {
        let t = Theme {
            color: false,
            palette: Palette::LIGHT,
        };
        assert_eq!(t.title().fg, None);
        assert_eq!(t.warning(), Style::new());
        let t = Theme {
            color: true,
            palette: Palette::LIGHT,
        };
        assert_eq!(t.title().fg, Some(Color::Blue));
    }
}
