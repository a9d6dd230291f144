//! The fast path for the vault's own records: writing `[[registries]]` and
//! `[[containers]]` as TOML by hand, and reading back exactly that subset.
//!
//! Why: the `toml` crate's serde path spends ~100 ms writing and ~110 ms
//! reading a 10,000-registry vault (7.6 MB) and builds a whole intermediate
//! tree to do it; this subset runs several times faster with no tree. What
//! it writes is ordinary TOML (a test reads it back with the `toml` crate and
//! compares), and anything it does not recognise when reading — a hand-edited
//! or migrated file, a comment, an inline table — makes it answer `None`, so
//! the caller falls back to the full `toml` parser. It never guesses.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;

use crate::model::{
    Connection, Container, ContainerId, EcrToken, Registry, RegistryConfig, RegistryId, SourceType,
    TestRecord, VaultData,
};
use crate::registry::{Credentials, RegistryKind};
use crate::secret::SecretValue;

/// A rough size of the rendered records, to size the (zeroizing) buffer once
/// so growth leaves no copies of secrets behind in freed memory.
pub(crate) fn estimate(data: &VaultData) -> usize {
    let regs: usize = data
        .registries
        .iter()
        .map(|r| {
            let creds: usize = r
                .credentials
                .iter()
                .map(|(k, v)| k.len() + v.expose().len() * 2 + 8)
                .sum();
            let test = r
                .last_test
                .as_ref()
                .map_or(0, |t| t.summary.len() + t.outcome.len() + 90);
            let conn = r
                .connection
                .ca_bundle
                .as_ref()
                .map_or(0, |pem| pem.len() + 60);
            let ecr = r.ecr_token.as_ref().map_or(0, |t| {
                t.token.expose().len() + t.proxy_endpoint.len() + t.account_id.len() + 120
            });
            r.name.len() * 2 + r.created_by.len() * 2 + creds + test + conn + ecr + 260
        })
        .sum();
    let ctrs: usize = data
        .containers
        .iter()
        .map(|c| {
            (c.name.len()
                + c.environment.len()
                + c.created_by.len()
                + c.registry_config.image_name.len())
                * 2
                + c.registry_config.image_tag.len() * 2
                + 320
        })
        .sum();
    regs + ctrs
}

fn bare_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Bytes a basic string must escape: `"`, `\\`, control characters.
fn needs_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20 || b == 0x7f
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
/// Runs of plain bytes are copied whole (the JSON keys are kilobytes long).
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            other => {
                let _ = write!(out, "\\u{other:04X}");
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn push_kv(out: &mut String, key: &str, value: &str) {
    if bare_key(key) {
        out.push_str(key);
    } else {
        push_str(out, key);
    }
    out.push_str(" = ");
    push_str(out, value);
    out.push('\n');
}

fn push_ts(out: &mut String, key: &str, ts: Timestamp) {
    out.push_str(key);
    out.push_str(" = \"");
    push_rfc3339(out, ts);
    out.push_str("\"\n");
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The inverse of `civil_from_days`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SS[.f…]Z`, as jiff writes and reads it — formatted here
/// because jiff's general formatter was a third of a 10,000-registry save.
fn push_rfc3339(out: &mut String, ts: Timestamp) {
    let mut secs = ts.as_second();
    let mut nanos = ts.subsec_nanosecond();
    if nanos < 0 {
        secs -= 1;
        nanos += 1_000_000_000;
    }
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    if !(0..=9999).contains(&y) {
        let _ = write!(out, "{ts}");
        return;
    }
    let sod = secs.rem_euclid(86_400);
    // Digit by digit into a stack buffer: `write!` was slower than the rest
    // of a save's rendering.
    let mut buf = [0u8; 32];
    let mut n = 0;
    let fields = [
        (y.unsigned_abs(), 4, b'-'),
        (u64::from(m), 2, b'-'),
        (u64::from(d), 2, b'T'),
        (sod.unsigned_abs() / 3600, 2, b':'),
        (sod.unsigned_abs() / 60 % 60, 2, b':'),
        (sod.unsigned_abs() % 60, 2, b'.'),
    ];
    for (value, width, sep) in fields {
        put_digits(&mut buf, &mut n, value, width);
        buf[n] = sep;
        n += 1;
    }
    if nanos == 0 {
        n -= 1; // no fraction: drop the '.'
    } else {
        let mut frac = u64::from(nanos.unsigned_abs());
        let mut width = 9;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        put_digits(&mut buf, &mut n, frac, width);
    }
    buf[n] = b'Z';
    out.push_str(std::str::from_utf8(&buf[..=n]).unwrap_or_default());
}

/// Writes `value` zero-padded to `width` digits at `buf[*n..]`.
fn put_digits(buf: &mut [u8], n: &mut usize, mut value: u64, width: usize) {
    for i in (0..width).rev() {
        buf[*n + i] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    *n += width;
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Reads what `push_rfc3339` writes; anything else goes to jiff's parser.
fn parse_ts(s: &str) -> Option<Timestamp> {
    fast_ts(s).or_else(|| s.parse().ok())
}

fn fast_ts(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?);
    let (h, mi, se) = (
        digits(&s[11..13])?,
        digits(&s[14..16])?,
        digits(&s[17..19])?,
    );
    let rest = s[19..].strip_suffix('Z')?;
    let nanos = match rest.strip_prefix('.') {
        None if rest.is_empty() => 0,
        Some(f) if (1..=9).contains(&f.len()) => digits(f)? * 10u32.pow(9 - f.len() as u32),
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d == 0
        || d > month_days[mo as usize - 1]
        || h > 23
        || mi > 59
        || se > 59
    {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + se);
    Timestamp::new(secs, i32::try_from(nanos).ok()?).ok()
}

/// Appends the records, in the order and shape serde + `toml` would.
pub(crate) fn render_records(out: &mut String, data: &VaultData) {
    for r in &data.registries {
        out.push_str("\n[[registries]]\n");
        push_kv(out, "id", r.id.as_str());
        push_kv(out, "name", &r.name);
        push_kv(out, "type", r.kind.type_key());
        push_kv(out, "createdBy", &r.created_by);
        push_ts(out, "createdAt", r.created_at);
        push_ts(out, "updatedAt", r.updated_at);
        if let Some(at) = r.credentials_rotated_at {
            push_ts(out, "credentialsRotatedAt", at);
        }
        out.push_str("\n[registries.credentials]\n");
        for (k, v) in r.credentials.iter() {
            push_kv(out, k, v.expose());
        }
        if let Some(t) = &r.last_test {
            out.push_str("\n[registries.lastTest]\n");
            push_ts(out, "at", t.at);
            push_kv(out, "outcome", &t.outcome);
            push_kv(out, "summary", &t.summary);
        }
        if !r.connection.is_default() {
            out.push_str("\n[registries.connection]\n");
            if let Some(pem) = &r.connection.ca_bundle {
                push_kv(out, "caBundle", pem);
            }
            if r.connection.insecure {
                out.push_str("insecure = true\n");
            }
        }
        if let Some(t) = &r.ecr_token {
            out.push_str("\n[registries.ecrToken]\n");
            push_kv(out, "accountId", &t.account_id);
            push_kv(out, "proxyEndpoint", &t.proxy_endpoint);
            push_kv(out, "token", t.token.expose());
            push_ts(out, "expiresAt", t.expires_at);
        }
    }
    for c in &data.containers {
        out.push_str("\n[[containers]]\n");
        push_kv(out, "id", c.id.as_str());
        push_kv(out, "name", &c.name);
        push_kv(out, "environment", &c.environment);
        push_kv(out, "sourceType", "registry");
        push_kv(out, "createdBy", &c.created_by);
        push_ts(out, "createdAt", c.created_at);
        push_ts(out, "updatedAt", c.updated_at);
        out.push_str("\n[containers.registryConfig]\n");
        if let Some(id) = &c.registry_config.registry_id {
            push_kv(out, "registryId", id.as_str());
        }
        push_kv(out, "imageName", &c.registry_config.image_name);
        push_kv(out, "imageTag", &c.registry_config.image_tag);
    }
}

/// Reads one basic string; returns it and what follows the closing quote.
/// `None` on anything our writer would not have written.
fn read_str(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('"')?;
    let bytes = rest.as_bytes();
    let mut out = String::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !needs_escape(b) {
            i += 1;
            continue;
        }
        // All three cut points are ASCII, so the slices are on char bounds.
        out.push_str(&rest[start..i]);
        match b {
            b'"' => return Some((out, &rest[i + 1..])),
            b'\\' => {
                let esc = *bytes.get(i + 1)?;
                i += 2;
                match esc {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'n' => out.push('\n'),
                    b't' => out.push('\t'),
                    b'r' => out.push('\r'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'u' | b'U' => {
                        let n = if esc == b'u' { 4 } else { 8 };
                        let hex = rest.get(i..i + n)?;
                        if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                            return None;
                        }
                        out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
                        i += n;
                    }
                    _ => return None,
                }
            }
            b'\t' => {
                out.push('\t');
                i += 1;
            }
            // TOML forbids other raw control characters in strings.
            _ => return None,
        }
        start = i;
    }
    None
}

/// `key = "value"` with nothing after the value.
fn read_kv(line: &str) -> Option<(String, String)> {
    let (key, rest) = if line.starts_with('"') {
        read_str(line)?
    } else {
        let end = line.find(' ')?;
        let k = &line[..end];
        if !bare_key(k) {
            return None;
        }
        (k.to_owned(), &line[end..])
    };
    let (value, tail) = read_str(rest.strip_prefix(" = ")?)?;
    tail.is_empty().then_some((key, value))
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Fields {
    /// A repeated key is invalid TOML: let the full parser say so.
    fn insert(&mut self, k: String, v: String) -> Option<()> {
        self.0.insert(k, v).is_none().then_some(())
    }
    fn take(&mut self, k: &str) -> Option<String> {
        self.0.remove(k)
    }
    fn ts(&mut self, k: &str) -> Option<Timestamp> {
        parse_ts(&self.take(k)?)
    }
    fn done(self) -> Option<()> {
        self.0.is_empty().then_some(())
    }
}

#[derive(Default)]
struct RegistryParts {
    top: Fields,
    creds: Option<Credentials>,
    test: Option<Fields>,
    connection: Option<Fields>,
    /// `insecure = true|false` (the one non-string value) in `connection`.
    insecure: Option<bool>,
    ecr: Option<Fields>,
}

impl RegistryParts {
    fn build(mut self) -> Option<Registry> {
        let kind_key = self.top.take("type")?;
        let kind = RegistryKind::ALL
            .into_iter()
            .find(|k| k.type_key() == kind_key)?;
        let last_test = match self.test {
            Some(mut t) => {
                let rec = TestRecord {
                    at: t.ts("at")?,
                    outcome: t.take("outcome")?,
                    summary: t.take("summary")?,
                };
                t.done()?;
                Some(rec)
            }
            None => None,
        };
        let connection = match self.connection {
            Some(mut c) => {
                let conn = Connection {
                    ca_bundle: c.take("caBundle"),
                    insecure: self.insecure.unwrap_or(false),
                };
                c.done()?;
                conn
            }
            None if self.insecure.is_none() => Connection::default(),
            None => return None,
        };
        let ecr_token = match self.ecr {
            Some(mut e) => {
                let token = EcrToken {
                    account_id: e.take("accountId")?,
                    proxy_endpoint: e.take("proxyEndpoint")?,
                    token: SecretValue::new(e.take("token")?),
                    expires_at: e.ts("expiresAt")?,
                };
                e.done()?;
                Some(token)
            }
            None => None,
        };
        let credentials_rotated_at = match self.top.take("credentialsRotatedAt") {
            Some(s) => Some(parse_ts(&s)?),
            None => None,
        };
        let r = Registry {
            id: RegistryId::parse(&self.top.take("id")?)?,
            name: self.top.take("name")?,
            kind,
            credentials: self.creds.unwrap_or_default(),
            created_by: self.top.take("createdBy")?,
            created_at: self.top.ts("createdAt")?,
            updated_at: self.top.ts("updatedAt")?,
            credentials_rotated_at,
            last_test,
            connection,
            ecr_token,
        };
        self.top.done()?;
        Some(r)
    }
}

#[derive(Default)]
struct ContainerParts {
    top: Fields,
    config: Option<Fields>,
}

impl ContainerParts {
    fn build(mut self) -> Option<Container> {
        let mut cfg = self.config?;
        let registry_id = match cfg.take("registryId") {
            Some(s) => Some(RegistryId::parse(&s)?),
            None => None,
        };
        let registry_config = RegistryConfig {
            registry_id,
            image_name: cfg.take("imageName")?,
            image_tag: cfg.take("imageTag")?,
        };
        cfg.done()?;
        match self.top.take("sourceType").as_deref() {
            None | Some("registry") => {}
            Some(_) => return None,
        }
        let c = Container {
            id: ContainerId::parse(&self.top.take("id")?)?,
            name: self.top.take("name")?,
            environment: self.top.take("environment")?,
            source_type: SourceType::Registry,
            registry_config,
            created_by: self.top.take("createdBy")?,
            created_at: self.top.ts("createdAt")?,
            updated_at: self.top.ts("updatedAt")?,
        };
        self.top.done()?;
        Some(c)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Registry,
    Credentials,
    LastTest,
    Connection,
    EcrToken,
    Container,
    RegistryConfig,
}

/// Reads records written by `render_records`. `None`: not that subset (or
/// not valid) — use the full parser.
pub(crate) fn parse_records(body: &str) -> Option<VaultData> {
    let mut data = VaultData::default();
    let mut reg: Option<RegistryParts> = None;
    let mut ctr: Option<ContainerParts> = None;
    let mut section = None;
    // Arrays of tables must not interleave in our subset.
    let mut seen_containers = false;
    for line in body.split('\n') {
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            match line {
                "[[registries]]" if !seen_containers => {
                    if let Some(r) = reg.take() {
                        data.registries.push(r.build()?);
                    }
                    reg = Some(RegistryParts::default());
                    section = Some(Section::Registry);
                }
                "[registries.credentials]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.creds.is_some() {
                        return None;
                    }
                    r.creds = Some(Credentials::new());
                    section = Some(Section::Credentials);
                }
                "[registries.lastTest]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.test.is_some() {
                        return None;
                    }
                    r.test = Some(Fields::default());
                    section = Some(Section::LastTest);
                }
                "[registries.connection]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.connection.is_some() {
                        return None;
                    }
                    r.connection = Some(Fields::default());
                    section = Some(Section::Connection);
                }
                "[registries.ecrToken]" => {
                    let r = reg.as_mut().filter(|_| !seen_containers)?;
                    if r.ecr.is_some() {
                        return None;
                    }
                    r.ecr = Some(Fields::default());
                    section = Some(Section::EcrToken);
                }
                "[[containers]]" => {
                    if let Some(r) = reg.take() {
                        data.registries.push(r.build()?);
                    }
                    if let Some(c) = ctr.take() {
                        data.containers.push(c.build()?);
                    }
                    seen_containers = true;
                    ctr = Some(ContainerParts::default());
                    section = Some(Section::Container);
                }
                "[containers.registryConfig]" => {
                    let c = ctr.as_mut()?;
                    if c.config.is_some() {
                        return None;
                    }
                    c.config = Some(Fields::default());
                    section = Some(Section::RegistryConfig);
                }
                _ => return None,
            }
            continue;
        }
        if section == Some(Section::Connection)
            && let Some(flag) = line.strip_prefix("insecure = ")
        {
            let r = reg.as_mut()?;
            if r.insecure.is_some() {
                return None;
            }
            r.insecure = Some(match flag {
                "true" => true,
                "false" => false,
                _ => return None,
            });
            continue;
        }
        let (k, v) = read_kv(line)?;
        match section? {
            Section::Registry => reg.as_mut()?.top.insert(k, v)?,
            Section::Credentials => {
                let creds = reg.as_mut()?.creds.as_mut()?;
                if creds.get(&k).is_some() {
                    return None;
                }
                creds.set(k, v);
            }
            Section::LastTest => reg.as_mut()?.test.as_mut()?.insert(k, v)?,
            Section::Connection => reg.as_mut()?.connection.as_mut()?.insert(k, v)?,
            Section::EcrToken => reg.as_mut()?.ecr.as_mut()?.insert(k, v)?,
            Section::Container => ctr.as_mut()?.top.insert(k, v)?,
            Section::RegistryConfig => ctr.as_mut()?.config.as_mut()?.insert(k, v)?,
        }
    }
    if let Some(r) = reg.take() {
        data.registries.push(r.build()?);
    }
    if let Some(c) = ctr.take() {
        data.containers.push(c.build()?);
    }
    Some(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(secs: i64, nanos: i32) -> Timestamp {
        Timestamp::new(secs, nanos).unwrap()
    }

    fn sample(name: &str, secret: &str, key: &str) -> VaultData {
        let rid = RegistryId::parse("reg-abc123").unwrap();
        let mut creds = Credentials::new();
        creds.set("username", name);
        creds.set(key, secret);
        VaultData {
            registries: vec![
                Registry {
                    id: rid.clone(),
                    name: name.to_owned(),
                    kind: RegistryKind::Custom,
                    credentials: creds,
                    created_by: format!("{name}@host"),
                    created_at: ts(1_700_000_000, 0),
                    updated_at: ts(1_700_000_001, 123_456_789),
                    credentials_rotated_at: Some(ts(1_700_000_002, 5)),
                    last_test: Some(TestRecord {
                        at: ts(1_700_000_003, 0),
                        outcome: "ok".into(),
                        summary: secret.chars().rev().collect(),
                    }),
                    connection: Connection {
                        ca_bundle: Some(format!(
                            "-----BEGIN CERTIFICATE-----\nMIIB{name}\n-----END CERTIFICATE-----\n"
                        )),
                        insecure: true,
                    },
                    ecr_token: Some(EcrToken {
                        account_id: "123456789012".into(),
                        proxy_endpoint: "https://123456789012.dkr.ecr.eu-west-2.amazonaws.com"
                            .into(),
                        token: SecretValue::new(secret),
                        expires_at: ts(1_700_043_200, 250_000_000),
                    }),
                },
                Registry {
                    id: RegistryId::parse("reg-zzz999").unwrap(),
                    name: "pub".into(),
                    kind: RegistryKind::Public,
                    credentials: Credentials::new(),
                    created_by: "x".into(),
                    created_at: ts(0, 0),
                    updated_at: ts(0, 0),
                    credentials_rotated_at: None,
                    last_test: None,
                    connection: Connection::default(),
                    ecr_token: None,
                },
            ],
            containers: vec![
                Container {
                    id: ContainerId::parse("ctr-abc123").unwrap(),
                    name: name.to_owned(),
                    environment: "production".into(),
                    source_type: SourceType::Registry,
                    registry_config: RegistryConfig {
                        registry_id: Some(rid),
                        image_name: "acme/web".into(),
                        image_tag: "1.0".into(),
                    },
                    created_by: "x".into(),
                    created_at: ts(5, 0),
                    updated_at: ts(6, 0),
                },
                Container {
                    id: ContainerId::parse("ctr-pub000").unwrap(),
                    name: "cache".into(),
                    environment: "staging".into(),
                    source_type: SourceType::Registry,
                    registry_config: RegistryConfig {
                        registry_id: None,
                        image_name: "redis".into(),
                        image_tag: "7".into(),
                    },
                    created_by: "x".into(),
                    created_at: ts(5, 0),
                    updated_at: ts(6, 0),
                },
            ],
        }
    }

    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        registries: Vec<Registry>,
        #[serde(default)]
        containers: Vec<Container>,
    }

    /// The fast reader and the `toml` crate read the fast writer's output
    /// to the same records.
    fn check(data: &VaultData) {
        let mut text = String::new();
        render_records(&mut text, data);
        let fast = parse_records(&text).expect("the fast reader reads the fast writer");
        assert_eq!(&fast, data);
        let full: Body = toml::from_str(&text).expect("valid TOML");
        assert_eq!(full.registries, data.registries);
        assert_eq!(full.containers, data.containers);
    }

    #[test]
    fn round_trips_through_both_readers() {
        check(&sample("acme", "p\"a\\s\ns\t\u{1}\u{7f}é😀", "password"));
        check(&VaultData::default());
        check(&sample("with space", "x", "weird key \"q\""));
    }

    #[test]
    fn connection_settings_alone_round_trip() {
        let mut data = sample("acme", "pw", "password");
        data.registries[0].connection = Connection {
            ca_bundle: None,
            insecure: true,
        };
        data.registries[0].ecr_token = None;
        check(&data);
        data.registries[0].connection = Connection {
            ca_bundle: Some("PEM".into()),
            insecure: false,
        };
        check(&data);
        let mut text = String::new();
        render_records(&mut text, &data);
        assert!(!text.contains("insecure"), "{text}");
    }

    #[test]
    fn anything_unexpected_falls_back() {
        let mut text = String::new();
        render_records(&mut text, &sample("a", "b", "password"));
        for (from, to) in [
            ("name = \"a\"", "name = \"a\" # note"),
            ("name = \"a\"", "name = 'a'"),
            ("[[containers]]", "[[containers]]\n[[registries]]"),
            ("type = \"Custom\"", "type = \"custom\""),
            ("imageTag = \"1.0\"", "imageTag = \"1.0\"\nimageTag = \"2\""),
            ("id = \"reg-abc123\"", "id = \"reg-ABC\""),
            (
                "[registries.credentials]",
                "[registries.credentials]\nusername = \"dup\"",
            ),
            ("insecure = true", "insecure = yes"),
            ("insecure = true", "insecure = true\ninsecure = false"),
            ("accountId = ", "region = \"x\"\naccountId = "),
            (
                "[registries.ecrToken]",
                "[registries.ecrToken]\n[registries.ecrToken]",
            ),
        ] {
            let changed = text.replacen(from, to, 1);
            assert!(parse_records(&changed).is_none(), "{to}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn any_strings_round_trip(name in "\\PC{0,20}", secret in any::<String>(), key in "[a-zA-Z]\\PC{0,10}") {
            prop_assume!(key != "username");
            check(&sample(&name, &secret, &key));
        }

        #[test]
        fn timestamps_match_jiff(secs in -62_000_000_000i64..250_000_000_000i64, nanos in 0i32..1_000_000_000) {
            let ts = Timestamp::new(secs, nanos).unwrap();
            let mut mine = String::new();
            push_rfc3339(&mut mine, ts);
            prop_assert_eq!(mine.parse::<Timestamp>().unwrap(), ts);
            prop_assert_eq!(parse_ts(&ts.to_string()), Some(ts));
            prop_assert_eq!(parse_ts(&mine), Some(ts));
        }

        #[test]
        fn never_panics(text in "\\PC{0,200}") {
            let _ = parse_records(&text);
        }
    }
}
