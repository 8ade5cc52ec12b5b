//! Property-based fuzzing of every parser of outside data: no input may panic. Inputs are built
//! from the pieces of each format, arbitrary text, and mutations of the seed corpus kept in
//! fuzz/corpus/<target>/ (real bodies and files). Bounded case counts keep each under a few
//! seconds in CI; failing cases are kept in proptest-regressions/.
//!
//! Test code only: `main.rs` declares it `#[cfg(test)] mod fuzz;`, so it is compiled into the
//! unit-test binary (`cargo test`) and never into tracecfg. It stays a unit-test module, beside
//! the modules it tests, because it calls their private parsers, which the integration tests in
//! tests/it/ (a separate crate that sees only the binary) cannot reach.

use std::path::Path;

use proptest::prelude::*;

use crate::api::experiments::Experiment;
use crate::api::statements::{ResultData, StatementResponse};
use crate::config::IniFile;
use crate::http::{decode_error_body, decode_json};
use crate::output::rows::{typed_value, Row};
use crate::project::ProjectFile;

/// Text made of the pieces these formats are built from, so generated inputs get past the first byte.
fn structured_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\"".to_string()),
        Just("=".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just(" # ".to_string()),
        Just("\n".to_string()),
        Just("null".to_string()),
        Just("<pre>".to_string()),
        Just("</title>".to_string()),
        Just("\"experiment\"".to_string()),
        Just("\"tags\"".to_string()),
        Just("\"experiment_id\"".to_string()),
        Just("\"status\"".to_string()),
        Just("\"state\"".to_string()),
        Just("\"data_array\"".to_string()),
        Just("\"error_code\"".to_string()),
        Just("[DEFAULT]".to_string()),
        Just("host".to_string()),
        "[a-zA-Z0-9_ .\\-]{0,8}",
        any::<char>().prop_map(|c| c.to_string()),
        (0u64..u64::MAX).prop_map(|n| n.to_string()),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![structured_text(), any::<String>()]
}

/// The seed files of one target in fuzz/corpus/.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("corpus file"))
        .collect();
    assert!(!seeds.is_empty(), "{} has no seeds", dir.display());
    seeds
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, u8),
    Delete(usize, usize),
    Replace(usize, u8),
    Duplicate(usize, usize),
}

/// A corpus seed with a few random byte edits: stays close to valid input, where bugs hide.
fn mutated(target: &'static str) -> impl Strategy<Value = String> {
    let seeds = corpus(target);
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 0usize..16).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), 0usize..32).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ];
    (0..seeds.len(), proptest::collection::vec(edit, 0..6)).prop_map(move |(which, edits)| {
        let mut bytes = seeds[which].clone();
        for e in edits {
            let len = bytes.len().max(1);
            match e {
                Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
                Edit::Delete(i, n) => {
                    let start = i % len;
                    let end = (start + n).min(bytes.len());
                    bytes.drain(start.min(end)..end);
                }
                Edit::Replace(i, b) if !bytes.is_empty() => {
                    let at = i % bytes.len();
                    bytes[at] = b;
                }
                Edit::Duplicate(i, n) if !bytes.is_empty() => {
                    let start = i % bytes.len();
                    let end = (start + n).min(bytes.len());
                    let copy = bytes[start..end].to_vec();
                    bytes.splice(end..end, copy);
                }
                _ => {}
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn seeded_or_any(target: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![mutated(target), any_text()]
}

/// The experiment of a `{"experiment": {...}}` answer, as the API module decodes it.
fn experiment_in_envelope(text: &str) -> Option<Experiment> {
    let envelope: serde_json::Value = decode_json("fuzz", text.as_bytes()).ok()?;
    serde_json::from_value(envelope.get("experiment")?.clone()).ok()
}

fn stream_rows(text: &str) {
    let mut cells = 0usize;
    let _ = crate::api::statements::stream_chunk(0, text.as_bytes(), &mut |row| cells += row.len());
}

#[test]
fn the_seed_corpus_is_real_input() {
    let text = |t: &str| {
        corpus(t)
            .into_iter()
            .map(|b| String::from_utf8(b).unwrap())
            .collect::<Vec<_>>()
    };
    let configs = text("config");
    assert!(configs.iter().any(|c| IniFile::parse(Path::new("c"), c)
        .is_ok_and(|f| f.get("ci-sp", "client_secret") == Some("quoted secret"))));
    assert!(text("project")
        .iter()
        .any(|p| ProjectFile::parse(Path::new("p"), p)
            .is_ok_and(|f| f.schema.as_deref() == Some("agents"))));
    assert!(text("experiment")
        .iter()
        .all(|e| experiment_in_envelope(e).is_some()));
    assert!(text("statement")
        .iter()
        .all(|e| decode_json::<StatementResponse>("s", e.as_bytes()).is_ok()));
    let mut rows = 0;
    let meta = crate::api::statements::stream_chunk(
        1,
        text("chunk")
            .iter()
            .find(|c| c.contains("data_array"))
            .unwrap()
            .as_bytes(),
        &mut |_| rows += 1,
    )
    .unwrap();
    assert_eq!((rows, meta.rows), (3, Some(3)));
    for body in text("error_body") {
        assert!(
            !decode_error_body(500, "Internal Server Error", body.as_bytes())
                .message
                .is_empty()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn config_file_parser_never_panics(text in seeded_or_any("config")) {
        let _ = IniFile::parse(Path::new("fuzz.cfg"), &text);
    }

    #[test]
    fn project_file_parser_never_panics(text in seeded_or_any("project")) {
        let _ = ProjectFile::parse(Path::new("tracecfg.toml"), &text);
    }

    #[test]
    fn error_body_decoder_never_panics_and_gives_one_line(status in 100u16..600, body in seeded_or_any("error_body")) {
        let decoded = decode_error_body(status, "Reason", body.as_bytes());
        prop_assert!(!decoded.message.contains('\n'));
        prop_assert!(!decoded.message.is_empty());
    }

    #[test]
    fn experiment_decoder_never_panics(text in seeded_or_any("experiment")) {
        let _ = experiment_in_envelope(&text);
        let _ = decode_json::<Experiment>("fuzz", text.as_bytes());
    }

    #[test]
    fn statement_decoders_never_panic(text in seeded_or_any("statement")) {
        let _ = decode_json::<StatementResponse>("fuzz", text.as_bytes());
    }

    #[test]
    fn chunk_decoders_never_panic(text in seeded_or_any("chunk")) {
        stream_rows(&text);
        let _ = decode_json::<ResultData>("fuzz", text.as_bytes());
        if let Ok(rows) = decode_json::<Vec<Row>>("fuzz", text.as_bytes()) {
            for row in rows {
                for cell in row {
                    for t in ["LONG", "DOUBLE", "BOOLEAN", "MAP", "STRING", "DECIMAL"] {
                        let _ = typed_value(Some(t), cell.as_deref());
                    }
                }
            }
        }
    }

    #[test]
    fn typed_values_never_panic(t in "[A-Z_]{0,10}", cell in proptest::option::of(any_text())) {
        let _ = typed_value(Some(&t), cell.as_deref());
    }

    #[test]
    fn name_and_time_parsers_never_panic(text in any_text()) {
        let _ = crate::uc_names::validate_uc_name("--catalog", &text);
        let _ = crate::destination::Destination::parse_full_name("--table", &text);
        let _ = crate::experiment_ref::normalize_path(&text);
        let _ = crate::time::parse_time_bound(&text, std::time::SystemTime::now());
        let _ = crate::trace_query::parse_tag(&text);
        let _ = crate::trace_query::parse_columns(&text);
        let _ = crate::commands::query::parse_param(&text);
        let _ = crate::config::normalize_host(&text);
    }
}
