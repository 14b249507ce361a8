//! The `Range` request header (`Range: 0-24`, `Range-Unit: items`), and how it combines
//! with `limit` / `offset`.

use crate::error::{Error, RangeError};
use crate::request::Window;

/// Rows `first..=last` (0-based), from a `Range` header. `last: None` is open-ended
/// (`10-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowRange {
    /// The first row, 0-based.
    pub first: u64,
    /// The last row, inclusive; `None` for no upper bound.
    pub last: Option<u64>,
}

impl RowRange {
    /// Parses a `Range` header value and the `Range-Unit` header, if any.
    ///
    /// Like PostgREST, a value that is not `first-[last]` (digits only; an `items=` prefix
    /// is tolerated) is ignored: `Ok(None)`, the request is served whole. So is a
    /// `Range-Unit` other than `items`, and a bound above `i64::MAX` (an upper bound that
    /// large is open-ended). `last < first` is an error (`PGRST103`). PostgREST honours
    /// `Range` on `GET` only: the api should not call this for other methods.
    pub fn parse(value: &str, range_unit: Option<&str>) -> Result<Option<RowRange>, Error> {
        if let Some(unit) = range_unit
            && !unit.trim().eq_ignore_ascii_case("items")
        {
            return Ok(None);
        }
        let v = value.trim();
        let v = match v.get(..6) {
            Some(prefix) if prefix.eq_ignore_ascii_case("items=") => &v[6..],
            _ => v,
        };
        let Some((first, last)) = v.split_once('-') else {
            return Ok(None);
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if first.is_empty() || !all_digits(first) || !all_digits(last) {
            return Ok(None);
        }
        let bounded = |s: &str| s.parse::<u64>().ok().filter(|n| i64::try_from(*n).is_ok());
        let Some(first) = bounded(first) else {
            return Ok(None);
        };
        let last = if last.is_empty() { None } else { bounded(last) };
        if let Some(last) = last
            && last < first
        {
            return Err(Error::Range(RangeError::LowerGreaterThanUpper));
        }
        Ok(Some(RowRange { first, last }))
    }
}

impl Window {
    /// The rows both this window (`limit`/`offset`) and a `Range` header ask for, as
    /// PostgREST computes them: the intersection. `limit=0` wins over any range (an empty
    /// page, which is allowed). An empty intersection otherwise is an error, reported with
    /// PostgREST's text for it ("Limit should be greater than or equal to zero.").
    pub fn intersect(self, range: RowRange) -> Result<Window, Error> {
        if self.limit == Some(0) {
            return Ok(self);
        }
        let offset = self.offset.unwrap_or(0);
        let lower = offset.max(range.first);
        let window_last = self
            .limit
            .map(|l| offset.saturating_add(l).saturating_sub(1));
        let upper = match (window_last, range.last) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(upper) = upper
            && upper < lower
        {
            return Err(Error::Range(RangeError::NegativeLimit));
        }
        Ok(Window {
            limit: upper.map(|u| (u - lower).saturating_add(1)),
            offset: (lower > 0 || self.offset.is_some()).then_some(lower),
        })
    }
}
