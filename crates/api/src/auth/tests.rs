use std::path::PathBuf;

use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};

use super::*;
use crate::settings::Secret;

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";
const JWKS: &str = include_str!("tests/fixtures/jwks.json");
const RSA_PEM: &str = include_str!("tests/fixtures/rsa.pem");
const RSA_OTHER_PEM: &str = include_str!("tests/fixtures/rsa_other.pem");
const EC_PEM: &str = include_str!("tests/fixtures/ec.pem");
/// A fixed "now" for `authenticate_at`.
const NOW: i64 = 1_700_000_000;
const ROLES: [&str; 3] = ["anon", "reader", "admin"];

fn settings(secret: Option<&str>) -> JwtSettings {
    JwtSettings {
        secret: secret.map(Secret::new),
        jwks_file: None,
        audience: None,
        role_claim: "role".to_owned(),
        tenant_claim: "tenant_id".to_owned(),
    }
}

fn hs_only() -> Authenticator {
    Authenticator::build(&settings(Some(SECRET)), None, ROLES).expect("valid config")
}

fn jwks_only() -> Authenticator {
    Authenticator::build(&settings(None), Some(JWKS), ROLES).expect("valid config")
}

fn both() -> Authenticator {
    Authenticator::build(&settings(Some(SECRET)), Some(JWKS), ROLES).expect("valid config")
}

fn with_audience(audience: &str) -> Authenticator {
    let mut settings = settings(Some(SECRET));
    settings.audience = Some(audience.to_owned());
    Authenticator::build(&settings, None, ROLES).expect("valid config")
}

fn sign(header: Header, claims: &Value, key: &EncodingKey) -> String {
    encode(&header, claims, key).expect("sign test token")
}

fn hs256(claims: &Value) -> String {
    hs256_with(claims, SECRET)
}

fn hs256_with(claims: &Value, secret: &str) -> String {
    sign(
        Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

fn rs256(claims: &Value, kid: Option<&str>, pem: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("RSA test key");
    sign(header, claims, &key)
}

fn es256(claims: &Value, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_ec_pem(EC_PEM.as_bytes()).expect("EC test key");
    sign(header, claims, &key)
}

/// A token with an arbitrary header, unsigned (empty signature).
fn unsigned(header: &Value, claims: &Value) -> String {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!("{}.{}.", part(header), part(claims))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn auth(authenticator: &Authenticator, token: &str) -> Result<Principal, AuthError> {
    authenticator.authenticate_at(Some(&bearer(token)), NOW)
}

fn refused(authenticator: &Authenticator, token: &str) -> AuthError {
    match auth(authenticator, token) {
        Ok(principal) => panic!("expected a refusal, got {principal:?}"),
        Err(err) => err,
    }
}

fn reader() -> Value {
    json!({ "role": "reader", "sub": "user-1", "tenant_id": "acme", "exp": NOW + 3600 })
}

// --- valid tokens ---------------------------------------------------------------------------

#[test]
fn valid_hs256_token_gives_role_tenant_subject() {
    let principal = auth(&hs_only(), &hs256(&reader())).expect("valid token");
    assert_eq!(principal.role, "reader");
    assert_eq!(principal.tenant, Tenant::One("acme".to_owned()));
    assert_eq!(principal.subject.as_deref(), Some("user-1"));
}

#[test]
fn valid_rs256_token_via_jwks_kid() {
    let token = rs256(&reader(), Some("rsa-1"), RSA_PEM);
    let principal = auth(&jwks_only(), &token).expect("valid token");
    assert_eq!(principal.role, "reader");
    // The same token is accepted when a secret is configured too.
    assert!(auth(&both(), &token).is_ok());
}

#[test]
fn valid_es256_token_via_jwks_kid() {
    let principal = auth(&jwks_only(), &es256(&reader(), Some("ec-1"))).expect("valid token");
    assert_eq!(principal.subject.as_deref(), Some("user-1"));
}

#[test]
fn token_without_kid_uses_the_only_jwks_key() {
    let mut set: Value = serde_json::from_str(JWKS).expect("fixture JSON");
    let mut rsa = set["keys"][0].take();
    rsa.as_object_mut().expect("JWK object").remove("kid");
    let single = json!({ "keys": [rsa] }).to_string();
    let authenticator =
        Authenticator::build(&settings(None), Some(&single), ROLES).expect("valid config");
    assert!(auth(&authenticator, &rs256(&reader(), None, RSA_PEM)).is_ok());
    // A single JWK object (not a set) is accepted as well.
    let bare = set["keys"][1].take().to_string();
    let authenticator =
        Authenticator::build(&settings(None), Some(&bare), ROLES).expect("valid config");
    assert!(auth(&authenticator, &es256(&reader(), None)).is_ok());
}

#[test]
fn token_without_kid_is_refused_when_several_keys() {
    let err = refused(&jwks_only(), &rs256(&reader(), None, RSA_PEM));
    assert_eq!(err, AuthError::InvalidToken(TokenProblem::KidRequired));
    assert_eq!(err.code(), "PGRST301");
}

#[test]
fn bearer_scheme_is_case_insensitive() {
    let token = hs256(&reader());
    for header in [format!("bearer {token}"), format!("BEARER   {token}  ")] {
        assert!(
            hs_only().authenticate_at(Some(&header), NOW).is_ok(),
            "{header}"
        );
    }
}

#[test]
fn authenticate_uses_the_real_clock() {
    let exp = unix_now() + 600;
    let token = hs256(&json!({ "role": "reader", "exp": exp }));
    assert!(hs_only().authenticate(Some(&bearer(&token))).is_ok());
    let token = hs256(&json!({ "role": "reader", "exp": unix_now() - 600 }));
    assert_eq!(
        hs_only().authenticate(Some(&bearer(&token))),
        Err(AuthError::Claims(ClaimsProblem::Expired))
    );
}

// --- signatures and algorithms --------------------------------------------------------------

#[test]
fn wrong_signature_is_refused() {
    let err = refused(
        &hs_only(),
        &hs256_with(&reader(), "another-secret-of-32-bytes-or-more"),
    );
    assert_eq!(err, AuthError::InvalidToken(TokenProblem::BadSignature));
    assert_eq!((err.code(), err.status()), ("PGRST301", 401));
    assert_eq!(err.to_string(), "JWT cryptographic operation failed");

    // Signed by another RSA key under our kid.
    let err = refused(
        &jwks_only(),
        &rs256(&reader(), Some("rsa-1"), RSA_OTHER_PEM),
    );
    assert_eq!(err, AuthError::InvalidToken(TokenProblem::BadSignature));

    // A valid token whose payload was swapped for another.
    let good = hs256(&reader());
    let admin = hs256(&json!({ "role": "admin", "exp": NOW + 3600 }));
    let parts: Vec<&str> = good.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        admin.split('.').nth(1).expect("payload"),
        parts[2]
    );
    assert_eq!(
        refused(&hs_only(), &forged),
        AuthError::InvalidToken(TokenProblem::BadSignature)
    );
}

#[test]
fn alg_none_is_refused() {
    let claims = json!({ "role": "admin", "exp": NOW + 3600 });
    for alg in ["none", "None", "NONE"] {
        let token = unsigned(&json!({ "alg": alg, "typ": "JWT" }), &claims);
        for authenticator in [hs_only(), jwks_only(), both()] {
            let err = refused(&authenticator, &token);
            assert_eq!(
                err,
                AuthError::InvalidToken(TokenProblem::UnsupportedAlgorithm)
            );
            assert_eq!(err.to_string(), "Wrong or unsupported encoding algorithm");
        }
    }
}

#[test]
fn other_algorithms_are_refused() {
    let claims = reader();
    let hs512 = sign(
        Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    );
    assert_eq!(
        refused(&hs_only(), &hs512),
        AuthError::InvalidToken(TokenProblem::UnsupportedAlgorithm)
    );
}

#[test]
fn hs256_token_signed_with_a_public_key_is_refused() {
    // Algorithm confusion: an attacker "signs" an HS256 token with bytes of our public key.
    let set: Value = serde_json::from_str(JWKS).expect("fixture JSON");
    let modulus = set["keys"][0]["n"].as_str().expect("n");
    let claims = json!({ "role": "admin", "exp": NOW + 3600 });

    // Without kid: the JWKS has no HS256 key.
    let token = hs256_with(&claims, modulus);
    assert_eq!(
        refused(&jwks_only(), &token),
        AuthError::InvalidToken(TokenProblem::NoKeyForAlgorithm)
    );
    // Naming the RSA key: the key is RS256, the token says HS256.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".to_owned());
    let token = sign(
        header,
        &claims,
        &EncodingKey::from_secret(modulus.as_bytes()),
    );
    for authenticator in [jwks_only(), both()] {
        let err = refused(&authenticator, &token);
        assert_eq!(
            err,
            AuthError::InvalidToken(TokenProblem::AlgorithmMismatch)
        );
        assert_eq!(err.code(), "PGRST301");
    }
}

#[test]
fn rs256_token_naming_the_ec_key_is_refused() {
    let token = rs256(&reader(), Some("ec-1"), RSA_PEM);
    assert_eq!(
        refused(&jwks_only(), &token),
        AuthError::InvalidToken(TokenProblem::AlgorithmMismatch)
    );
}

#[test]
fn unknown_kid_is_refused() {
    let err = refused(&jwks_only(), &rs256(&reader(), Some("rsa-2"), RSA_PEM));
    assert_eq!(err, AuthError::InvalidToken(TokenProblem::UnknownKid));
    assert_eq!(err.to_string(), "No suitable key or wrong key type");
    assert_eq!(err.details(), Some("No key matches the token's kid"));
}

#[test]
fn hs256_token_with_a_kid_uses_the_secret() {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("whatever".to_owned());
    let token = sign(
        header,
        &reader(),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    );
    assert!(auth(&both(), &token).is_ok());
}

#[test]
fn bearer_token_without_configured_keys_is_a_server_error() {
    let authenticator = Authenticator::build(&settings(None), None, ROLES).expect("valid");
    let err = refused(&authenticator, &hs256(&reader()));
    assert_eq!(err, AuthError::NoKeysConfigured);
    assert_eq!((err.code(), err.status()), ("PGRST300", 500));
    assert_eq!(err.www_authenticate(), None);
    // Anonymous requests still work.
    assert!(authenticator.authenticate_at(None, NOW).is_ok());
}

#[test]
fn malformed_tokens_are_refused() {
    let cases = [
        (
            "a.b",
            AuthError::InvalidToken(TokenProblem::Parts { found: 2 }),
        ),
        (
            "a.b.c.d.e",
            AuthError::InvalidToken(TokenProblem::Parts { found: 5 }),
        ),
        ("a.b.c", AuthError::InvalidToken(TokenProblem::Undecodable)),
        (
            "eyJhbGciOiJIUzI1NiJ9.e30.c",
            AuthError::InvalidToken(TokenProblem::Undecodable),
        ),
        (
            "eyJhbGciOiJIUzI1NiJ9.%%%.AAAA",
            AuthError::InvalidToken(TokenProblem::BadSignature),
        ),
    ];
    for (token, expected) in cases {
        assert_eq!(refused(&hs_only(), token), expected, "{token}");
    }
    assert_eq!(
        refused(&hs_only(), "a.b").to_string(),
        "Expected 3 parts in JWT; got 2"
    );
    // A header with a `crit` extension we cannot honour.
    let token = unsigned(
        &json!({ "alg": "HS256", "crit": ["exp"] }),
        &json!({ "role": "reader" }),
    );
    assert_eq!(
        refused(&hs_only(), &token),
        AuthError::InvalidToken(TokenProblem::UnsupportedAlgorithm)
    );
}

#[test]
fn payload_that_is_not_an_object_is_refused() {
    let token = hs256(&json!(["role", "admin"]));
    let err = refused(&hs_only(), &token);
    assert_eq!(err, AuthError::Claims(ClaimsProblem::Unparsable));
    assert_eq!(err.code(), "PGRST303");
}

// --- registered claims ----------------------------------------------------------------------

#[test]
fn expired_token_is_refused_with_pgrst303() {
    let token = hs256(&json!({ "role": "reader", "exp": NOW - 31 }));
    let err = refused(&hs_only(), &token);
    assert_eq!(err, AuthError::Claims(ClaimsProblem::Expired));
    assert_eq!((err.code(), err.status()), ("PGRST303", 401));
    assert_eq!(err.to_string(), "JWT expired");
    assert_eq!(
        err.www_authenticate().as_deref(),
        Some("Bearer error=\"invalid_token\", error_description=\"JWT expired\"")
    );
    // Within the 30 s leeway: accepted.
    let token = hs256(&json!({ "role": "reader", "exp": NOW - 29 }));
    assert!(auth(&hs_only(), &token).is_ok());
}

#[test]
fn exp_is_optional() {
    assert!(auth(&hs_only(), &hs256(&json!({ "role": "reader" }))).is_ok());
}

#[test]
fn time_claims_must_be_numbers() {
    for claim in ["exp", "nbf", "iat"] {
        let token = hs256(&json!({ "role": "reader", claim: "soon" }));
        let err = refused(&hs_only(), &token);
        assert_eq!(err, AuthError::Claims(ClaimsProblem::NotANumber { claim }));
        assert_eq!(
            err.to_string(),
            format!("The JWT '{claim}' claim must be a number")
        );
    }
    // Fractional seconds are fine.
    let token = hs256(&json!({ "role": "reader", "exp": (NOW as f64) + 10.5 }));
    assert!(auth(&hs_only(), &token).is_ok());
}

#[test]
fn nbf_in_the_future_is_refused() {
    let token = hs256(&json!({ "role": "reader", "nbf": NOW + 31 }));
    let err = refused(&hs_only(), &token);
    assert_eq!(err, AuthError::Claims(ClaimsProblem::NotYetValid));
    assert_eq!(err.to_string(), "JWT not yet valid");
    let token = hs256(&json!({ "role": "reader", "nbf": NOW + 29 }));
    assert!(auth(&hs_only(), &token).is_ok());
}

#[test]
fn iat_in_the_future_is_refused() {
    let token = hs256(&json!({ "role": "reader", "iat": NOW + 31 }));
    let err = refused(&hs_only(), &token);
    assert_eq!(err, AuthError::Claims(ClaimsProblem::IssuedInFuture));
    assert_eq!(err.to_string(), "JWT issued at future");
    let token = hs256(&json!({ "role": "reader", "iat": NOW + 29 }));
    assert!(auth(&hs_only(), &token).is_ok());
}

#[test]
fn audience_is_checked_when_configured() {
    let authenticator = with_audience("gatehouse");
    let ok = |aud: Value| hs256(&json!({ "role": "reader", "aud": aud }));
    assert!(auth(&authenticator, &ok(json!("gatehouse"))).is_ok());
    assert!(auth(&authenticator, &ok(json!(["other", "gatehouse"]))).is_ok());

    for aud in [json!("other"), json!(["other"]), json!([])] {
        let err = refused(&authenticator, &ok(aud.clone()));
        assert_eq!(
            err,
            AuthError::Claims(ClaimsProblem::NotInAudience),
            "{aud}"
        );
        assert_eq!(err.to_string(), "JWT not in audience");
    }
    // No `aud` at all while an audience is configured: refused (stricter than PostgREST).
    assert_eq!(
        refused(&authenticator, &hs256(&json!({ "role": "reader" }))),
        AuthError::Claims(ClaimsProblem::NotInAudience)
    );
    assert_eq!(
        refused(&authenticator, &ok(json!(42))),
        AuthError::Claims(ClaimsProblem::AudienceFormat)
    );
}

#[test]
fn any_audience_is_accepted_when_none_is_configured() {
    let token = hs256(&json!({ "role": "reader", "aud": "someone-else" }));
    assert!(auth(&hs_only(), &token).is_ok());
    let token = hs256(&json!({ "role": "reader", "aud": [1] }));
    assert_eq!(
        refused(&hs_only(), &token),
        AuthError::Claims(ClaimsProblem::AudienceFormat)
    );
}

// --- role, tenant, claims -------------------------------------------------------------------

#[test]
fn missing_role_claim_is_refused() {
    for claims in [
        json!({ "sub": "user-1" }),
        json!({ "role": null }),
        json!({ "role": 7 }),
        json!({ "role": ["reader"] }),
    ] {
        let err = refused(&hs_only(), &hs256(&claims));
        assert_eq!(
            err,
            AuthError::MissingRole {
                claim: "role".to_owned()
            },
            "{claims}"
        );
        assert_eq!((err.code(), err.status()), ("GH302", 401));
    }
}

#[test]
fn undeclared_role_is_refused() {
    let err = refused(&hs_only(), &hs256(&json!({ "role": "postgres" })));
    assert_eq!(
        err,
        AuthError::UnknownRole {
            role: "postgres".to_owned()
        }
    );
    assert_eq!((err.code(), err.status()), ("GH301", 401));
    assert_eq!(
        err.to_string(),
        "JWT role 'postgres' is not declared by the policy"
    );
}

#[test]
fn configured_claim_names_are_used() {
    let mut settings = settings(Some(SECRET));
    settings.role_claim = "gh_role".to_owned();
    settings.tenant_claim = "org".to_owned();
    let authenticator = Authenticator::build(&settings, None, ROLES).expect("valid config");
    let token = hs256(&json!({ "gh_role": "admin", "org": "acme", "role": "reader" }));
    let principal = auth(&authenticator, &token).expect("valid token");
    assert_eq!(principal.role, "admin");
    assert_eq!(principal.tenant, Tenant::One("acme".to_owned()));
    // `role` is just another claim here; a token with only it has no role.
    assert_eq!(
        refused(&authenticator, &hs256(&json!({ "role": "admin" }))),
        AuthError::MissingRole {
            claim: "gh_role".to_owned()
        }
    );
}

#[test]
fn tenant_claim_string_or_number() {
    let tenant = |value: Value| {
        let token = hs256(&json!({ "role": "reader", "tenant_id": value }));
        auth(&hs_only(), &token).expect("valid token").tenant
    };
    assert_eq!(tenant(json!("acme")), Tenant::One("acme".to_owned()));
    assert_eq!(tenant(json!(42)), Tenant::One("42".to_owned()));
    assert_eq!(tenant(json!("")), Tenant::Missing);
    assert_eq!(tenant(json!(null)), Tenant::Missing);
    assert_eq!(tenant(json!({ "id": "acme" })), Tenant::Missing);
    let token = hs256(&json!({ "role": "reader" }));
    assert_eq!(
        auth(&hs_only(), &token).expect("valid").tenant,
        Tenant::Missing
    );
}

#[test]
fn scalar_claims_become_text_and_nested_ones_are_skipped() {
    let token = hs256(&json!({
        "role": "reader",
        "sub": "user-1",
        "email": "a@example.com",
        "level": 3,
        "ratio": 0.5,
        "admin": false,
        "nothing": null,
        "groups": ["a", "b"],
        "app_metadata": { "plan": "pro" },
    }));
    let principal = auth(&hs_only(), &token).expect("valid token");
    let expected: BTreeMap<String, String> = [
        ("admin", "false"),
        ("email", "a@example.com"),
        ("level", "3"),
        ("ratio", "0.5"),
        ("role", "reader"),
        ("sub", "user-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(principal.claims, expected);
}

#[test]
fn numeric_subject_is_text() {
    let token = hs256(&json!({ "role": "reader", "sub": 12 }));
    let principal = auth(&hs_only(), &token).expect("valid token");
    assert_eq!(principal.subject.as_deref(), Some("12"));
}

// --- no credentials, other schemes, API keys ------------------------------------------------

#[test]
fn no_header_gives_anon_when_declared() {
    let principal = hs_only().authenticate_at(None, NOW).expect("anonymous");
    assert_eq!(
        principal,
        Principal {
            role: "anon".to_owned(),
            tenant: Tenant::Missing,
            subject: None,
            claims: BTreeMap::new(),
        }
    );
    assert!(hs_only().allows_anonymous());
}

#[test]
fn no_header_without_anon_is_401() {
    let authenticator =
        Authenticator::build(&settings(Some(SECRET)), None, ["reader"]).expect("valid config");
    assert!(!authenticator.allows_anonymous());
    let err = authenticator
        .authenticate_at(None, NOW)
        .expect_err("no anon role");
    assert_eq!(err, AuthError::Unauthenticated);
    assert_eq!((err.code(), err.status()), ("PGRST302", 401));
    assert_eq!(err.to_string(), "Anonymous access is disabled");
    assert_eq!(err.www_authenticate().as_deref(), Some("Bearer"));
    // A JWT still works.
    assert!(auth(&authenticator, &hs256(&reader())).is_ok());
    // And a JWT cannot name `anon` when the policy does not declare it.
    assert_eq!(
        refused(&authenticator, &hs256(&json!({ "role": "anon" }))),
        AuthError::UnknownRole {
            role: "anon".to_owned()
        }
    );
}

#[test]
fn other_header_shapes() {
    let cases = [
        ("", AuthError::EmptyToken),
        ("   ", AuthError::EmptyToken),
        ("Bearer", AuthError::EmptyToken),
        ("Bearer   ", AuthError::EmptyToken),
        ("Basic dXNlcjpwYXNz", AuthError::UnsupportedScheme),
        ("Token abc", AuthError::UnsupportedScheme),
        ("eyJhbGciOiJIUzI1NiJ9.e30.x", AuthError::UnsupportedScheme),
        ("Bearer gh_abc123_secretpart", AuthError::ApiKeysDisabled),
    ];
    for (header, expected) in cases {
        let err = hs_only()
            .authenticate_at(Some(header), NOW)
            .expect_err(header);
        assert_eq!(err, expected, "{header:?}");
        assert_eq!(err.status(), 401);
    }
    assert_eq!(AuthError::EmptyToken.code(), "PGRST301");
    assert_eq!(AuthError::UnsupportedScheme.code(), "GH303");
    assert_eq!(AuthError::ApiKeysDisabled.code(), "GH304");
    assert!(
        AuthError::ApiKeysDisabled
            .to_string()
            .contains("not enabled")
    );
}

// --- nothing secret in errors ---------------------------------------------------------------

#[test]
fn error_messages_contain_no_token_text() {
    let base = json!({ "role": "reader", "exp": NOW + 3600 });
    let tokens = [
        hs256_with(&base, "another-secret-of-32-bytes-or-more"),
        hs256(&json!({ "role": "reader", "exp": NOW - 3600 })),
        hs256(&json!({ "role": "nope" })),
        hs256(&json!({ "sub": "x" })),
        hs256(&json!({ "role": "reader", "nbf": "x" })),
        rs256(&base, Some("unknown"), RSA_PEM),
        unsigned(&json!({ "alg": "none" }), &base),
        "gh_abcdef_0123456789abcdef".to_owned(),
        "abc.def".to_owned(),
    ];
    for token in &tokens {
        for authenticator in [hs_only(), with_audience("x")] {
            let err = refused(&authenticator, token);
            let texts = [
                err.to_string(),
                format!("{err:?}"),
                err.details().unwrap_or_default().to_owned(),
                err.www_authenticate().unwrap_or_default(),
            ];
            for text in texts {
                assert!(!text.contains(SECRET), "secret in {text:?}");
                for part in token.split(['.', '_']).filter(|p| p.len() >= 3) {
                    assert!(!text.contains(part), "token text {part:?} in {text:?}");
                }
            }
        }
    }
}

#[test]
fn debug_output_has_no_key_material() {
    let debug = format!("{:?}", both());
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(!debug.contains("SecretOrDer"), "{debug}");
    assert!(debug.contains("rsa-1"), "{debug}");
}

// --- startup ----------------------------------------------------------------------------------

fn startup_error(secret: Option<&str>, jwks: &str) -> ConfigError {
    match Authenticator::build(&settings(secret), Some(jwks), ROLES) {
        Ok(authenticator) => panic!("expected a config error, got {authenticator:?}"),
        Err(err) => err,
    }
}

#[test]
fn short_secret_is_a_startup_error_without_the_secret() {
    let err = Authenticator::build(&settings(Some("short-secret-value")), None, ROLES)
        .expect_err("short secret");
    assert_eq!(err.variable, "GATEHOUSE_JWT_SECRET");
    assert!(err.problem.contains("at least 32 bytes"), "{err}");
    assert!(!err.to_string().contains("short-secret-value"), "{err}");
}

#[test]
fn missing_jwks_file_is_a_startup_error() {
    let mut settings = settings(None);
    settings.jwks_file = Some(PathBuf::from("/nonexistent/jwks.json"));
    let err = Authenticator::new(&settings, ROLES).expect_err("missing file");
    assert_eq!(err.variable, "GATEHOUSE_JWKS_FILE");
    assert!(
        err.problem.starts_with("read /nonexistent/jwks.json"),
        "{err}"
    );
}

#[test]
fn jwks_file_is_read_at_startup() {
    let dir = std::env::temp_dir().join(format!("gatehouse-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("jwks.json");
    std::fs::write(&path, JWKS).expect("write JWKS");
    let mut jwt = settings(None);
    jwt.jwks_file = Some(path.clone());
    let authenticator = Authenticator::new(&jwt, ROLES).expect("valid JWKS file");
    assert!(auth(&authenticator, &es256(&reader(), Some("ec-1"))).is_ok());

    std::fs::write(&path, "{}").expect("write JWKS");
    let err = Authenticator::new(&jwt, ROLES).expect_err("not a JWKS");
    assert_eq!(err.variable, "GATEHOUSE_JWKS_FILE");
    assert!(err.problem.contains(&path.display().to_string()), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn invalid_jwks_are_startup_errors() {
    let set: Value = serde_json::from_str(JWKS).expect("fixture JSON");
    let rsa = set["keys"][0].clone();
    let ec = set["keys"][1].clone();
    let with = |key: &Value, member: &str, value: Value| {
        let mut key = key.clone();
        key[member] = value;
        key
    };
    let cases: Vec<(String, &str)> = vec![
        ("not json".to_owned(), "not valid JSON"),
        ("[]".to_owned(), "not a JSON Web Key Set"),
        (json!({ "keys": {} }).to_string(), "must be an array"),
        (json!({ "keys": [] }).to_string(), "no usable key"),
        (
            json!({ "keys": [with(&rsa, "use", json!("enc"))] }).to_string(),
            "\"use\" is \"enc\"",
        ),
        (
            json!({ "keys": [with(&rsa, "alg", json!("RS512"))] }).to_string(),
            "RS512 is not supported",
        ),
        (
            json!({ "keys": [with(&ec, "crv", json!("P-384"))] }).to_string(),
            "curve \"P-384\" is not supported",
        ),
        (
            json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] }).to_string(),
            "GATEHOUSE_JWT_SECRET",
        ),
        (
            json!({ "keys": [with(&rsa, "n", json!("AQAB"))] }).to_string(),
            "too short",
        ),
        (
            json!({ "keys": [with(&ec, "y", ec["x"].clone())] }).to_string(),
            "not a point on P-256",
        ),
        (
            json!({ "keys": [with(&ec, "x", json!("***"))] }).to_string(),
            "not base64url",
        ),
        (
            json!({ "keys": [rsa.clone(), with(&ec, "kid", json!("rsa-1"))] }).to_string(),
            "appears twice",
        ),
        (
            json!({ "keys": [{ "kid": "k" }] }).to_string(),
            "no \"kty\"",
        ),
        (
            json!({ "keys": [with(&rsa, "kid", Value::Null), ec.clone()] }).to_string(),
            "every key needs a \"kid\"",
        ),
    ];
    for (jwks, expected) in cases {
        let err = startup_error(None, &jwks);
        assert_eq!(err.variable, "GATEHOUSE_JWKS_FILE", "{jwks}");
        assert!(err.problem.contains(expected), "{jwks}: {err}");
    }
}

#[test]
fn unusable_keys_are_skipped_when_others_remain() {
    let mut set: Value = serde_json::from_str(JWKS).expect("fixture JSON");
    let keys = set["keys"].as_array_mut().expect("keys");
    keys.push(json!({ "kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB" }));
    keys.push(json!({ "kty": "OKP", "kid": "ed-1", "crv": "Ed25519", "x": "AAAA" }));
    let authenticator =
        Authenticator::build(&settings(None), Some(&set.to_string()), ROLES).expect("valid");
    assert!(auth(&authenticator, &rs256(&reader(), Some("rsa-1"), RSA_PEM)).is_ok());
    assert_eq!(
        refused(&authenticator, &rs256(&reader(), Some("enc-1"), RSA_PEM)),
        AuthError::InvalidToken(TokenProblem::UnknownKid)
    );
}

#[test]
fn from_policy_takes_the_declared_roles() {
    let policy = policy::parse("[roles.reader]\n").expect("valid policy");
    let authenticator =
        Authenticator::from_policy(&settings(Some(SECRET)), &policy).expect("valid config");
    assert!(!authenticator.allows_anonymous());
    assert!(auth(&authenticator, &hs256(&reader())).is_ok());
    assert!(matches!(
        refused(&authenticator, &hs256(&json!({ "role": "admin" }))),
        AuthError::UnknownRole { .. }
    ));
}

// --- API key, address and rate-limit errors -------------------------------------------------

#[test]
fn key_address_and_rate_errors_have_their_codes_statuses_and_headers() {
    let cases = [
        (AuthError::ApiKeysDisabled, "GH304", 401),
        (AuthError::InvalidApiKey, "GH305", 401),
        (
            AuthError::KeyRoleUndeclared {
                role: "ghost".to_owned(),
            },
            "GH301",
            401,
        ),
        (AuthError::KeyInUrl, "GH306", 400),
        (AuthError::AddressNotAllowed, "GH307", 403),
        (
            AuthError::RateLimited {
                retry_after: 2,
                limit: 10,
                policy: "5;w=1;burst=10".to_owned(),
            },
            "GH308",
            429,
        ),
        (AuthError::TooManyFailures { retry_after: 3 }, "GH308", 429),
    ];
    for (err, code, status) in cases {
        assert_eq!((err.code(), err.status()), (code, status), "{err:?}");
        // A challenge only on a 401.
        assert_eq!(err.www_authenticate().is_some(), status == 401, "{err:?}");
        let headers = err.headers();
        let retry = headers.iter().find(|(name, _)| *name == "retry-after");
        assert_eq!(retry.is_some(), status == 429, "{err:?}");
    }
    let limited = AuthError::RateLimited {
        retry_after: 2,
        limit: 10,
        policy: "5;w=1;burst=10".to_owned(),
    };
    assert_eq!(
        limited.headers(),
        vec![
            ("retry-after", "2".to_owned()),
            ("ratelimit-limit", "10".to_owned()),
            ("ratelimit-remaining", "0".to_owned()),
            ("ratelimit-reset", "2".to_owned()),
            ("ratelimit-policy", "5;w=1;burst=10".to_owned()),
        ]
    );
    assert!(AuthError::KeyInUrl.to_string().contains("logs"));
}

#[test]
fn a_bare_token_is_checked_like_a_bearer_header() {
    let authenticator = hs_only();
    // (No exp: this path reads the real clock, and the fixtures' times are in the past.)
    let token = hs256(&json!({ "role": "reader", "sub": "user-1" }));
    let principal = authenticator
        .authenticate_token(&token)
        .expect("valid token");
    assert_eq!(principal.role, "reader");
    assert_eq!(
        authenticator.authenticate_token("  "),
        Err(AuthError::EmptyToken)
    );
    assert_eq!(
        authenticator.authenticate_token("gh_abcdefgh_0123456789012345678901"),
        Err(AuthError::ApiKeysDisabled)
    );
    assert!(matches!(
        authenticator.authenticate_token("x.y"),
        Err(AuthError::InvalidToken(_))
    ));
}
