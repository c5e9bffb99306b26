//! Which passwords the shop accepts: at least 8 characters (`domain::validation`), and not one
//! that is common or easy to guess.
//!
//! zxcvbn estimates how many guesses a password takes, with dictionaries of common passwords,
//! names and words, keyboard patterns, dates and repeats, and the account's own name and email
//! counted as known to the attacker. A password it scores below "safely unguessable" is refused,
//! and the form shows zxcvbn's reason ("This is a top-100 common password", "Repeats like
//! "aaa" are easy to guess", ...).

use zxcvbn::{zxcvbn, Score};

/// The weakest score accepted: 3 of 0–4, "safely unguessable" (about 10^8 guesses or more).
const MIN_SCORE: Score = Score::Three;

/// `Err` with the reason to show when `password` is too easy to guess for an account with this
/// name and email.
pub fn check_strength(password: &str, name: &str, email: &str) -> Result<(), String> {
    let local_part = email.split('@').next().unwrap_or_default();
    let estimate = zxcvbn(password, &[name, email, local_part, "pulse", "shop", "pulseshop"]);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let feedback = estimate.feedback();
    let warning = feedback.and_then(|f| f.warning()).map(|w| w.to_string());
    let suggestion = feedback.and_then(|f| f.suggestions().first()).map(|s| s.to_string());
    let why = match (warning, suggestion) {
        (Some(w), Some(s)) => format!("This password is too easy to guess: {w} {s}"),
        (Some(w), None) => format!("This password is too easy to guess: {w}"),
        (None, Some(s)) => format!("This password is too easy to guess. {s}"),
        (None, None) => "This password is too easy to guess: add another word or two, or make it longer.".to_owned(),
    };
    Err(why)
}

#[cfg(test)]
mod tests {
    use super::check_strength;

    #[test]
    fn common_and_personal_passwords_are_refused_with_a_reason() {
        for weak in ["password", "password123", "12345678", "qwertyuiop", "iloveyou1", "aaaaaaaaaa", "adalovelace", "ada@example.com1"] {
            let why = check_strength(weak, "Ada Lovelace", "ada@example.com").expect_err(weak);
            assert!(why.starts_with("This password is too easy to guess"), "{weak}: {why}");
        }
    }

    #[test]
    fn long_unusual_passwords_pass() {
        for strong in [
            "correct-horse-battery",
            "staff-password-123",
            "strangers-own-password",
            "operators-password",
            "bench-password-123",
            "bench-staff-password",
            "Tr0mbone!Lagoon",
        ] {
            assert_eq!(check_strength(strong, "Ada Lovelace", "ada@example.com"), Ok(()), "{strong}");
        }
    }
}
