//! Encrypted columns, through the functions of migration `0004_encryption` (the stored format
//! is described there and in ARCHITECTURE.md): `gatehouse.encrypt(value, id, key)` encrypts
//! with `pgp_sym_encrypt` and records the key's id in front of the ciphertext;
//! `gatehouse.decrypt(value, ids, keys, legacy)` decrypts with the key the value names (or the
//! legacy key for plain `pgp_sym_encrypt` output); `gatehouse.key_id(value)` is the id a value
//! names (`NULL` for legacy ciphertext). Keys and ids are always bound parameters.

use policy::plan::{Decryption, Encryption};

use crate::writer::Writer;

/// `gatehouse.decrypt(<value>, $ids::text[], array[$key1::text, …]::text[], $legacy::text)`.
pub(crate) fn decrypt(w: &mut Writer, keys: &Decryption, value: impl FnOnce(&mut Writer)) {
    w.push("gatehouse.decrypt(");
    value(w);
    w.push(", ");
    w.param(keys.ids.clone());
    w.push(", array[");
    w.join(&keys.keys, ", ", |w, key| w.param(key.clone()));
    w.push("]::text[], ");
    w.param(keys.legacy.clone());
    w.push(")");
}

/// `gatehouse.encrypt(<value>, $id::text, $key::text)`.
pub(crate) fn encrypt(w: &mut Writer, encryption: &Encryption, value: impl FnOnce(&mut Writer)) {
    w.push("gatehouse.encrypt(");
    value(w);
    w.push(", ");
    w.param(encryption.id.clone());
    w.push(", ");
    w.param(encryption.key.clone());
    w.push(")");
}

/// `gatehouse.key_id(<value>)`.
pub(crate) fn key_id(w: &mut Writer, value: impl FnOnce(&mut Writer)) {
    w.push("gatehouse.key_id(");
    value(w);
    w.push(")");
}
