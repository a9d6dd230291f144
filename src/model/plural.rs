//! Counts in messages read right: "1 container", "2 containers", never
//! "1 container(s)". Every layer above the model shows counts, so the one
//! helper lives here.

/// `n` and the word for it: `plural(1, "secret", "secrets")` is
/// `1 secret`, `plural(0, …)` is `0 secrets`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_is_singular_and_everything_else_plural() {
        assert_eq!(plural(1, "container", "containers"), "1 container");
        assert_eq!(plural(2, "container", "containers"), "2 containers");
        assert_eq!(plural(0, "registry", "registries"), "0 registries");
    }
}
