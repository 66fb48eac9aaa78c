//! The quickstart as a library, so that a test can run it and check that the delta after
//! the scripted changes contains exactly those changes.

// The examples talk to a person in a terminal; printing is their job.
#![allow(clippy::print_stdout)]

pub mod quickstart;
