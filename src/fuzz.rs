//! Property-based fuzzing of every parser of outside data: no input may panic. Bounded case
//! counts keep each under a few seconds in CI; failures are kept in proptest-regressions/.

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn config_file_parser_never_panics(text in any_text()) {
        let _ = IniFile::parse(Path::new("fuzz.cfg"), &text);
    }

    #[test]
    fn project_file_parser_never_panics(text in any_text()) {
        let _ = ProjectFile::parse(Path::new("tracecfg.toml"), &text);
    }

    #[test]
    fn error_body_decoder_never_panics_and_gives_one_line(status in 100u16..600, body in any_text()) {
        let decoded = decode_error_body(status, "Reason", body.as_bytes());
        prop_assert!(!decoded.message.contains('\n'));
        prop_assert!(!decoded.message.is_empty());
    }

    #[test]
    fn experiment_decoder_never_panics(text in any_text()) {
        let _ = decode_json::<Experiment>("fuzz", text.as_bytes());
    }

    #[test]
    fn statement_decoders_never_panic(text in any_text()) {
        let _ = decode_json::<StatementResponse>("fuzz", text.as_bytes());
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
        let _ = crate::destination::validate_uc_name("--catalog", &text);
        let _ = crate::destination::Destination::parse_full_name("--table", &text);
        let _ = crate::experiment_ref::normalize_path(&text);
        let _ = crate::time::parse_time_bound(&text, std::time::SystemTime::now());
        let _ = crate::trace_query::parse_tag(&text);
        let _ = crate::trace_query::parse_columns(&text);
        let _ = crate::commands::query::parse_param(&text);
        let _ = crate::config::normalize_host(&text);
    }
}
