//! `regvault agent`: keeps the key of an unlocked vault (a passphrase, or a
//! decrypted identity) in one process's memory, like ssh-agent, and does the
//! age operations for other regvault processes of the same user over a Unix
//! socket. The key never leaves the agent: a client sends the header's
//! stanzas and gets the 16-byte file key back (`client::AgentIdentity`), or,
//! to save a passphrase vault, sends a fresh file key and gets the scrypt
//! stanza back (`client::AgentRecipient`).
//!
//! The parts: `sock` (where the socket lives and who may use it), `proto`
//! (bounded, length-prefixed messages), `client`, `server` (the daemon).

pub mod client;
pub mod proto;
pub mod server;
pub mod sock;

pub use client::{AgentKey, AgentStatus};
pub use sock::socket_path;

/// What a client that needs the agent's key says when it does not have it.
pub const LOCKED: &str = "regvault is locked — run `regvault unlock`";
