//! The registered claims we check ourselves, as PostgREST does: `exp`, `nbf` and `iat` with a
//! leeway of [`LEEWAY_SECONDS`], and `aud`.

use serde_json::{Map, Value};

use super::error::ClaimsProblem;

/// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds (PostgREST's `allowedSkewSeconds`).
pub const LEEWAY_SECONDS: i64 = 30;

/// Checks the time claims and the audience, in PostgREST's order (the first problem wins).
///
/// - `exp` is optional; when present it must be a number, and not more than the leeway past.
/// - `nbf` and `iat` are optional; when present they must be numbers, and not more than the
///   leeway in the future.
/// - `aud`, when present, must be a string or an array of strings. When an audience is
///   configured, `aud` must be present and contain it. (PostgREST accepts a token without
///   `aud` even then; we do not, so a token minted for any service sharing the key is not
///   accepted by one that asks for its own audience.)
pub(super) fn check(
    claims: &Map<String, Value>,
    now: i64,
    audience: Option<&str>,
) -> Result<(), ClaimsProblem> {
    if let Some(exp) = time(claims, "exp")?
        && now.saturating_sub(LEEWAY_SECONDS) > exp
    {
        return Err(ClaimsProblem::Expired);
    }
    if let Some(nbf) = time(claims, "nbf")?
        && now.saturating_add(LEEWAY_SECONDS) < nbf
    {
        return Err(ClaimsProblem::NotYetValid);
    }
    if let Some(iat) = time(claims, "iat")?
        && now.saturating_add(LEEWAY_SECONDS) < iat
    {
        return Err(ClaimsProblem::IssuedInFuture);
    }
    let audiences: Option<Vec<&str>> = match claims.get("aud") {
        None | Some(Value::Null) => None,
        Some(Value::String(aud)) => Some(vec![aud.as_str()]),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| item.as_str().ok_or(ClaimsProblem::AudienceFormat))
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => return Err(ClaimsProblem::AudienceFormat),
    };
    if let Some(expected) = audience
        && !audiences.is_some_and(|auds| auds.contains(&expected))
    {
        return Err(ClaimsProblem::NotInAudience);
    }
    Ok(())
}

/// A NumericDate claim in whole seconds, `None` when absent (or `null`).
fn time(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, ClaimsProblem> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(seconds) = n.as_i64() {
                Ok(Some(seconds))
            } else if n.as_u64().is_some() {
                Ok(Some(i64::MAX))
            } else {
                Ok(n.as_f64().map(floor_seconds))
            }
        }
        Some(_) => Err(ClaimsProblem::NotANumber { claim: name }),
    }
}

#[expect(
    clippy::cast_possible_truncation,
    reason = "float-to-int `as` saturates, which is the right answer for absurd times"
)]
fn floor_seconds(seconds: f64) -> i64 {
    seconds.floor() as i64
}
