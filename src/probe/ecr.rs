//! ECR's docker password: a SigV4-signed `GetAuthorizationToken` (signed by
//! `aws-sigv4`, not by hand) trades the access keys for the account id, the
//! proxy endpoint and a 12-hour token.

use std::time::SystemTime;

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use reqwest::{Client, StatusCode};
use zeroize::Zeroizing;

use super::classify::{Failure, classify_error, rate_limit_reset};
use super::target::{check_proxied_host, checked_base, host_port};
use super::{EcrGrant, Outcome, ProbeOptions, StepKind, Steps, body};
use crate::registry::Credentials;
use crate::secret::SecretValue;

const TARGET: &str = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The ECR API endpoint of a region (China regions use `.amazonaws.com.cn`).
pub(crate) fn api_endpoint(region: &str) -> String {
    if region.starts_with("cn-") {
        format!("https://api.ecr.{region}.amazonaws.com.cn")
    } else {
        format!("https://api.ecr.{region}.amazonaws.com")
    }
}

/// The AWS error code in a JSON (`__type`) or XML (`<Code>`) error body.
pub(crate) fn error_code(body: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
        && let Some(t) = v
            .get("__type")
            .or_else(|| v.get("code"))
            .and_then(|t| t.as_str())
    {
        // `com.amazon.coral.service#UnrecognizedClientException`
        return Some(t.rsplit('#').next().unwrap_or(t).to_owned());
    }
    let start = body.find("<Code>")? + "<Code>".len();
    let end = body[start..].find("</Code>")? + start;
    Some(body[start..end].trim().to_owned())
}

fn failure_for(
    status: StatusCode,
    code: Option<&str>,
    headers: &reqwest::header::HeaderMap,
) -> Failure {
    let shown = code.unwrap_or("no error code");
    match code {
        Some(
            "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch"
            | "IncompleteSignature"
            | "MissingAuthenticationToken",
        ) => Failure::new(
            Outcome::BadCredentials,
            format!(
                "AWS rejected the access key or secret ({shown}) — check them, or create a new access key"
            ),
        ),
        Some(c) if c.contains("AccessDenied") => Failure::new(
            Outcome::NoPermission,
            format!(
                "the IAM user may not call ecr:GetAuthorizationToken ({shown}) — attach AmazonEC2ContainerRegistryReadOnly"
            ),
        ),
        Some("ThrottlingException") => Failure::new(
            Outcome::RateLimited,
            format!("AWS is throttling GetAuthorizationToken ({shown}) — try again shortly"),
        ),
        _ if status == StatusCode::TOO_MANY_REQUESTS => {
            let reset = rate_limit_reset(headers)
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            Failure::new(
                Outcome::RateLimited,
                format!("AWS is rate-limiting this client{reset}"),
            )
        }
        _ if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => Failure::new(
            Outcome::BadCredentials,
            format!("AWS refused the request ({}, {shown})", status.as_u16()),
        ),
        _ => Failure::new(
            Outcome::Error,
            format!(
                "GetAuthorizationToken answered {} ({shown})",
                status.as_u16()
            ),
        ),
    }
}

/// `expiresAt` is epoch seconds (a float) in the JSON protocol.
fn expiry(v: &serde_json::Value) -> Option<Timestamp> {
    let secs = v.as_f64()?;
    #[allow(clippy::cast_possible_truncation)]
    let whole = secs.floor() as i64;
    #[allow(clippy::cast_possible_truncation)]
    let nanos = ((secs - secs.floor()) * 1e9) as i32;
    Timestamp::new(whole, nanos).ok()
}

pub(super) async fn authorization_token(
    client: &Client,
    creds: &Credentials,
    opts: &ProbeOptions,
    steps: &Steps,
) -> Result<EcrGrant, Failure> {
    let result = exchange(client, creds, opts).await;
    match &result {
        Ok(g) => steps.pass(
            StepKind::EcrToken,
            format!(
                "account {}, proxy endpoint {}, token expires {}",
                g.account_id, g.proxy_endpoint, g.expires_at
            ),
        ),
        Err(f) => steps.fail(StepKind::EcrToken, f.hint.clone()),
    }
    result
}

async fn exchange(
    client: &Client,
    creds: &Credentials,
    opts: &ProbeOptions,
) -> Result<EcrGrant, Failure> {
    let region = creds.get("region").unwrap_or("").trim().to_owned();
    let endpoint = opts
        .aws_endpoint
        .clone()
        .unwrap_or_else(|| api_endpoint(&region));
    let url = checked_base(&endpoint, opts.connection.insecure)?;
    check_proxied_host(&url).await?;
    let host = host_port(&url);
    let body: &[u8] = b"{}";

    let identity = AwsCredentials::new(
        creds.get("accessKeyId").unwrap_or(""),
        creds.get("secretAccessKey").unwrap_or(""),
        None,
        None,
        "regvault",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&region)
        .name("ecr")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| {
            Failure::new(
                Outcome::Error,
                format!("could not sign the ECR request: {e}"),
            )
        })?
        .into();
    let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", TARGET)];
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| {
        Failure::new(
            Outcome::Error,
            format!("could not sign the ECR request: {e}"),
        )
    })?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| {
            Failure::new(
                Outcome::Error,
                format!("could not sign the ECR request: {e}"),
            )
        })?
        .into_parts();
    let mut req = client
        .post(url.clone())
        .header("content-type", CONTENT_TYPE)
        .header("x-amz-target", TARGET)
        .body(body);
    for (name, value) in instructions.headers() {
        req = req.header(name, value);
    }
    let resp = req.send().await.map_err(|e| {
        let mut f = classify_error(&e.without_url(), &host);
        f.hint = format!("ECR API: {}", f.hint);
        f
    })?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = body::read_capped(resp, body::MAX_BODY, &format!("the ECR API {host}"), &host)
        .await
        .map_err(|mut f| {
            f.hint = format!("ECR API: {}", f.hint);
            f
        })?;
    let text = Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
    if !status.is_success() {
        return Err(failure_for(status, error_code(&text).as_deref(), &headers));
    }
    let bad = |what: &str| {
        Failure::new(
            Outcome::Error,
            format!("GetAuthorizationToken answered without {what}"),
        )
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| bad("JSON"))?;
    let data = &v["authorizationData"][0];
    let encoded = data["authorizationToken"]
        .as_str()
        .ok_or_else(|| bad("an authorizationToken"))?;
    let decoded = Zeroizing::new(
        STANDARD
            .decode(encoded)
            .map_err(|_| bad("a base64 token"))?,
    );
    let pair = std::str::from_utf8(&decoded).map_err(|_| bad("a text token"))?;
    let token = pair
        .strip_prefix("AWS:")
        .ok_or_else(|| bad("an AWS:<token> pair"))?;
    let proxy_endpoint = data["proxyEndpoint"]
        .as_str()
        .ok_or_else(|| bad("a proxyEndpoint"))?
        .to_owned();
    let account_id = url::Url::parse(&proxy_endpoint)
        .ok()
        .and_then(|u| {
            u.host_str()
                .and_then(|h| h.split('.').next())
                .map(str::to_owned)
        })
        .ok_or_else(|| bad("a proxyEndpoint URL"))?;
    let expires_at = expiry(&data["expiresAt"]).ok_or_else(|| bad("an expiresAt"))?;
    Ok(EcrGrant {
        account_id,
        proxy_endpoint,
        expires_at,
        token: SecretValue::new(token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_from_json_and_xml() {
        assert_eq!(
            error_code(
                r#"{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"x"}"#
            )
            .as_deref(),
            Some("UnrecognizedClientException")
        );
        assert_eq!(
            error_code(
                "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>"
            )
            .as_deref(),
            Some("InvalidClientTokenId")
        );
        assert_eq!(error_code("oops"), None);
    }

    #[test]
    fn aws_errors_become_outcomes() {
        let h = reqwest::header::HeaderMap::new();
        let f = |code| failure_for(StatusCode::FORBIDDEN, Some(code), &h).outcome;
        assert_eq!(f("InvalidClientTokenId"), Outcome::BadCredentials);
        assert_eq!(f("SignatureDoesNotMatch"), Outcome::BadCredentials);
        assert_eq!(f("AccessDeniedException"), Outcome::NoPermission);
        assert_eq!(f("ThrottlingException"), Outcome::RateLimited);
        assert_eq!(
            api_endpoint("cn-north-1"),
            "https://api.ecr.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            expiry(&serde_json::json!(1_700_043_200.5)),
            Timestamp::new(1_700_043_200, 500_000_000).ok()
        );
    }
}
