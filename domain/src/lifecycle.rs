//! The order lifecycle as a state machine.
//!
//! PENDING → PROCESSING → SHIPPED → DELIVERED; CANCELLED from PENDING or PROCESSING by staff, and
//! from PENDING by the shopper who owns the order. Everything else is refused with a message a
//! person can read.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [OrderStatus::Pending, OrderStatus::Processing, OrderStatus::Shipped, OrderStatus::Delivered, OrderStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Processing => "PROCESSING",
            OrderStatus::Shipped => "SHIPPED",
            OrderStatus::Delivered => "DELIVERED",
            OrderStatus::Cancelled => "CANCELLED",
        }
    }

    /// Human label, e.g. "Processing".
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Pending",
            OrderStatus::Processing => "Processing",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
        }
    }

    /// The statuses `actor` may move an order in this status to.
    pub fn next_for(self, actor: Actor) -> Vec<OrderStatus> {
        OrderStatus::ALL.into_iter().filter(|to| check_transition(self, *to, actor).is_ok()).collect()
    }

    /// Whether leaving this status for CANCELLED gives the stock back.
    pub fn holds_stock(self) -> bool {
        matches!(self, OrderStatus::Pending | OrderStatus::Processing)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| format!("unknown order status \"{s}\""))
    }
}

/// Who asks for a transition, and who made a change (carried by the order events and shown in
/// the timeline, `crate::timeline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Staff,
    /// The shopper who placed the order (ownership is checked by the caller).
    #[serde(rename = "shopper")]
    Owner,
    /// The shop itself (an operator's command, not a person at a page): allowed what staff are.
    System,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Staff => "staff",
            Actor::Owner => "shopper",
            Actor::System => "system",
        }
    }
}

impl FromStr for Actor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Actor::Staff, Actor::Owner, Actor::System].into_iter().find(|a| a.as_str() == s).ok_or_else(|| format!("unknown actor \"{s}\""))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("The order is already {}.", .0.label())]
    Same(OrderStatus),
    #[error("A {} order cannot become {}.", .from.label(), .to.label())]
    NotAllowed { from: OrderStatus, to: OrderStatus },
    #[error("Only staff can move an order to {}; you can cancel a pending order.", .0.label())]
    StaffOnly(OrderStatus),
    #[error("A {} order can no longer be cancelled by you; contact the shop.", .0.label())]
    TooLateToCancel(OrderStatus),
}

/// Whether moving an order from `from` to `to` gives its units back to the stock. (Placing an
/// order takes them; nothing else moves stock.)
pub fn returns_stock(from: OrderStatus, to: OrderStatus) -> bool {
    to == OrderStatus::Cancelled && from.holds_stock()
}

/// Checks one transition. Pure: the caller applies it with an optimistic-concurrency update.
pub fn check_transition(from: OrderStatus, to: OrderStatus, actor: Actor) -> Result<(), TransitionError> {
    use OrderStatus::*;
    if from == to {
        return Err(TransitionError::Same(from));
    }
    let allowed_for_staff =
        matches!((from, to), (Pending, Processing) | (Processing, Shipped) | (Shipped, Delivered) | (Pending, Cancelled) | (Processing, Cancelled));
    match actor {
        Actor::Staff | Actor::System if allowed_for_staff => Ok(()),
        Actor::Staff | Actor::System => Err(TransitionError::NotAllowed { from, to }),
        Actor::Owner => match (from, to) {
            (Pending, Cancelled) => Ok(()),
            (_, Cancelled) if allowed_for_staff => Err(TransitionError::TooLateToCancel(from)),
            _ if allowed_for_staff => Err(TransitionError::StaffOnly(to)),
            _ => Err(TransitionError::NotAllowed { from, to }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn only_a_cancel_of_an_order_not_yet_shipped_returns_stock() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(returns_stock(from, to), to == Cancelled && matches!(from, Pending | Processing), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn every_transition_for_staff() {
        let allowed = [(Pending, Processing), (Processing, Shipped), (Shipped, Delivered), (Pending, Cancelled), (Processing, Cancelled)];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let result = check_transition(from, to, Actor::Staff);
                assert_eq!(result.is_ok(), allowed.contains(&(from, to)), "{from} -> {to}: {result:?}");
            }
        }
    }

    #[test]
    fn every_transition_for_the_owner() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let result = check_transition(from, to, Actor::Owner);
                assert_eq!(result.is_ok(), (from, to) == (Pending, Cancelled), "{from} -> {to}: {result:?}");
            }
        }
    }

    #[test]
    fn refusals_explain_themselves() {
        assert_eq!(check_transition(Delivered, Pending, Actor::Staff).unwrap_err().to_string(), "A Delivered order cannot become Pending.");
        assert_eq!(check_transition(Shipped, Shipped, Actor::Staff).unwrap_err(), TransitionError::Same(Shipped));
        assert!(matches!(check_transition(Processing, Cancelled, Actor::Owner), Err(TransitionError::TooLateToCancel(Processing))));
        assert!(matches!(check_transition(Pending, Processing, Actor::Owner), Err(TransitionError::StaffOnly(Processing))));
    }

    #[test]
    fn next_statuses_and_parsing() {
        assert_eq!(Pending.next_for(Actor::Staff), vec![Processing, Cancelled]);
        assert_eq!(Delivered.next_for(Actor::Staff), vec![]);
        assert_eq!(Pending.next_for(Actor::Owner), vec![Cancelled]);
        assert_eq!("shipped".parse::<OrderStatus>(), Ok(Shipped));
        assert!("LOST".parse::<OrderStatus>().is_err());
        for actor in [Actor::Staff, Actor::Owner, Actor::System] {
            assert_eq!(actor.as_str().parse::<Actor>(), Ok(actor));
            assert_eq!(serde_json::to_string(&actor).unwrap(), format!("\"{}\"", actor.as_str()));
        }
        assert!(Pending.holds_stock() && Processing.holds_stock() && !Shipped.holds_stock());
    }
}
