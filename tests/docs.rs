//! The committed documentation matches what the tool prints and writes.

mod common;

use shequ::cli;

fn after_header<'a>(doc: &'a str, header: &str) -> &'a str {
    let i = doc.find(header).unwrap_or_else(|| panic!("`{header}` not found"));
    &doc[i..]
}

#[test]
fn parameter_table_matches_the_command() {
    let doc = std::fs::read_to_string(common::root().join("docs/parameters.md")).unwrap();
    let rows = cli::params::params(Some(&common::root().join("scenarios/baseline.toml"))).unwrap();
    assert_eq!(
        after_header(&doc, "| key |"),
        cli::params::params_markdown(&rows),
        "docs/parameters.md is stale: regenerate it with `shequ params scenarios/baseline.toml`"
    );
}

#[test]
fn data_dictionary_covers_every_column_and_metric() {
    let doc = std::fs::read_to_string(common::root().join("docs/outputs.md")).unwrap();
    assert!(
        doc.ends_with(&cli::metrics::metrics_markdown()),
        "the metric table in docs/outputs.md is stale: regenerate it with `shequ metrics`"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut opts = common::options(
        &["tests/data/small.toml", "scenarios/reforms/raise_stipends.toml"],
        2,
        1,
        dir.path(),
        1,
    );
    // A probabilistic run, so that its columns and manifest keys are checked too.
    opts.decision.uncertainty = Some(common::write(
        dir.path(),
        "draws.toml",
        "[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n",
    ));
    let mut loaded = cli::load_scenarios(&opts.scenarios).unwrap();
    loaded[1].params.simulation = loaded[0].params.simulation.clone();
    cli::run::run(&opts, &loaded, &|| {}).unwrap();
    let metric_names: Vec<&str> = shequ::model::metrics::METRICS.iter().map(|m| m.name).collect();
    for file in [
        "runs.csv",
        "summary.csv",
        "timeseries.csv",
        "compare.csv",
        "compare_by_group.csv",
        "compare_timeseries.csv",
        "costs.csv",
        "ranking.csv",
        "pairwise.csv",
        "frontier.csv",
        "ceac.csv",
        "evpi.csv",
    ] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let header = text.lines().next().unwrap();
        // compare_by_group.csv shares compare.csv's columns, documented there.
        let section_file = if file == "compare_by_group.csv" {
            "compare.csv"
        } else {
            file
        };
        let section = after_header(&doc, &format!("## `{section_file}`"));
        for col in header.split(',') {
            if metric_names.contains(&col) || col == "cadres.pay_elasticity" {
                continue; // runs.csv: one column per metric, in the metric table, and per drawn parameter
            }
            assert!(
                section.contains(&format!("`{col}`")),
                "{file}: column `{col}` is not documented"
            );
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    let section = after_header(&doc, "## `manifest.json`");
    for key in manifest.as_object().unwrap().keys() {
        assert!(
            section.contains(&format!("`{key}`")),
            "manifest key `{key}` is not documented"
        );
    }
    for key in ["uncertainty", "decision"] {
        assert!(
            manifest.get(key).is_some(),
            "a probabilistic run's manifest has `{key}`"
        );
    }
    assert_eq!(manifest["schema_version"], shequ::files::manifest::SCHEMA_VERSION);
}

#[test]
fn sweep_outputs_are_documented() {
    let doc = std::fs::read_to_string(common::root().join("docs/outputs.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let exp = common::write(
        dir.path(),
        "exp.toml",
        &format!(
            "scenarios = [\"{}\", \"{}\"]\npopulation_scale = 0.01\nmetrics = [\"satisfaction_mean\"]\n[design]\nkind = \"sobol\"\nn = 2\nbootstrap = 10\n[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n",
            common::root().join("tests/data/small.toml").display(),
            common::root().join("tests/data/small_stipends.toml").display()
        ),
    );
    let e = cli::sweep::load_experiment(&exp).unwrap();
    let out = dir.path().join("out");
    let opts = cli::sweep::SweepOptions {
        reps: 1,
        seed: 1,
        out: out.clone(),
        threads: 1,
        command_line: vec![],
        shard: None,
        force: false,
        resume: false,
        parameters: None,
    };
    cli::sweep::sweep(&e, &opts, &|| {}).unwrap();
    let metric_names: Vec<&str> = shequ::model::metrics::METRICS.iter().map(|m| m.name).collect();
    for file in ["design.csv", "runs.csv", "summary.csv", "sensitivity.csv"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        let section = after_header(&doc, &format!("### sweep `{file}`"));
        for col in text.lines().next().unwrap().split(',') {
            if metric_names.contains(&col) || col == "cadres.pay_elasticity" {
                continue; // one column per metric / per factor, documented as such
            }
            assert!(
                section.contains(&format!("`{col}`")),
                "sweep {file}: column `{col}` is not documented"
            );
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let section = after_header(&doc, "### sweep `manifest.json`");
    for key in manifest.as_object().unwrap().keys() {
        assert!(
            section.contains(&format!("`{key}`")),
            "sweep manifest key `{key}` is not documented"
        );
    }
}

#[test]
fn every_metric_has_a_label_for_the_report() {
    for m in shequ::model::metrics::METRICS {
        assert_ne!(
            m.label(),
            m.name,
            "metric `{}` has no label: add one to MetricDef::label",
            m.name
        );
    }
}

#[test]
fn the_shipped_data_file_is_plain_csv() {
    let text = std::fs::read_to_string(common::root().join("scenarios/data/tianqiao_jurisdictions.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    // Every column the loader reads, in its order, and nothing else.
    assert_eq!(
        header,
        [
            "name",
            "kind",
            "area_km2",
            "population",
            "committees",
            "firms_per_10k",
            "authority",
            "coordination",
            "merge_into",
            "provenance"
        ]
    );
    let fields = header.len();
    for (i, l) in lines.enumerate() {
        assert!(
            !l.starts_with('#'),
            "line {}: no comment lines (pandas and R would need options)",
            i + 2
        );
        assert_eq!(l.split(',').count(), fields, "line {}", i + 2);
    }
}

#[test]
fn readme_test_command_and_ci_agree() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let ci = std::fs::read_to_string(common::root().join(".ci/run")).unwrap();
    assert!(
        readme.contains("SHEQU_SKIP_BROWSER=1 SHEQU_SKIP_SLURM=1 cargo test --release"),
        "the README's quick start gives the test command for a machine with nothing but Rust"
    );
    assert!(
        ci.contains("\ncargo test --release --locked\n"),
        "CI runs the README's full test command"
    );
    let set_in_ci = ci
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.contains("unset"))
        .any(|l| l.contains("SHEQU_SKIP_"));
    assert!(
        !set_in_ci,
        "CI installs Chromium and Slurm and must not skip their tests"
    );
}
