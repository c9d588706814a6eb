//! The Mesos resource model: scalars, ranges and sets, reservations by role, the text form
//! (`cpus:4;mem:1024;ports:[31000-32000];cpus(ads):8`), v1 JSON, arithmetic, and agent
//! attributes.
//!
//! [`Resources`] is always normalized (one entry per name and role, sorted, nothing empty),
//! so comparing or printing two collections never depends on how they were built.

mod attributes;
mod attributes_json;
mod collection;
mod error;
mod json;
mod ops;
mod parse;
mod ranges;
mod resource;
mod role;
mod scalar;
mod set;
mod value;

pub use attributes::{Attribute, AttributeValue, Attributes};
pub use collection::Resources;
pub use error::ResourcesError;
pub use ranges::Ranges;
pub use resource::Resource;
pub use role::{is_in_subtree, validate_role, UNRESERVED_ROLE};
pub use scalar::Scalar;
pub use set::Set;
pub use value::{Value, ValueType};
