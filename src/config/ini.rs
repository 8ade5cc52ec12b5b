//! A reader for `~/.databrickscfg`, the INI dialect the Databricks SDKs accept.
//!
//! `#` and `;` start an inline comment only after whitespace, because secrets may contain
//! them (databricks-sdk-go reads the file with `SpaceBeforeInlineComment`).

use std::path::{Path, PathBuf};

use crate::error::CliError;

#[derive(Debug, Default)]
pub struct IniFile {
    pub path: PathBuf,
    sections: Vec<Section>,
}

#[derive(Debug)]
struct Section {
    name: String,
    entries: Vec<(String, String)>,
}

impl IniFile {
    pub fn parse(path: &Path, text: &str) -> Result<IniFile, CliError> {
        let mut file = IniFile {
            path: path.to_path_buf(),
            sections: Vec::new(),
        };
        let mut current: Option<usize> = None;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let malformed =
                |why: &str| CliError::usage(format!("{}:{}: {why}", path.display(), index + 1));
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = strip_inline_comment(rest).trim_end().strip_suffix(']') else {
                    return Err(malformed("section header is missing its closing ']'"));
                };
                let name = name.trim();
                if name.is_empty() {
                    return Err(malformed("section header has no name"));
                }
                current = Some(file.section_index_or_insert(name));
                continue;
            }
            let Some(split) = line.find(['=', ':']) else {
                return Err(malformed("expected 'key = value' or a '[section]' header"));
            };
            let key = line[..split].trim().to_ascii_lowercase();
            if key.is_empty() {
                return Err(malformed("a key is missing before '='"));
            }
            let value = unquote(strip_inline_comment(&line[split + 1..]).trim());
            // Keys before any header belong to DEFAULT, as in databricks-sdk-go.
            let section = match current {
                Some(i) => i,
                None => file.section_index_or_insert("DEFAULT"),
            };
            let entries = &mut file.sections[section].entries;
            entries.retain(|(k, _)| *k != key);
            entries.push((key, value.to_string()));
        }
        Ok(file)
    }

    fn section_index_or_insert(&mut self, name: &str) -> usize {
        if let Some(i) = self.sections.iter().position(|s| s.name == name) {
            return i;
        }
        self.sections.push(Section {
            name: name.to_string(),
            entries: Vec::new(),
        });
        self.sections.len() - 1
    }

    /// The value of `key` in section `section`, if both exist and the value is not empty.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.name == section)?
            .entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn section_entries(&self, name: &str) -> &[(String, String)] {
        self.sections
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.entries.as_slice())
            .unwrap_or(&[])
    }

    /// Profile names, without the reserved `__settings__` section.
    pub fn profile_names(&self) -> Vec<&str> {
        self.sections
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| *n != SETTINGS_SECTION)
            .collect()
    }
}

/// The reserved section in which newer Databricks CLIs keep `default_profile`.
pub const SETTINGS_SECTION: &str = "__settings__";

fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for i in 1..bytes.len() {
        if (bytes[i] == b'#' || bytes[i] == b';') && bytes[i - 1].is_ascii_whitespace() {
            return &value[..i];
        }
    }
    value
}

/// Strips one pair of matching quotes, single or double, when the quote appears nowhere else
/// in the value: the rule of the INI reader databricks-sdk-go uses (gopkg.in/ini.v1
/// `parser.go` `hasSurroundedQuote`; the SDK's `config/config_file_test.go`
/// `TestConfigFileLoad` reads `'%Y#X$Z'`, `"%Y#X$Z"` and `%Y#X$Z` alike).
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            if !inner.contains(quote) {
                return inner;
            }
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> IniFile {
        IniFile::parse(Path::new("cfg"), text).unwrap()
    }

    #[test]
    fn hash_without_space_is_part_of_the_value() {
        let f = parse("[p]\ntoken = abc#def ; note\nhost=h # comment\n");
        assert_eq!(f.get("p", "token"), Some("abc#def"));
        assert_eq!(f.get("p", "host"), Some("h"));
    }

    #[test]
    fn matching_single_or_double_quotes_are_stripped_once() {
        let f = parse(
            "[p]\ntoken = 'dapi#1'\nhost = \"h\"\npassword = 'a'b'\nx = \"a\"b\"\ny = 'q\"\nz = ''\n",
        );
        assert_eq!(f.get("p", "token"), Some("dapi#1"));
        assert_eq!(f.get("p", "host"), Some("h"));
        assert_eq!(f.get("p", "password"), Some("'a'b'"), "quote inside: kept");
        assert_eq!(f.get("p", "x"), Some("\"a\"b\""));
        assert_eq!(f.get("p", "y"), Some("'q\""), "unmatched: kept");
        assert_eq!(f.get("p", "z"), None, "empty after unquoting");
    }

    #[test]
    fn keys_before_a_header_go_to_default_and_last_value_wins() {
        let f = parse("host = a\nhost = b\n[x]\n");
        assert_eq!(f.get("DEFAULT", "host"), Some("b"));
        assert_eq!(f.profile_names(), vec!["DEFAULT", "x"]);
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let err =
            IniFile::parse(Path::new("/h/.databrickscfg"), "[a]\nhost = x\njunk\n").unwrap_err();
        assert_eq!(
            err.message,
            "/h/.databrickscfg:3: expected 'key = value' or a '[section]' header"
        );
        let err = IniFile::parse(Path::new("f"), "[a\n").unwrap_err();
        assert!(
            err.message.starts_with("f:1: section header"),
            "{}",
            err.message
        );
    }
}
