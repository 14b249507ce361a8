//! The keys of encrypted columns, each with an id (`GATEHOUSE_ENCRYPTION_KEYS=id:key,…`,
//! newest first), and what the plan carries of them: writes encrypt with the newest key and
//! record its id with the ciphertext; reads decrypt with the key the ciphertext names, or, for
//! ciphertext written before key ids existed (plain `pgp_sym_encrypt`), with the legacy key
//! (the oldest). The stored format is in ARCHITECTURE.md ("Encrypted columns") and migration
//! `0004_encryption`.
//!
//! Keys only leave this module as [`Param::Secret`], whose `Debug` prints `***`; no error here
//! ever contains a key, or any text of the entry it came from.

use std::fmt;

use schema::{Catalog, RelationKind};

use crate::PolicyFile;
use crate::plan::{Decryption, Encryption, Ident, Param, Reencrypt, Table, TypeName};

/// The id of the key given alone (`GATEHOUSE_ENCRYPTION_KEY`).
pub const DEFAULT_KEY_ID: &str = "default";

/// The longest key id, in bytes.
pub const MAX_KEY_ID_LEN: usize = 16;

/// One key and its id.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptionKey {
    id: String,
    secret: String,
}

impl EncryptionKey {
    /// The key's id (not a secret: it is stored with every value the key encrypts).
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("id", &self.id)
            .field("secret", &format_args!("***"))
            .finish()
    }
}

/// The configured keys, newest first: never empty, ids unique and well-formed, keys not empty.
#[derive(Clone, PartialEq, Eq)]
pub struct Keyring {
    keys: Vec<EncryptionKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.keys).finish()
    }
}

/// Why a key list was refused. Entries are numbered from 1 in the order given; no variant holds
/// any text of an entry (a misplaced `:` could make part of a key look like an id).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("no keys given")]
    Empty,
    #[error("entry {entry} is not id:key")]
    NoId { entry: usize },
    #[error(
        "entry {entry}: the id must be 1 to {MAX_KEY_ID_LEN} characters of A-Z a-z 0-9 _ - \
         (entries are id:key)"
    )]
    BadId { entry: usize },
    #[error("entry {entry}: the key is empty")]
    EmptyKey { entry: usize },
    #[error("entries {first} and {second} have the same id")]
    DuplicateId { first: usize, second: usize },
}

/// Whether `id` may name a key: 1 to 16 bytes of `[A-Za-z0-9_-]`.
pub fn valid_key_id(id: &str) -> bool {
    (1..=MAX_KEY_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Keyring {
    /// `(id, key)` pairs, newest first.
    pub fn new(keys: Vec<(String, String)>) -> Result<Self, KeyringError> {
        if keys.is_empty() {
            return Err(KeyringError::Empty);
        }
        for (i, (id, key)) in keys.iter().enumerate() {
            if !valid_key_id(id) {
                return Err(KeyringError::BadId { entry: i + 1 });
            }
            if key.is_empty() {
                return Err(KeyringError::EmptyKey { entry: i + 1 });
            }
            if let Some(first) = keys[..i].iter().position(|(other, _)| other == id) {
                return Err(KeyringError::DuplicateId {
                    first: first + 1,
                    second: i + 1,
                });
            }
        }
        Ok(Self {
            keys: keys
                .into_iter()
                .map(|(id, secret)| EncryptionKey { id, secret })
                .collect(),
        })
    }

    /// One key, with the id [`DEFAULT_KEY_ID`] (`GATEHOUSE_ENCRYPTION_KEY`).
    pub fn single(secret: impl Into<String>) -> Result<Self, KeyringError> {
        Self::new(vec![(DEFAULT_KEY_ID.to_owned(), secret.into())])
    }

    /// The keys, newest first.
    pub fn keys(&self) -> &[EncryptionKey] {
        &self.keys
    }

    /// The key writes use: the first.
    pub fn newest(&self) -> &EncryptionKey {
        // Never empty (checked in `new`).
        &self.keys[0]
    }

    /// The key that decrypts ciphertext without a key id: the oldest (the last).
    pub fn legacy(&self) -> &EncryptionKey {
        &self.keys[self.keys.len() - 1]
    }

    /// What a read binds to decrypt a column.
    pub(crate) fn decryption(&self) -> Decryption {
        Decryption {
            ids: Param::TextArray(self.keys.iter().map(|key| key.id.clone()).collect()),
            keys: self
                .keys
                .iter()
                .map(|key| Param::Secret(key.secret.clone()))
                .collect(),
            legacy: Param::Text(self.legacy().id.clone()),
        }
    }

    /// What a write binds to encrypt a value.
    pub(crate) fn encryption(&self) -> Encryption {
        let newest = self.newest();
        Encryption {
            id: Param::Text(newest.id.clone()),
            key: Param::Secret(newest.secret.clone()),
        }
    }
}

/// A table `gatehouse reencrypt` cannot rewrite, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRewritable {
    /// `schema.table`.
    pub table: String,
    pub reason: &'static str,
}

impl PolicyFile {
    /// Whether any table declares `encrypted` columns (then a key and pgcrypto are required).
    pub fn has_encrypted_columns(&self) -> bool {
        self.tables
            .values()
            .any(|table| !table.encrypted.is_empty())
    }

    /// For `gatehouse reencrypt`: every table with encrypted columns that exists in the
    /// catalog, in name order, as a rewrite plan (keyset pages by primary key), or why it
    /// cannot be rewritten (no primary key, not a table). `only` keeps the tables whose name or
    /// `schema.name` it is.
    pub fn reencrypt_plans(
        &self,
        catalog: &Catalog,
        keyring: &Keyring,
        only: Option<&str>,
    ) -> Vec<Result<Reencrypt, NotRewritable>> {
        self.tables
            .values()
            .filter(|table| !table.encrypted.is_empty())
            .filter(|table| {
                only.is_none_or(|only| {
                    only == table.name.name
                        || only == format!("{}.{}", table.name.schema, table.name.name)
                })
            })
            .filter_map(|table| {
                let relation = catalog.get(&table.name)?;
                let name = format!("{}.{}", relation.schema, relation.name);
                let not = |reason| -> Result<Reencrypt, NotRewritable> {
                    Err(NotRewritable {
                        table: name.clone(),
                        reason,
                    })
                };
                if !matches!(
                    relation.kind,
                    RelationKind::Table | RelationKind::PartitionedTable
                ) {
                    return Some(not("not a table (rewrite the table it reads from)"));
                }
                let mut primary_key = Vec::new();
                for name in relation.primary_key_columns() {
                    let column = relation.column(name)?;
                    primary_key.push((Ident::from_catalog(&column.name), TypeName::of(&column.ty)));
                }
                if primary_key.is_empty() {
                    return Some(not("no primary key to page through it by"));
                }
                let columns = table
                    .encrypted
                    .iter()
                    .filter_map(|column| relation.column(&column.value))
                    .map(|column| Ident::from_catalog(&column.name))
                    .collect();
                Some(Ok(Reencrypt {
                    table: Table::of(relation, self),
                    primary_key,
                    columns,
                    decryption: keyring.decryption(),
                    encryption: keyring.encryption(),
                }))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(id, key)| ((*id).to_owned(), (*key).to_owned()))
            .collect()
    }

    #[test]
    fn newest_is_first_and_legacy_is_oldest() {
        let ring = Keyring::new(pairs(&[("k3", "c"), ("k2", "b"), ("k1", "a")])).expect("valid");
        assert_eq!(ring.newest().id(), "k3");
        assert_eq!(ring.legacy().id(), "k1");
        let single = Keyring::single("x").expect("valid");
        assert_eq!(single.newest().id(), DEFAULT_KEY_ID);
        assert_eq!(single.legacy().id(), DEFAULT_KEY_ID);
    }

    #[test]
    fn bad_lists_are_refused_without_their_text() {
        let cases = [
            (pairs(&[]), KeyringError::Empty),
            (
                pairs(&[("ok", "secret-1"), ("has space", "secret-2")]),
                KeyringError::BadId { entry: 2 },
            ),
            (
                pairs(&[("a-very-long-key-id", "secret-1")]),
                KeyringError::BadId { entry: 1 },
            ),
            (pairs(&[("", "secret-1")]), KeyringError::BadId { entry: 1 }),
            (pairs(&[("a", "")]), KeyringError::EmptyKey { entry: 1 }),
            (
                pairs(&[("a", "secret-1"), ("b", "secret-2"), ("a", "secret-3")]),
                KeyringError::DuplicateId {
                    first: 1,
                    second: 3,
                },
            ),
        ];
        for (list, expected) in cases {
            let error = Keyring::new(list).expect_err("refused");
            assert_eq!(error, expected);
            let message = error.to_string();
            assert!(!message.contains("secret"), "{message}");
            assert!(!message.contains("space"), "{message}");
        }
    }

    #[test]
    fn debug_never_shows_a_key() {
        let ring = Keyring::new(pairs(&[("new", "k3y-value-new"), ("old", "k3y-value-old")]))
            .expect("valid");
        let debug = format!("{ring:?} {:?} {:?}", ring.decryption(), ring.encryption());
        assert!(!debug.contains("k3y-value"), "{debug}");
        assert!(debug.contains("new") && debug.contains("old"), "{debug}");
    }

    #[test]
    fn key_ids_are_short_and_plain() {
        assert!(valid_key_id("2024-06_a"));
        assert!(valid_key_id("abcdefghijklmnop"));
        assert!(!valid_key_id("abcdefghijklmnopq"));
        assert!(!valid_key_id("a:b"));
        assert!(!valid_key_id("ü"));
    }
}
