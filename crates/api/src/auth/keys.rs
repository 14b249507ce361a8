//! Verification keys: the HS256 secret and the JWKS file, loaded and checked at startup, and
//! the rule that picks one key for a token.
//!
//! Each key carries its one algorithm, fixed when it is loaded. The token's header only
//! *selects* a key (by `kid`, or by naming HS256 for the secret); it never decides how the
//! signature is checked. An HS256 token can therefore never be verified with a public key, and
//! `alg: none` names no key at all.

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind};
use serde::Deserialize;
use serde_json::Value;

use super::error::TokenProblem;

/// `GATEHOUSE_JWT_SECRET` must be at least this long (PostgREST asks the same of `jwt-secret`).
pub(super) const MIN_SECRET_BYTES: usize = 32;
/// RSA keys shorter than this are refused at startup.
const MIN_RSA_BITS: usize = 2048;

/// One verification key. `Debug` shows the key id and algorithm, never the material.
pub(super) struct Key {
    pub(super) kid: Option<String>,
    pub(super) algorithm: Algorithm,
    pub(super) decoding: DecodingKey,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// Every key the server verifies with.
#[derive(Debug, Default)]
pub(super) struct Keys {
    /// From `GATEHOUSE_JWT_SECRET`: HS256, no kid.
    pub(super) secret: Option<Key>,
    /// From `GATEHOUSE_JWKS_FILE`: RS256 and ES256 keys, kids unique.
    pub(super) jwks: Vec<Key>,
}

impl Keys {
    pub(super) fn is_empty(&self) -> bool {
        self.secret.is_none() && self.jwks.is_empty()
    }
}

/// The key for a token whose header says `alg` and `kid`, among the secret and a key set (the
/// file's, or `GATEHOUSE_JWKS_URL`'s as last fetched):
///
/// 1. a JWKS key whose kid is the token's kid (its algorithm must be the token's);
/// 2. else, for an HS256 token, the secret (a kid on an HS256 token is not ours to check);
/// 3. else, for a token without kid, the JWKS key if there is exactly one.
pub(super) fn select<'a>(
    secret: Option<&'a Key>,
    jwks: &'a [Key],
    alg: Algorithm,
    kid: Option<&str>,
) -> Result<&'a Key, TokenProblem> {
    if let Some(kid) = kid
        && let Some(key) = jwks.iter().find(|k| k.kid.as_deref() == Some(kid))
    {
        return same_algorithm(key, alg);
    }
    if alg == Algorithm::HS256 {
        return secret.ok_or(TokenProblem::NoKeyForAlgorithm);
    }
    match (kid, jwks) {
        (_, []) => Err(TokenProblem::NoKeyForAlgorithm),
        (Some(_), _) => Err(TokenProblem::UnknownKid),
        (None, [only]) => same_algorithm(only, alg),
        (None, _) => Err(TokenProblem::KidRequired),
    }
}

fn same_algorithm(key: &Key, alg: Algorithm) -> Result<&Key, TokenProblem> {
    if key.algorithm == alg {
        Ok(key)
    } else {
        Err(TokenProblem::AlgorithmMismatch)
    }
}

/// The HS256 key from the secret. The problem text never contains the secret.
pub(super) fn secret_key(secret: &str) -> Result<Key, String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "the HS256 secret must be at least {MIN_SECRET_BYTES} bytes long, got {}",
            secret.len()
        ));
    }
    Ok(Key {
        kid: None,
        algorithm: Algorithm::HS256,
        decoding: DecodingKey::from_secret(secret.as_bytes()),
    })
}

/// The members of a JWK we read. Unknown members (`d`, `x5c`, …) are ignored: only the public
/// parameters are used.
#[derive(Deserialize)]
struct RawJwk {
    kty: Option<String>,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    key_ops: Option<Vec<String>>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// Parses a JWK Set (`{"keys": [...]}`, or a single JWK object) into keys. Keys that cannot
/// verify RS256 or ES256 signatures (encryption keys, other curves or algorithms, symmetric
/// keys) are skipped; if none is left, or a key is malformed, or kids are missing or repeated
/// where they must be unique, the whole set is refused with a problem that says which key.
pub(super) fn parse_jwks(text: &str) -> Result<Vec<Key>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|err| format!("not valid JSON: {err}"))?;
    let entries: Vec<Value> = match value {
        Value::Object(mut object) => match object.remove("keys") {
            Some(Value::Array(keys)) => keys,
            Some(_) => return Err("\"keys\" must be an array of JWKs".to_owned()),
            None if object.contains_key("kty") => vec![Value::Object(object)],
            None => {
                return Err(
                    "not a JSON Web Key Set: expected an object with a \"keys\" array".to_owned(),
                );
            }
        },
        _ => {
            return Err(
                "not a JSON Web Key Set: expected an object with a \"keys\" array".to_owned(),
            );
        }
    };

    let mut keys: Vec<Key> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let jwk: RawJwk = serde_json::from_value(entry)
            .map_err(|err| format!("key {index}: not a JWK: {err}"))?;
        let name = match &jwk.kid {
            Some(kid) => format!("key {index} (kid {kid:?})"),
            None => format!("key {index}"),
        };
        match key_from_jwk(&jwk) {
            Ok(Some(key)) => {
                if let Some(kid) = &key.kid
                    && keys.iter().any(|k| k.kid.as_ref() == Some(kid))
                {
                    return Err(format!("{name}: kid {kid:?} appears twice"));
                }
                keys.push(key);
            }
            Ok(None) => {}
            Err(Unusable::Skip(reason)) => skipped.push(format!("{name}: {reason}")),
            Err(Unusable::Invalid(reason)) => return Err(format!("{name}: {reason}")),
        }
    }
    if keys.is_empty() {
        let reasons = if skipped.is_empty() {
            "the set is empty".to_owned()
        } else {
            skipped.join("; ")
        };
        return Err(format!(
            "no usable key (RS256 or ES256 signature keys): {reasons}"
        ));
    }
    if keys.len() > 1 && keys.iter().any(|k| k.kid.is_none()) {
        return Err("with several keys, every key needs a \"kid\"".to_owned());
    }
    Ok(keys)
}

enum Unusable {
    /// Not for us, but not wrong: skipped (an encryption key, another algorithm).
    Skip(String),
    /// Meant for signatures and malformed: refuse the file.
    Invalid(String),
}

fn key_from_jwk(jwk: &RawJwk) -> Result<Option<Key>, Unusable> {
    if let Some(use_) = &jwk.use_
        && use_ != "sig"
    {
        return Err(Unusable::Skip(format!("\"use\" is {use_:?}, not \"sig\"")));
    }
    if let Some(ops) = &jwk.key_ops
        && !ops.iter().any(|op| op == "verify")
    {
        return Err(Unusable::Skip(
            "\"key_ops\" does not include \"verify\"".to_owned(),
        ));
    }
    let algorithm = match (jwk.kty.as_deref(), jwk.alg.as_deref()) {
        (Some("RSA"), None | Some("RS256")) => Algorithm::RS256,
        (Some("EC"), None | Some("ES256")) => Algorithm::ES256,
        (Some("RSA" | "EC"), Some(alg)) => {
            return Err(Unusable::Skip(format!(
                "algorithm {alg} is not supported (RS256 and ES256 are)"
            )));
        }
        (Some("oct"), _) => {
            return Err(Unusable::Skip(
                "symmetric (oct) keys are not read from the JWKS; set GATEHOUSE_JWT_SECRET"
                    .to_owned(),
            ));
        }
        (Some(kty), _) => {
            return Err(Unusable::Skip(format!(
                "key type {kty:?} is not supported (RSA and EC are)"
            )));
        }
        (None, _) => return Err(Unusable::Invalid("no \"kty\"".to_owned())),
    };
    let decoding = match algorithm {
        Algorithm::RS256 => rsa_key(jwk)?,
        _ => ec_key(jwk)?,
    };
    Ok(Some(Key {
        kid: jwk.kid.clone(),
        algorithm,
        decoding,
    }))
}

fn rsa_key(jwk: &RawJwk) -> Result<DecodingKey, Unusable> {
    let (Some(n), Some(e)) = (&jwk.n, &jwk.e) else {
        return Err(Unusable::Invalid(
            "an RSA key needs \"n\" and \"e\"".to_owned(),
        ));
    };
    let key = DecodingKey::from_rsa_components(n, e)
        .map_err(|_| Unusable::Invalid("\"n\" or \"e\" is not base64url".to_owned()))?;
    if let DecodingKeyKind::RsaModulusExponent { n, e } = key.kind() {
        let bits = significant_bits(n);
        if bits < MIN_RSA_BITS {
            return Err(Unusable::Invalid(format!(
                "RSA modulus of {bits} bits is too short (at least {MIN_RSA_BITS})"
            )));
        }
        if significant_bits(e) < 2 {
            return Err(Unusable::Invalid("RSA exponent is invalid".to_owned()));
        }
    }
    Ok(key)
}

fn ec_key(jwk: &RawJwk) -> Result<DecodingKey, Unusable> {
    match jwk.crv.as_deref() {
        Some("P-256") => {}
        Some(crv) => {
            return Err(Unusable::Skip(format!(
                "curve {crv:?} is not supported (P-256 is)"
            )));
        }
        None => return Err(Unusable::Invalid("an EC key needs \"crv\"".to_owned())),
    }
    let (Some(x), Some(y)) = (&jwk.x, &jwk.y) else {
        return Err(Unusable::Invalid(
            "an EC key needs \"x\" and \"y\"".to_owned(),
        ));
    };
    let key = DecodingKey::from_ec_components(x, y)
        .map_err(|_| Unusable::Invalid("\"x\" or \"y\" is not base64url".to_owned()))?;
    // Building a verifier parses the point; a point not on P-256 fails here, at startup,
    // rather than on every request.
    jsonwebtoken::crypto::verify("", b"", &key, Algorithm::ES256)
        .map_err(|_| Unusable::Invalid("\"x\"/\"y\" is not a point on P-256".to_owned()))?;
    Ok(key)
}

/// Bits of a big-endian unsigned integer, leading zeros not counted.
fn significant_bits(bytes: &[u8]) -> usize {
    let Some(first) = bytes.iter().position(|b| *b != 0) else {
        return 0;
    };
    let leading = usize::try_from(bytes[first].leading_zeros()).unwrap_or(8);
    (bytes.len() - first) * 8 - leading
}
