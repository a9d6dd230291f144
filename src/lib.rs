//! regvault: container-registry pull credentials kept in an age-encrypted vault.

pub mod agent;
pub mod cli;
pub mod deploy;
pub mod import;
pub mod model;
pub mod ops;
pub mod probe;
pub mod registry;
pub mod secret;
pub mod tui;
pub mod vault;
