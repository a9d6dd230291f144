//! ECR tokens, renewed by their real expiry: per registry with Secrets
//! recorded on the cluster, a timer at the expiry of the token last
//! pushed there (else the vault's) minus the margin, re-armed after each
//! renewal. A failed renewal is retried with a backoff (10 s doubling, at
//! most 5 min), well inside a 12-hour token's margin.

use std::time::Duration;

use jiff::Timestamp;

use super::reconcile::Reconciler;
use crate::model::RegistryId;
use crate::ops::OpsError;
use crate::ops::kube::refresh_ecr_token;
use crate::registry::RegistryKind;

const FIRST_RETRY: Duration = Duration::from_secs(10);
const MAX_RETRY: Duration = Duration::from_mins(5);

impl Reconciler {
    /// When each ECR registry recorded here is due (never when none is).
    fn ecr_due(&mut self) -> Vec<(RegistryId, Vec<String>, Timestamp)> {
        let recorded = self.recorded_by_registry();
        let Ok(data) = self.data() else {
            return Vec::new();
        };
        let now = Timestamp::now();
        recorded
            .into_iter()
            .filter_map(|(id, envs)| {
                let r = data.registry(id.as_str())?;
                if r.kind != RegistryKind::Ecr {
                    return None;
                }
                let expiry = self
                    .pushed
                    .get(&id)
                    .copied()
                    .or_else(|| r.ecr_token.as_ref().map(|t| t.expires_at));
                let at = expiry
                    .and_then(|t| t.checked_sub(self.opts.ecr_margin).ok())
                    .unwrap_or(now);
                Some((id, envs, at))
            })
            .collect()
    }

    /// The next renewal (or retry) of this context.
    pub(super) fn next_ecr_refresh(&mut self) -> Option<Timestamp> {
        let at = self.ecr_due().into_iter().map(|(.., at)| at).min()?;
        Some(match self.ecr_retry {
            Some((retry, _)) if retry > at => retry,
            _ => at,
        })
    }

    /// Renews the tokens due and pushes them to their recorded Secrets.
    pub(super) async fn refresh_ecr(&mut self) {
        let now = Timestamp::now();
        if self.ecr_retry.is_some_and(|(at, _)| at > now) {
            return;
        }
        for (id, envs, at) in self.ecr_due() {
            if at > now {
                continue;
            }
            // Another context (or a `regvault refresh`) may have renewed
            // it already: then it is only pushed here.
            let fresh = self.data().ok().and_then(|d| {
                d.registry(id.as_str())
                    .and_then(|r| r.ecr_token.as_ref())
                    .map(|t| t.expires_at)
            });
            let usable = fresh
                .and_then(|t| t.checked_sub(self.opts.ecr_margin).ok())
                .is_some_and(|t| t > now);
            if !usable && let Err(e) = refresh_ecr_token(&*self.store, &id, &self.in_flight).await {
                let wait = self
                    .ecr_retry
                    .map_or(FIRST_RETRY, |(_, d)| (d * 2).min(MAX_RETRY));
                let next = now
                    .checked_add(jiff::SignedDuration::try_from(wait).unwrap_or_default())
                    .unwrap_or(now);
                self.ecr_retry = Some((next, wait));
                self.fail(format!("renewing the ECR token of '{id}': {e}"));
                continue;
            }
            self.ecr_retry = None;
            self.push(&id, &envs, false).await;
            // Nothing pushed (no Secret there any more): do not spin.
            if !self.pushed.contains_key(&id)
                && let Some(t) = fresh
            {
                self.pushed.insert(id.clone(), t);
            }
        }
    }

    /// A usable ECR token before a write: renewed when there is none or it
    /// is within the margin.
    pub(super) async fn prepare_ecr(&mut self, id: &RegistryId) -> Result<(), OpsError> {
        let data = self.data()?;
        let Some(r) = data.registry(id.as_str()) else {
            return Ok(());
        };
        if r.kind != RegistryKind::Ecr {
            return Ok(());
        }
        let now = Timestamp::now();
        let usable = r
            .ecr_token
            .as_ref()
            .and_then(|t| t.expires_at.checked_sub(self.opts.ecr_margin).ok())
            .is_some_and(|t| t > now);
        drop(data);
        if usable {
            return Ok(());
        }
        refresh_ecr_token(&*self.store, id, &self.in_flight)
            .await
            .map(drop)
    }
}
