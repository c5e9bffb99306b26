//! The rules of password-reset links (`backend::resets` applies them).

/// How long a link works: 30 minutes.
pub const RESET_MS: i64 = 30 * 60 * 1000;
/// Links an account can be sent per hour: the form cannot be used to flood an inbox.
pub const MAX_PER_HOUR: u64 = 3;

/// What a shopper is told about a link that cannot be used, whatever the reason.
pub const INVALID_LINK: &str = "This reset link cannot be used: it was used already, it has expired, or it is not one we sent. Ask for a new one.";

/// Whether a link that expires at `expires_at` (and was used at `used_at`, if ever) works at `now`.
pub fn usable(expires_at: i64, used_at: Option<i64>, now: i64) -> bool {
    used_at.is_none() && now < expires_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_works_once_and_only_until_it_expires() {
        let made = 1_000_000;
        let expires = made + RESET_MS;
        assert!(usable(expires, None, made));
        assert!(usable(expires, None, expires - 1));
        assert!(!usable(expires, None, expires), "expired");
        assert!(!usable(expires, Some(made + 5), made + 10), "used");
    }
}
