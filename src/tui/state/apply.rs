//! The Apply dialog's state: the target (kubeconfig context, environments),
//! then the plan awaiting a typed confirmation, then the per-namespace
//! progress and results. The confirmation holds the exact `ApplyTarget`
//! and plan it asks about, so "yes" applies what was shown.

use tui_input::Input;

use crate::deploy::kube::NamespaceReport;
use crate::model::RegistryId;
use crate::tui::apply::ApplyTarget;
use crate::tui::effect::JobId;

#[derive(Clone, Debug)]
pub struct ApplyDialog {
    pub registry: RegistryId,
    pub registry_name: String,
    /// The kubeconfig's contexts; `context` indexes it.
    pub contexts: Vec<String>,
    pub context: usize,
    /// The environments this registry's containers use, and whether each
    /// is checked.
    pub environments: Vec<(String, bool)>,
    pub cursor: usize,
    pub step: ApplyStep,
}

#[derive(Clone, Debug)]
pub enum ApplyStep {
    /// Choosing the context and the environments.
    Target,
    Planning {
        job: JobId,
        target: ApplyTarget,
    },
    /// The plan is shown; typing the context name confirms (dangerous).
    Confirm {
        target: ApplyTarget,
        planned: Vec<NamespaceReport>,
        typed: Input,
    },
    /// Namespace results arrive one by one into `done`.
    Applying {
        job: JobId,
        target: ApplyTarget,
        planned: Vec<NamespaceReport>,
        done: Vec<NamespaceReport>,
    },
    Done {
        target: ApplyTarget,
        reports: Vec<NamespaceReport>,
    },
    /// The plan could not be made (no cluster, no such context, …).
    Failed {
        message: String,
    },
}

impl ApplyDialog {
    pub fn context_name(&self) -> Option<&str> {
        self.contexts.get(self.context).map(String::as_str)
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
            ApplyStep::Planning { job, .. } | ApplyStep::Applying { job, .. } => Some(*job),
            _ => None,
        }
    }
}
