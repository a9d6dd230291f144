//! The terminal's size as the model knows it (`Msg::Resized`, and the size
//! at start): the view lays out from the frame it draws into, but `update`
//! must know when nothing usable is on screen, so that no key acts on a UI
//! the user cannot see.

/// The smallest terminal the compact layout serves; below it only the
/// "too small" screen is drawn and keys do nothing (but quit).
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 20;
/// From this size on, the full layout (below it, down to the minimum, the
/// compact one: narrower columns, a shorter detail pane and hint bar).
pub const FULL_WIDTH: u16 = 80;
pub const FULL_HEIGHT: u16 = 24;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermSize {
    pub width: u16,
    pub height: u16,
}

impl TermSize {
    pub const fn new(width: u16, height: u16) -> Self {
        Self { width, height }
    }

    /// Nothing but the "too small" screen fits.
    pub const fn too_small(self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    /// Usable, with the compact layout.
    pub const fn compact(self) -> bool {
        !self.too_small() && (self.width < FULL_WIDTH || self.height < FULL_HEIGHT)
    }
}
