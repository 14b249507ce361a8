//! The key format, `gh_<id>_<secret>`, and its keyed hash. Pure code: no IO, no clock.
//!
//! - `<id>` is public: [`ID_LEN`] characters of `[a-z0-9]`, the primary key of
//!   `gatehouse.api_keys`, shown by `gatehouse keys list` and written to logs and audit rows.
//! - `<secret>` is [`SECRET_LEN`] characters of `[A-Za-z0-9]` from the operating system's
//!   CSPRNG (through `rand`'s thread generator): 32 × log2(62) ≈ 190 bits.
//! - What is stored is `HMAC-SHA256(pepper, "<id>:<secret>")` ([`Pepper::digest`]). Binding the
//!   id into the MAC means a hash copied onto another row does not verify there.

use hmac::{Hmac, Mac};
use rand::Rng as _;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::settings::Secret;

/// Every key starts with this.
pub const PREFIX: &str = "gh_";
/// Length of a generated public id.
pub const ID_LEN: usize = 16;
/// Length of a generated secret.
pub const SECRET_LEN: usize = 32;
/// Shortest secret accepted when parsing: 22 alphanumerics carry more than 128 bits.
const MIN_SECRET_LEN: usize = 22;
const MAX_SECRET_LEN: usize = 128;
const ID_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The keyed-hash output: what `secret_hash` stores, and what the verified-key cache is keyed by.
pub type Digest = [u8; 32];

/// The server-side key of the hash (`GATEHOUSE_API_KEY_PEPPER`). `Debug` prints nothing of it.
#[derive(Clone)]
pub struct Pepper(Hmac<Sha256>);

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pepper(***)")
    }
}

impl Pepper {
    pub fn new(secret: &Secret) -> Self {
        // HMAC takes keys of any length.
        Self(
            <Hmac<Sha256> as Mac>::new_from_slice(secret.expose().as_bytes())
                .expect("HMAC accepts keys of any length"),
        )
    }

    /// `HMAC-SHA256(pepper, "<id>:<secret>")`.
    pub fn digest(&self, id: &str, secret: &str) -> Digest {
        let mut mac = self.0.clone();
        mac.update(id.as_bytes());
        mac.update(b":");
        mac.update(secret.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// Whether a stored hash equals a computed digest, in time that does not depend on where they
/// differ. A stored value of another length is simply unequal.
pub fn hashes_match(stored: &[u8], computed: &Digest) -> bool {
    stored.ct_eq(computed.as_slice()).into()
}

/// A key as presented: borrowed parts of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presented<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

/// Splits `gh_<id>_<secret>`; `None` for anything else (wrong prefix, characters or lengths).
/// The result says nothing about whether the key exists.
pub fn parse(token: &str) -> Option<Presented<'_>> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id_ok = (8..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let secret_ok = (MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&secret.len())
        && secret.bytes().all(|b| b.is_ascii_alphanumeric());
    (id_ok && secret_ok).then_some(Presented { id, secret })
}

/// Whether `text` contains something shaped like a key anywhere (used to refuse keys in URLs).
pub fn contains_key(text: &str) -> bool {
    text.match_indices(PREFIX).any(|(start, _)| {
        let run = &text[start..];
        let end = run
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
            .unwrap_or(run.len());
        let candidate = &run[..end];
        // The secret is the rest of the run: try the first `_` after the id.
        parse(candidate).is_some()
    })
}

/// A freshly generated key. The full token exists only here, to be shown once.
pub struct Generated {
    pub id: String,
    secret: String,
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generated")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Generated {
    /// A new id and secret from the thread's CSPRNG.
    pub fn new() -> Self {
        let mut rng = rand::rng();
        let id = (0..ID_LEN)
            .map(|_| char::from(ID_CHARS[rng.random_range(0..ID_CHARS.len())]))
            .collect();
        let secret = (&mut rng)
            .sample_iter(rand::distr::Alphanumeric)
            .take(SECRET_LEN)
            .map(char::from)
            .collect();
        Self { id, secret }
    }

    /// The hash to store.
    pub fn digest(&self, pepper: &Pepper) -> Digest {
        pepper.digest(&self.id, &self.secret)
    }

    /// `gh_<id>_<secret>`: print it once, never log it.
    pub fn token(&self) -> String {
        format!("{PREFIX}{}_{}", self.id, self.secret)
    }
}

impl Default for Generated {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pepper(text: &str) -> Pepper {
        Pepper::new(&Secret::new(text))
    }

    #[test]
    fn generated_keys_parse_and_have_the_documented_shape() {
        let key = Generated::new();
        let token = key.token();
        let parsed = parse(&token).expect("a generated key parses");
        assert_eq!(parsed.id, key.id);
        assert_eq!(parsed.id.len(), ID_LEN);
        assert_eq!(parsed.secret.len(), SECRET_LEN);
        assert!(token.starts_with("gh_"));
        assert!(contains_key(&token));
        // Debug shows the id, never the secret.
        let debug = format!("{key:?}");
        assert!(debug.contains(&key.id));
        assert!(!debug.contains(parsed.secret), "{debug}");
    }

    #[test]
    fn generated_keys_differ() {
        let a = Generated::new();
        let b = Generated::new();
        assert_ne!(a.id, b.id);
        assert_ne!(a.token(), b.token());
    }

    #[test]
    fn the_secret_carries_at_least_128_bits() {
        // 62 symbols per character.
        let bits = (SECRET_LEN as f64) * 62f64.log2();
        assert!(bits >= 128.0, "{bits}");
        let min_bits = (MIN_SECRET_LEN as f64) * 62f64.log2();
        assert!(min_bits >= 128.0, "{min_bits}");
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        let secret = "A".repeat(SECRET_LEN);
        for token in [
            String::new(),
            "gh_".to_owned(),
            format!("gh_abcdefgh{secret}"),            // no separator
            format!("gh_ABCDEFGH_{secret}"),           // uppercase id
            format!("gh_abc_{secret}"),                // id too short
            format!("gh_abcdefgh_{}", "A".repeat(21)), // secret too short
            format!("gh_abcdefgh_{secret}!"),          // stray character
            format!("gh_abcdefgh_{secret}_x"),         // underscore in the secret
            format!("xx_abcdefgh_{secret}"),           // prefix
            format!(" gh_abcdefgh_{secret}"),          // whitespace
        ] {
            assert_eq!(parse(&token), None, "{token:?}");
        }
        assert_eq!(
            parse(&format!("gh_abcdefgh_{secret}")),
            Some(Presented {
                id: "abcdefgh",
                secret: &secret
            })
        );
    }

    #[test]
    fn keys_are_found_anywhere_in_a_text() {
        let token = Generated::new().token();
        assert!(contains_key(&format!("apikey={token}")));
        assert!(contains_key(&format!("name=eq.{token}&x=1")));
        assert!(contains_key(&format!("or=(a.eq.{token},b.eq.2)")));
        assert!(!contains_key("select=gh_id,name&gh_x=eq.1"));
        assert!(!contains_key("name=eq.gh_short_key"));
    }

    #[test]
    fn the_digest_is_keyed_by_the_pepper_and_bound_to_the_id() {
        let a = pepper("pepper-a-0123456789-0123456789-01");
        let b = pepper("pepper-b-0123456789-0123456789-01");
        let secret = "S".repeat(SECRET_LEN);
        let digest = a.digest("abcdefgh", &secret);
        assert!(hashes_match(&digest, &a.digest("abcdefgh", &secret)));
        assert!(!hashes_match(&digest, &b.digest("abcdefgh", &secret)));
        assert!(!hashes_match(&digest, &a.digest("abcdefgi", &secret)));
        assert!(!hashes_match(&digest[..31], &digest));
        assert!(!hashes_match(&[], &digest));
        // HMAC-SHA256 of a known vector (RFC 4231 test case 2: key "Jefe").
        let jefe = pepper("Jefe");
        let mut mac = jefe.0.clone();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(!format!("{a:?}").contains("pepper-a"));
    }
}
