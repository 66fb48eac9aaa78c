//! The embedded local target (SQLite). (In progress.)
