//! `WWW-Authenticate` parsing (RFC 7235 challenges as registries send
//! them). Pure: one header value can carry several challenges, parameter
//! values may be quoted and contain commas, `\"` escapes, and tokens.

use std::collections::BTreeMap;
use std::fmt;

/// One challenge: its scheme (lowercased: `basic`, `bearer`, …) and its
/// parameters (names lowercased, values as sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    #[must_use]
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme.as_str() {
            "basic" => "Basic",
            "bearer" => "Bearer",
            other => other,
        };
        f.write_str(scheme)?;
        let mut first = true;
        for key in ["realm", "service", "scope", "error"] {
            if let Some(v) = self.param(key) {
                f.write_str(if first { " " } else { ", " })?;
                first = false;
                write!(f, "{key}=\"{v}\"")?;
            }
        }
        Ok(())
    }
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }
    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start_matches([' ', '\t']).len();
    }
    fn skip_ws_commas(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start_matches([' ', '\t', ',']).len();
    }
    fn token(&mut self) -> &'a str {
        let r = self.rest();
        let end = r.find(|c: char| !is_tchar(c)).unwrap_or(r.len());
        self.pos += end;
        &r[..end]
    }
    /// Token68 (base64-ish) may end in `=` padding.
    fn token68_tail(&mut self) -> bool {
        let r = self.rest();
        let end = r.find(|c: char| c != '=').unwrap_or(r.len());
        self.pos += end;
        end > 0
    }
    fn quoted(&mut self) -> String {
        // At the opening quote.
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return out;
                }
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        out.push(n);
                    }
                }
                c => out.push(c),
            }
        }
        // Unterminated: take the rest.
        self.pos = self.s.len();
        out
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
}

/// Parses one header value into its challenges. Unparseable tails are
/// dropped rather than guessed at.
#[must_use]
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let mut c = Cursor { s: header, pos: 0 };
    loop {
        c.skip_ws_commas();
        let scheme = c.token();
        if scheme.is_empty() {
            break;
        }
        let mut ch = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params: BTreeMap::new(),
        };
        // Parameters until the next `token SP` that is not followed by `=`.
        loop {
            c.skip_ws_commas();
            let save = c.pos;
            let name = c.token();
            if name.is_empty() {
                break;
            }
            c.skip_ws();
            if c.peek() != Some('=') {
                // The next challenge's scheme.
                c.pos = save;
                break;
            }
            c.pos += 1;
            c.skip_ws();
            if c.peek() == Some('=') || c.rest().is_empty() || c.peek() == Some(',') {
                // token68 (`Basic dXNlcg==`): not parameters; skip it.
                c.token68_tail();
                break;
            }
            let value = if c.peek() == Some('"') {
                c.quoted()
            } else {
                c.token().to_owned()
            };
            ch.params.insert(name.to_ascii_lowercase(), value);
        }
        out.push(ch);
        if c.pos >= header.len() {
            break;
        }
        // Guard against a stuck cursor on an unexpected character.
        if c.peek()
            .is_some_and(|ch| !is_tchar(ch) && ch != ',' && ch != ' ')
        {
            c.pos += c.peek().map_or(1, char::len_utf8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(h: &str) -> Challenge {
        let all = parse_challenges(h);
        assert_eq!(all.len(), 1, "{all:?}");
        all.into_iter().next().unwrap()
    }

    #[test]
    fn the_challenges_registries_send() {
        let hub =
            one(r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#);
        assert!(hub.is("bearer"));
        assert_eq!(hub.param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(hub.param("service"), Some("registry.docker.io"));
        let ecr = one(
            r#"Basic realm="https://123456789012.dkr.ecr.eu-west-2.amazonaws.com/",service="ecr.amazonaws.com""#,
        );
        assert!(ecr.is("basic"));
        assert_eq!(ecr.param("service"), Some("ecr.amazonaws.com"));
        let basic = one(r#"Basic realm="Registry Realm""#);
        assert_eq!(basic.param("realm"), Some("Registry Realm"));
    }

    #[test]
    fn several_challenges_in_one_header() {
        let all = parse_challenges(
            r#"Basic realm="r1", Bearer realm="https://t.example/token",service="svc",scope="repository:a/b:pull,push", Negotiate"#,
        );
        let schemes: Vec<&str> = all.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["basic", "bearer", "negotiate"]);
        assert_eq!(all[0].param("realm"), Some("r1"));
        assert_eq!(all[1].param("scope"), Some("repository:a/b:pull,push"));
        assert!(all[2].params.is_empty());
    }

    #[test]
    fn quoted_commas_escapes_tokens_and_case() {
        let c = one(
            r#"bEaReR REALM="https://x/token?a=1,b=2", service=reg.example, error="insufficient_scope", note="say \"hi\", ok""#,
        );
        assert!(c.is("Bearer"));
        assert_eq!(c.param("realm"), Some("https://x/token?a=1,b=2"));
        assert_eq!(c.param("service"), Some("reg.example"));
        assert_eq!(c.param("error"), Some("insufficient_scope"));
        assert_eq!(c.param("note"), Some(r#"say "hi", ok"#));
    }

    #[test]
    fn token68_and_garbage_do_not_confuse_it() {
        let all = parse_challenges("Basic dXNlcjpwYXNz==, Bearer realm=\"r\"");
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[1].param("realm"), Some("r"));
        assert!(parse_challenges("").is_empty());
        assert!(parse_challenges(" , ,").is_empty());
        let odd = parse_challenges("Bearer realm=\"unterminated");
        assert_eq!(odd[0].param("realm"), Some("unterminated"));
        for junk in ["=\"\"", "Bearer ===", "\u{1F600} x=y", "a=b=c", "\"q\""] {
            let _ = parse_challenges(junk);
        }
    }

    #[test]
    fn display_is_what_the_report_shows() {
        let c = one(r#"Bearer realm="https://t/token",service="reg""#);
        assert_eq!(
            c.to_string(),
            r#"Bearer realm="https://t/token", service="reg""#
        );
    }
}
