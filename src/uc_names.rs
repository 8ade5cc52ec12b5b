//! Unity Catalog names: the rules a catalog, schema or table name must follow, and how a name
//! is backtick-quoted for SQL. Rules: Unity Catalog "Names" and "Identifiers" pages
//! (docs/databricks-api.md §3.1).

use crate::error::CliError;

const MAX_NAME_CHARS: usize = 255;

/// Checks a catalog, schema or table name against the Unity Catalog rules; the error names
/// the flag and the rule. Backticks are refused too: no legitimate name needs one, and they are
/// the way to break out of a quoted identifier.
pub fn validate_uc_name(flag: &str, value: &str) -> Result<(), CliError> {
    let fail = |why: &str| {
        Err(CliError::usage(format!(
            "{flag} {} is not a valid Unity Catalog name: {why}",
            crate::display::shown(value)
        )))
    };
    if value.is_empty() {
        return fail("it is empty");
    }
    let count = value.chars().count();
    if count > MAX_NAME_CHARS {
        return fail(&format!(
            "it has {count} characters, at most {MAX_NAME_CHARS} are allowed"
        ));
    }
    for c in value.chars() {
        let why = match c {
            '.' => "it contains '.' (a name may not contain '.', spaces, '/', backticks or control characters)",
            ' ' => "it contains a space (a name may not contain '.', spaces, '/', backticks or control characters)",
            '/' => "it contains '/' (a name may not contain '.', spaces, '/', backticks or control characters)",
            '`' => "it contains a backtick (a name may not contain '.', spaces, '/', backticks or control characters)",
            c if c.is_control() => "it contains a control character (a name may not contain '.', spaces, '/', backticks or control characters)",
            _ => continue,
        };
        return fail(why);
    }
    Ok(())
}

/// Backtick-quotes a name when it is not a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn quote_if_needed(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        quote(name)
    }
}

/// Backtick-quotes a name, doubling any backtick inside it.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Splits `catalog.schema.table`, where a part may be backtick-quoted (a doubled backtick
/// inside stands for one); `None` unless there are exactly three parts.
pub fn split_qualified(text: &str) -> Option<[String; 3]> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '`' if quoted && chars.peek() == Some(&'`') => {
                chars.next();
                current.push('`');
            }
            '`' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    if quoted {
        return None;
    }
    parts.push(current);
    parts.try_into().ok()
}
