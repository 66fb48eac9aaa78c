//! The Okta directory source over HTTP.
//!
//! [`OktaSource`] implements [`DirectorySource`](crate::directory::DirectorySource) against
//! Okta's Management API with an API token (`SSWS`). The pieces, each in its own file:
//!
//! - `client`: the reqwest client, authentication, one request with its waits and retries;
//! - `pagination`: `Link` headers and walking a listing page by page;
//! - `ratelimit`: staying within a share of each rate-limit bucket, 429 waits, concurrency;
//! - `retry`: bounded exponential backoff with jitter for transient failures;
//! - `error`: Okta's error bodies and what they mean;
//! - `users`, `groups`, `logs`: what is read and how the results are combined.
//!
//! See `docs/okta.md` for the API calls, scopes and limits.

mod client;
mod error;
mod groups;
mod logs;
mod pagination;
mod ratelimit;
mod retry;
mod source;
mod users;

pub use source::{OktaSource, Tuning};
