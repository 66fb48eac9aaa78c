//! The Okta directory source over HTTP. (In progress.)
