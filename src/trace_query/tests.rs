use super::*;

fn hostile() -> Filters {
    Filters {
        user: Some("x' OR '1'='1".into()),
        session: Some("s\"; DROP TABLE t; --".into()),
        tags: vec![("k'`".into(), "v'".into())],
        attributes: vec![("a`'".into(), "w' OR 1=1".into())],
        span_type: Some("LLM".into()),
        name: Some("n".into()),
        since: Some("2026-11-01T00:00:00Z".into()),
        until: Some("2026-11-02T00:00:00Z".into()),
        limit: 50,
        columns: None,
    }
}

fn v1() -> TraceTables {
    TraceTables::Otel {
        version: OtelVersion::V1,
        spans: "`c`.`s`.`mlflow_experiment_trace_otel_spans`".into(),
        trace_info: Some("`c`.`s`.`mlflow_experiment_trace_otel_logs`".into()),
    }
}

fn v2() -> TraceTables {
    TraceTables::Otel {
        version: OtelVersion::V2,
        spans: "`c`.`s`.`p_otel_spans`".into(),
        trace_info: Some("`c`.`s`.`p_otel_annotations`".into()),
    }
}

#[test]
fn user_values_never_reach_the_sql_text() {
    for tables in [v1(), v2()] {
        let s = build(&tables, &hostile()).unwrap();
        for needle in [
            "x' OR",
            "DROP TABLE",
            "k'`",
            "v'",
            "w' OR",
            "a`",
            "2026-11-01",
        ] {
            assert!(!s.sql.contains(needle), "{tables:?}: {needle} in {}", s.sql);
        }
        let names: Vec<_> = s.parameters.iter().map(|p| p.name.as_str()).collect();
        for n in [
            "user",
            "session",
            "tag_key_0",
            "tag_value_0",
            "attribute_value_0",
            "span_type",
            "name",
            "since",
            "until",
        ] {
            assert!(names.contains(&n), "{tables:?} lacks {n}");
            assert!(s.sql.contains(&format!(":{n}")), "{tables:?}: :{n} unused");
        }
        // Every parameter is used, and none twice in the list.
        for (i, p) in s.parameters.iter().enumerate() {
            assert!(s.sql.contains(&format!(":{}", p.name)), "{} unused", p.name);
            assert!(!s.parameters[..i].iter().any(|q| q.name == p.name));
        }
        assert!(s.sql.ends_with("LIMIT 50"));
    }
    let s = build(
        &TraceTables::Tags {
            table: "`main`.`agents`.`t`".into(),
        },
        &Filters {
            attributes: vec![],
            ..hostile()
        },
    )
    .unwrap();
    assert!(!s.sql.contains("x' OR"));
}

#[test]
fn tags_layout_is_the_notebook_query() {
    let f = Filters {
        user: Some("user123".into()),
        limit: 100,
        ..Default::default()
    };
    let tables = TraceTables::Tags {
        table: "`main`.`agents`.`agent_traces`".into(),
    };
    let s = build(&tables, &f).unwrap();
    assert_eq!(
        s.sql,
        "SELECT trace_id, span_name, span_type, start_time, end_time, inputs, outputs\nFROM `main`.`agents`.`agent_traces`\nWHERE tags['user_id'] = :user\nORDER BY start_time DESC\nLIMIT 100"
    );
    assert_eq!(s.parameters[0].value.as_deref(), Some("user123"));
    let err = build(
        &tables,
        &Filters {
            attributes: vec![("k".into(), "v".into())],
            ..f
        },
    )
    .unwrap_err();
    assert!(err
        .message
        .contains("--attribute needs an OpenTelemetry spans table"));
}

#[test]
fn each_trace_filter_selects_traces_on_its_own() {
    let f = Filters {
        user: Some("u".into()),
        tags: vec![("env".into(), "prod".into())],
        attributes: vec![("tool".into(), "search".into())],
        limit: 10,
        ..Default::default()
    };
    for tables in [v1(), v2()] {
        let s = build(&tables, &f).unwrap();
        assert_eq!(s.sql.matches("trace_id IN (").count(), 3, "{}", s.sql);
        // The user is looked for on the root span, and in the trace metadata.
        assert!(s.sql.contains("coalesce(parent_span_id, '') = ''"));
        assert!(s.sql.contains("mlflow.trace.user"));
    }
}

#[test]
fn v2_reads_variant_paths_and_filters_time_and_date() {
    let f = Filters {
        span_type: Some("LLM".into()),
        since: Some("2026-11-29T00:00:00Z".into()),
        limit: 100,
        ..Default::default()
    };
    let s = build(&v2(), &f).unwrap();
    assert!(s
        .sql
        .contains("attributes:['mlflow.spanType']::string AS span_type"));
    assert!(s.sql.contains("time >= :since"), "{}", s.sql);
    assert!(s.sql.contains("date >= date_sub(CAST(:since AS DATE), 1)"));
    assert!(
        !s.sql.contains("to_json"),
        "no whole-row conversion: {}",
        s.sql
    );
    assert_eq!(s.sql.matches("FROM `c`.`s`.`p_otel_spans`").count(), 1);
}

#[test]
fn v1_matches_plain_and_json_encoded_values() {
    let f = Filters {
        attributes: vec![("env".into(), "prod".into())],
        limit: 5,
        ..Default::default()
    };
    let s = build(&v1(), &f).unwrap();
    assert!(s
        .sql
        .contains("attributes[:attribute_key_0] IN (:attribute_value_0, :attribute_value_0_json)"));
    let encoded = s
        .parameters
        .iter()
        .find(|p| p.name == "attribute_value_0_json")
        .unwrap();
    assert_eq!(encoded.value.as_deref(), Some("\"prod\""));
}

#[test]
fn trace_info_table_is_required_only_by_the_filters_that_read_it() {
    let tables = TraceTables::Otel {
        version: OtelVersion::V2,
        spans: "`c`.`s`.`custom`".into(),
        trace_info: None,
    };
    let only_spans = Filters {
        span_type: Some("LLM".into()),
        attributes: vec![("k".into(), "v".into())],
        limit: 1,
        ..Default::default()
    };
    build(&tables, &only_spans).unwrap();
    let err = build(
        &tables,
        &Filters {
            tags: vec![("k".into(), "v".into())],
            ..only_spans
        },
    )
    .unwrap_err();
    assert!(
        err.message
            .starts_with("--tag reads the trace's annotations table"),
        "{}",
        err.message
    );
}

#[test]
fn columns_tags_and_attributes_parse() {
    assert_eq!(parse_columns("a, b").unwrap(), vec!["a", "b"]);
    assert!(parse_columns("a,,b").is_err());
    assert!(parse_columns("a`b").is_err());
    assert_eq!(parse_tag("k=v=w").unwrap(), ("k".into(), "v=w".into()));
    assert!(parse_tag("=v").is_err());
    assert!(parse_tag("novalue").is_err());
    assert_eq!(parse_attribute("it's=1").unwrap().0, "it's");
    assert!(parse_attribute("a'\"b=1").is_err());
    assert!(parse_attribute("a\\b=1").is_err());
    let s = build(
        &TraceTables::Tags { table: "t".into() },
        &Filters {
            columns: Some(vec!["a b".into()]),
            limit: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(s.sql.starts_with("SELECT `a b`\n"));
}
