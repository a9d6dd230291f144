//! The Apply dialog's state: the target (kubeconfig contexts — several at
//! once —, environments, options), then the plan per cluster awaiting a
//! typed confirmation, then the per-(cluster, namespace) progress and
//! results. The confirmation holds the exact `ApplyTarget`
//! and plan it asks about, so "yes" applies what was shown.

use tui_input::Input;

use crate::deploy::kube::NamespaceReport;
use crate::deploy::kube::ServiceAccounts;
use crate::model::RegistryId;
use crate::ops::compose::ComposePlan;
use crate::ops::kube::{ApplySettings, PrunedSecret};
use crate::ops::swarm::{PlannedService, ServiceResult};
use crate::tui::apply::{ApplyTarget, ClusterError, ClusterPlan, SwarmTarget};
use crate::tui::effect::JobId;

#[derive(Clone, Debug)]
pub struct ApplyDialog {
    pub registry: RegistryId,
    pub registry_name: String,
    /// The kubeconfig's contexts and whether each is checked (the current
    /// one, at first).
    pub contexts: Vec<(String, bool)>,
    /// The environments this registry's containers use, and whether each
    /// is checked.
    pub environments: Vec<(String, bool)>,
    /// The row under the cursor: (Kubernetes) a context, an environment,
    /// then (Kubernetes) an option; see `row`.
    pub cursor: usize,
    /// `regvault apply`'s options, toggled on the option rows.
    pub settings: ApplySettings,
    /// The registry is ECR: the fresh-token option is offered.
    pub ecr: bool,
    /// Kubernetes, Swarm or Compose (↑/↓ on the target rows).
    pub kind: TargetKind,
    /// The cursor is on the target rows (at `target_cursor`), not the
    /// environments; Space there picks the target.
    pub on_targets: bool,
    pub target_cursor: usize,
    /// Shown for Swarm; `DOCKER_HOST` or the default socket.
    pub swarm_endpoint: String,
    /// Shown for Compose: the working directory.
    pub project_dir: std::path::PathBuf,
    pub step: ApplyStep,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Kubernetes,
    Swarm,
    Compose,
}

impl TargetKind {
    pub const ALL: [TargetKind; 3] = [Self::Kubernetes, Self::Swarm, Self::Compose];

    /// What the user types to confirm a Swarm or Compose apply.
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Kubernetes => "",
            Self::Swarm => "swarm",
            Self::Compose => "compose",
        }
    }
}

#[derive(Clone, Debug)]
pub enum ApplyStep {
    /// Choosing the context and the environments.
    Target,
    Planning {
        job: JobId,
        target: ApplyTarget,
    },
    /// The plan per cluster is shown; typing the context names (`a,b`)
    /// confirms (dangerous).
    Confirm {
        target: ApplyTarget,
        plans: Vec<ClusterPlan>,
        typed: Input,
    },
    /// (context, namespace) results arrive one by one into `done`.
    /// `cancelling`: Esc was pressed; the namespaces not yet started report
    /// `cancelled`, each in its cluster.
    Applying {
        job: JobId,
        target: ApplyTarget,
        plans: Vec<ClusterPlan>,
        done: Vec<(String, NamespaceReport)>,
        cancelling: bool,
    },
    /// `failures`: clusters stopped before their namespaces.
    Done {
        target: ApplyTarget,
        plans: Vec<ClusterPlan>,
        reports: Vec<(String, NamespaceReport)>,
        failures: Vec<ClusterError>,
    },
    SwarmPlanning {
        job: JobId,
        target: SwarmTarget,
    },
    /// The services and what would happen to each; typing `swarm` confirms.
    SwarmConfirm {
        target: SwarmTarget,
        services: Vec<PlannedService>,
        typed: Input,
    },
    /// Service results arrive one by one into `done`; `cancelling` as for
    /// Kubernetes.
    SwarmApplying {
        job: JobId,
        target: SwarmTarget,
        services: Vec<PlannedService>,
        done: Vec<ServiceResult>,
        cancelling: bool,
    },
    /// `error`: it stopped before the services (refused login, no engine).
    SwarmDone {
        services: Vec<PlannedService>,
        done: Vec<ServiceResult>,
        error: Option<String>,
    },
    ComposePlanning {
        job: JobId,
    },
    /// The logins and the config.json; typing `compose` confirms.
    ComposeConfirm {
        plan: ComposePlan,
        typed: Input,
    },
    ComposeApplying {
        job: JobId,
        plan: ComposePlan,
    },
    ComposeDone {
        lines: Vec<String>,
    },
    /// The plan could not be made (no cluster, no such context, …).
    Failed {
        message: String,
    },
}

/// What a row of the target step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    Context(usize),
    Environment(usize),
    Option(ApplyOption),
}

impl ApplyDialog {
    /// The checked contexts, in the kubeconfig's order.
    pub fn checked_contexts(&self) -> Vec<String> {
        self.contexts
            .iter()
            .filter(|(_, on)| *on)
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// The context rows shown (Kubernetes only).
    pub fn context_rows(&self) -> usize {
        if self.kind == TargetKind::Kubernetes {
            self.contexts.len()
        } else {
            0
        }
    }

    /// What the row at `cursor` is.
    pub fn row(&self, cursor: usize) -> Option<Row> {
        let c = self.context_rows();
        let e = self.environments.len();
        if cursor < c {
            Some(Row::Context(cursor))
        } else if cursor < c + e {
            Some(Row::Environment(cursor - c))
        } else {
            self.options().get(cursor - c - e).copied().map(Row::Option)
        }
    }

    /// The option rows shown under the environments (Kubernetes only).
    pub fn options(&self) -> Vec<ApplyOption> {
        if self.kind != TargetKind::Kubernetes {
            return Vec::new();
        }
        ApplyOption::ALL
            .into_iter()
            .filter(|o| self.ecr || *o != ApplyOption::FreshEcrToken)
            .collect()
    }

    /// Rows the cursor moves over below the targets.
    pub fn rows(&self) -> usize {
        self.context_rows() + self.environments.len() + self.options().len()
    }

    pub fn checked(&self) -> Vec<String> {
        self.environments
            .iter()
            .filter(|(_, on)| *on)
            .map(|(e, _)| e.clone())
            .collect()
    }

    /// The job in flight, if any: a result of any other job is stale.
    pub fn job(&self) -> Option<JobId> {
        match &self.step {
            ApplyStep::Planning { job, .. }
            | ApplyStep::Applying { job, .. }
            | ApplyStep::SwarmPlanning { job, .. }
            | ApplyStep::SwarmApplying { job, .. }
            | ApplyStep::ComposePlanning { job }
            | ApplyStep::ComposeApplying { job, .. } => Some(*job),
            _ => None,
        }
    }
}

/// One of `regvault apply`'s options, as a row of the Apply dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyOption {
    CreateNamespaces,
    Adopt,
    ServiceAccount,
    DryRun,
    FreshEcrToken,
}

impl ApplyOption {
    pub const ALL: [ApplyOption; 5] = [
        Self::CreateNamespaces,
        Self::Adopt,
        Self::ServiceAccount,
        Self::DryRun,
        Self::FreshEcrToken,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::CreateNamespaces => "create missing namespaces",
            Self::Adopt => "adopt same-named objects regvault does not manage",
            Self::ServiceAccount => "ServiceAccounts: leave them alone",
            Self::DryRun => "dry run: the server validates, nothing is stored",
            Self::FreshEcrToken => "ECR: exchange the keys for a fresh token first",
        }
    }

    /// The row's text for these settings: the service-account row names
    /// which of its three states it is in.
    pub fn text(self, s: &ApplySettings) -> &'static str {
        match (self, &s.service_accounts) {
            (Self::ServiceAccount, ServiceAccounts::Named(_)) => {
                "ServiceAccounts: add the secret to `default`"
            }
            (Self::ServiceAccount, ServiceAccounts::All) => {
                "ServiceAccounts: add the secret to every one (all)"
            }
            _ => self.label(),
        }
    }

    pub fn get(self, s: &ApplySettings) -> bool {
        match self {
            Self::CreateNamespaces => s.create_namespaces,
            Self::Adopt => s.adopt,
            Self::ServiceAccount => !s.service_accounts.is_none(),
            Self::DryRun => s.dry_run,
            Self::FreshEcrToken => s.fresh_ecr_token,
        }
    }

    pub fn toggle(self, s: &mut ApplySettings) {
        if self == Self::ServiceAccount {
            // none → default → all → none, as `--service-account
            // default|all` (named ones: the CLI).
            s.service_accounts = match s.service_accounts {
                ServiceAccounts::None => ServiceAccounts::Named(vec!["default".into()]),
                ServiceAccounts::Named(_) => ServiceAccounts::All,
                ServiceAccounts::All => ServiceAccounts::None,
            };
            return;
        }
        let flag = match self {
            Self::CreateNamespaces => &mut s.create_namespaces,
            Self::Adopt => &mut s.adopt,
            Self::ServiceAccount => return,
            Self::DryRun => &mut s.dry_run,
            Self::FreshEcrToken => &mut s.fresh_ecr_token,
        };
        *flag = !*flag;
    }
}

/// After a registry is deleted from the vault: offer to remove its managed
/// pull secrets from the cluster (`regvault prune <id>`). No is the default.
#[derive(Clone, Debug)]
pub struct PruneDialog {
    pub registry_id: String,
    pub registry_name: String,
    pub context: String,
    pub step: PruneStep,
}

#[derive(Clone, Debug)]
pub enum PruneStep {
    Ask,
    /// Secrets arrive one by one into `done`; `cancelling`: Esc was pressed.
    Running {
        job: JobId,
        done: Vec<PrunedSecret>,
        cancelling: bool,
    },
    Done {
        removed: Vec<PrunedSecret>,
    },
    Failed {
        message: String,
    },
}

impl PruneDialog {
    pub fn job(&self) -> Option<JobId> {
        match self.step {
            PruneStep::Running { job, .. } => Some(job),
            _ => None,
        }
    }
}
