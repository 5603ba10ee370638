//! Turning "the textarea now says X" into one splice, so concurrent typing in a
//! narrative merges character by character instead of replacing the whole text.

/// The smallest single splice that turns `old` into `new`, in Unicode code points
/// (Automerge's default text indexing): `(position, deleted, inserted)`.
/// `None` when the texts are equal.
pub fn splice_between(old: &str, new: &str) -> Option<(usize, usize, String)> {
    if old == new {
        return None;
    }
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let deleted = a.len() - prefix - suffix;
    let inserted: String = b[prefix..b.len() - suffix].iter().collect();
    Some((prefix, deleted, inserted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(old: &str, (pos, del, ins): (usize, usize, String)) -> String {
        let mut c: Vec<char> = old.chars().collect();
        c.splice(pos..pos + del, ins.chars());
        c.into_iter().collect()
    }

    #[test]
    fn minimal_splices() {
        for (a, b) in [
            ("", "xã Ba Tơ"),
            ("xã Ba Tơ", "xã Ba Tô"),
            ("Trẻ em", "Trẻ em vui chơi"),
            ("aaa", "aa"),
            ("Điểm sinh hoạt", "sinh hoạt"),
            ("abc", ""),
        ] {
            let s = splice_between(a, b).unwrap();
            assert_eq!(apply(a, s), b, "{a:?} -> {b:?}");
        }
        assert_eq!(splice_between("giữ", "giữ"), None);
        assert_eq!(splice_between("aXb", "aYb"), Some((1, 1, "Y".into())));
    }
}
