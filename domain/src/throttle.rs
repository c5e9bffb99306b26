//! How long a sign-in must wait after failed attempts: a delay that grows, never a lock.
//!
//! A hard lock after N failures lets anyone lock the owner out by guessing N times. Here each
//! failure counts three ways, and each count allows some failures before it asks for a wait that
//! doubles with every further failure, up to a ceiling:
//! - the account *and* the address the attempt came from: the owner typing a wrong password a
//!   few times, or one guesser at one account; this is the one that bites quickly;
//! - the address, across accounts: one guesser trying many accounts;
//! - the account, across addresses: a distributed guess at one account. Its allowance is large,
//!   so that only a sustained attack slows the owner's own sign-in, and then by at most
//!   [`MAX_WAIT_SECS`] a try.

/// Failures counted within this window (15 minutes).
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// The longest wait any count asks for.
pub const MAX_WAIT_SECS: i64 = 300;

/// Failures in the window, counted three ways.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    pub account_and_address: u32,
    pub address: u32,
    pub account: u32,
}

fn doubling(failures: u32, free: u32, ceiling: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let exponent = (failures - free).min(20);
    (1i64 << exponent).min(ceiling)
}

/// Seconds the next attempt must wait after the latest failure.
pub fn wait_secs(f: Failures) -> i64 {
    doubling(f.account_and_address, 3, MAX_WAIT_SECS).max(doubling(f.address, 20, MAX_WAIT_SECS)).max(doubling(f.account, 100, 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(n: u32) -> Failures {
        Failures { account_and_address: n, address: n, account: n }
    }

    #[test]
    fn a_few_typos_cost_nothing_then_the_wait_doubles_to_a_ceiling() {
        assert_eq!(wait_secs(pair(0)), 0);
        assert_eq!(wait_secs(pair(2)), 0);
        assert_eq!(wait_secs(pair(3)), 1);
        assert_eq!(wait_secs(pair(4)), 2);
        assert_eq!(wait_secs(pair(8)), 32);
        assert_eq!(wait_secs(pair(30)), MAX_WAIT_SECS);
        assert_eq!(wait_secs(pair(u32::MAX)), MAX_WAIT_SECS, "no overflow");
    }

    #[test]
    fn guesses_from_elsewhere_slow_the_owner_by_a_minute_at_most() {
        // Thousands of failures from other addresses; none from the owner's.
        let f = Failures { account_and_address: 0, address: 0, account: 5_000 };
        assert_eq!(wait_secs(f), 60);
        let f = Failures { account_and_address: 0, address: 0, account: 99 };
        assert_eq!(wait_secs(f), 0);
    }

    #[test]
    fn one_address_guessing_many_accounts_is_slowed() {
        let f = Failures { account_and_address: 1, address: 25, account: 1 };
        assert_eq!(wait_secs(f), 32);
    }
}
