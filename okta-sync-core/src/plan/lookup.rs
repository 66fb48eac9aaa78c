//! Reverse lookups into the sync state, built only when a plan needs them.
//!
//! Most users of a full reconcile are linked and unchanged; they need neither "who else
//! has this identifier" nor "who owns this target entry". So these lookups are either
//! the engine's kept [`StateIndex`] or built on first use, borrowing from the state
//! instead of copying a million strings.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::index::StateIndex;
use crate::config::UniqueIdentifier;
use crate::identity::normalize_email;
use crate::state::SyncState;

/// One value, or several: most keys have exactly one, which then needs no allocation.
#[derive(Debug, Clone)]
pub(crate) enum Few<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Copy> Few<T> {
    pub(crate) fn push(&mut self, value: T) {
        match self {
            Few::One(first) => *self = Few::Many(vec![*first, value]),
            Few::Many(all) => all.push(value),
        }
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            Few::One(one) => std::slice::from_ref(one),
            Few::Many(all) => all,
        }
    }
}

/// Adds `value` under `key`.
pub(crate) fn insert_few<K: std::hash::Hash + Eq, T: Copy>(
    map: &mut FxHashMap<K, Few<T>>,
    key: K,
    value: T,
) {
    match map.get_mut(&key) {
        Some(few) => few.push(value),
        None => {
            map.insert(key, Few::One(value));
        }
    }
}

/// `value` normalised as the unique identifier, borrowed when it already is (an email
/// that is trimmed, ASCII and lower case, which is nearly every email).
pub(crate) fn normalized(uid: UniqueIdentifier, value: &str) -> Cow<'_, str> {
    match uid {
        UniqueIdentifier::OktaId => Cow::Borrowed(value),
        UniqueIdentifier::Email => {
            let plain = value.is_ascii()
                && !value.bytes().any(|b| b.is_ascii_uppercase())
                && value.trim() == value;
            if plain {
                Cow::Borrowed(value)
            } else {
                Cow::Owned(normalize_email(value))
            }
        }
    }
}

/// The sync state's reverse lookups: the engine's kept index, or built on first use.
#[derive(Debug)]
pub(crate) enum StateLookup<'a> {
    Kept(&'a StateIndex),
    Lazy(LazyState<'a>),
}

/// Lookups built from the state on first use.
#[derive(Debug)]
pub(crate) struct LazyState<'a> {
    state: &'a SyncState,
    identities: OnceCell<FxHashMap<&'a str, Few<&'a str>>>,
    owners: BTreeMap<&'a str, OnceCell<FxHashMap<&'a str, &'a str>>>,
}

impl<'a> StateLookup<'a> {
    pub(crate) fn lazy(state: &'a SyncState) -> Self {
        StateLookup::Lazy(LazyState {
            state,
            identities: OnceCell::new(),
            owners: state
                .links
                .keys()
                .map(|m| (m.as_str(), OnceCell::new()))
                .collect(),
        })
    }

    /// Okta ids that had `identity` at the last run.
    pub(crate) fn holders(&self, identity: &str) -> Vec<&str> {
        match self {
            StateLookup::Kept(index) => {
                index.holders(identity).iter().map(String::as_str).collect()
            }
            StateLookup::Lazy(lazy) => {
                let identities = lazy.identities.get_or_init(|| {
                    let mut map = FxHashMap::default();
                    map.reserve(lazy.state.users.len());
                    for (id, user) in &lazy.state.users {
                        if let Some(identity) = &user.identity {
                            insert_few(&mut map, identity.as_str(), id.as_str());
                        }
                    }
                    map
                });
                identities
                    .get(identity)
                    .map_or(Vec::new(), |f| f.as_slice().to_vec())
            }
        }
    }

    /// The Okta id linked to `target_id` in `mapping`.
    pub(crate) fn owner(&self, mapping: &str, target_id: &str) -> Option<&str> {
        match self {
            StateLookup::Kept(index) => index.owner(mapping, target_id),
            StateLookup::Lazy(lazy) => {
                let cell = lazy.owners.get(mapping)?;
                let owners = cell.get_or_init(|| {
                    lazy.state
                        .links
                        .get(mapping)
                        .into_iter()
                        .flatten()
                        .filter(|(_, l)| !l.target_id.is_empty())
                        .map(|(okta_id, l)| (l.target_id.as_str(), okta_id.as_str()))
                        .collect()
                });
                owners.get(target_id).copied()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_borrows_only_what_is_already_normal() {
        let uid = UniqueIdentifier::Email;
        assert!(matches!(normalized(uid, "a@example.com"), Cow::Borrowed(_)));
        for (raw, want) in [
            ("A@Example.com", "a@example.com"),
            (" a@example.com", "a@example.com"),
            ("É@example.com", "é@example.com"),
        ] {
            let got = normalized(uid, raw);
            assert!(matches!(got, Cow::Owned(_)), "{raw}");
            assert_eq!(got, normalize_email(raw));
            assert_eq!(got, want);
        }
        assert_eq!(normalized(UniqueIdentifier::OktaId, "00uAbC"), "00uAbC");
    }

    #[test]
    fn few_grows_from_one() {
        let mut map = FxHashMap::default();
        insert_few(&mut map, "k", 1);
        assert_eq!(map["k"].as_slice(), [1]);
        insert_few(&mut map, "k", 2);
        assert_eq!(map["k"].as_slice(), [1, 2]);
    }
}
