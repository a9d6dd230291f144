//! RFC 3339 timestamps as the vault stores them (`YYYY-MM-DDTHH:MM:SS[.f…]Z`,
//! as jiff writes them), formatted and parsed by hand for speed, with jiff's
//! parser as the fallback for anything else.

use std::fmt::Write as _;

use jiff::Timestamp;

/// A `key = "<timestamp>"` line.
pub(super) fn push_ts(out: &mut String, key: &str, ts: Timestamp) {
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
    // Both are in range by construction (day 1..=31, month 1..=12).
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
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
pub(super) fn parse_ts(s: &str) -> Option<Timestamp> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn timestamps_match_jiff(secs in -62_000_000_000i64..250_000_000_000i64, nanos in 0i32..1_000_000_000) {
            let ts = Timestamp::new(secs, nanos).unwrap();
            let mut mine = String::new();
            push_rfc3339(&mut mine, ts);
            prop_assert_eq!(mine.parse::<Timestamp>().unwrap(), ts);
            prop_assert_eq!(parse_ts(&ts.to_string()), Some(ts));
            prop_assert_eq!(parse_ts(&mine), Some(ts));
        }
    }
}
