//! What Okta tells us: users, groups and System Log events.
//!
//! Decoding is lenient where Okta is (nulls, omitted optional fields, unknown fields, new
//! statuses) and strict where a sync cannot proceed without a value (a user without `id` or
//! `status`). Every decode error names the JSON path of the problem.

mod event;
mod group;
pub mod time;
mod user;

pub use event::{EventKind, LifecycleEvent, decode_events};
pub use group::{Group, GroupType, decode_groups};
pub use user::{CredentialsProvider, DirectoryUser, UserStatus, decode_user, decode_users};
