//! Event sources: per context and kind (namespaces, Secrets), a list and
//! then the watch from its resourceVersion. A watch that ends (the
//! server's timeout) is resumed from the last resourceVersion seen; one
//! that fails (the API server restarts) is retried with a backoff capped at
//! `MAX_BACKOFF`, resumed from the same version; a 410 Gone ("too old")
//! lists again. Sources only read: every write is the reconciler's, one at
//! a time.

use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::mpsc;

use crate::deploy::kube::{Cluster, Observed, Seen, WatchFailure, Watched};
use crate::ops::Cancel;

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What a source tells the reconciler.
#[derive(Debug)]
pub enum SourceEvent {
    /// A full list: everything of `kind` there is now (after a start, a
    /// 410, or a reconnect that could not resume).
    Listed(Watched, Vec<Seen>),
    Changed(Watched, Observed),
    Connected(Watched),
    Disconnected(Watched, String),
}

/// Sleeps `d`, or less when cancelled; false when cancelled.
async fn pause(d: Duration, cancel: &Cancel) -> bool {
    tokio::select! {
        () = cancel.cancelled() => false,
        () = tokio::time::sleep(d) => true,
    }
}

/// Runs until `cancel` (or the reconciler is gone).
pub async fn run(cluster: Cluster, kind: Watched, tx: mpsc::Sender<SourceEvent>, cancel: Cancel) {
    let mut version: Option<String> = None;
    let mut backoff = FIRST_BACKOFF;
    let mut connected = false;
    let send = async |tx: &mpsc::Sender<SourceEvent>, e| tx.send(e).await.is_ok();
    loop {
        if cancel.is_cancelled() {
            return;
        }
        let rv = match version.clone() {
            Some(rv) => rv,
            None => match cluster.list_watched(kind).await {
                Ok((items, rv)) => {
                    if !send(&tx, SourceEvent::Listed(kind, items)).await {
                        return;
                    }
                    version = Some(rv.clone());
                    rv
                }
                Err(e) => {
                    if connected || backoff == FIRST_BACKOFF {
                        connected = false;
                        if !send(&tx, SourceEvent::Disconnected(kind, e.to_string())).await {
                            return;
                        }
                    }
                    if !pause(backoff, &cancel).await {
                        return;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            },
        };
        let mut stream = match cluster.watch(kind, &rv).await {
            Ok(s) => s,
            Err(WatchFailure::Gone) => {
                version = None;
                continue;
            }
            Err(WatchFailure::Other(m)) => {
                if connected || backoff == FIRST_BACKOFF {
                    connected = false;
                    if !send(&tx, SourceEvent::Disconnected(kind, m)).await {
                        return;
                    }
                }
                if !pause(backoff, &cancel).await {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if !connected {
            connected = true;
            if !send(&tx, SourceEvent::Connected(kind)).await {
                return;
            }
        }
        backoff = FIRST_BACKOFF;
        loop {
            let next = tokio::select! {
                () = cancel.cancelled() => return,
                n = stream.next() => n,
            };
            match next {
                // The server's timeout: resume from where it stopped.
                None => break,
                Some(Ok(Observed::Bookmark(rv))) => version = Some(rv),
                Some(Ok(o)) => {
                    if let Observed::Added(s) | Observed::Modified(s) | Observed::Deleted(s) = &o
                        && let Some(rv) = &s.resource_version
                    {
                        version = Some(rv.clone());
                    }
                    if !send(&tx, SourceEvent::Changed(kind, o)).await {
                        return;
                    }
                }
                Some(Err(WatchFailure::Gone)) => {
                    version = None;
                    break;
                }
                Some(Err(WatchFailure::Other(m))) => {
                    connected = false;
                    if !send(&tx, SourceEvent::Disconnected(kind, m)).await {
                        return;
                    }
                    if !pause(backoff, &cancel).await {
                        return;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    break;
                }
            }
        }
    }
}
