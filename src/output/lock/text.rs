//! Reading a lock's text fast: a lock of 30,000 files is 6 MB, which toml
//! takes about 90 ms of a core to read, beside the render of every `diff`
//! and every build after the first.

use super::entry::{Entry, Lock};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The lock in `text`, as toml reads it. The form kiln writes is read line
/// by line (`canonical`); any other, in pieces on every core (`pieces`).
pub(super) fn from_toml(text: &str) -> Result<Lock, toml::de::Error> {
    match canonical(text) {
        Some(lock) => Ok(lock),
        None => pieces(text),
    }
}

/// The lock in exactly the form `Lock::to_text` writes: comments, then
/// `version`, then one `[files."…"]` table per file (`[files.Jenkinsfile]`
/// for a key that needs no quotes), each with its keys in
/// their order, every string without an escape. `None` for anything else,
/// which toml then reads with its own answer and message; so this gives
/// what toml gives, or nothing.
fn canonical(text: &str) -> Option<Lock> {
    let mut version = None;
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    // The table being read: its path, and its keys so far.
    let mut table: Option<(&str, Fields)> = None;
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix("[files.") {
            let path = file_key(header)?;
            if let Some((done, fields)) = table.take() {
                files.insert(done.to_string(), fields.entry()?);
            }
            if files.contains_key(path) {
                return None;
            }
            table = Some((path, Fields::default()));
            continue;
        }
        let (key, value) = line.split_once(" = ")?;
        let Some((_, fields)) = table.as_mut() else {
            if key != "version" || version.is_some() {
                return None;
            }
            version = Some(number(value)?);
            continue;
        };
        // Each key once, in the order `Entry` declares them.
        let rank = match key {
            "sha256" => 1,
            "ejected" => 2,
            "also" => 3,
            "templates" => 4,
            _ => return None,
        };
        if rank <= fields.last {
            return None;
        }
        fields.last = rank;
        match rank {
            1 => fields.sha256 = Some(plain(value)?.to_string()),
            2 => fields.ejected = flag(value)?,
            3 => fields.also = list(value)?,
            _ => fields.templates = list(value)?,
        }
    }
    if let Some((done, fields)) = table {
        files.insert(done.to_string(), fields.entry()?);
    }
    Some(Lock {
        version: version?,
        files,
    })
}

/// The keys of one `[files."…"]` table read so far.
#[derive(Default)]
struct Fields {
    last: u8,
    sha256: Option<String>,
    ejected: bool,
    also: Vec<String>,
    templates: Vec<String>,
}

impl Fields {
    fn entry(self) -> Option<Entry> {
        Some(Entry {
            sha256: self.sha256?,
            ejected: self.ejected,
            also: self.also,
            templates: self.templates,
        })
    }
}

/// The path in what follows `[files.` on a table's header line, as kiln
/// writes it; `None` for anything else.
pub(super) fn file_key(header: &str) -> Option<&str> {
    key(header.strip_suffix(']')?)
}

/// A table's key as toml writes it: bare when it can be, else quoted.
fn key(text: &str) -> Option<&str> {
    let bare = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { Some(text) } else { plain(text) }
}

/// A basic string that needs no escape: `"…"` without `"`, `\` or a
/// control character inside.
fn plain(quoted: &str) -> Option<&str> {
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains(['"', '\\']) && !inner.chars().any(char::is_control)).then_some(inner)
}

/// A decimal integer as toml writes one: no sign, no leading zero.
fn number(text: &str) -> Option<u32> {
    let canonical = text == "0" || (!text.starts_with('0') && !text.is_empty());
    (canonical && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn flag(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// `["a", "b"]`, as toml writes an array of plain strings.
fn list(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(", ")
        .map(|item| plain(item).map(str::to_string))
        .collect()
}

/// A large lock read in pieces on every core, cut where a `[files."…"]`
/// table begins: each piece is a document of its own. Anything the pieces
/// do not settle alike (a piece that does not parse, a table in two
/// pieces) is read whole, which gives toml's own answer and message.
fn pieces(text: &str) -> Result<Lock, toml::de::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Piece {
        #[serde(default)]
        files: BTreeMap<String, Entry>,
    }
    let cuts = lock_cuts(text);
    if cuts.len() < 3 {
        return toml::from_str(text);
    }
    let pieces: Vec<&str> = cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let (first, rest) = pieces.split_first().unwrap_or((&"", &[]));
    let (head, tails) = crate::parallel::both(
        || toml::from_str::<Lock>(first),
        || crate::parallel::map(rest, |piece| toml::from_str::<Piece>(piece)),
    );
    let Ok(mut lock) = head else {
        return toml::from_str(text);
    };
    for tail in tails {
        let Ok(tail) = tail else {
            return toml::from_str(text);
        };
        for (path, entry) in tail.files {
            if lock.files.insert(path, entry).is_some() {
                return toml::from_str(text);
            }
        }
    }
    Ok(lock)
}

/// Where `pieces` cuts a lock: at the start of a line that opens a
/// `[files."…"]` table, about every `LOCK_PIECE_BYTES`.
fn lock_cuts(text: &str) -> Vec<usize> {
    const OPEN: &[u8] = b"\n[files.";
    let bytes = text.as_bytes();
    let mut cuts = vec![0];
    let mut at = LOCK_PIECE_BYTES;
    while at < bytes.len() {
        let Some(found) = bytes[at..].windows(OPEN.len()).position(|w| w == OPEN) else {
            break;
        };
        // Just after the newline: a character boundary.
        let cut = at + found + 1;
        cuts.push(cut);
        at = cut + LOCK_PIECE_BYTES;
    }
    cuts.push(bytes.len());
    cuts
}

/// About how much of a lock's text each core reads at a time.
const LOCK_PIECE_BYTES: usize = 256 * 1024;

#[cfg(test)]
mod tests {
    use super::super::entry::{Entry, Lock};
    use super::{canonical, lock_cuts, pieces};

    fn large() -> Lock {
        let mut lock = Lock {
            version: Lock::VERSION,
            files: Default::default(),
        };
        for i in 0..20_000 {
            let mut entry = Entry::new(format!("{i:064x}"));
            entry.templates = vec!["k8s/service.yaml.tera".into()];
            entry.ejected = i % 7 == 0;
            if i % 5 == 0 {
                entry.also = vec!["ab".repeat(32), "cd".repeat(32)];
            }
            if i % 3 == 0 {
                entry.templates.push("istio/http-route.yaml.tera".into());
            }
            lock.files
                .insert(format!("deploy/dev/services/s{i}/service.yaml"), entry);
        }
        lock
    }

    #[test]
    fn the_lock_as_kiln_writes_it_is_read_as_toml_reads_it() {
        let lock = large();
        let text = lock.to_text();
        assert_eq!(toml::from_str::<Lock>(&text).unwrap(), lock);
        assert_eq!(canonical(&text), Some(lock));
        let empty = Lock {
            version: 1,
            files: Default::default(),
        };
        // Written with an empty `[files]` table: small, and toml's to read.
        assert_eq!(canonical(&empty.to_text()), None);
        assert_eq!(super::from_toml(&empty.to_text()).unwrap(), empty);
    }

    #[test]
    fn anything_else_is_left_to_toml() {
        let entry = "[files.\"Jenkinsfile\"]\nsha256 = \"aa\"\n";
        let base = format!("version = 2\n\n{entry}");
        assert!(canonical(&base).is_some());
        for odd in [
            // Escapes, other quotes, bare keys, inline tables, other spacing.
            "version = 2\n[files.\"a\\\"b\"]\nsha256 = \"aa\"\n".to_string(),
            "version = 2\n[files.'a']\nsha256 = \"aa\"\n".to_string(),
            "version = 2\nfiles = { a = { sha256 = \"aa\" } }\n".to_string(),
            "version=2\n".to_string(),
            "version = 02\n".to_string(),
            "version = +2\n".to_string(),
            format!("version = 2\n{entry}sha256 = \"bb\"\n"),
            format!("version = 2\n{entry}templates = [\"a\"]\nejected = true\n"),
            format!("version = 2\n{entry}colour = \"red\"\n"),
            format!("version = 2\n{entry}ejected = yes\n"),
            format!("version = 2\n{entry}templates = [\"a\",\"b\"]\n"),
            format!("version = 2\n{entry}templates = [\"a\", \"b\",]\n"),
            format!("version = 2\n{entry}{entry}"),
            format!("{entry}version = 2\n"),
            "version = 2\n[files.\"a\"]\nejected = true\n".to_string(),
            "version = 2\n[files]\n".to_string(),
            "version = 2\nversion = 2\n".to_string(),
            "sha256 = \"aa\"\n".to_string(),
            String::new(),
        ] {
            assert_eq!(canonical(&odd), None, "{odd:?}");
        }
    }

    #[test]
    fn a_large_lock_read_in_pieces_is_the_lock_read_whole() {
        let lock = large();
        // Not the form kiln writes (two spaces before `=`): read in pieces.
        let text = lock.to_text().replace("sha256 =", "sha256  =");
        assert_eq!(canonical(&text), None);
        assert!(lock_cuts(&text).len() > 4, "the lock is cut");
        assert_eq!(pieces(&text).unwrap(), lock);
        // What the pieces would settle otherwise is toml's to settle whole:
        // a table in two pieces, a piece that does not parse alone.
        let first = "[files.\"deploy/dev/services/s0/service.yaml\"]";
        let again = format!("{text}\n{first}\nsha256 = \"{}\"\n", "0".repeat(64));
        let whole = toml::from_str::<Lock>(&again)
            .unwrap_err()
            .message()
            .to_string();
        assert_eq!(pieces(&again).unwrap_err().message(), whole);
        let cut = lock_cuts(&text)[2];
        let broken = format!("{}x = \"\"\"\n{}", &text[..cut], &text[cut..]);
        let whole = toml::from_str::<Lock>(&broken).map_err(|e| e.message().to_string());
        let read = pieces(&broken).map_err(|e| e.message().to_string());
        assert_eq!(read, whole);
    }

    proptest::proptest! {
        /// Whatever an edit makes of a lock kiln wrote, the line reader
        /// gives toml's answer or leaves the text to toml.
        #[test]
        fn an_edited_lock_is_read_as_toml_reads_it_or_left_to_toml(
            edits in proptest::collection::vec(
                (0usize..400, 0usize..3, proptest::sample::select(
                    &['"', '\\', '[', ']', ' ', '=', ',', '\n', '#', '\t', '0', 'a', '.', '\'', 'é'][..]
                )),
                1..4,
            )
        ) {
            let mut lock = Lock { version: Lock::VERSION, files: Default::default() };
            for (i, path) in ["Jenkinsfile", "deploy/dev/a.yaml", "deploy/prod/b.yaml"].iter().enumerate() {
                let mut entry = Entry::new(format!("{i:064x}"));
                entry.ejected = i == 1;
                entry.also = if i == 2 { vec!["ab".repeat(32)] } else { Vec::new() };
                entry.templates = vec!["k8s/a.yaml.tera".into(), "k8s/b.yaml.tera".into()];
                lock.files.insert(path.to_string(), entry);
            }
            let mut text: Vec<char> = lock.to_text().chars().collect();
            for (at, how, c) in edits {
                let at = at % (text.len() + 1);
                match how {
                    0 => text.insert(at, c),
                    1 if at < text.len() => { text.remove(at); }
                    _ if at < text.len() => text[at] = c,
                    _ => {}
                }
            }
            let text: String = text.into_iter().collect();
            if let Some(read) = canonical(&text) {
                proptest::prop_assert_eq!(Some(read), toml::from_str::<Lock>(&text).ok(), "{:?}", text);
            }
        }
    }
}
