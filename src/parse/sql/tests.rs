//! End-to-end tests of [`super::parse`], and of the two lowerings against each other.

use sqlparser::dialect::PostgreSqlDialect;

use super::*;

fn pg(sql: &str) -> ParsedSql {
    parse(sql, Dialect::Postgres)
}

/// The only statement of `sql`.
fn one(sql: &str) -> Statement {
    let mut parsed = pg(sql);
    assert_eq!(
        parsed.statements.len(),
        1,
        "{sql}: {:#?}",
        parsed.statements
    );
    parsed.statements.remove(0)
}

fn op(sql: &str) -> Op {
    one(sql).op
}

/// The first statement of `sql` lowered by each path: (AST, tokens).
fn both_paths(sql: &str) -> (Option<Op>, Option<Op>) {
    let dialect = PostgreSqlDialect {};
    let masked = split::mask(sql);
    let sp = split::split(&masked, &dialect);
    let Some(Piece::Stmt { range, block, .. }) = sp.pieces.first() else {
        panic!("no statement in {sql}");
    };
    let v = View::new(sql, &sp.lexed, range.clone(), *block);
    let toks = &sp.lexed.toks[View::parser_range(&sp.lexed, range.clone(), *block)];
    let ast = parse_one(&v, toks, &dialect)
        .ok()
        .and_then(|stmt| lower_ast::lower(&stmt, &v));
    (ast, lower_tokens::lower(&v))
}

/// The action kinds of an `ALTER TABLE`.
fn actions(sql: &str) -> Vec<AlterKind> {
    match op(sql) {
        Op::AlterTable { actions, .. } => actions.into_iter().map(|a| a.kind).collect(),
        other => panic!("not an ALTER TABLE: {other:?}"),
    }
}

fn action(sql: &str) -> AlterKind {
    let mut all = actions(sql);
    assert_eq!(all.len(), 1, "{sql}");
    all.remove(0)
}

fn name(s: &str) -> ObjName {
    match s.split_once('.') {
        Some((schema, name)) => ObjName {
            schema: Some(schema.to_string()),
            name: name.to_string(),
        },
        None => ObjName::new(s),
    }
}

fn other(kind: &str) -> Op {
    Op::Other {
        kind: kind.to_string(),
    }
}

/// Robustness run over the shared corpus: parses every `*.sql` file, checks nothing panics
/// and reports how postgres statements were lowered. Run with
/// `cargo test --lib parse::sql::tests::corpus -- --ignored --nocapture`.
#[test]
#[ignore = "needs /work/shared/corpus"]
fn corpus() {
    use std::collections::HashMap;
    use std::fmt::Write as _;
    let root = std::path::Path::new("/work/shared/corpus");
    let tsv = std::fs::read_to_string(root.join("files.tsv")).unwrap_or_default();
    let dialects: HashMap<&str, &str> = tsv
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((*cols.first()?, *cols.get(4)?))
        })
        .collect();
    let mut stack = vec![root.to_path_buf()];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut counts = [0usize; 3];
    let mut unknown = String::new();
    let mut tokens = String::new();
    let mut pg_files = 0;
    let started = std::time::Instant::now();
    for path in &files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .to_string();
        let bytes = std::fs::read(path).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        let postgres = dialects.get(rel.as_str()) == Some(&"postgres");
        let dialect = if postgres {
            Dialect::Postgres
        } else {
            Dialect::Generic
        };
        let parsed = std::panic::catch_unwind(|| parse(&text, dialect));
        let Ok(parsed) = parsed else {
            panic!("panic while parsing {rel}");
        };
        for s in &parsed.statements {
            assert!(
                s.span.start <= s.span.end && s.span.end <= text.len(),
                "{rel}"
            );
            assert!(text.is_char_boundary(s.span.start) && text.is_char_boundary(s.span.end));
        }
        if postgres {
            pg_files += 1;
            for s in &parsed.statements {
                counts[match s.source {
                    Lowering::Ast => 0,
                    Lowering::Tokens => 1,
                    Lowering::Unknown => 2,
                }] += 1;
                if s.source == Lowering::Tokens {
                    let snippet: String = s.span.slice(&text).chars().take(200).collect();
                    let _ = writeln!(tokens, "== {rel}\n{snippet}\n");
                }
                if let Op::Unknown { reason } = &s.op {
                    let snippet: String = s.span.slice(&text).chars().take(300).collect();
                    let _ = writeln!(unknown, "== {rel}\n{snippet}\n-- {reason}\n");
                }
            }
        }
    }
    let _ = std::fs::write("/tmp/forecast_sql_unknown.txt", unknown);
    let _ = std::fs::write("/tmp/forecast_sql_tokens.txt", tokens);
    println!(
        "{} files ({} postgres) in {:?}; postgres statements: ast {} tokens {} unknown {}",
        files.len(),
        pg_files,
        started.elapsed(),
        counts[0],
        counts[1],
        counts[2]
    );
}

// ---------------------------------------------------------------------------------------
// Splitting, spans, comments

#[test]
fn statement_spans_are_byte_exact_after_multibyte_text() {
    let sql = "-- migración: añadir índice ✓\n/* ünïcødé */\nCREATE INDEX idx_é ON \"tàble\" (a);\n  ALTER TABLE t ADD COLUMN x int";
    let parsed = pg(sql);
    assert_eq!(parsed.statements.len(), 2);
    let first = &parsed.statements[0];
    assert_eq!(
        first.span.slice(sql),
        "CREATE INDEX idx_é ON \"tàble\" (a);"
    );
    assert_eq!(first.head.slice(sql), "CREATE INDEX");
    let Op::CreateIndex {
        name, table_span, ..
    } = &first.op
    else {
        panic!("{first:?}");
    };
    assert_eq!(name.as_ref().map(|n| n.span.slice(sql)), Some("idx_é"));
    assert_eq!(table_span.slice(sql), "\"tàble\"");
    let second = &parsed.statements[1];
    assert_eq!(second.span.slice(sql), "ALTER TABLE t ADD COLUMN x int");
    assert_eq!(second.head.slice(sql), "ALTER TABLE");
    assert_eq!(parsed.comments.len(), 2);
    assert_eq!(parsed.comments[0].text, "-- migración: añadir índice ✓");
    assert_eq!(parsed.comments[0].span.slice(sql), parsed.comments[0].text);
    assert_eq!(parsed.comments[1].text, "/* ünïcødé */");
}

#[test]
fn heads_cover_leading_keywords() {
    let cases = [
        ("CREATE UNIQUE INDEX i ON t (a);", "CREATE UNIQUE INDEX"),
        (
            "create or replace function f() returns int as $$ select 1 $$ language sql;",
            "create or replace function",
        ),
        ("ALTER TABLE t ADD x int;", "ALTER TABLE"),
        ("DROP INDEX CONCURRENTLY i;", "DROP INDEX"),
        ("UPDATE t SET a = 1;", "UPDATE"),
        ("REFRESH MATERIALIZED VIEW mv;", "REFRESH MATERIALIZED VIEW"),
        ("COMMENT ON TABLE t IS 'x';", "COMMENT ON"),
        ("garbage words;", "garbage"),
    ];
    for (sql, head) in cases {
        assert_eq!(one(sql).head.slice(sql), head, "{sql}");
    }
}

#[test]
fn comments_are_collected_with_directives() {
    let sql = "-- +goose Up\n-- +goose NO TRANSACTION\nSELECT 1; -- trailing\n/* block\n comment */\n-- migrate:down\n";
    let parsed = pg(sql);
    let texts: Vec<&str> = parsed.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "-- +goose Up",
            "-- +goose NO TRANSACTION",
            "-- trailing",
            "/* block\n comment */",
            "-- migrate:down"
        ]
    );
    for c in &parsed.comments {
        assert_eq!(c.span.slice(sql), c.text);
    }
    assert_eq!(parsed.statements.len(), 1);
}

#[test]
fn empty_inputs_produce_no_statements() {
    for sql in [
        "",
        "   \n",
        ";",
        ";;;",
        "-- only\n",
        "/* x */ ; /* y */",
        "\\set x 1\n",
    ] {
        assert!(pg(sql).statements.is_empty(), "{sql:?}");
    }
}

#[test]
fn goose_statement_block_is_one_statement() {
    let sql = "-- +goose Up\n-- +goose StatementBegin\nCREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\nCREATE INDEX i ON t (a);\n";
    let parsed = pg(sql);
    assert_eq!(parsed.statements.len(), 2);
    assert!(
        parsed.statements[0]
            .span
            .slice(sql)
            .ends_with("LANGUAGE plpgsql;")
    );
    assert_eq!(parsed.statements[0].op, other("CREATE FUNCTION"));
    assert!(matches!(parsed.statements[1].op, Op::CreateIndex { .. }));
}

#[test]
fn goose_block_with_bare_semicolons_is_kept_whole() {
    let sql = "-- +goose StatementBegin\nCREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET c = 1; END;\n-- +goose StatementEnd\n-- +goose StatementBegin\nALTER TABLE a ADD COLUMN x int;\nALTER TABLE a ADD COLUMN y int;\n-- +goose StatementEnd\n";
    let parsed = pg(sql);
    assert_eq!(parsed.statements.len(), 2);
    assert!(parsed.statements[0].span.slice(sql).ends_with("END;"));
    assert_eq!(parsed.statements[0].op, other("CREATE TRIGGER"));
    // A block of several statements is one statement, analysed by its first.
    assert!(parsed.statements[1].span.slice(sql).ends_with("y int;"));
    assert_eq!(
        actions_of(&parsed.statements[1].op).len(),
        1,
        "{:?}",
        parsed.statements[1]
    );
}

fn actions_of(op: &Op) -> Vec<AlterKind> {
    match op {
        Op::AlterTable { actions, .. } => actions.iter().map(|a| a.kind.clone()).collect(),
        other => panic!("not an ALTER TABLE: {other:?}"),
    }
}

#[test]
fn dollar_quoted_bodies_keep_their_semicolons() {
    let sql = "DO $do$ BEGIN EXECUTE 'SELECT 1; SELECT 2'; PERFORM 1; END $do$;\nCREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ; END $$;\nSELECT 1;";
    let parsed = pg(sql);
    let ops: Vec<&Op> = parsed.statements.iter().map(|s| &s.op).collect();
    assert_eq!(
        ops,
        [&other("DO"), &other("CREATE FUNCTION"), &other("SELECT")]
    );
}

#[test]
fn tokenizer_failure_costs_one_statement() {
    let sql = "CREATE TABLE a (x int);\nSELECT 'it''s broken;\nCREATE TABLE b (y int);\n";
    let parsed = pg(sql);
    // The quote swallows up to the next quote; the last statement survives.
    assert!(
        parsed
            .statements
            .iter()
            .any(|s| matches!(&s.op, Op::CreateTable { name, .. } if name.name == "a"))
    );
    let sql = "CREATE TABLE a (x int);\nSELECT $$ never closed;\nCREATE TABLE b (y int);\n";
    let parsed = pg(sql);
    assert!(matches!(parsed.statements[0].op, Op::CreateTable { .. }));
    assert!(
        parsed
            .statements
            .iter()
            .any(|s| s.source == Lowering::Unknown)
    );
    for s in &parsed.statements {
        assert!(!s.span.slice(sql).is_empty());
    }
}

#[test]
fn unterminated_quote_falls_back_to_piecewise_tokenizing() {
    let sql = "ALTER TABLE t ADD COLUMN a int;\nSELECT \"unterminated;\nDROP TABLE x;";
    let parsed = pg(sql);
    assert!(matches!(parsed.statements[0].op, Op::AlterTable { .. }));
    let last = parsed.statements.last().map(|s| s.op.clone());
    assert!(matches!(
        last,
        Some(Op::DropTable { .. }) | Some(Op::Unknown { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Placeholders

#[test]
fn go_template_table_name() {
    let sql = "ALTER TABLE {{ index .Options \"Namespace\" }}.users ADD COLUMN x int;";
    let st = one(sql);
    let Op::AlterTable {
        table, table_span, ..
    } = &st.op
    else {
        panic!("{st:?}");
    };
    assert_eq!(table.name, "users");
    assert!(table.schema.is_some());
    assert_eq!(
        table_span.slice(sql),
        "{{ index .Options \"Namespace\" }}.users"
    );
    assert_eq!(st.span.slice(sql), sql);
}

#[test]
fn go_template_control_actions_vanish() {
    let sql = "{{ if .Enabled }}\nCREATE INDEX i ON t (a);\n{{ end }}\n";
    let st = one(sql);
    assert!(matches!(st.op, Op::CreateIndex { .. }));
    assert_eq!(st.span.slice(sql), "CREATE INDEX i ON t (a);");
}

#[test]
fn flyway_and_psql_placeholders() {
    let sql = "DROP INDEX \"${schema}\".\"${table}_idx\";\nALTER TABLE ${schema}.t ADD COLUMN a int;\n\\set ON_ERROR_STOP on\n\\i other.sql\nUPDATE t SET a = :'value' WHERE id = :id;\nSELECT :\"ident\";";
    let parsed = pg(sql);
    let ops: Vec<&Op> = parsed.statements.iter().map(|s| &s.op).collect();
    assert_eq!(ops.len(), 4, "{ops:#?}");
    assert_eq!(
        ops[0],
        &Op::DropIndex {
            names: vec![ObjName {
                schema: Some("${schema}".to_string()),
                name: "${table}_idx".to_string()
            }],
            concurrently: false,
            if_exists: false
        }
    );
    assert!(matches!(ops[1], Op::AlterTable { .. }));
    assert!(matches!(
        ops[2],
        Op::Update {
            has_where: true,
            ..
        }
    ));
    assert_eq!(parsed.statements[2].head.slice(sql), "UPDATE");
}

// ---------------------------------------------------------------------------------------
// Constructs sqlparser rejects: the token classifier

#[test]
fn drop_index_concurrently() {
    let st = one("DROP INDEX CONCURRENTLY IF EXISTS a, s.b;");
    assert_eq!(st.source, Lowering::Tokens);
    assert_eq!(
        st.op,
        Op::DropIndex {
            names: vec![name("a"), name("s.b")],
            concurrently: true,
            if_exists: true
        }
    );
    assert_eq!(
        op("DROP INDEX CONCURRENTLY a"),
        Op::DropIndex {
            names: vec![name("a")],
            concurrently: true,
            if_exists: false
        }
    );
}

#[test]
fn reindex_forms() {
    let cases = [
        (
            "REINDEX INDEX CONCURRENTLY foo",
            ReindexTarget::Index,
            "foo",
            true,
        ),
        ("REINDEX TABLE s.t", ReindexTarget::Table, "s.t", false),
        (
            "REINDEX SCHEMA CONCURRENTLY app",
            ReindexTarget::Schema,
            "app",
            true,
        ),
        ("REINDEX DATABASE db", ReindexTarget::Database, "db", false),
        ("REINDEX SYSTEM", ReindexTarget::System, "", false),
        (
            "REINDEX (VERBOSE) TABLE t",
            ReindexTarget::Table,
            "t",
            false,
        ),
        (
            "REINDEX (CONCURRENTLY, VERBOSE) INDEX i",
            ReindexTarget::Index,
            "i",
            true,
        ),
    ];
    for (sql, target, n, concurrently) in cases {
        let st = one(sql);
        assert_eq!(st.source, Lowering::Tokens, "{sql}");
        assert_eq!(
            st.op,
            Op::Reindex {
                target,
                name: name(n),
                concurrently
            },
            "{sql}"
        );
    }
}

#[test]
fn other_statements_from_tokens() {
    let cases = [
        ("DO $$ BEGIN PERFORM 1; END $$", "DO"),
        ("DO LANGUAGE plpgsql $$ BEGIN END $$", "DO"),
        (
            "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$",
            "CREATE PROCEDURE",
        ),
        ("ALTER SEQUENCE s RESTART WITH 1", "ALTER SEQUENCE"),
        ("ALTER DOMAIN d SET NOT NULL", "ALTER DOMAIN"),
        (
            "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r",
            "ALTER DEFAULT PRIVILEGES",
        ),
        ("ALTER DATABASE db SET timezone TO 'UTC'", "ALTER DATABASE"),
        ("ALTER EXTENSION e UPDATE", "ALTER EXTENSION"),
        (
            "ALTER MATERIALIZED VIEW mv RENAME TO mv2",
            "ALTER MATERIALIZED VIEW",
        ),
        ("ALTER VIEW v RENAME TO w", "ALTER VIEW"),
        ("ALTER TYPE t ADD ATTRIBUTE a int", "ALTER TYPE"),
        ("COMMENT ON CONSTRAINT c ON t IS 'x'", "COMMENT ON"),
        (
            "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
            "CREATE EVENT TRIGGER",
        ),
        (
            "CREATE STATISTICS s (dependencies) ON a, b FROM t",
            "CREATE STATISTICS",
        ),
        ("GRANT SELECT ON t TO r", "GRANT"),
        ("REVOKE ALL ON t FROM r", "REVOKE"),
        ("CREATE POLICY p ON t USING (true)", "CREATE POLICY"),
        ("CREATE DOMAIN d AS int CHECK (VALUE > 0)", "CREATE DOMAIN"),
        (
            "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE TRIGGER",
        ),
        (
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'",
            "CREATE FUNCTION",
        ),
        ("SELECT 1", "SELECT"),
        ("ROLLBACK TO SAVEPOINT a", "ROLLBACK TO SAVEPOINT"),
        ("SAVEPOINT a", "SAVEPOINT"),
        ("CREATE TYPE c AS (a int, b text)", "CREATE TYPE"),
    ];
    for (sql, kind) in cases {
        let st = one(sql);
        assert_eq!(st.op, other(kind), "{sql}");
        assert_ne!(st.source, Lowering::Unknown, "{sql}");
    }
}

#[test]
fn refresh_cluster_vacuum() {
    assert_eq!(
        op("REFRESH MATERIALIZED VIEW CONCURRENTLY s.mv WITH DATA"),
        Op::RefreshMaterializedView {
            name: name("s.mv"),
            concurrently: true
        }
    );
    assert_eq!(
        op("REFRESH MATERIALIZED VIEW mv"),
        Op::RefreshMaterializedView {
            name: name("mv"),
            concurrently: false
        }
    );
    assert_eq!(
        op("CLUSTER t USING idx"),
        Op::Cluster {
            table: Some(name("t"))
        }
    );
    assert_eq!(
        op("CLUSTER VERBOSE t"),
        Op::Cluster {
            table: Some(name("t"))
        }
    );
    assert_eq!(
        op("CLUSTER idx ON t"),
        Op::Cluster {
            table: Some(name("t"))
        }
    );
    assert_eq!(op("CLUSTER"), Op::Cluster { table: None });
    assert_eq!(
        op("VACUUM (FULL, ANALYZE) t, u (a)"),
        Op::Vacuum {
            full: true,
            tables: vec![name("t"), name("u")]
        }
    );
    assert_eq!(
        op("VACUUM (VERBOSE) t"),
        Op::Vacuum {
            full: false,
            tables: vec![name("t")]
        }
    );
    assert_eq!(
        op("VACUUM FULL t"),
        Op::Vacuum {
            full: true,
            tables: vec![name("t")]
        }
    );
    assert_eq!(
        op("VACUUM"),
        Op::Vacuum {
            full: false,
            tables: vec![]
        }
    );
    assert_eq!(op("ANALYZE t"), Op::Analyze);
}

#[test]
fn partitions() {
    assert_eq!(
        action("ALTER TABLE t DETACH PARTITION p CONCURRENTLY"),
        AlterKind::DetachPartition {
            partition: name("p"),
            concurrently: true
        }
    );
    assert_eq!(
        action("ALTER TABLE t DETACH PARTITION s.p FINALIZE"),
        AlterKind::DetachPartition {
            partition: name("s.p"),
            concurrently: false
        }
    );
    assert_eq!(
        action("ALTER TABLE t ATTACH PARTITION p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')"),
        AlterKind::AttachPartition {
            partition: name("p")
        }
    );
    let sql = "CREATE INDEX i ON ONLY parent (a)";
    let st = one(sql);
    assert_eq!(st.source, Lowering::Tokens);
    let Op::CreateIndex {
        only,
        table,
        table_span,
        columns,
        ..
    } = st.op
    else {
        panic!()
    };
    assert!(only);
    assert_eq!(table, name("parent"));
    assert_eq!(table_span.slice(sql), "parent");
    assert_eq!(columns, "(a)");
    assert_eq!(
        op("ALTER INDEX i ATTACH PARTITION p"),
        Op::AlterIndex {
            name: name("i"),
            action: "attach partition p".to_string()
        }
    );
    assert_eq!(
        op("ALTER INDEX IF EXISTS s.i SET TABLESPACE   fast"),
        Op::AlterIndex {
            name: name("s.i"),
            action: "set tablespace fast".to_string()
        }
    );
    assert_eq!(
        op("ALTER INDEX i RENAME TO j"),
        Op::AlterIndex {
            name: name("i"),
            action: "rename to j".to_string()
        }
    );
    match op("CREATE TABLE p1 PARTITION OF parent FOR VALUES IN (1)") {
        Op::CreateTable { partition_of, .. } => assert_eq!(partition_of, Some(name("parent"))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn alter_table_actions_sqlparser_rejects() {
    assert_eq!(
        actions("ALTER TABLE t SET TABLESPACE x, SET SCHEMA s"),
        [
            AlterKind::SetTablespace {
                tablespace: "x".to_string()
            },
            AlterKind::SetSchema {
                schema: "s".to_string()
            }
        ]
    );
    assert_eq!(
        action("ALTER TABLE t SET ACCESS METHOD heap2"),
        AlterKind::Other {
            text: "set access method heap2".to_string()
        }
    );
    assert_eq!(
        action("ALTER TABLE t SET WITHOUT CLUSTER"),
        AlterKind::Other {
            text: "set without cluster".to_string()
        }
    );
    assert_eq!(
        action("ALTER TABLE t RESET (fillfactor)"),
        AlterKind::SetStorageParams
    );
    assert_eq!(
        action("ALTER TABLE t INHERIT parent"),
        AlterKind::Other {
            text: "inherit parent".to_string()
        }
    );
    assert_eq!(
        action("ALTER TABLE t CLUSTER ON idx"),
        AlterKind::Other {
            text: "cluster on idx".to_string()
        }
    );
    let sql = "ALTER TABLE t ALTER COLUMN c TYPE text COLLATE \"C\" USING c::text";
    let AlterKind::AlterColumnType {
        column,
        new_type,
        using,
    } = action(sql)
    else {
        panic!()
    };
    assert_eq!(column.span.slice(sql), "c");
    assert_eq!(new_type.base, "text");
    assert_eq!(using.as_deref(), Some("c::text"));
    for (sql, text) in [
        (
            "ALTER TABLE t ALTER COLUMN c SET STATISTICS 100",
            "alter column c set statistics 100",
        ),
        (
            "ALTER TABLE t ALTER c SET STORAGE EXTERNAL",
            "alter c set storage external",
        ),
        (
            "ALTER TABLE t ALTER COLUMN c SET COMPRESSION lz4",
            "alter column c set compression lz4",
        ),
        (
            "ALTER TABLE t ALTER COLUMN c DROP IDENTITY IF EXISTS",
            "alter column c drop identity if exists",
        ),
        (
            "ALTER TABLE t ALTER COLUMN c DROP EXPRESSION",
            "alter column c drop expression",
        ),
    ] {
        assert_eq!(
            action(sql),
            AlterKind::Other {
                text: text.to_string()
            },
            "{sql}"
        );
    }
    let sql = "ALTER TABLE t ADD CONSTRAINT n NOT NULL col NOT VALID";
    let AlterKind::AddConstraint { constraint } = action(sql) else {
        panic!()
    };
    assert_eq!(
        constraint.kind,
        ConstraintKind::NotNull {
            column: "col".to_string()
        }
    );
    assert!(constraint.not_valid);
    assert_eq!(
        constraint.name.map(|n| n.span.slice(sql).to_string()),
        Some("n".to_string())
    );
}

#[test]
fn create_forms_sqlparser_rejects() {
    let st = one("CREATE SEQUENCE IF NOT EXISTS s START WITH 1 INCREMENT BY 1 CACHE 1");
    assert_eq!(st.op, Op::CreateSequence { name: name("s") });
    assert_eq!(
        op("CREATE MATERIALIZED VIEW mv AS SELECT 1 WITH NO DATA"),
        Op::CreateView {
            name: name("mv"),
            materialized: true,
            or_replace: false
        }
    );
    match op("CREATE TABLE t (LIKE x INCLUDING ALL, extra int)") {
        Op::CreateTable {
            as_query, columns, ..
        } => {
            assert!(as_query);
            assert_eq!(columns.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    let sql = "CREATE INDEX i ON t (a) TABLESPACE x";
    let st = one(sql);
    assert_eq!(st.source, Lowering::Tokens);
    assert!(matches!(st.op, Op::CreateIndex { ref columns, .. } if columns == "(a)"));
    match op(
        "CREATE TABLE t (a int REFERENCES x ON DELETE SET NULL (a), b int, FOREIGN KEY (b) REFERENCES y (id) ON DELETE SET NULL (b))",
    ) {
        Op::CreateTable {
            columns,
            constraints,
            ..
        } => {
            assert_eq!(columns.len(), 2);
            assert_eq!(columns[0].references, Some(name("x")));
            assert_eq!(
                constraints[0].kind,
                ConstraintKind::ForeignKey {
                    columns: vec!["b".to_string()],
                    ref_table: name("y"),
                    ref_columns: vec!["id".to_string()]
                }
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// ALTER TABLE details: names, spans, columns, constraints

#[test]
fn alter_table_spans_point_at_the_text() {
    let sql = "ALTER TABLE IF EXISTS ONLY \"Sch\".Users\n  ADD COLUMN \"Email\" varchar(255) NOT NULL DEFAULT '',\n  DROP COLUMN legacy CASCADE ;";
    let st = one(sql);
    assert_eq!(st.source, Lowering::Ast);
    let Op::AlterTable {
        table,
        table_span,
        if_exists,
        only,
        actions,
    } = &st.op
    else {
        panic!()
    };
    assert_eq!(
        table,
        &ObjName {
            schema: Some("Sch".to_string()),
            name: "users".to_string()
        }
    );
    assert_eq!(table_span.slice(sql), "\"Sch\".Users");
    assert!(*if_exists && *only);
    assert_eq!(
        actions[0].span.slice(sql),
        "ADD COLUMN \"Email\" varchar(255) NOT NULL DEFAULT ''"
    );
    assert_eq!(actions[1].span.slice(sql), "DROP COLUMN legacy CASCADE");
    let AlterKind::AddColumn { column, .. } = &actions[0].kind else {
        panic!()
    };
    assert_eq!(column.name.name, "Email");
    assert_eq!(column.name.span.slice(sql), "\"Email\"");
    assert_eq!(column.data_type.base, "varchar");
    assert_eq!(column.data_type.modifiers, [255]);
    assert!(column.not_null);
    assert_eq!(
        column.default,
        Some(Expr {
            text: "''".to_string(),
            volatility: Volatility::Immutable,
            is_null: false
        })
    );
    let AlterKind::DropColumn {
        column, cascade, ..
    } = &actions[1].kind
    else {
        panic!()
    };
    assert_eq!(column.span.slice(sql), "legacy");
    assert!(*cascade);
}

#[test]
fn column_definitions() {
    let AlterKind::AddColumn { column, .. } =
        action("ALTER TABLE t ADD COLUMN id bigserial PRIMARY KEY")
    else {
        panic!()
    };
    assert!(column.primary_key && column.not_null);
    assert_eq!(column.data_type.base, "bigserial");
    let default = column.default.expect("serial default");
    assert_eq!(default.text, "nextval(...)");
    assert_eq!(default.volatility, Volatility::Volatile);

    let AlterKind::AddColumn { column, .. } = action(
        "ALTER TABLE t ADD COLUMN u uuid DEFAULT public.uuid_generate_v4() UNIQUE REFERENCES o(id) CHECK (u IS NOT NULL)",
    ) else {
        panic!()
    };
    assert_eq!(
        column.default.map(|d| d.volatility),
        Some(Volatility::Volatile)
    );
    assert!(column.unique && column.check && !column.not_null);
    assert_eq!(column.references, Some(name("o")));

    let cases = [
        (
            "a int GENERATED ALWAYS AS (b * 2) STORED",
            Some(Generated::Stored),
        ),
        (
            "a int GENERATED ALWAYS AS (b * 2) VIRTUAL",
            Some(Generated::Virtual),
        ),
        (
            "a int GENERATED ALWAYS AS IDENTITY",
            Some(Generated::Identity),
        ),
        (
            "a int GENERATED BY DEFAULT AS IDENTITY (START WITH 10)",
            Some(Generated::Identity),
        ),
        ("a int", None),
    ];
    for (def, generated) in cases {
        let sql = format!("ALTER TABLE t ADD COLUMN {def}");
        let AlterKind::AddColumn { column, .. } = action(&sql) else {
            panic!()
        };
        assert_eq!(column.generated, generated, "{sql}");
        assert_eq!(column.default, None, "{sql}");
    }

    let AlterKind::AddColumn { column, .. } =
        action("ALTER TABLE t ADD COLUMN d timestamptz DEFAULT NULL NOT NULL")
    else {
        panic!()
    };
    assert!(column.not_null);
    assert!(
        column
            .default
            .is_some_and(|d| d.is_null && d.text == "NULL")
    );
}

#[test]
fn constraints() {
    let sql = "ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK ((\"A\" IS NOT NULL)) NOT VALID";
    let AlterKind::AddConstraint { constraint } = action(sql) else {
        panic!()
    };
    assert_eq!(
        constraint.kind,
        ConstraintKind::Check {
            expr: "(\"A\" IS NOT NULL)".to_string(),
            not_null_column: Some("A".to_string())
        }
    );
    assert!(constraint.not_valid);
    for (check, col) in [
        ("a IS NOT NULL", Some("a")),
        ("A is not null", Some("a")),
        ("a IS NOT NULL AND b > 0", None),
        ("a > 0", None),
        ("a IS NULL", None),
    ] {
        let sql = format!("ALTER TABLE t ADD CHECK ({check})");
        let AlterKind::AddConstraint { constraint } = action(&sql) else {
            panic!()
        };
        let ConstraintKind::Check {
            not_null_column, ..
        } = constraint.kind
        else {
            panic!()
        };
        assert_eq!(not_null_column.as_deref(), col, "{sql}");
    }
    let AlterKind::AddConstraint { constraint } =
        action("ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX t_idx")
    else {
        panic!()
    };
    assert_eq!(constraint.using_index.as_deref(), Some("t_idx"));
    assert_eq!(
        constraint.kind,
        ConstraintKind::PrimaryKey { columns: vec![] }
    );
    let AlterKind::AddConstraint { constraint } =
        action("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, \"B\")")
    else {
        panic!()
    };
    assert_eq!(
        constraint.kind,
        ConstraintKind::Unique {
            columns: vec!["a".to_string(), "B".to_string()]
        }
    );
    assert!(matches!(
        action("ALTER TABLE t ADD CONSTRAINT ex EXCLUDE USING gist (r WITH &&)"),
        AlterKind::AddConstraint { constraint } if constraint.kind == ConstraintKind::Exclude
    ));
}

#[test]
fn multi_action_alter_table_from_tokens() {
    // DETACH makes sqlparser reject the statement; every other action is still recognised.
    let sql = "ALTER TABLE t ADD COLUMN a int DEFAULT 0, ADD b text, DROP COLUMN IF EXISTS c, DROP d RESTRICT, ALTER COLUMN e TYPE numeric(10,2), ALTER f SET DATA TYPE int8, ALTER COLUMN g SET NOT NULL, ALTER COLUMN h DROP NOT NULL, ALTER COLUMN i SET DEFAULT now(), ALTER COLUMN j DROP DEFAULT, ADD CONSTRAINT fk FOREIGN KEY (k) REFERENCES o (id) NOT VALID, VALIDATE CONSTRAINT v, DROP CONSTRAINT IF EXISTS w CASCADE, SET LOGGED, SET UNLOGGED, OWNER TO bob, DETACH PARTITION p";
    let st = one(sql);
    assert_eq!(st.source, Lowering::Tokens);
    let kinds = actions(sql);
    let names: Vec<&str> = kinds
        .iter()
        .map(|k| match k {
            AlterKind::AddColumn { .. } => "add-column",
            AlterKind::DropColumn { .. } => "drop-column",
            AlterKind::AlterColumnType { .. } => "type",
            AlterKind::SetNotNull { .. } => "set-not-null",
            AlterKind::DropNotNull { .. } => "drop-not-null",
            AlterKind::SetDefault { .. } => "set-default",
            AlterKind::DropDefault { .. } => "drop-default",
            AlterKind::AddConstraint { .. } => "add-constraint",
            AlterKind::ValidateConstraint { .. } => "validate",
            AlterKind::DropConstraint { .. } => "drop-constraint",
            AlterKind::SetLogged => "logged",
            AlterKind::SetUnlogged => "unlogged",
            AlterKind::Other { .. } => "other",
            AlterKind::DetachPartition { .. } => "detach",
            _ => "?",
        })
        .collect();
    assert_eq!(
        names,
        [
            "add-column",
            "add-column",
            "drop-column",
            "drop-column",
            "type",
            "type",
            "set-not-null",
            "drop-not-null",
            "set-default",
            "drop-default",
            "add-constraint",
            "validate",
            "drop-constraint",
            "logged",
            "unlogged",
            "other",
            "detach"
        ]
    );
    let Op::AlterTable { actions, .. } = &st.op else {
        panic!()
    };
    assert_eq!(
        actions[4].span.slice(sql),
        "ALTER COLUMN e TYPE numeric(10,2)"
    );
    assert_eq!(actions[13].kind, AlterKind::SetLogged, "{:?}", actions[13]);
    let AlterKind::DropConstraint {
        name,
        if_exists,
        cascade,
    } = &actions[12].kind
    else {
        panic!()
    };
    assert_eq!((name.as_str(), *if_exists, *cascade), ("w", true, true));
}

#[test]
fn renames() {
    let sql = "ALTER TABLE t RENAME COLUMN \"Old\" TO new_name";
    let AlterKind::RenameColumn { from, to } = action(sql) else {
        panic!()
    };
    assert_eq!(
        (from.name.as_str(), from.span.slice(sql)),
        ("Old", "\"Old\"")
    );
    assert_eq!(
        (to.name.as_str(), to.span.slice(sql)),
        ("new_name", "new_name")
    );
    assert_eq!(
        action("ALTER TABLE t RENAME TO s.u"),
        AlterKind::RenameTable { to: name("s.u") }
    );
    assert_eq!(
        action("ALTER TABLE t RENAME CONSTRAINT a TO b"),
        AlterKind::RenameConstraint {
            from: "a".to_string(),
            to: "b".to_string()
        }
    );
    let sql = "ALTER TABLE t RENAME a TO a2";
    assert!(matches!(action(sql), AlterKind::RenameColumn { .. }));
}

// ---------------------------------------------------------------------------------------
// The two lowerings agree

#[test]
fn ast_and_token_lowerings_agree() {
    let statements = [
        "ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0",
        "ALTER TABLE public.t ADD COLUMN IF NOT EXISTS \"B\" varchar(20) DEFAULT 'x'::character varying, DROP COLUMN c CASCADE",
        "ALTER TABLE t ADD COLUMN a timestamp with time zone DEFAULT now() NOT NULL",
        "ALTER TABLE t ADD COLUMN a text[] DEFAULT ARRAY[]::text[]",
        "ALTER TABLE t ADD COLUMN a jsonb DEFAULT '{}'::jsonb NOT NULL",
        "ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid() PRIMARY KEY",
        "ALTER TABLE t ADD COLUMN a int REFERENCES o(id) ON DELETE CASCADE",
        "ALTER TABLE t ADD COLUMN a text CHECK (a <> '') UNIQUE",
        "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (b * 2) STORED",
        "ALTER TABLE t ADD COLUMN a int GENERATED BY DEFAULT AS IDENTITY",
        "ALTER TABLE t ADD COLUMN a serial",
        "ALTER TABLE t ADD COLUMN a numeric(10, 2) DEFAULT 0.0",
        "ALTER TABLE t ALTER COLUMN a TYPE bigint USING a::bigint",
        "ALTER TABLE t ALTER COLUMN a SET DATA TYPE numeric(10,2)",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b DROP NOT NULL",
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT now(), ALTER COLUMN b DROP DEFAULT",
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES o (x, y) NOT VALID",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID",
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, b)",
        "ALTER TABLE t ADD PRIMARY KEY (id)",
        "ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX idx",
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX idx",
        "ALTER TABLE t VALIDATE CONSTRAINT c",
        "ALTER TABLE t DROP CONSTRAINT IF EXISTS c CASCADE",
        "ALTER TABLE t RENAME COLUMN a TO b",
        "ALTER TABLE t RENAME TO u",
        "ALTER TABLE t SET LOGGED",
        "ALTER TABLE t SET UNLOGGED",
        "ALTER TABLE t SET (fillfactor = 70)",
        "ALTER TABLE t OWNER TO bob",
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE ONLY t ADD COLUMN x int",
        "ALTER TABLE IF EXISTS t DROP COLUMN IF EXISTS x",
        "CREATE TABLE IF NOT EXISTS s.t (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, org_id int REFERENCES orgs (id), created_at timestamptz NOT NULL DEFAULT now(), CONSTRAINT t_email_check CHECK (email <> ''), UNIQUE (org_id, email), FOREIGN KEY (org_id) REFERENCES orgs (id))",
        "CREATE TABLE t AS SELECT * FROM u",
        "CREATE UNLOGGED TABLE t (a int)",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON public.t USING btree (lower(email)) WHERE deleted_at IS NULL",
        "CREATE INDEX ON t (a)",
        "CREATE INDEX \"Idx\" ON \"T\" (a, b DESC)",
        "DROP INDEX IF EXISTS a, b",
        "DROP TABLE IF EXISTS a, b CASCADE",
        "DROP TYPE e",
        "DROP VIEW v",
        "DROP MATERIALIZED VIEW mv",
        "DROP SEQUENCE s",
        "DROP SCHEMA s CASCADE",
        "TRUNCATE t, u CASCADE",
        "TRUNCATE TABLE t",
        "UPDATE t SET a = 1 WHERE b = 2",
        "UPDATE s.t SET a = (SELECT 1 FROM u WHERE x)",
        "DELETE FROM t",
        "DELETE FROM t WHERE a = 1",
        "INSERT INTO t (a) VALUES (1)",
        "INSERT INTO t SELECT * FROM u",
        "INSERT INTO t (a) SELECT a FROM u",
        "WITH x AS (SELECT 1) UPDATE t SET a = 1",
        "WITH x AS (DELETE FROM u RETURNING *) INSERT INTO t SELECT * FROM x",
        "CREATE TYPE e AS ENUM ('a', 'b')",
        "ALTER TYPE e ADD VALUE IF NOT EXISTS 'c' AFTER 'b'",
        "ALTER TYPE e ADD VALUE 'c'",
        "ALTER TYPE e RENAME VALUE 'a' TO 'z'",
        "SET lock_timeout TO '5s'",
        "SET LOCAL statement_timeout = 0",
        "SET SESSION lock_timeout = 5000",
        "SET search_path TO public, \"$user\"",
        "RESET lock_timeout",
        "SELECT set_config('lock_timeout', '5s', false)",
        "SELECT pg_catalog.set_config('search_path', '', false)",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "DROP EXTENSION x",
        "CREATE SEQUENCE s",
        "CREATE SCHEMA IF NOT EXISTS s",
        "CREATE VIEW v AS SELECT 1",
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "CREATE MATERIALIZED VIEW mv AS SELECT 1",
        "LOCK TABLE t IN SHARE MODE",
        "LOCK t",
        "VACUUM FULL t",
        "BEGIN",
        "BEGIN TRANSACTION",
        "START TRANSACTION",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ALTER INDEX i RENAME TO j",
        "GRANT SELECT ON t TO r",
        "COMMENT ON TABLE t IS 'x'",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'",
    ];
    for sql in statements {
        let (ast, tokens) = both_paths(sql);
        assert!(ast.is_some(), "AST path did not lower {sql}");
        assert_eq!(ast, tokens, "{sql}");
        assert_eq!(one(sql).source, Lowering::Ast, "{sql}");
    }
}

// ---------------------------------------------------------------------------------------
// SET, transactions, DML

#[test]
fn set_forms() {
    let set = |name: &str, value: &str, local: bool| Op::Set {
        name: name.to_string(),
        value: value.to_string(),
        local,
    };
    let cases = [
        ("SET lock_timeout = '5s'", set("lock_timeout", "5s", false)),
        (
            "SET LOCAL lock_timeout = '5s'",
            set("lock_timeout", "5s", true),
        ),
        (
            "SET SESSION lock_timeout = '5s'",
            set("lock_timeout", "5s", false),
        ),
        (
            "set Lock_Timeout to 5000",
            set("lock_timeout", "5000", false),
        ),
        (
            "SET LOCAL statement_timeout = 0",
            set("statement_timeout", "0", true),
        ),
        (
            "SET statement_timeout = '1min'",
            set("statement_timeout", "1min", false),
        ),
        ("RESET lock_timeout", set("lock_timeout", "", false)),
        (
            "SELECT set_config('lock_timeout', '5s', true)",
            set("lock_timeout", "5s", true),
        ),
        (
            "SELECT set_config('Lock_Timeout', '5s', false)",
            set("lock_timeout", "5s", false),
        ),
        ("SET TIME ZONE 'UTC'", set("timezone", "UTC", false)),
        ("SET app.tenant = 'x'", set("app.tenant", "x", false)),
        ("SET search_path = a, b", set("search_path", "a, b", false)),
    ];
    for (sql, expected) in cases {
        assert_eq!(op(sql), expected, "{sql}");
    }
    assert_eq!(
        op("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
        other("SET TRANSACTION")
    );
    assert_eq!(
        op("SELECT set_config('a', 'b', true), 1"),
        set("a", "b", true)
    );
    assert_eq!(op("SELECT set_config(x, 'b', true)"), other("SELECT"));
}

#[test]
fn transactions() {
    for sql in [
        "BEGIN",
        "BEGIN WORK",
        "BEGIN TRANSACTION",
        "START TRANSACTION",
        "BEGIN ISOLATION LEVEL SERIALIZABLE",
    ] {
        assert_eq!(op(sql), Op::Begin, "{sql}");
    }
    for sql in ["COMMIT", "COMMIT WORK", "END", "END TRANSACTION"] {
        assert_eq!(op(sql), Op::Commit, "{sql}");
    }
    for sql in ["ROLLBACK", "ROLLBACK WORK", "ABORT"] {
        assert_eq!(op(sql), Op::Rollback, "{sql}");
    }
    for sql in [
        "ROLLBACK TO SAVEPOINT a",
        "ROLLBACK TO a",
        "ROLLBACK WORK TO SAVEPOINT a",
    ] {
        assert_eq!(op(sql), other("ROLLBACK TO SAVEPOINT"), "{sql}");
    }
}

#[test]
fn dml() {
    assert_eq!(
        op("UPDATE t SET a = 1"),
        Op::Update {
            table: name("t"),
            has_where: false
        }
    );
    assert_eq!(
        op("UPDATE ONLY s.t AS x SET a = 1 FROM u WHERE x.id = u.id"),
        Op::Update {
            table: name("s.t"),
            has_where: true
        }
    );
    assert_eq!(
        op("DELETE FROM t WHERE id IN (SELECT id FROM u)"),
        Op::Delete {
            table: name("t"),
            has_where: true
        }
    );
    assert_eq!(
        op("INSERT INTO t VALUES (1)"),
        Op::Insert {
            table: name("t"),
            from_query: false
        }
    );
    assert_eq!(
        op("INSERT INTO t (a, b) SELECT a, b FROM u ON CONFLICT DO NOTHING"),
        Op::Insert {
            table: name("t"),
            from_query: true
        }
    );
    assert_eq!(
        op("INSERT INTO t DEFAULT VALUES"),
        Op::Insert {
            table: name("t"),
            from_query: false
        }
    );
    assert_eq!(
        op("LOCK TABLE a, b IN ACCESS EXCLUSIVE MODE NOWAIT"),
        Op::LockTable {
            tables: vec![name("a"), name("b")],
            mode: "ACCESS EXCLUSIVE".to_string()
        }
    );
    assert_eq!(
        op("LOCK TABLE a IN SHARE ROW EXCLUSIVE MODE"),
        Op::LockTable {
            tables: vec![name("a")],
            mode: "SHARE ROW EXCLUSIVE".to_string()
        }
    );
}

#[test]
fn names_fold_unquoted_and_keep_quoted() {
    assert_eq!(
        op("DROP TABLE Public.\"MixedCase\", OTHER"),
        Op::DropTable {
            names: vec![
                ObjName {
                    schema: Some("public".to_string()),
                    name: "MixedCase".to_string()
                },
                name("other")
            ],
            if_exists: false,
            cascade: false
        }
    );
    assert_eq!(
        op("CREATE EXTENSION \"uuid-ossp\""),
        Op::CreateExtension {
            name: "uuid-ossp".to_string()
        }
    );
    assert_eq!(
        op("CREATE TYPE s.Mood AS ENUM ('Happy', 'sad')"),
        Op::CreateEnum {
            name: name("s.mood"),
            values: vec!["Happy".to_string(), "sad".to_string()]
        }
    );
}

#[test]
fn unknown_only_for_garbage() {
    for sql in [
        "garbage words here",
        "FOO BAR",
        "CREATE WIDGET w",
        "ALTER THING x",
        ")))",
    ] {
        let st = one(sql);
        assert_eq!(st.source, Lowering::Unknown, "{sql}");
        assert!(matches!(st.op, Op::Unknown { .. }), "{sql}");
    }
}

#[test]
fn generic_dialect_parses_too() {
    let parsed = parse(
        "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b text;",
        Dialect::Generic,
    );
    assert_eq!(parsed.statements.len(), 2);
    assert!(parsed.statements.iter().all(|s| s.source == Lowering::Ast));
}

// ---------------------------------------------------------------------------------------
// Never panic

#[test]
fn never_panics_on_garbage() {
    let inputs = [
        "'",
        "\"",
        "$$",
        "$a$",
        "/*",
        "/* /* */",
        "--",
        "E'\\",
        "ALTER",
        "ALTER TABLE",
        "ALTER TABLE t ADD",
        "ALTER TABLE t ADD COLUMN",
        "ALTER TABLE t ALTER COLUMN",
        "ALTER TABLE t ADD CONSTRAINT",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (",
        "ALTER TABLE t ADD COLUMN a int DEFAULT",
        "ALTER TABLE t ADD COLUMN a int GENERATED",
        "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (",
        "ALTER TABLE t RENAME",
        "ALTER TABLE t RENAME COLUMN a",
        "ALTER TABLE t, , ,",
        "CREATE INDEX",
        "CREATE INDEX ON",
        "CREATE INDEX i ON t (",
        "CREATE TABLE t (",
        "CREATE TABLE t (a",
        "CREATE TABLE t (CONSTRAINT",
        "CREATE TABLE t (FOREIGN KEY (a) REFERENCES",
        "CREATE TYPE e AS ENUM (",
        "DROP INDEX CONCURRENTLY",
        "REINDEX",
        "REINDEX (",
        "VACUUM (",
        "CLUSTER (",
        "SET",
        "SET x =",
        "SELECT set_config(",
        "LOCK TABLE",
        "INSERT INTO",
        "UPDATE",
        "WITH",
        "{{",
        "${",
        ":'",
        "\\",
        "\u{0}\u{1}\u{7f}",
        "é'ü\"ö$$ä",
        "((((((((((",
        "))))))))))",
        "[[[[]]]]",
        ";'\";$$;--\n/*;",
        "-- +goose StatementBegin\nSELECT 1;",
        "-- +goose StatementEnd\n;",
        "CREATE FUNCTION f() BEGIN ATOMIC SELECT 1;",
        "CREATE RULE r AS ON INSERT TO t DO (",
    ];
    for sql in inputs {
        let parsed = pg(sql);
        for s in &parsed.statements {
            assert!(s.span.end <= sql.len(), "{sql:?}");
        }
        let _ = parse(sql, Dialect::Generic);
    }
}

#[test]
fn never_panics_on_pseudo_random_text() {
    let alphabet: Vec<char> = "abcXYZ019 \n\t;,.()[]{}'\"$:\\-/*+=<>!@#%^&|~?é✓日"
        .chars()
        .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let len = (state % 200) as usize;
        let text: String = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        for prefix in [
            "",
            "ALTER TABLE t ",
            "CREATE TABLE t (",
            "CREATE INDEX i ON t ",
            "DROP ",
        ] {
            let sql = format!("{prefix}{text}");
            let parsed = pg(&sql);
            for s in &parsed.statements {
                assert!(s.span.end <= sql.len() && sql.is_char_boundary(s.span.start));
                assert!(sql.is_char_boundary(s.span.end) && sql.is_char_boundary(s.head.end));
            }
        }
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    let parens = format!("SELECT {}1{};", "(".repeat(10_000), ")".repeat(10_000));
    let st = one(&parens);
    assert_eq!(st.op, other("SELECT"));
    let unbalanced = format!(
        "ALTER TABLE t ADD COLUMN a int DEFAULT {}",
        "(".repeat(10_000)
    );
    assert!(matches!(op(&unbalanced), Op::AlterTable { .. }));
    let default = format!(
        "ALTER TABLE t ADD COLUMN a int DEFAULT ({}1{})",
        "(".repeat(5_000),
        ")".repeat(5_000)
    );
    let AlterKind::AddColumn { column, .. } = action(&default) else {
        panic!()
    };
    assert_eq!(
        column.default.map(|d| d.volatility),
        Some(Volatility::Immutable)
    );
}

#[test]
fn long_expression_chains_do_not_overflow() {
    // Just under the AST limit: sqlparser builds (and drops) a 4999-deep tree.
    let sql = format!("SELECT {}", vec!["1"; 5_000].join(" + "));
    assert_eq!(one(&sql).source, Lowering::Ast);
    for unit in [
        " COLLATE \"C\"",
        " IS NULL",
        " AT TIME ZONE 'utc'",
        "::text",
        "[1]",
    ] {
        let sql = format!("SELECT 'x'{}", unit.repeat(30_000));
        let st = one(&sql);
        assert_eq!(st.op, other("SELECT"), "{unit}");
    }
}

#[test]
fn huge_statements() {
    let chain = format!(
        "ALTER TABLE t ADD COLUMN a int DEFAULT {}",
        vec!["1"; 100_000].join(" + ")
    );
    let st = one(&chain);
    assert_eq!(st.source, Lowering::Tokens);
    assert!(matches!(st.op, Op::AlterTable { .. }));
    let rows = vec!["(1, 'x', now())"; 20_000].join(", ");
    let insert = format!("INSERT INTO t (a, b, c) VALUES {rows};");
    let st = one(&insert);
    assert_eq!(
        st.op,
        Op::Insert {
            table: name("t"),
            from_query: false
        }
    );
    let many = "CREATE TABLE t (a int);\n".repeat(5_000);
    assert_eq!(pg(&many).statements.len(), 5_000);
    let long_ident = format!("DROP TABLE {}", "x".repeat(100_000));
    assert!(matches!(op(&long_ident), Op::DropTable { .. }));
}

#[test]
fn pathological_quotes_stay_linear() {
    let started = std::time::Instant::now();
    for unit in ["'", "\"", "$a$", ":'", "{{", "${", "E'\\'"] {
        let sql = unit.repeat(20_000);
        let _ = pg(&sql);
    }
    let mixed: String = (0..20_000).map(|i| format!("$t{i}$ ")).collect();
    let _ = pg(&mixed);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn columns_named_like_keywords_and_mysql_indexes() {
    let sql = "CREATE TABLE kv (key varchar(255) NOT NULL, index int, value text, KEY kv_value (value), INDEX (index), FULLTEXT ft (value))";
    let (ast, tokens) = both_paths(sql);
    for op in [ast, tokens].into_iter().flatten() {
        let Op::CreateTable {
            columns,
            constraints,
            ..
        } = op
        else {
            panic!()
        };
        let names: Vec<&str> = columns.iter().map(|c| c.name.name.as_str()).collect();
        assert_eq!(names, ["key", "index", "value"]);
        assert!(constraints.is_empty());
    }
    let (_, tokens) = both_paths("ALTER TABLE t ADD INDEX idx (a), ADD COLUMN key text");
    let Some(Op::AlterTable { actions, .. }) = tokens else {
        panic!()
    };
    assert!(matches!(actions[0].kind, AlterKind::Other { .. }));
    assert!(matches!(actions[1].kind, AlterKind::AddColumn { .. }));
}

#[test]
fn copy_from_stdin_data_is_skipped() {
    let sql = "COPY t (a, b) FROM stdin;\n1\tit's\n2\t;x\n\\.\nCREATE INDEX i ON t (a);\n";
    let parsed = pg(sql);
    assert_eq!(parsed.statements.len(), 2);
    assert_eq!(parsed.statements[0].op, other("COPY"));
    assert!(matches!(parsed.statements[1].op, Op::CreateIndex { .. }));
}
