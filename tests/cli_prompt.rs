//! Interactive `regvault registry add` in a real pseudo-terminal (tmux):
//! a bad answer is asked again with the field's validation error, secrets
//! are read without echo, and three bad answers end with exit 2 and
//! nothing saved.

#[path = "support/pty.rs"]
mod pty;

use pty::Pty;

/// A GHCR classic token (ghp_ + 36) that must never be on screen.
const TOKEN: &str = "ghp_PROMPTprompt0123456789abcdefghijKLMN";

#[test]
fn a_bad_field_is_asked_again_with_its_error_and_the_good_answer_is_saved() {
    let p = Pty::new();
    p.start_cli(&["registry", "add"]);
    p.see("Name:");
    // An empty name: asked again.
    p.keys_press(&["Enter"]);
    p.see("try again (2 tries");
    p.type_text("ghcr-acme");
    p.keys_press(&["Enter"]);
    p.see("Type (");
    p.type_text("Gitlab");
    p.keys_press(&["Enter"]);
    p.see("type: unknown");
    p.type_text("GHCR");
    p.keys_press(&["Enter"]);
    // A username docker could not store (':'), then a good one.
    p.see("(username):");
    p.type_text("acme:bot");
    p.keys_press(&["Enter"]);
    let screen = p.see("must not contain ':'");
    assert!(screen.contains("username: "), "{screen}");
    p.type_text("acme-bot");
    p.keys_press(&["Enter"]);
    // The token: not a GHCR token first (nothing echoed), then the real one.
    p.see("(token):");
    p.type_text("not-a-token");
    p.keys_press(&["Enter"]);
    p.see("token: ");
    p.type_text(TOKEN);
    p.keys_press(&["Enter"]);
    let done = p.wait_exit();
    assert_eq!(done.exit, "0", "{}", done.screen);
    assert!(done.screen.contains("added reg-"), "{}", done.screen);
    assert!(!done.screen.contains(TOKEN), "the token was echoed");
    assert!(
        !done.screen.contains("not-a-token"),
        "a bad secret was echoed"
    );
    let data = p.disk();
    let r = data.find_registry("ghcr-acme").expect("saved");
    assert_eq!(r.credentials.get("username"), Some("acme-bot"));
    assert_eq!(r.credentials.get("token"), Some(TOKEN));
}

#[test]
fn three_bad_answers_end_with_exit_2_and_nothing_saved() {
    let p = Pty::new();
    p.start_cli(&["registry", "add", "--name", "hub", "--type", "Docker"]);
    for left in ["(2 tries", "(1 try"] {
        p.see("(username):");
        p.type_text("a:b");
        p.keys_press(&["Enter"]);
        p.see(left);
    }
    p.type_text("c:d");
    p.keys_press(&["Enter"]);
    let done = p.wait_exit();
    assert_eq!(done.exit, "2", "{}", done.screen);
    assert!(done.screen.contains("(3 tries; nothing"), "{}", done.screen);
    assert!(p.disk().registries.is_empty());
}
