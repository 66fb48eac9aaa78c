//! The quickstart as a library, so that a test can run it and check that the delta after
//! the scripted changes contains exactly those changes.

pub mod quickstart;
