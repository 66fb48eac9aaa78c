//! okta-sync: the engine of Asset Panda Pro's Okta integration.
//!
//! The crate reads people from an Okta org (the *directory*), maps them onto Asset Panda
//! fields, filters who is in scope, and plans what to change in the *target* (Asset Panda
//! Pro over HTTP, or an embedded local store). Plans are reviewable, hashed and guarded by
//! safety brakes, because a wrong deactivation is the worst thing a sync can do.
//!
//! Data flows one way:
//!
//! ```text
//! DirectorySource ──► DirectorySnapshot ─┐
//! AssetTarget ──────► TargetSnapshot ────┼─► planner ─► Plan ─► apply ─► Report
//! StateStore ───────► SyncState ─────────┘                        └──► StateStore::commit
//! ```
//!
//! The pure parts ([`config`], [`mapping`], [`filter`], [`plan`]) do no I/O and are what the
//! Python and Node packages expose for offline use.

pub mod config;
pub mod directory;
pub mod engine;
pub mod error;
pub mod filter;
pub mod identity;
pub mod mapping;
pub mod model;
pub mod okta;
pub mod plan;
pub mod state;
pub mod target;

pub use error::{Error, Result};
