//! Client-side state shared by the pages: the cart, the live connection, toasts and the theme.

pub mod cart;
pub mod live;
pub mod theme;
pub mod toast;
