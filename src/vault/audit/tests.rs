//! The log's own properties, on files: chain, seal, breaks, heads.

use super::*;

fn records() -> AuditRecords {
    let mut r = AuditRecords::default();
    r.ensure_key();
    r
}

fn entry(i: u32) -> Entry {
    let who = Who {
        member: "alice".into(),
        fingerprint: None,
        uid: 1000,
        os_user: Some("alice".into()),
        host: "bastion".into(),
        ssh_client: None,
    };
    Entry::new(who, Action::Test, Outcome::Ok).registry(format!("reg-{i:06}"), format!("r{i}"))
}

#[test]
fn appends_read_back_in_order_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.age");
    std::fs::write(&vault, b"x").unwrap();
    let log = Log::new(&vault, &records()).unwrap();
    for i in 0..5 {
        assert_eq!(log.append(&entry(i)).unwrap().count, u64::from(i) + 1);
    }
    let walk = log.read().unwrap();
    assert!(walk.broken.is_none(), "{:?}", walk.broken);
    let names: Vec<_> = walk
        .records
        .iter()
        .map(|r| r.entry.registry.as_ref().unwrap().name.clone())
        .collect();
    assert_eq!(names, ["r0", "r1", "r2", "r3", "r4"]);
    assert_eq!(log.verify().unwrap(), Ok(5));
    // Another key reads nothing.
    let other = Log::new(&vault, &records()).unwrap();
    let broken = other.verify().unwrap().unwrap_err();
    assert_eq!(broken.index, 1);
}

#[test]
fn segments_rotate_and_their_heads_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.age");
    std::fs::write(&vault, b"x").unwrap();
    let mut rec = records();
    let log = Log::new(&vault, &rec).unwrap();
    for i in 0..(SEGMENT_ENTRIES + 3) {
        log.append(&entry(u32::try_from(i).unwrap())).unwrap();
    }
    assert!(log::segment_path(log.dir(), 2).exists());
    log.heads_for_save(&mut rec);
    assert_eq!(rec.head.as_ref().unwrap().count, SEGMENT_ENTRIES + 3);
    assert_eq!(rec.segments.len(), 1);
    assert_eq!(rec.segments[0].count, SEGMENT_ENTRIES);
    let log = Log::new(&vault, &rec).unwrap();
    assert_eq!(log.verify().unwrap(), Ok(SEGMENT_ENTRIES + 3));
    // Dropping the newest segment is a truncation the vault's head shows.
    std::fs::remove_file(log::segment_path(log.dir(), 2)).unwrap();
    let b = log.verify().unwrap().unwrap_err();
    assert_eq!((b.segment, b.index), (2, SEGMENT_ENTRIES + 1), "{b}");
}

#[test]
fn a_damaged_tail_refuses_appends() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("v.age");
    std::fs::write(&vault, b"x").unwrap();
    let log = Log::new(&vault, &records()).unwrap();
    log.append(&entry(0)).unwrap();
    let seg = log::segment_path(log.dir(), 1);
    let mut text = std::fs::read_to_string(&seg).unwrap();
    text.push_str("2 00 00 AAAA 00\n");
    std::fs::write(&seg, text).unwrap();
    assert!(matches!(
        log.append(&entry(1)),
        Err(AuditError::DamagedTail { .. })
    ));
}

#[test]
fn heads_render_and_parse() {
    let h = Head {
        count: 12,
        mac: "ab".repeat(32),
    };
    assert_eq!(Head::parse(&h.render()), Some(h));
    assert_eq!(Head::parse("12:zz"), None);
}

#[test]
fn changes_name_what_a_save_did() {
    use crate::model::{NewRegistry, VaultData};
    use crate::registry::{Credentials, RegistryKind};
    let who = entry(0).who;
    let now = jiff::Timestamp::now();
    let mut before = VaultData::default();
    let creds = |t: &str| {
        [("username", "octo"), ("token", t)]
            .into_iter()
            .collect::<Credentials>()
    };
    let new = |name: &str, t: &str| NewRegistry {
        name: name.into(),
        kind: RegistryKind::Ghcr,
        credentials: creds(t),
    };
    before
        .add_registry(new("a", &format!("ghp_{}", "a".repeat(36))), "alice", now)
        .unwrap();
    before
        .add_registry(new("b", &format!("ghp_{}", "b".repeat(36))), "alice", now)
        .unwrap();
    let mut after = before.clone();
    after.registries[0].credentials = creds(&format!("ghp_{}", "c".repeat(36)));
    after.registries[1].name = "b2".into();
    after
        .add_registry(new("c", &format!("ghp_{}", "d".repeat(36))), "alice", now)
        .unwrap();
    let list: Vec<_> = changes(&before, &after, &who)
        .iter()
        .map(|e| format!("{} {}", e.action, e.registry.as_ref().unwrap().name))
        .collect();
    assert_eq!(list, ["rotate a", "update b2", "add c"]);
    after.registries.remove(0);
    let list: Vec<_> = changes(&before, &after, &who)
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(list, [Action::Update, Action::Add, Action::Delete]);
    // No secret in any entry.
    for e in changes(&before, &after, &who) {
        let json = serde_json::to_string(&e).unwrap();
        assert!(!json.contains("ghp_"), "{json}");
    }
}
