//! Extending a clock within its policy's limits.

use super::{PolicyRules, Span, approx_hours};
use crate::FieldError;
use crate::text::{Summary, TextError, TextKind};

/// Checks a request to extend a clock, reporting every problem at once.
///
/// Refused when the policy allows no extensions, when `extensions_so_far`
/// has reached `max_extensions`, when `requested` has amount 0 or is longer
/// than `max_extension` (compared with [`approx_hours`](super::approx_hours), so business days
/// count as 24 h each against the limit), when `reason` is blank after
/// trimming, when `reason` exceeds [`MAX_REASON_CHARS`](super::MAX_REASON_CHARS) characters or holds
/// a control character other than tab and line breaks. Returns the reason
/// to store.
pub fn check_extension(
    rules: &PolicyRules,
    extensions_so_far: u32,
    requested: Span,
    reason: &str,
) -> Result<Summary, Vec<FieldError>> {
    let mut errors = Vec::new();
    if rules.max_extensions == 0 {
        errors.push(FieldError::new(
            &["input", "by"],
            "this policy allows no extensions",
        ));
    } else if extensions_so_far >= rules.max_extensions {
        errors.push(FieldError::new(
            &["input", "by"],
            format!(
                "already extended {extensions_so_far} times; the policy allows {}",
                rules.max_extensions
            ),
        ));
    }
    if requested.amount == 0 {
        errors.push(FieldError::new(
            &["input", "by", "amount"],
            "must be at least 1",
        ));
    } else if let Some(max) = rules.max_extension
        && rules.max_extensions > 0
        && approx_hours(requested) > approx_hours(max)
    {
        errors.push(FieldError::new(
            &["input", "by"],
            format!("an extension may be at most {max}; requested {requested}"),
        ));
    }
    let reason = match Summary::check(reason) {
        Ok(reason) => Some(reason),
        Err(TextError::Empty) => {
            errors.push(FieldError::new(
                &["input", "reason"],
                "a reason is required",
            ));
            None
        }
        Err(e) => {
            errors.push(FieldError::new(&["input", "reason"], e.message("")));
            None
        }
    };
    match reason {
        Some(reason) if errors.is_empty() => Ok(reason),
        _ => Err(errors),
    }
}
