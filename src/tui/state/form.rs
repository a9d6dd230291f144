//! The add/edit forms. The registry form is generated from the catalogue's
//! field schema (`RegistryKind::fields`) and rebuilt the moment the type
//! changes; there is no hand-written form per kind. The container form is
//! the same machinery over a fixed list of fields.

use std::fmt;

use tui_input::Input;

use super::super::effect::JobId;
use crate::model::{self, Connection, Container, Registry, RegistryId, VaultData};
use crate::ops::test::TestReport;
use crate::registry::{self, Credentials, Finding, RegistryKind, Severity};

/// What saving the form does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormTarget {
    NewRegistry,
    EditRegistry(RegistryId),
    NewContainer,
    EditContainer(model::ContainerId),
}

impl FormTarget {
    pub fn is_registry(&self) -> bool {
        matches!(self, FormTarget::NewRegistry | FormTarget::EditRegistry(_))
    }
}

/// Which value a field holds, so saving knows where it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKey {
    Kind,
    Name,
    /// A credential field by its seed name (`username`, `token`, …).
    Credential(&'static str),
    Registry,
    ImageName,
    ImageTag,
    Environment,
    /// The registry's CA bundle (PEM), as `registry update --ca-file`.
    CaBundle,
    /// Plain http allowed to a host that is not loopback (`--insecure`).
    Insecure,
    /// An image Test Connection also checks pull permission on; not saved
    /// (the registry model has no place for it), as `registry test --image`.
    TestImage,
}

/// The Insecure dropdown's options; index 1 is "marked insecure".
pub const INSECURE_OPTIONS: [&str; 2] = [
    "no — https (http only to loopback)",
    "yes — plain http allowed to this host",
];

/// Largest CA bundle the form accepts (as `--ca-file`).
const MAX_CA_BUNDLE: usize = 1024 * 1024;

/// A field's value. Text may be a secret, so `Debug` never shows it.
#[derive(Clone)]
pub enum FieldValue {
    Text(Input),
    /// Multi-line text (a JSON key): filled by paste, typing or a file.
    Multi(String),
    Choice {
        options: Vec<String>,
        selected: usize,
    },
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(_) | FieldValue::Multi(_) => f.write_str("[redacted]"),
            FieldValue::Choice { selected, .. } => write!(f, "Choice({selected})"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub key: FieldKey,
    pub label: &'static str,
    pub hint: &'static str,
    pub secret: bool,
    pub value: FieldValue,
    /// The user asked to see this secret (Ctrl-R); off again when focus leaves.
    pub revealed: bool,
    /// Findings show only once a field was edited or a save was tried, so a
    /// new form does not open as a wall of red.
    pub touched: bool,
    pub findings: Vec<Finding>,
}

impl Field {
    fn text(key: FieldKey, label: &'static str, hint: &'static str, value: &str) -> Self {
        Self {
            key,
            label,
            hint,
            secret: false,
            value: FieldValue::Text(Input::new(value.to_owned())),
            revealed: false,
            touched: false,
            findings: Vec::new(),
        }
    }

    fn choice(
        key: FieldKey,
        label: &'static str,
        hint: &'static str,
        options: Vec<String>,
        selected: usize,
    ) -> Self {
        Self {
            value: FieldValue::Choice { options, selected },
            ..Self::text(key, label, hint, "")
        }
    }

    fn credential(spec: &registry::FieldSpec, value: &str) -> Self {
        let value = if spec.multiline {
            FieldValue::Multi(value.to_owned())
        } else {
            FieldValue::Text(Input::new(value.to_owned()))
        };
        Self {
            secret: spec.secret,
            value,
            ..Self::text(FieldKey::Credential(spec.name), spec.label, spec.hint, "")
        }
    }

    pub fn text_value(&self) -> &str {
        match &self.value {
            FieldValue::Text(input) => input.value(),
            FieldValue::Multi(text) => text,
            FieldValue::Choice { .. } => "",
        }
    }

    pub fn selected(&self) -> usize {
        match self.value {
            FieldValue::Choice { selected, .. } => selected,
            _ => 0,
        }
    }

    pub fn first_error(&self) -> Option<&Finding> {
        self.findings.iter().find(|f| f.is_error())
    }
}

/// Test Connection as the form shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TestState {
    #[default]
    Idle,
    Running {
        job: JobId,
        /// The model's clock when it started (elapsed time is shown).
        started: jiff::Timestamp,
    },
    /// `fresh` turns false when a field changes: the result no longer
    /// describes what would be saved.
    Done {
        report: Box<TestReport>,
        fresh: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Form {
    pub target: FormTarget,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Highlighted option while the focused dropdown is open.
    pub dropdown: Option<usize>,
    /// Something was edited since the form opened.
    pub dirty: bool,
    /// A rule the whole form broke (duplicate name, save failed).
    pub error: Option<String>,
    pub test: TestState,
    pub saving: Option<JobId>,
    pub loading: Option<JobId>,
    /// The registry behind each option of the container form's dropdown
    /// (`None`: public image).
    pub registry_ids: Vec<Option<RegistryId>>,
}

pub const PUBLIC_OPTION: &str = "Public — no registry";

impl Form {
    fn with_fields(target: FormTarget, fields: Vec<Field>) -> Self {
        Self {
            target,
            fields,
            focus: 0,
            dropdown: None,
            dirty: false,
            error: None,
            test: TestState::Idle,
            saving: None,
            loading: None,
            registry_ids: Vec::new(),
        }
    }

    fn kind_field(kind: RegistryKind) -> Field {
        let options = RegistryKind::ALL
            .iter()
            .map(|k| format!("{} ({})", k.display_name(), k.type_key()))
            .collect();
        let selected = RegistryKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(0);
        Field::choice(
            FieldKey::Kind,
            "Type",
            "Enter opens the list of kinds",
            options,
            selected,
        )
    }

    fn name_field(value: &str) -> Field {
        Field::text(
            FieldKey::Name,
            "Name",
            "how you refer to it, e.g. ghcr-acme",
            value,
        )
    }

    /// The connection settings are offered for Custom registries (the
    /// self-hosted ones that have self-signed certificates or plain http);
    /// other kinds keep what the CLI set.
    fn has_connection_fields(kind: RegistryKind) -> bool {
        kind == RegistryKind::Custom
    }

    fn connection_fields(connection: &Connection) -> [Field; 2] {
        let ca = Field {
            value: FieldValue::Multi(connection.ca_bundle.clone().unwrap_or_default()),
            ..Field::text(
                FieldKey::CaBundle,
                "CA bundle (PEM)",
                "for a self-signed certificate; empty: the system's roots",
                "",
            )
        };
        let insecure = Field::choice(
            FieldKey::Insecure,
            "Insecure",
            "yes: plain http to another host; the password is readable on the wire",
            INSECURE_OPTIONS.iter().map(|o| (*o).to_owned()).collect(),
            usize::from(connection.insecure),
        );
        [ca, insecure]
    }

    /// "Test image (optional)": Test Connection also checks that the
    /// credentials may pull it; never saved.
    fn test_image_field() -> Field {
        Field::text(
            FieldKey::TestImage,
            "Test image (optional)",
            "NAME[:TAG]: Test Connection also checks pulling it; not saved",
            "",
        )
    }

    /// Leaving the Custom url: shows it as it will be stored
    /// (`registry.internal:5000` → `https://registry.internal:5000`).
    pub fn normalize_focused(&mut self) {
        let kind = self.kind();
        let field = &mut self.fields[self.focus];
        if kind != Some(RegistryKind::Custom) || field.key != FieldKey::Credential("url") {
            return;
        }
        if let FieldValue::Text(input) = &mut field.value
            && let std::borrow::Cow::Owned(url) = registry::normalize::custom_url(input.value())
        {
            *input = Input::new(url);
        }
    }

    /// The image Test Connection checks pull permission on, if one is typed.
    pub fn test_image(&self) -> Option<String> {
        let image = self.value(FieldKey::TestImage).trim();
        (!image.is_empty()).then(|| image.to_owned())
    }

    pub fn new_registry(kind: RegistryKind) -> Self {
        let mut form = Self::with_fields(
            FormTarget::NewRegistry,
            vec![Self::kind_field(kind), Self::name_field("")],
        );
        form.set_kind(kind);
        // A new form starts on the type: choosing it shapes everything else.
        form.focus = 0;
        form.dirty = false;
        form
    }

    pub fn edit_registry(r: &Registry) -> Self {
        let mut fields = vec![Self::kind_field(r.kind), Self::name_field(&r.name)];
        fields.extend(
            r.kind
                .fields()
                .iter()
                .map(|spec| Field::credential(spec, r.credentials.get(spec.name).unwrap_or(""))),
        );
        if Self::has_connection_fields(r.kind) {
            fields.extend(Self::connection_fields(&r.connection));
        }
        if r.kind != RegistryKind::Public {
            fields.push(Self::test_image_field());
        }
        let mut form = Self::with_fields(FormTarget::EditRegistry(r.id.clone()), fields);
        form.focus = 1;
        form
    }

    fn container_fields(
        data: &VaultData,
        c: Option<&Container>,
    ) -> (Vec<Field>, Vec<Option<RegistryId>>) {
        let mut options = vec![PUBLIC_OPTION.to_owned()];
        let mut ids = vec![None];
        for r in &data.registries {
            options.push(format!("{} ({})", r.name, r.kind.type_key()));
            ids.push(Some(r.id.clone()));
        }
        let current = c.and_then(|c| c.registry_config.registry_id.clone());
        let selected = ids.iter().position(|id| *id == current).unwrap_or(0);
        let get = |f: fn(&Container) -> &str| c.map_or("", f);
        let fields = vec![
            Field::text(
                FieldKey::Name,
                "Name",
                "the workload, e.g. web",
                get(|c| &c.name),
            ),
            Field::choice(
                FieldKey::Registry,
                "Registry",
                "where the image is pulled from",
                options,
                selected,
            ),
            Field::text(
                FieldKey::ImageName,
                "Image name",
                "e.g. ghcr.io/acme/web (no tag)",
                get(|c| &c.registry_config.image_name),
            ),
            Field::text(
                FieldKey::ImageTag,
                "Image tag",
                "e.g. 1.4.2 or latest",
                get(|c| &c.registry_config.image_tag),
            ),
            Field::text(
                FieldKey::Environment,
                "Environment",
                "becomes namespace env-<environment>",
                get(|c| &c.environment),
            ),
        ];
        (fields, ids)
    }

    pub fn new_container(data: &VaultData) -> Self {
        let (fields, ids) = Self::container_fields(data, None);
        let mut form = Self::with_fields(FormTarget::NewContainer, fields);
        form.registry_ids = ids;
        form
    }

    pub fn edit_container(c: &Container, data: &VaultData) -> Self {
        let (fields, ids) = Self::container_fields(data, Some(c));
        let mut form = Self::with_fields(FormTarget::EditContainer(c.id.clone()), fields);
        form.registry_ids = ids;
        form
    }

    /// The registry kind the form is for (`None` for a container form).
    pub fn kind(&self) -> Option<RegistryKind> {
        let f = self.fields.iter().find(|f| f.key == FieldKey::Kind)?;
        RegistryKind::ALL.get(f.selected()).copied()
    }

    /// Rebuilds the credential fields from `kind`'s schema. Values of fields
    /// the new kind also has (a username) are kept, as the model keeps them.
    pub fn set_kind(&mut self, kind: RegistryKind) {
        let old: Vec<Field> = self.fields.drain(2..).collect();
        let kept = |key: FieldKey| old.iter().find(|f| f.key == key).cloned();
        if let FieldValue::Choice { selected, .. } = &mut self.fields[0].value {
            *selected = RegistryKind::ALL
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(0);
        }
        for spec in kind.fields() {
            let keep = old
                .iter()
                .find(|f| f.key == FieldKey::Credential(spec.name) && f.secret == spec.secret);
            let value = keep.map_or("", Field::text_value);
            self.fields.push(Field::credential(spec, value));
        }
        if Self::has_connection_fields(kind) {
            let [ca, insecure] = Self::connection_fields(&Connection::default());
            self.fields.push(kept(FieldKey::CaBundle).unwrap_or(ca));
            self.fields
                .push(kept(FieldKey::Insecure).unwrap_or(insecure));
        }
        // Public images need no login: there is nothing to test pulling with.
        if kind != RegistryKind::Public {
            let image = kept(FieldKey::TestImage).unwrap_or_else(Self::test_image_field);
            self.fields.push(image);
        }
        self.focus = self.focus.min(self.fields.len() - 1);
        self.test = TestState::Idle;
        self.dirty = true;
    }

    pub fn focused(&self) -> &Field {
        &self.fields[self.focus]
    }

    pub fn focused_mut(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    pub fn value(&self, key: FieldKey) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or("", Field::text_value)
    }

    /// The credential fields as the vault stores them. A pasted key file
    /// often ends in a newline; single-line values lose stray whitespace.
    pub fn credentials(&self) -> Credentials {
        self.fields
            .iter()
            .filter_map(|f| match f.key {
                FieldKey::Credential(name) => Some((name, f.text_value().trim().to_owned())),
                _ => None,
            })
            .collect()
    }

    /// Whether the form marks the registry insecure (plain http allowed).
    pub fn insecure(&self) -> bool {
        self.fields
            .iter()
            .any(|f| f.key == FieldKey::Insecure && f.selected() == 1)
    }

    /// The connection settings the form holds, `None` when it shows none
    /// (the registry's saved ones then stay as they are).
    pub fn connection(&self) -> Option<Connection> {
        let ca = self.fields.iter().find(|f| f.key == FieldKey::CaBundle)?;
        let pem = ca.text_value().trim();
        Some(Connection {
            ca_bundle: (!pem.is_empty()).then(|| format!("{pem}\n")),
            insecure: self.insecure(),
        })
    }

    pub fn registry_choice(&self) -> Option<RegistryId> {
        let f = self.fields.iter().find(|f| f.key == FieldKey::Registry)?;
        self.registry_ids.get(f.selected()).cloned().flatten()
    }

    /// Recomputes field `i`'s findings against the catalogue and the
    /// platform rules; called on every keystroke in that field.
    pub fn validate_field(&mut self, i: usize, data: &VaultData) {
        let kind = self.kind();
        let editing = match &self.target {
            FormTarget::EditRegistry(id) => Some(id.clone()),
            _ => None,
        };
        let insecure = self.insecure();
        // The image's host against the registry chosen (form_hosts.rs).
        let host_warnings = match self.fields[i].key {
            FieldKey::ImageName => {
                self.image_host_findings(data, self.fields[i].text_value().trim())
            }
            _ => Vec::new(),
        };
        let field = &mut self.fields[i];
        let value = field.text_value().trim().to_owned();
        let rule = |r: Result<(), model::RuleError>, name: &str| match r {
            Err(model::RuleError::BadContainerField { message, .. }) => vec![error(name, message)],
            Err(e) => vec![error(name, e.to_string())],
            Ok(()) => Vec::new(),
        };
        field.findings = match field.key {
            FieldKey::Name if value.is_empty() => vec![error("name", "required".into())],
            FieldKey::Name if kind.is_some() => data
                .registries
                .iter()
                .find(|r| r.name == value && Some(&r.id) != editing.as_ref())
                .map(|r| {
                    vec![error(
                        "name",
                        format!("a registry named '{}' already exists", r.name),
                    )]
                })
                .unwrap_or_default(),
            FieldKey::Kind | FieldKey::Registry | FieldKey::Name | FieldKey::Insecure => Vec::new(),
            FieldKey::Credential(name) => kind.map_or_else(Vec::new, |k| {
                registry::validate_field_for(k, name, &value, insecure)
            }),
            FieldKey::CaBundle => ca_findings(&value),
            // Not saved, so never an error that blocks a save.
            FieldKey::TestImage if value.is_empty() => Vec::new(),
            FieldKey::TestImage => kind
                .and_then(|k| crate::probe::parse_image(&value, k).err())
                .map(|message| {
                    vec![Finding {
                        field: Some("image".into()),
                        severity: Severity::Warning,
                        message,
                    }]
                })
                .unwrap_or_default(),
            FieldKey::ImageName => {
                let mut found = rule(model::check_image_name(&value), "imageName");
                found.extend(host_warnings);
                found
            }
            FieldKey::ImageTag => rule(model::check_image_tag(&value), "imageTag"),
            FieldKey::Environment => rule(model::check_environment(&value), "environment"),
        };
        if kind.is_some() && matches!(field.key, FieldKey::Credential(_) | FieldKey::Kind) {
            self.refresh_same_host(data);
        }
    }

    /// Validates every field and shows all findings (a save was tried).
    /// Returns whether any field has an error.
    pub fn validate_all(&mut self, data: &VaultData) -> bool {
        for i in 0..self.fields.len() {
            self.validate_field(i, data);
            self.fields[i].touched = true;
        }
        self.fields.iter().any(|f| f.first_error().is_some())
    }

    /// After an edit: findings refresh, a finished test goes stale.
    pub fn edited(&mut self, data: &VaultData) {
        self.dirty = true;
        self.error = None;
        let i = self.focus;
        self.fields[i].touched = true;
        if self.fields[i].key == FieldKey::ImageName {
            self.preselect_registry(data);
        }
        self.validate_field(i, data);
        if let TestState::Done { fresh, .. } = &mut self.test {
            *fresh = false;
        }
    }
}

/// A CA bundle is empty (the system's roots) or PEM certificates.
fn ca_findings(pem: &str) -> Vec<Finding> {
    if pem.is_empty() {
        return Vec::new();
    }
    if pem.len() > MAX_CA_BUNDLE {
        return vec![error(
            "caBundle",
            format!("{} bytes; a CA bundle is a few KB", pem.len()),
        )];
    }
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap_or_default();
    if certs.is_empty() {
        let hint = if pem.contains('\n') {
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        } else {
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----): paste the certificate, or type the file's path and press Ctrl-O"
        };
        return vec![error("caBundle", hint.to_owned())];
    }
    Vec::new()
}

impl Form {
    /// Re-checks the credential fields (the Insecure choice changed what an
    /// http:// url may be), keeping whether each was touched.
    pub fn revalidate_credentials(&mut self, data: &VaultData) {
        for i in 0..self.fields.len() {
            if matches!(self.fields[i].key, FieldKey::Credential(_)) {
                self.validate_field(i, data);
            }
        }
    }
}

fn error(field: &str, message: String) -> Finding {
    Finding {
        field: Some(field.to_owned()),
        severity: Severity::Error,
        message,
    }
}
