//! Times org generation (not part of the test suite).
#![allow(clippy::print_stdout)]
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let t = std::time::Instant::now();
    let org = okta_fake::FakeOrg::generate(&okta_fake::OrgSpec {
        users: n,
        ..Default::default()
    });
    println!("{} users in {:?}", org.user_count(), t.elapsed());
    let t = std::time::Instant::now();
    drop(org);
    println!("dropped in {:?}", t.elapsed());
}
