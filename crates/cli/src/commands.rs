//! One module per verb.

pub mod check;
pub mod compare;
pub mod explain;
pub mod impact;
pub mod import;
pub mod keys;
pub mod new;
pub mod packs;
pub mod register;
pub mod replay;
pub mod rule;
pub mod schema;
pub mod screen;
pub mod serve;
pub mod test;
pub mod users;
pub mod validate;
