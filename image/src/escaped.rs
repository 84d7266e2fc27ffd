//! Byte strings shown readably in `Debug` output: paths and arguments are raw bytes that are
//! usually text, and file data is summarized by its length rather than dumped.

use core::fmt;

/// Shows bytes as an escaped string literal, like `b"usr/bin/\xff"` without the `b`.
pub(crate) struct Escaped<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}

/// Shows a list of byte strings, each escaped.
pub(crate) struct EscapedList<'a, T>(pub(crate) &'a [T]);

impl<T: AsRef<[u8]>> fmt::Debug for EscapedList<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items = self.0.iter().map(|item| Escaped(item.as_ref()));
        f.debug_list().entries(items).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn escapes_non_text_bytes() {
        assert_eq!(format!("{:?}", Escaped(b"a b\xff\"")), r#""a b\xff\"""#);
        let list: &[&[u8]] = &[b"x", b"\n"];
        assert_eq!(format!("{:?}", EscapedList(list)), r#"["x", "\n"]"#);
    }
}
