//! Catalog rules: how a visitor's search text becomes a query, and what a valid course looks like.

/// The longest search text we accept; longer input is cut, never rejected.
pub const MAX_SEARCH_CHARS: usize = 100;

/// Normalises free-text search input: trims, collapses inner whitespace, lowercases and caps the
/// length. `None` means "no filter".
pub fn normalize_search(raw: &str) -> Option<String> {
    let collapsed = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let capped: String = collapsed.chars().take(MAX_SEARCH_CHARS).collect();
    let capped = capped.trim_end().to_owned();
    (!capped.is_empty()).then_some(capped)
}

/// Escapes SQL `LIKE` wildcards so that a visitor's `%` or `_` matches itself (with `ESCAPE '\'`).
pub fn like_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for ch in search.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// Course difficulty as shown in the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Beginner,
    Intermediate,
    Advanced,
}

impl Level {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "beginner" => Some(Level::Beginner),
            "intermediate" => Some(Level::Intermediate),
            "advanced" => Some(Level::Advanced),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Beginner => "Beginner",
            Level::Intermediate => "Intermediate",
            Level::Advanced => "Advanced",
        }
    }
}

/// "45 min", "2 h", "3 h 20 min": how long a course or module takes.
pub fn duration_label(minutes: i64) -> String {
    let (hours, rest) = (minutes / 60, minutes % 60);
    match (hours, rest) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn blank_search_means_no_filter() {
        assert_eq!(normalize_search(""), None);
        assert_eq!(normalize_search("   \t\n"), None);
    }

    #[test]
    fn search_is_trimmed_collapsed_and_lowercased() {
        assert_eq!(
            normalize_search("  Rust   for\tBEGINNERS "),
            Some("rust for beginners".into())
        );
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_label(45), "45 min");
        assert_eq!(duration_label(120), "2 h");
        assert_eq!(duration_label(200), "3 h 20 min");
    }

    #[test]
    fn levels_parse_their_own_names() {
        for level in [Level::Beginner, Level::Intermediate, Level::Advanced] {
            let name = serde_json::to_value(level).unwrap();
            assert_eq!(Level::parse(name.as_str().unwrap()), Some(level));
        }
        assert_eq!(Level::parse("expert"), None);
    }

    proptest! {
        #[test]
        fn normalized_search_is_bounded_and_stable(raw in ".{0,300}") {
            if let Some(search) = normalize_search(&raw) {
                prop_assert!(search.chars().count() <= MAX_SEARCH_CHARS);
                prop_assert_eq!(normalize_search(&search), Some(search.clone()));
            }
        }
    }
}
