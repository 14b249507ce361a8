//! The `Prefer` header (RFC 7240), as PostgREST reads it.
//!
//! Each header value is split on `,` and each token trimmed of blanks. Tokens are matched
//! exactly (case-sensitive, as PostgREST); for each preference the first occurrence wins,
//! across all `Prefer` headers in order. Unknown or malformed tokens are collected in
//! [`Preferences::invalid`] and ignored, unless `handling=strict` is among the tokens:
//! then parsing fails with [`Error::InvalidPreferences`] (`PGRST122`).
//!
//! Not judged here: whether a `timezone` exists (the api checks it against
//! `pg_timezone_names` and, with `handling=strict`, raises the same error itself), and
//! whether a preference applies to the request's method (a read ignores `return=`).

use crate::error::{Error, echo};

/// The preferences of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// `count=exact|planned|estimated`.
    pub count: Option<Count>,
    /// `return=minimal|headers-only|representation`.
    pub representation: Option<Return>,
    /// `resolution=merge-duplicates|ignore-duplicates`.
    pub resolution: Option<Resolution>,
    /// `missing=default|null`.
    pub missing: Option<Missing>,
    /// `handling=strict|lenient`.
    pub handling: Option<Handling>,
    /// `tx=commit|rollback`.
    pub transaction: Option<Transaction>,
    /// `timezone=Area/City`, unvalidated.
    pub timezone: Option<String>,
    /// `max-affected=N`.
    pub max_affected: Option<u64>,
    /// Tokens not understood (each truncated), in header order; empty tokens are skipped.
    pub invalid: Vec<String>,
}

macro_rules! preference {
    ($(#[$doc:meta])* $name:ident, $key:literal { $($(#[$vdoc:meta])* $variant:ident = $token:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// The token as written in `Prefer` and echoed in `Preference-Applied`.
            pub fn token(self) -> &'static str {
                match self {
                    $($name::$variant => concat!($key, "=", $token)),+
                }
            }

            fn from_value(v: &str) -> Option<Self> {
                match v {
                    $($token => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

preference!(
    /// `count=`: how to compute the total for `Content-Range`.
    Count, "count" {
        /// `count=exact`: `count(*)`.
        Exact = "exact",
        /// `count=planned`: the planner's estimate.
        Planned = "planned",
        /// `count=estimated`: exact up to a threshold, planned above.
        Estimated = "estimated",
    }
);

preference!(
    /// `return=`: what a write answers with.
    Return, "return" {
        /// `return=minimal`: no body.
        Minimal = "minimal",
        /// `return=headers-only`: `Location` only.
        HeadersOnly = "headers-only",
        /// `return=representation`: the written rows.
        Representation = "representation",
    }
);

preference!(
    /// `resolution=`: what an insert does on a unique conflict (an upsert).
    Resolution, "resolution" {
        /// `resolution=merge-duplicates`: update the existing row.
        MergeDuplicates = "merge-duplicates",
        /// `resolution=ignore-duplicates`: keep the existing row.
        IgnoreDuplicates = "ignore-duplicates",
    }
);

preference!(
    /// `missing=`: what a column absent from the payload gets.
    Missing, "missing" {
        /// `missing=default`: the column's default.
        Default = "default",
        /// `missing=null`: null (PostgREST's default behaviour).
        Null = "null",
    }
);

preference!(
    /// `handling=`: what to do with preferences that cannot be honoured.
    Handling, "handling" {
        /// `handling=strict`: refuse the request.
        Strict = "strict",
        /// `handling=lenient`: ignore them (the default).
        Lenient = "lenient",
    }
);

preference!(
    /// `tx=`: how the request's transaction ends.
    Transaction, "tx" {
        /// `tx=commit`.
        Commit = "commit",
        /// `tx=rollback`: run, answer, and roll back.
        Rollback = "rollback",
    }
);

impl Preferences {
    /// Parses the values of every `Prefer` header of a request, in order.
    pub fn parse<'a>(headers: impl IntoIterator<Item = &'a str>) -> Result<Self, Error> {
        let mut p = Preferences::default();
        for header in headers {
            for token in header.split(',') {
                let token = token.trim_matches([' ', '\t']);
                if token.is_empty() {
                    continue;
                }
                if !p.apply(token) {
                    p.invalid.push(echo(token));
                }
            }
        }
        if p.handling == Some(Handling::Strict) && !p.invalid.is_empty() {
            return Err(Error::InvalidPreferences { invalid: p.invalid });
        }
        Ok(p)
    }

    /// Applies one token (first occurrence wins); false if the token is not understood.
    fn apply(&mut self, token: &str) -> bool {
        let Some((key, value)) = token.split_once('=') else {
            return false;
        };
        fn set<T>(slot: &mut Option<T>, v: Option<T>) -> bool {
            match v {
                Some(v) => {
                    slot.get_or_insert(v);
                    true
                }
                None => false,
            }
        }
        match key {
            "count" => set(&mut self.count, Count::from_value(value)),
            "return" => set(&mut self.representation, Return::from_value(value)),
            "resolution" => set(&mut self.resolution, Resolution::from_value(value)),
            "missing" => set(&mut self.missing, Missing::from_value(value)),
            "handling" => set(&mut self.handling, Handling::from_value(value)),
            "tx" => set(&mut self.transaction, Transaction::from_value(value)),
            "timezone" => set(
                &mut self.timezone,
                (!value.is_empty()).then(|| value.to_owned()),
            ),
            "max-affected" => set(
                &mut self.max_affected,
                (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| value.parse::<u64>().ok())
                    .flatten()
                    .filter(|n| i64::try_from(*n).is_ok()),
            ),
            _ => false,
        }
    }
}
