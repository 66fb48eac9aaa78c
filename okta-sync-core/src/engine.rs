//! Sync engine. (In progress.)
