//! Embeds `migrations/` (at the workspace root): every `NNNN_name.up.sql` with its
//! `NNNN_name.down.sql` becomes one entry of the list `src/lib.rs` includes, in version order,
//! the SQL text taken in with `include_str!`. Anything else in the folder except `README.md`
//! stops the build with a message naming the file, so a misnamed migration cannot be left out
//! silently.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Default)]
struct Pair {
    name: String,
    up: Option<PathBuf>,
    down: Option<PathBuf>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let dir = manifest.join("../../migrations");
    println!("cargo::rerun-if-changed={}", dir.display());

    let mut pairs: BTreeMap<i64, Pair> = BTreeMap::new();
    let mut entries = std::fs::read_dir(&dir)
        .map_err(|e| format!("read {}: {e}", dir.display()))?
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let file_name = entry.file_name();
        let file = file_name
            .to_str()
            .ok_or_else(|| format!("migrations/{}: not UTF-8", file_name.to_string_lossy()))?;
        if file == "README.md" {
            continue;
        }
        let (version, name, is_up) = parse(file).ok_or_else(|| {
            format!(
                "migrations/{file}: expected NNNN_name.up.sql or NNNN_name.down.sql \
                 (four or more digits without extra leading zeros, name in [a-z0-9_])"
            )
        })?;
        if !entry.file_type()?.is_file() {
            return Err(format!("migrations/{file}: not a file").into());
        }
        let pair = pairs.entry(version).or_default();
        if !pair.name.is_empty() && pair.name != name {
            return Err(format!(
                "migrations/{file}: version {version:04} is also used by {version:04}_{}",
                pair.name
            )
            .into());
        }
        pair.name = name.to_owned();
        let path = std::fs::canonicalize(entry.path())?;
        if is_up {
            pair.up = Some(path);
        } else {
            pair.down = Some(path);
        }
    }

    let mut code = String::from("&[\n");
    for (version, pair) in &pairs {
        let stem = format!("{version:04}_{}", pair.name);
        let up = pair
            .up
            .as_deref()
            .ok_or_else(|| format!("migrations/{stem}.up.sql is missing"))?;
        let down = pair
            .down
            .as_deref()
            .ok_or_else(|| format!("migrations/{stem}.down.sql is missing"))?;
        writeln!(
            code,
            "    Migration {{ version: {version}, name: {name:?}, up: include_str!({up}), \
             down: include_str!({down}) }},",
            name = pair.name,
            up = literal(up)?,
            down = literal(down)?,
        )?;
    }
    code.push_str("]\n");

    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("migrations.rs");
    std::fs::write(&out, code).map_err(|e| format!("write {}: {e}", out.display()))?;
    Ok(())
}

/// `0001_audit_log.up.sql` → `(1, "audit_log", true)`.
fn parse(file: &str) -> Option<(i64, &str, bool)> {
    let (stem, is_up) = if let Some(stem) = file.strip_suffix(".up.sql") {
        (stem, true)
    } else {
        (file.strip_suffix(".down.sql")?, false)
    };
    let (digits, name) = stem.split_once('_')?;
    let version: i64 = digits.parse().ok()?;
    let canonical = version > 0
        && digits.bytes().all(|b| b.is_ascii_digit())
        && format!("{version:04}") == digits;
    let good_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    (canonical && good_name).then_some((version, name, is_up))
}

/// A Rust string literal holding the path.
fn literal(path: &Path) -> Result<String, String> {
    path.to_str()
        .map(|s| format!("{s:?}"))
        .ok_or_else(|| format!("{}: path not UTF-8", path.display()))
}
