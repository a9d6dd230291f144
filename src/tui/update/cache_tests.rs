//! The row caches (`state::list::RowCache`) against the rows computed from
//! scratch: after every kind of data change, filter, sort and clock step
//! the cached rows are used (fresh) and equal the reference, and the
//! USED BY counts equal `containers_using`.

use std::borrow::Cow;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use ratatui::crossterm::event::KeyCode;

use super::update;
use crate::model::{
    ContainerSpec, NewRegistry, RegistryUpdate, TestOutcome, TestRecord, VaultData,
};
use crate::registry::RegistryKind;
use crate::tui::keymap::Action;
use crate::tui::msg::Msg;
use crate::tui::state::list::{container_rows, registry_rows};
use crate::tui::state::{Model, Screen};
use crate::tui::test_support::{self as fixtures, USER, key, typ};

/// The cached rows are in use and equal the rows computed afresh.
fn check(m: &Model) {
    let rows = m.registry_rows();
    assert!(matches!(rows, Cow::Borrowed(_)), "registry cache is stale");
    assert_eq!(
        *rows,
        *registry_rows(&m.data, &m.registries, m.now),
        "filter {:?}, sort {} desc {}",
        m.registries.filter_text(),
        m.registries.sort,
        m.registries.descending
    );
    for (i, r) in m.data.registries.iter().enumerate() {
        assert_eq!(
            m.used_by(i),
            m.data.containers_using(&r.id).len(),
            "{}",
            r.name
        );
    }
}

fn check_containers(m: &Model) {
    let rows = m.container_rows();
    assert!(matches!(rows, Cow::Borrowed(_)), "container cache is stale");
    assert_eq!(*rows, *container_rows(&m.data, &m.containers));
    for (i, c) in m.data.containers.iter().enumerate() {
        let expected = c
            .registry_config
            .registry_id
            .as_ref()
            .and_then(|id| m.data.registries.iter().find(|r| &r.id == id));
        assert_eq!(
            m.container_registry(i).map(|r| &r.id),
            expected.map(|r| &r.id)
        );
    }
}

/// Saves `data` the way every change does, and lands the save.
fn save(m: &mut Model, data: VaultData) {
    let effects = super::begin_save(m, data, String::new(), false, None);
    let [crate::tui::effect::Effect::Save { job, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    update(m, Msg::VaultSaved { job: *job });
}

/// The demo plus 40 more registries of mixed case, some tested.
fn many() -> Model {
    let mut data = fixtures::demo();
    for i in 0..40 {
        let name = if i % 2 == 0 {
            format!("Team-{i:02}")
        } else {
            format!("team-{i:02}")
        };
        let new = NewRegistry {
            name: name.clone(),
            kind: RegistryKind::Public,
            credentials: crate::registry::Credentials::default(),
        };
        data.add_registry(new, USER, fixtures::now()).expect("add");
        if i % 3 == 0 {
            let record = TestRecord {
                at: fixtures::now() - SignedDuration::from_secs(i * 7),
                outcome: if i % 2 == 0 {
                    TestOutcome::Ok
                } else {
                    TestOutcome::BadCredentials
                },
                summary: String::new(),
            };
            data.record_test(&name, record).expect("record");
        }
    }
    fixtures::model(data)
}

fn record2(at: Timestamp) -> TestRecord {
    TestRecord {
        at,
        outcome: TestOutcome::Ok,
        summary: String::new(),
    }
}

#[test]
fn cached_rows_equal_the_reference_for_every_sort_and_filter() {
    let mut m = many();
    check(&m);
    for _ in 0..6 {
        for _ in 0..2 {
            check(&m);
            key(&mut m, KeyCode::Char('/'));
            // Narrowing, widening and a filter that matches nothing.
            for (typed, back) in [("team-1", 6), ("OK", 2), ("s ago", 5), ("zzz", 3)] {
                typ(&mut m, typed);
                check(&m);
                for _ in 0..back {
                    key(&mut m, KeyCode::Backspace);
                    check(&m);
                }
                key(&mut m, KeyCode::Esc);
                key(&mut m, KeyCode::Char('/'));
            }
            key(&mut m, KeyCode::Enter);
            update(&mut m, Msg::Action(Action::ReverseSort));
        }
        update(&mut m, Msg::Action(Action::CycleSort));
    }
}

#[test]
fn the_cache_follows_add_rename_and_delete() {
    let mut m = many();
    key(&mut m, KeyCode::Char('/'));
    typ(&mut m, "team");
    key(&mut m, KeyCode::Enter);
    let before = m.registry_rows().len();

    let mut data = VaultData::clone(&m.data);
    let new = NewRegistry {
        name: "team-new".into(),
        kind: RegistryKind::Public,
        credentials: crate::registry::Credentials::default(),
    };
    data.add_registry(new, USER, m.now).expect("add");
    save(&mut m, data);
    check(&m);
    assert_eq!(m.registry_rows().len(), before + 1);

    let mut data = VaultData::clone(&m.data);
    let rename = RegistryUpdate {
        name: Some("renamed".into()),
        ..Default::default()
    };
    data.update_registry("team-new", rename, USER, m.now)
        .expect("rename");
    save(&mut m, data);
    check(&m);
    assert_eq!(m.registry_rows().len(), before, "renamed out of the filter");

    let mut data = VaultData::clone(&m.data);
    data.delete_registry("team-01", USER).expect("delete");
    save(&mut m, data);
    check(&m);
    assert_eq!(m.registry_rows().len(), before - 1);
}

#[test]
fn used_by_counts_follow_containers_added_and_deleted() {
    let mut m = many();
    let target = m.data.registries[m.data.registries.len() - 1].id.clone();
    let idx = m.data.registries.len() - 1;
    assert_eq!(m.used_by(idx), 0);
    let mut data = VaultData::clone(&m.data);
    for name in ["cache-web", "cache-api"] {
        let spec = ContainerSpec {
            name: name.into(),
            environment: "production".into(),
            registry_id: Some(target.clone()),
            image_name: "acme/web".into(),
            image_tag: "1.0".into(),
        };
        data.add_container(spec, USER, m.now)
            .expect("add container");
    }
    save(&mut m, data);
    check(&m);
    assert_eq!(m.used_by(idx), 2);

    let mut data = VaultData::clone(&m.data);
    data.delete_container("cache-web")
        .expect("delete container");
    save(&mut m, data);
    check(&m);
    assert_eq!(m.used_by(idx), 1);

    // Sorted by USED BY, the registry with the most users comes last.
    for _ in 0..5 {
        update(&mut m, Msg::Action(Action::CycleSort));
    }
    check(&m);
    update(&mut m, Msg::Action(Action::ShowContainers));
    check_containers(&m);
    key(&mut m, KeyCode::Char('/'));
    typ(&mut m, "team-39");
    check_containers(&m);
    assert_eq!(m.container_rows().len(), 1);
}

#[test]
fn the_filter_sees_ages_move_with_the_clock() {
    let mut data = VaultData::default();
    let new = NewRegistry {
        name: "aging".into(),
        kind: RegistryKind::Public,
        credentials: crate::registry::Credentials::default(),
    };
    data.add_registry(new, USER, fixtures::now()).expect("add");
    data.record_test("aging", record2(fixtures::now()))
        .expect("record");
    let mut m = fixtures::model(data);
    key(&mut m, KeyCode::Char('/'));
    typ(&mut m, "ok 5s");
    assert_eq!(m.registry_rows().len(), 0);
    m.now = fixtures::now() + SignedDuration::from_secs(5);
    update(&mut m, Msg::Tick);
    check(&m);
    assert_eq!(
        m.registry_rows().len(),
        1,
        "5 seconds later it reads 'ok 5s ago'"
    );
    m.now = fixtures::now() + SignedDuration::from_secs(6);
    update(&mut m, Msg::Tick);
    check(&m);
    assert_eq!(m.registry_rows().len(), 0);
}

#[test]
fn a_stale_cache_is_never_used() {
    let mut m = many();
    // Changed behind `update`'s back: the rows are computed afresh.
    m.registries.sort = 2;
    assert!(matches!(m.registry_rows(), Cow::Owned(_)));
    assert_eq!(
        *m.registry_rows(),
        *registry_rows(&m.data, &m.registries, m.now)
    );
    m.data = Arc::new(fixtures::demo());
    assert!(matches!(m.registry_rows(), Cow::Owned(_)));
    assert_eq!(
        m.used_by(0),
        m.data.containers_using(&m.data.registries[0].id).len()
    );
    update(&mut m, Msg::Tick);
    check(&m);
    assert_eq!(m.screen, Screen::Registries);
}
