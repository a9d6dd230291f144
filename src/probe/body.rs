//! Response bodies, read with a cap: a registry, a token service or the
//! ECR API that streams without end is cut off at `MAX_BODY` instead of
//! growing the process (a hostile token service once made it 1.5 GB).
//! The bytes read are wiped on drop (a token answer holds a secret).

use reqwest::Response;
use zeroize::Zeroizing;

use super::Outcome;
use super::classify::{Failure, classify_error};

/// The most any answer the probe reads may hold: 1 MiB. Real token and
/// `GetAuthorizationToken` answers are a few KiB.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

fn too_large(what: &str) -> Failure {
    Failure::new(
        Outcome::Error,
        format!(
            "{what} sent more than 1 MiB — far more than any registry answer; reading stopped there (check the URL: it may not be a registry, or it is hostile)"
        ),
    )
}

/// Reads `resp`'s body, chunk by chunk, up to `limit` bytes; a declared
/// length above it fails before reading anything. `what` names the sender
/// (`the token service 127.0.0.1:5001`), `host` is for transport errors.
///
/// # Errors
/// More than `limit` bytes (`Outcome::Error`, with the cap in the hint), or
/// the transport failing mid-body.
pub(crate) async fn read_capped(
    mut resp: Response,
    limit: usize,
    what: &str,
    host: &str,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    if resp
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
    {
        return Err(too_large(what));
    }
    let mut out = Zeroizing::new(Vec::new());
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| classify_error(&e.without_url(), host))?
    {
        if out.len() + chunk.len() > limit {
            return Err(too_large(what));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
