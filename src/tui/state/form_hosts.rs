//! Host mismatches in the forms, shown as warning findings as they are
//! typed (issue #13 item 8; the CLI says the same on stderr): the
//! container form's image host against its registry's login host, an
//! image on a host the vault has registries for while "Public" is chosen
//! (a new container's registry is preselected when exactly one fits), and
//! in the registry form a second registry for the same host.

use super::form::{FieldKey, FieldValue, Form, FormTarget};
use crate::model::{self, VaultData};
use crate::registry::hosts::HostPattern;
use crate::registry::{Finding, Severity};

fn warning(field: &str, message: String) -> Finding {
    Finding {
        field: Some(field.to_owned()),
        severity: Severity::Warning,
        message,
    }
}

fn index(form: &Form, key: FieldKey) -> Option<usize> {
    form.fields.iter().position(|f| f.key == key)
}

impl Form {
    /// The image field's host warnings (appended to its own findings).
    pub(super) fn image_host_findings(&self, data: &VaultData, image: &str) -> Vec<Finding> {
        if image.is_empty() || model::check_image_name(image).is_err() {
            return Vec::new();
        }
        if let Some(id) = self.registry_choice() {
            return data
                .registry(id.as_str())
                .and_then(|r| model::image_host_warning(image, r))
                .map(|w| vec![warning("imageName", w)])
                .unwrap_or_default();
        }
        let candidates = data.registries_for_image(image);
        if candidates.is_empty() {
            return Vec::new();
        }
        let host = model::image_pull_host(image).unwrap_or_default();
        let names: Vec<String> = candidates
            .iter()
            .map(|r| format!("'{}'", model::escape(&r.name)))
            .collect();
        vec![warning(
            "imageName",
            format!(
                "{host} has {} in the vault ({}): choose one under Registry, or keep Public if the image needs no login",
                if names.len() == 1 {
                    "a registry"
                } else {
                    "registries"
                },
                names.join(", ")
            ),
        )]
    }

    /// A new container's image was typed: while the user has not chosen a
    /// registry, the one registry for the image's host is chosen for them
    /// (none or several: Public stays, and the image field asks).
    pub(super) fn preselect_registry(&mut self, data: &VaultData) {
        if self.target != FormTarget::NewContainer {
            return;
        }
        let (Some(reg), Some(img)) = (
            index(self, FieldKey::Registry),
            index(self, FieldKey::ImageName),
        ) else {
            return;
        };
        if self.fields[reg].touched {
            return;
        }
        let image = self.fields[img].text_value().trim().to_owned();
        let candidates = data.registries_for_image(&image);
        let want = match candidates[..] {
            [one] => Some(one.id.clone()),
            _ => None,
        };
        let pos = self
            .registry_ids
            .iter()
            .position(|id| *id == want)
            .unwrap_or(0);
        if let FieldValue::Choice { selected, .. } = &mut self.fields[reg].value {
            *selected = pos;
        }
    }

    /// Refreshes the image field's findings after the registry changed.
    pub fn registry_chosen(&mut self, data: &VaultData) {
        if let Some(reg) = index(self, FieldKey::Registry) {
            self.fields[reg].touched = true;
        }
        if let Some(img) = index(self, FieldKey::ImageName) {
            self.validate_field(img, data);
        }
    }

    /// The registry form's Type field: a warning when another saved
    /// registry logs in to the host these credentials do.
    pub(super) fn same_host_findings(&self, data: &VaultData) -> Vec<Finding> {
        let Some(kind) = self.kind() else {
            return Vec::new();
        };
        let Some(pattern) = HostPattern::of(kind, &self.credentials(), None) else {
            return Vec::new();
        };
        let editing = match &self.target {
            FormTarget::EditRegistry(id) => Some(id),
            _ => None,
        };
        let others = data.registries_on(&pattern, editing);
        if others.is_empty() {
            return Vec::new();
        }
        let names: Vec<String> = others
            .iter()
            .map(|r| format!("'{}' ({})", model::escape(&r.name), r.id))
            .collect();
        vec![warning(
            "type",
            format!(
                "2nd registry for {} besides {}: `regvault registry default ID` picks the one the credential helper serves; `export` needs `--registry ID`",
                pattern.describe(),
                names.join(", ")
            ),
        )]
    }

    /// Recomputes the Type field's same-host warning (after any credential
    /// edit). It shows once the type was chosen or a save was tried (as
    /// every finding does), and the save's toast repeats it.
    pub fn refresh_same_host(&mut self, data: &VaultData) {
        if let Some(i) = index(self, FieldKey::Kind) {
            self.fields[i].findings = self.same_host_findings(data);
        }
    }
}
