//! Deterministic orgs of any size from a seed.
//!
//! Users spread over departments with every Okta status, realistic timestamps (some ACTIVE
//! users with `activated: null`, sign-ins after the last update), custom attributes
//! (`hireDate`, `costCenter`, `employeeNumber`, plus any extra names asked for), a manager
//! chain, an `Okta Administrators` and an `Asset Managers` group, one group per department,
//! an Active Directory APP_GROUP and the built-in `Everyone`. Generated profiles are kept as
//! a few small numbers and expanded on output, so a million users take seconds and little
//! memory.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

use crate::org::{FakeGroup, FakeOrg, FakeUser, GroupType, UserStatus};

/// A group with an exact number of members, for tests that need one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    /// The group's name.
    pub name: String,
    /// How many members (capped at the number of users).
    pub members: usize,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgSpec {
    /// Same seed, same org.
    pub seed: u64,
    /// Number of users.
    pub users: usize,
    /// Department names; empty means the default eight.
    pub departments: Vec<String>,
    /// Extra custom profile attributes, each filled with a short text value.
    pub extra_attributes: Vec<String>,
    /// Extra OKTA_GROUPs with exact member counts.
    pub groups: Vec<GroupSpec>,
    /// The org's "now" at generation; every generated timestamp is before it.
    pub now: DateTime<Utc>,
}

impl Default for OrgSpec {
    fn default() -> Self {
        OrgSpec {
            seed: 1,
            users: 100,
            departments: Vec::new(),
            extra_attributes: Vec::new(),
            groups: Vec::new(),
            now: crate::default_start(),
        }
    }
}

const DEFAULT_DEPARTMENTS: [&str; 8] = [
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Human Resources",
    "Operations",
    "Legal",
    "IT",
];

const FIRST: [&str; 40] = [
    "Dana", "Morgan", "Avery", "Jordan", "Riley", "Casey", "Quinn", "Taylor", "Alex", "Jamie",
    "Robin", "Sam", "Charlie", "Drew", "Emerson", "Finley", "Harper", "Hayden", "Jesse", "Kai",
    "Logan", "Parker", "Reese", "Rowan", "Sage", "Skyler", "Blake", "Cameron", "Elliot", "Frankie",
    "Gray", "Indy", "Jules", "Kendall", "Lane", "Marley", "Noel", "Oakley", "Peyton", "René",
];

const LAST: [&str; 40] = [
    "Rivera", "Lee", "Example", "Blake", "Chen", "Garcia", "Patel", "Smith", "Johnson", "Nguyen",
    "Kim", "Müller", "Rossi", "Silva", "Novak", "Kowalski", "Okafor", "Haddad", "Tanaka", "Larsen",
    "Murphy", "Dubois", "Fischer", "Costa", "Ivanova", "Jensen", "Moreau", "Schmidt", "Walker",
    "Young", "Adams", "Baker", "Clark", "Evans", "Foster", "Green", "Hughes", "King", "Lopez",
    "Mills",
];

const TITLES: [&str; 10] = [
    "Associate",
    "Specialist",
    "Senior Specialist",
    "Analyst",
    "Engineer",
    "Senior Engineer",
    "Manager",
    "Senior Manager",
    "Director",
    "Coordinator",
];

const CITIES: [(&str, &str); 8] = [
    ("Austin", "US"),
    ("Chicago", "US"),
    ("Denver", "US"),
    ("Toronto", "CA"),
    ("London", "GB"),
    ("Dublin", "IE"),
    ("Berlin", "DE"),
    ("Sydney", "AU"),
];

/// The compact form of a generated profile.
#[derive(Debug, Clone)]
pub(crate) struct Generated {
    first: u16,
    last: u16,
    suffix: u32,
    /// Index into the org's departments; `None` for the few users without one.
    dept: Option<u16>,
    /// Department spelled in lower case, as sloppy HR imports do.
    dept_lower: bool,
    title: u8,
    city: u8,
    employee_number: u32,
    hire_date: NaiveDate,
    extra_seed: u32,
}

impl Generated {
    fn first(&self) -> &'static str {
        FIRST[usize::from(self.first) % FIRST.len()]
    }

    fn last(&self) -> &'static str {
        LAST[usize::from(self.last) % LAST.len()]
    }

    fn login(&self) -> String {
        let suffix = if self.suffix == 0 {
            String::new()
        } else {
            self.suffix.to_string()
        };
        format!(
            "{}.{}{suffix}@example.com",
            ascii(self.first()),
            ascii(self.last())
        )
        .to_lowercase()
    }

    fn department(&self, org: &FakeOrg) -> Option<String> {
        let name = org.departments.get(usize::from(self.dept?))?;
        Some(if self.dept_lower {
            name.to_lowercase()
        } else {
            name.clone()
        })
    }

    fn head<'a>(&self, org: &'a FakeOrg) -> Option<&'a FakeUser> {
        let head_id = org.dept_heads.get(usize::from(self.dept?))?.as_ref()?;
        org.users.get(head_id).map(|u| &**u)
    }

    /// One attribute, or `None` when the generated profile does not have it.
    pub(crate) fn field(&self, org: &FakeOrg, key: &str) -> Option<Value> {
        let s = |v: String| Some(Value::String(v));
        match key {
            "firstName" => s(self.first().into()),
            "lastName" => s(self.last().into()),
            "mobilePhone" | "secondEmail" => Some(Value::Null),
            "login" | "email" => s(self.login()),
            "department" => self.department(org).map(Value::String),
            "title" => s(TITLES[usize::from(self.title) % TITLES.len()].into()),
            "employeeNumber" => s(format!("E{}", self.employee_number)),
            "manager" | "managerId" => {
                let head = self.head(org)?;
                let head_gen = head.generated.as_ref()?;
                if std::ptr::eq(head_gen, self) || head_gen.employee_number == self.employee_number
                {
                    return None;
                }
                if key == "managerId" {
                    s(head.id.clone())
                } else {
                    s(format!("{} {}", head_gen.first(), head_gen.last()))
                }
            }
            "displayName" => s(format!("{} {}", self.first(), self.last())),
            "costCenter" => self
                .dept
                .map(|d| Value::String(format!("CC-{}", 100 + u32::from(d) * 10))),
            "division" => s(if self.dept.is_some_and(|d| d % 2 == 0) {
                "R&D"
            } else {
                "G&A"
            }
            .into()),
            "organization" => s("Example Corp".into()),
            "userType" => s("Employee".into()),
            "city" => s(CITIES[usize::from(self.city) % CITIES.len()].0.into()),
            "countryCode" => s(CITIES[usize::from(self.city) % CITIES.len()].1.into()),
            "hireDate" => s(self.hire_date.format("%Y-%m-%d").to_string()),
            other => {
                let index = org.extra_attributes.iter().position(|a| a == other)?;
                s(format!(
                    "{other}-{}",
                    (self.extra_seed as usize + index * 7) % 97
                ))
            }
        }
    }

    /// The whole profile, in the attribute order of Okta's own examples.
    pub(crate) fn profile(&self, org: &FakeOrg) -> Map<String, Value> {
        const KEYS: [&str; 19] = [
            "firstName",
            "lastName",
            "mobilePhone",
            "secondEmail",
            "login",
            "email",
            "department",
            "title",
            "employeeNumber",
            "manager",
            "managerId",
            "displayName",
            "costCenter",
            "division",
            "organization",
            "userType",
            "city",
            "countryCode",
            "hireDate",
        ];
        let mut map = Map::new();
        for key in KEYS
            .iter()
            .copied()
            .chain(org.extra_attributes.iter().map(String::as_str))
        {
            if let Some(v) = self.field(org, key) {
                map.insert(key.to_string(), v);
            }
        }
        map
    }
}

fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'é' => 'e',
            'ü' => 'u',
            c => c,
        })
        .collect()
}

/// SplitMix64 step: a cheap, well-spread hash used for ids and uuids.
pub(crate) fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// An Okta-shaped id: `prefix` and 17 base-62 characters.
///
/// The first 11 characters spell the whole 64-bit hash of the counter (its remainder by 62,
/// then the quotient, most significant digit first), and the hash is a bijection, so
/// different counters always give different ids. Because the alphabet is in ASCII order,
/// ids sort like [`id_order`], a plain integer, which makes sorting a million of them cheap.
pub(crate) fn id_from(prefix: &str, seed: u64, n: u64) -> String {
    let a = mix(seed, n);
    let mut b = mix(a, n ^ 0xA5A5);
    let mut out = String::with_capacity(20);
    out.push_str(prefix);
    out.push(char::from(ALPHABET[(a % 62) as usize]));
    let mut high = [0u8; 10];
    let mut q = a / 62;
    for digit in high.iter_mut().rev() {
        *digit = ALPHABET[(q % 62) as usize];
        q /= 62;
    }
    out.extend(high.iter().map(|&d| char::from(d)));
    for _ in 0..6 {
        out.push(char::from(ALPHABET[(b % 62) as usize]));
        b /= 62;
    }
    out
}

/// An integer that orders ids made by [`id_from`] (same prefix) like the ids themselves.
pub(crate) fn id_order(seed: u64, n: u64) -> u128 {
    let a = mix(seed, n);
    (u128::from(a % 62) << 64) | u128::from(a / 62)
}

fn pick_status(rng: &mut StdRng) -> UserStatus {
    match rng.random_range(0..100u32) {
        0..82 => UserStatus::Active,
        82..84 => UserStatus::Provisioned,
        84..86 => UserStatus::Staged,
        86..87 => UserStatus::Recovery,
        87..88 => UserStatus::PasswordExpired,
        88..89 => UserStatus::LockedOut,
        89..93 => UserStatus::Suspended,
        _ => UserStatus::Deprovisioned,
    }
}

fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(1);
    from + TimeDelta::seconds(rng.random_range(0..span))
}

impl FakeOrg {
    /// Generates an org from `spec`. The same spec always gives the same org.
    pub fn generate(spec: &OrgSpec) -> FakeOrg {
        let now = crate::clock::truncate_to_seconds(spec.now);
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let mut org = FakeOrg::empty(now - TimeDelta::days(6 * 365));
        org.seed = spec.seed;
        org.departments = if spec.departments.is_empty() {
            DEFAULT_DEPARTMENTS.iter().map(|d| d.to_string()).collect()
        } else {
            spec.departments.clone()
        };
        org.dept_heads = vec![None; org.departments.len()];
        org.extra_attributes = spec.extra_attributes.clone();

        let mut users: Vec<(u128, FakeUser)> = Vec::with_capacity(spec.users);
        let mut name_counts: HashMap<(u16, u16), u32> = HashMap::new();
        let dept_count = u16::try_from(org.departments.len()).unwrap_or(u16::MAX);
        for i in 0..spec.users {
            let status = if spec.users >= UserStatus::ALL.len() && i < UserStatus::ALL.len() {
                UserStatus::ALL[i]
            } else {
                pick_status(&mut rng)
            };
            let first = rng.random_range(0..FIRST.len() as u16);
            let last = rng.random_range(0..LAST.len() as u16);
            let count = name_counts.entry((first, last)).or_insert(0);
            let suffix = *count;
            *count += 1;
            let roll = rng.random_range(0..1000u32);
            let dept = (roll >= 10 && dept_count > 0).then(|| rng.random_range(0..dept_count));
            let created = between(
                &mut rng,
                now - TimeDelta::days(5 * 365),
                now - TimeDelta::days(30),
            );
            let activated = match status {
                UserStatus::Staged => None,
                UserStatus::Active if rng.random_range(0..100) < 3 => None,
                _ => Some(created + TimeDelta::seconds(2)),
            };
            let status_changed = match status {
                UserStatus::Staged => None,
                UserStatus::Active | UserStatus::Provisioned => activated.or(Some(created)),
                _ => Some(between(
                    &mut rng,
                    (now - TimeDelta::days(180)).max(created),
                    now - TimeDelta::hours(1),
                )),
            };
            let last_updated = between(
                &mut rng,
                status_changed.unwrap_or(created).max(created),
                now - TimeDelta::hours(1),
            );
            let signs_in = !matches!(status, UserStatus::Staged | UserStatus::Provisioned);
            let last_login = signs_in.then(|| between(&mut rng, created, now));
            let password_changed = signs_in.then(|| between(&mut rng, created, last_updated));
            let provider = match rng.random_range(0..100) {
                0..75 => "OKTA",
                75..95 => "ACTIVE_DIRECTORY",
                _ => "FEDERATION",
            };
            let generated = Generated {
                first,
                last,
                suffix,
                dept,
                dept_lower: (10..15).contains(&roll),
                title: rng.random_range(0..TITLES.len() as u8),
                city: rng.random_range(0..CITIES.len() as u8),
                employee_number: 100_000 + u32::try_from(i).unwrap_or(u32::MAX - 100_000),
                hire_date: created.date_naive(),
                extra_seed: rng.random(),
            };
            // Ids come from a hash of a counter; uniqueness is checked once, after sorting,
            // instead of per insert (a million BTreeMap lookups).
            org.id_counter += 1;
            let id = id_from("00u", org.seed, org.id_counter);
            let order = id_order(org.seed, org.id_counter);
            if let (UserStatus::Active, Some(d)) = (status, dept) {
                org.dept_heads[usize::from(d)].get_or_insert_with(|| id.clone());
            }
            users.push((
                order,
                FakeUser {
                    id,
                    status,
                    created,
                    activated,
                    status_changed,
                    last_login,
                    last_updated,
                    password_changed,
                    provider,
                    generated: Some(generated),
                    profile: Map::new(),
                },
            ));
        }
        // Ids are unique by construction (see `id_from`); collecting sorts them once and
        // builds the map in one pass. Boxed users keep that sort from moving whole records.
        users.sort_unstable_by_key(|(order, _)| *order);
        org.users = users
            .into_iter()
            .map(|(_, u)| (u.id.clone(), Box::new(u)))
            .collect();
        generate_groups(&mut org, &mut rng, spec, now);
        generate_history(&mut org, now);
        org
    }
}

fn add_group(
    org: &mut FakeOrg,
    rng: &mut StdRng,
    name: &str,
    group_type: GroupType,
    description: Option<&str>,
    members: BTreeSet<String>,
    now: DateTime<Utc>,
) {
    let id = org.new_id("00g");
    let created = now - TimeDelta::days(3 * 365);
    let last_membership_updated =
        between(rng, now - TimeDelta::days(30), now - TimeDelta::hours(2));
    org.groups.insert(
        id.clone(),
        FakeGroup {
            id,
            group_type,
            name: name.to_string(),
            description: description.map(str::to_string),
            created,
            last_updated: created,
            last_membership_updated,
            members,
            everyone: false,
        },
    );
}

/// `count` distinct users picked at random, without copying every id first.
fn sample(rng: &mut StdRng, org: &FakeOrg, count: usize) -> BTreeSet<String> {
    let n = org.users.len();
    let mut picked = rand::seq::index::sample(rng, n, count.min(n)).into_vec();
    picked.sort_unstable();
    let mut picked = picked.into_iter().peekable();
    let mut ids = Vec::with_capacity(count.min(n));
    for (i, id) in org.users.keys().enumerate() {
        match picked.peek() {
            Some(&p) if p == i => {
                ids.push(id.clone());
                picked.next();
            }
            Some(_) => {}
            None => break,
        }
    }
    BTreeSet::from_iter(ids)
}

fn generate_groups(org: &mut FakeOrg, rng: &mut StdRng, spec: &OrgSpec, now: DateTime<Utc>) {
    let n = org.users.len();
    let admins = sample(rng, org, (n / 400).max(2));
    add_group(
        org,
        rng,
        "Okta Administrators",
        GroupType::OktaGroup,
        Some("Super admins of the Okta org"),
        admins,
        now,
    );
    let asset_managers = sample(rng, org, (n / 50).max(3));
    add_group(
        org,
        rng,
        "Asset Managers",
        GroupType::OktaGroup,
        None,
        asset_managers,
        now,
    );

    // Users come in id order, so each set is built from sorted input in one pass.
    let mut by_dept: Vec<Vec<String>> = vec![Vec::new(); org.departments.len()];
    let mut ad = Vec::new();
    for user in org.users.values() {
        if let Some(d) = user.generated.as_ref().and_then(|g| g.dept) {
            by_dept[usize::from(d)].push(user.id.clone());
        }
        if user.provider == "ACTIVE_DIRECTORY" {
            ad.push(user.id.clone());
        }
    }
    let by_dept: Vec<BTreeSet<String>> = by_dept.into_iter().map(BTreeSet::from_iter).collect();
    let ad = BTreeSet::from_iter(ad);
    let names = org.departments.clone();
    for (name, members) in names.iter().zip(by_dept) {
        let description = format!("Everyone in {name} (group rule on profile.department)");
        add_group(
            org,
            rng,
            &format!("Department - {name}"),
            GroupType::OktaGroup,
            Some(&description),
            members,
            now,
        );
    }
    add_group(
        org,
        rng,
        "AD - All Staff",
        GroupType::AppGroup,
        Some("Imported from example.local"),
        ad,
        now,
    );
    for group in &spec.groups {
        let members = sample(rng, org, group.members);
        add_group(
            org,
            rng,
            &group.name,
            GroupType::OktaGroup,
            None,
            members,
            now,
        );
    }
}

/// Suspensions and deactivations of the last 90 days, so that a log reader finds history.
fn generate_history(org: &mut FakeOrg, now: DateTime<Utc>) {
    let since = now - TimeDelta::days(90);
    let mut history: Vec<(DateTime<Utc>, String, &'static str)> = org
        .users
        .values()
        .filter_map(|u| {
            let event_type = match u.status {
                UserStatus::Suspended => "user.lifecycle.suspend",
                UserStatus::Deprovisioned => "user.lifecycle.deactivate",
                _ => return None,
            };
            let at = u.status_changed?;
            (at >= since).then(|| (at, u.id.clone(), event_type))
        })
        .collect();
    history.sort();
    for (at, id, event_type) in history {
        let user = org.users.get(&id).expect("listed above");
        let login = org
            .profile_value(user, "login")
            .and_then(|v| v.as_str().map(str::to_string));
        let name = org
            .profile_value(user, "displayName")
            .and_then(|v| v.as_str().map(str::to_string));
        let target = crate::logs::EventTarget {
            id,
            target_type: "User".into(),
            alternate_id: login,
            display_name: name,
        };
        org.append_event(
            at + TimeDelta::milliseconds(137),
            event_type,
            "SUCCESS",
            vec![target],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(users: usize) -> OrgSpec {
        OrgSpec {
            users,
            groups: vec![GroupSpec {
                name: "Big".into(),
                members: 1350,
            }],
            extra_attributes: vec!["badgeId".into()],
            ..OrgSpec::default()
        }
    }

    #[test]
    fn ids_are_unique_and_sort_like_their_order_keys() {
        let mut pairs: Vec<(u128, String)> = (1..20_000)
            .map(|n| (id_order(3, n), id_from("00u", 3, n)))
            .collect();
        pairs.sort_by_key(|p| p.0);
        assert!(
            pairs.windows(2).all(|w| w[0].1 < w[1].1),
            "strictly increasing, hence unique"
        );
        assert!(
            pairs
                .iter()
                .all(|(_, id)| id.len() == 20 && id.chars().all(|c| c.is_ascii_alphanumeric()))
        );
        let first: BTreeSet<char> = pairs
            .iter()
            .filter_map(|(_, id)| id.chars().nth(3))
            .collect();
        assert!(
            first.len() > 50,
            "the first character after the prefix varies"
        );
    }

    #[test]
    fn same_seed_same_org() {
        let a = FakeOrg::generate(&spec(2000));
        let b = FakeOrg::generate(&spec(2000));
        assert_eq!(a.user_ids(), b.user_ids());
        let id = &a.user_ids()[17];
        assert_eq!(
            a.profile(a.user(id).unwrap()),
            b.profile(b.user(id).unwrap())
        );
        let c = FakeOrg::generate(&OrgSpec {
            seed: 2,
            ..spec(2000)
        });
        assert_ne!(a.user_ids(), c.user_ids());
    }

    #[test]
    fn every_status_groups_and_attributes_are_there() {
        let org = FakeOrg::generate(&spec(2000));
        assert_eq!(org.user_count(), 2000);
        for status in UserStatus::ALL {
            assert!(!org.users_with_status(status).is_empty(), "{status:?}");
        }
        let big = org.group_id("Big").unwrap();
        assert_eq!(org.member_ids(&big).len(), 1350);
        for name in [
            "Everyone",
            "Okta Administrators",
            "Asset Managers",
            "Department - Engineering",
            "AD - All Staff",
        ] {
            assert!(org.group_id(name).is_some(), "{name}");
        }
        let logins: BTreeSet<String> = org
            .users
            .values()
            .map(|u| {
                org.profile_value(u, "login")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(logins.len(), 2000, "logins are unique");
        let user = org
            .users
            .values()
            .find(|u| u.generated.as_ref().unwrap().dept.is_some())
            .unwrap();
        let profile = org.profile(user);
        for key in [
            "hireDate",
            "costCenter",
            "employeeNumber",
            "badgeId",
            "department",
            "email",
        ] {
            assert!(profile.contains_key(key), "{key}");
        }
        assert!(
            org.users
                .keys()
                .all(|id| id.len() == 20 && id.starts_with("00u"))
        );
        assert!(
            org.log()
                .iter()
                .all(|e| e.event_type.starts_with("user.lifecycle."))
        );
        assert!(!org.log().is_empty());
    }
}
