//! The request (`tcscreen/request/v1`, spec §2): reading and validating it (`validate.rs`),
//! its schema as data (`schema.rs`) and the labels of its values in words (`schema_labels.rs`),
//! and the check that `received` does not come before the request's own dates (`received.rs`).

pub(crate) mod received;
pub mod schema;
pub mod schema_labels;
pub(crate) mod validate;
