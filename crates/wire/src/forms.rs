//! Form plumbing shared by every page: the CSRF token and no-JS failure messages.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A failed submission of a plain form, shown when its page renders again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormFailure {
    pub form: String,
    pub error: AppError,
    pub values: BTreeMap<String, String>,
}

impl FormFailure {
    pub fn value(&self, field: &str) -> Option<String> {
        self.values.get(field).cloned()
    }
}

/// Name of the hidden field that carries the CSRF token in every form.
pub const CSRF_FIELD: &str = "csrf_token";
