//! The last delete this session made, for `u` (undo): enough to find the
//! record again in the backup the delete's save left beside the vault.

/// What was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletedKind {
    Registry,
    Container,
}

impl DeletedKind {
    pub fn noun(self) -> &'static str {
        match self {
            DeletedKind::Registry => "registry",
            DeletedKind::Container => "container",
        }
    }
}

/// A record deleted by a save of this session (its id and name as they
/// were).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    pub kind: DeletedKind,
    pub id: String,
    pub name: String,
}

/// The one record `before` has and `after` lacks, when a save removed
/// exactly one registry or one container (a delete); `None` otherwise.
pub fn deleted_between(
    before: &crate::model::VaultData,
    after: &crate::model::VaultData,
) -> Option<Deleted> {
    let gone_registries: Vec<_> = before
        .registries
        .iter()
        .filter(|r| !after.registries.iter().any(|a| a.id == r.id))
        .collect();
    let gone_containers: Vec<_> = before
        .containers
        .iter()
        .filter(|c| !after.containers.iter().any(|a| a.id == c.id))
        .collect();
    match (gone_registries.as_slice(), gone_containers.as_slice()) {
        ([r], []) => Some(Deleted {
            kind: DeletedKind::Registry,
            id: r.id.as_str().to_owned(),
            name: r.name.clone(),
        }),
        ([], [c]) => Some(Deleted {
            kind: DeletedKind::Container,
            id: c.id.as_str().to_owned(),
            name: c.name.clone(),
        }),
        _ => None,
    }
}
