//! Chained per-line checksums of the working files that are read back
//! (`replications.tsv`, `sweep_shard.tsv`), so that a line edited, cut,
//! dropped, duplicated or moved is found at its line.
//!
//! Each data line ends with a tab and 16 lower-case hex digits: the first
//! 64 bits of SHA-256 over the previous line's checksum, a newline, and the
//! line up to (not including) that tab. The chain starts from the checksum
//! of the header line (`seed` below). Editing a line breaks its own
//! checksum; dropping, duplicating or swapping lines breaks the checksum of
//! the first line out of place. It guards against accidents (truncation,
//! editors, bad copies, disks), not against someone who recomputes it.

use sha2::{Digest, Sha256};

/// Hex digits of a checksum.
pub const HEX: usize = 16;

/// The checksum of `body` following the line whose checksum is `prev`.
pub fn of(prev: &str, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    let d = h.finalize();
    d[..HEX / 2].iter().map(|b| format!("{b:02x}")).collect()
}

/// The running state of a file's chain: the checksum of the last line.
#[derive(Debug, Clone)]
pub struct Chain {
    prev: String,
}

impl Chain {
    /// A chain that starts after the header line `header`.
    pub fn seed(header: &str) -> Chain {
        Chain { prev: of("", header) }
    }

    /// The checksum of the last line (of the header, for a new chain).
    pub fn last(&self) -> &str {
        &self.prev
    }

    /// The checksum for the next line `body` (which it then follows).
    pub fn seal(&mut self, body: &str) -> String {
        self.prev = of(&self.prev, body);
        self.prev.clone()
    }

    /// Checks a written line (`body`, tab, checksum) and returns its body.
    pub fn check<'a>(&mut self, line: &'a str) -> Result<&'a str, String> {
        let Some((body, given)) = line.rsplit_once('\t') else {
            return Err("no checksum field at the end of the line".into());
        };
        if given.len() != HEX || !given.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(format!(
                "the last field `{}` is not a checksum ({HEX} hex digits)",
                shorten(given)
            ));
        }
        let want = of(&self.prev, body);
        if want != given {
            return Err(format!(
                "checksum mismatch (the line says {given}, its contents give {want}): the line was edited or cut, \
                 or a line before it was removed, duplicated or moved"
            ));
        }
        self.prev = want;
        Ok(body)
    }
}

/// At most 40 characters of `s`, for messages.
pub fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(40).collect::<String>())
    }
}

/// `text` with the checksum of every line after the first recomputed (the
/// last tab field replaced, or added to a line without a tab): for tests and
/// fuzzing, which need files that pass the checksums but are wrong in
/// another way. Lines are taken as `str::split('\n')` gives them.
pub fn reseal(text: &str) -> String {
    let mut parts = text.split('\n');
    let header = parts.next().unwrap_or("");
    let mut chain = Chain::seed(header);
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str(header);
    let rest: Vec<&str> = parts.collect();
    for (i, l) in rest.iter().enumerate() {
        out.push('\n');
        if i + 1 == rest.len() && l.is_empty() {
            break;
        }
        let body = l.rsplit_once('\t').map_or(*l, |(b, _)| b);
        let sum = chain.seal(body);
        out.push_str(body);
        out.push('\t');
        out.push_str(&sum);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(lines: &[&str]) -> Vec<String> {
        let mut c = Chain::seed("# h");
        lines.iter().map(|l| format!("{l}\t{}", c.seal(l))).collect()
    }

    fn check_all(lines: &[String]) -> Result<(), usize> {
        let mut c = Chain::seed("# h");
        for (i, l) in lines.iter().enumerate() {
            c.check(l).map_err(|_| i)?;
        }
        Ok(())
    }

    #[test]
    fn edits_drops_duplicates_and_swaps_fail_at_the_first_line_out_of_place() {
        let good = file(&["a\t1", "b\t2", "c\t3"]);
        assert_eq!(check_all(&good), Ok(()));
        let mut edited = good.clone();
        edited[1] = edited[1].replacen('2', "7", 1);
        assert_eq!(check_all(&edited), Err(1));
        let swapped = vec![good[0].clone(), good[2].clone(), good[1].clone()];
        assert_eq!(check_all(&swapped), Err(1));
        let dup = vec![good[0].clone(), good[0].clone(), good[1].clone()];
        assert_eq!(check_all(&dup), Err(1));
        let dropped = vec![good[0].clone(), good[2].clone()];
        assert_eq!(check_all(&dropped), Err(1));
        let cut = vec![good[0].clone(), good[1][..good[1].len() - 3].to_string()];
        assert_eq!(check_all(&cut), Err(1));
    }

    #[test]
    fn reseal_repairs_every_checksum() {
        let good = file(&["a\t1", "b\t2"]);
        let text = format!("# h\n{}\n{}\n", good[0], good[1]);
        assert_eq!(reseal(&text), text);
        let edited = text.replacen("b\t2", "b\t9", 1);
        let fixed = reseal(&edited);
        let lines: Vec<String> = fixed.lines().skip(1).map(str::to_string).collect();
        assert_eq!(check_all(&lines), Ok(()));
        assert!(fixed.ends_with('\n'));
    }
}
