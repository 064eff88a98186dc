//! "Did you mean" suggestions for misspelt names.

/// The candidate closest to `input`, if it is close enough to be a likely typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lowered = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::damerau_levenshtein(&lowered, &c.to_ascii_lowercase())))
        .filter(|(c, distance)| *distance <= (c.len().max(input.len()) / 3).max(1) || c.eq_ignore_ascii_case(input))
        .min_by_key(|(c, distance)| (*distance, *c))
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_misses_only() {
        let names = ["replicas", "version", "storage", "storageClassName"];
        assert_eq!(closest("replcas", names), Some("replicas"));
        assert_eq!(closest("Replicas", names), Some("replicas"));
        assert_eq!(closest("storageclassname", names), Some("storageClassName"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(closest("x", ["y"]), Some("y"));
    }
}
