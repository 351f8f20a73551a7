//! Bad scenario files give located, clear errors, never a panic.

mod common;

use shequ::files::scenario_file;

fn err(text: &str) -> (String, shequ::files::error::InputError) {
    let dir = tempfile::tempdir().unwrap();
    let p = common::write(dir.path(), "bad.toml", text);
    let e = scenario_file::load(&p).expect_err("must be rejected");
    (e.to_string(), e)
}

#[test]
fn malformed_toml_is_located() {
    let (msg, e) = err(&common::extends_baseline("[cadres\nstipend_yuan_month = 1\n"));
    assert_eq!(e.line, Some(2), "{msg}");
    assert!(msg.contains("bad.toml:2:"), "{msg}");
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let (msg, e) = err(&common::extends_baseline("\n[cadres]\nstipend_yuan = 800.0\n"));
    assert_eq!(e.line, Some(4), "{msg}");
    assert_eq!(e.key.as_deref(), Some("cadres.stipend_yuan"), "{msg}");
    assert!(msg.contains("unknown field"), "{msg}");
}

#[test]
fn unknown_section_is_rejected() {
    let (msg, _) = err(&common::extends_baseline("[stipends]\nvalue = 1\n"));
    assert!(msg.contains("unknown field") && msg.contains("stipends"), "{msg}");
}

#[test]
fn wrong_type_is_located() {
    let (msg, e) = err(&common::extends_baseline(
        "[cadres]\npositions_per_committee = \"six\"\n",
    ));
    assert_eq!(e.line, Some(3), "{msg}");
    assert!(msg.contains("cadres.positions_per_committee"), "{msg}");
}

#[test]
fn out_of_range_value_gives_range() {
    let (msg, e) = err(&common::extends_baseline("[committees]\nphone_share = 1.5\n"));
    assert_eq!(e.line, Some(3), "{msg}");
    assert_eq!(e.key.as_deref(), Some("committees.phone_share"));
    assert!(msg.contains("[0, 1]"), "{msg}");
}

#[test]
fn negative_and_non_finite_numbers_are_rejected() {
    for v in ["-1.0", "nan", "inf"] {
        let (msg, e) = err(&common::extends_baseline(&format!(
            "[finance]\nstaff_salary_yuan_month = {v}\n"
        )));
        assert_eq!(e.key.as_deref(), Some("finance.staff_salary_yuan_month"), "{v}: {msg}");
    }
}

#[test]
fn cross_field_errors_are_located() {
    let (msg, e) = err(&common::extends_baseline(
        "[demography]\nage_band_shares = [0.5, 0.5, 0.5]\n",
    ));
    assert_eq!(e.key.as_deref(), Some("demography.age_band_shares"), "{msg}");
    let (msg, _) = err(&common::extends_baseline("[simulation]\nmonths = 6\n"));
    assert!(msg.contains("outcome_window_months"), "{msg}");
}

#[test]
fn missing_extends_target_is_named() {
    let (msg, e) = err("extends = \"nowhere.toml\"\n");
    assert!(msg.contains("nowhere.toml"), "{msg}");
    assert_eq!(e.key.as_deref(), Some("extends"));
    assert_eq!(e.line, Some(1), "{msg}");
}

#[test]
fn extends_cycle_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "a.toml", "extends = \"b.toml\"\n");
    let b = common::write(dir.path(), "b.toml", "extends = \"a.toml\"\n");
    let msg = scenario_file::load(&b).unwrap_err().to_string();
    assert!(msg.contains("cycle"), "{msg}");
}

#[test]
fn conflicting_overrides_are_reported_and_can_be_settled() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "x.toml",
        &common::extends_baseline("[cadres]\nstipend_yuan_month = 800.0\n"),
    );
    common::write(
        dir.path(),
        "y.toml",
        &common::extends_baseline("[cadres]\nstipend_yuan_month = 600.0\n"),
    );
    let both = common::write(dir.path(), "both.toml", "extends = [\"x.toml\", \"y.toml\"]\n");
    let msg = scenario_file::load(&both).unwrap_err().to_string();
    assert!(
        msg.contains("conflicting") && msg.contains("cadres.stipend_yuan_month"),
        "{msg}"
    );
    let settled = common::write(
        dir.path(),
        "settled.toml",
        "extends = [\"x.toml\", \"y.toml\"]\n[cadres]\nstipend_yuan_month = 700.0\n",
    );
    assert_eq!(
        scenario_file::load(&settled).unwrap().params.cadres.stipend_yuan_month,
        700.0
    );
}

#[test]
fn bad_jurisdiction_rows_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let header = "name,kind,area_km2,population,committees,firms_per_10k,provenance\n";
    let cases = [
        ("", "empty"),
        ("A,urban,1.0,100,0,50,estimate\n", "at least 1 committee"),
        ("A,urban,1.0,3,5,50,estimate\n", "every committee needs persons"),
        ("A,town,1.0,100,1,50,estimate\n", "urban"),
        ("A,urban,-1.0,100,1,50,estimate\n", "positive"),
        ("A,urban,1.0,lots,1,50,estimate\n", "bad row"),
    ];
    for (row, expect) in cases {
        common::write(dir.path(), "j.csv", &format!("{header}{row}"));
        let p = common::write(
            dir.path(),
            "s.toml",
            &common::extends_baseline("[world]\njurisdictions_file = \"j.csv\"\n"),
        );
        let msg = scenario_file::load(&p).unwrap_err().to_string();
        assert!(msg.contains("j.csv") && msg.contains(expect), "{row}: {msg}");
    }
}

#[test]
fn cli_exits_non_zero_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::write(
        dir.path(),
        "bad.toml",
        &common::extends_baseline("[cadres]\nstipend_yuan_month = -5\n"),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["run", p.to_str().unwrap(), "--reps", "1", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:3:") && err.contains("cadres.stipend_yuan_month"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let zero = std::process::Command::new(env!("CARGO_BIN_EXE_shequ"))
        .args(["run", "--reps", "0", "--quiet"])
        .arg(common::root().join("tests/data/small.toml"))
        .arg("--out")
        .arg(dir.path().join("out0"))
        .output()
        .unwrap();
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn age_bands_above_the_maximum_age_are_rejected() {
    let (msg, e) = err(&common::extends_baseline("[demography]\nmax_age_years = 80\n"));
    assert_eq!(e.key.as_deref(), Some("demography.age_band_shares"), "{msg}");
    assert!(msg.contains("max_age_years"), "{msg}");
}

#[test]
fn bad_optional_jurisdiction_columns_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let header = "# a comment line\nname,kind,area_km2,population,committees,firms_per_10k,authority,coordination,merge_into,provenance\n";
    let ok = "B,urban,1.0,100,1,50,,,,estimate\nF,fringe,9.0,100,1,50,0.3,0.3,,estimate\n";
    // (row, key, expected words); the bad row is on line 3 (after the comment and header).
    let cases = [
        ("A,urban,1.0,100,1,50,1.5,,,estimate\n", "authority", "[0, 1]"),
        ("A,urban,1.0,100,1,50,,-0.1,,estimate\n", "coordination", "[0, 1]"),
        (
            "A,urban,1.0,100,1,50,,,Nowhere,estimate\n",
            "merge_into",
            "no jurisdiction",
        ),
        ("A,urban,1.0,100,1,50,,,A,estimate\n", "merge_into", "itself"),
        ("A,urban,1.0,100,1,50,,,F,estimate\n", "merge_into", "fringe"),
        (
            "A,fringe,1.0,100,1,50,,,B,estimate\n",
            "merge_into",
            "only urban streets merge",
        ),
    ];
    for (row, key, expect) in cases {
        common::write(dir.path(), "j.csv", &format!("{header}{row}{ok}"));
        let p = common::write(
            dir.path(),
            "s.toml",
            &common::extends_baseline("[world]\njurisdictions_file = \"j.csv\"\n"),
        );
        let e = scenario_file::load(&p).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("j.csv") && msg.contains(expect), "{row}: {msg}");
        assert_eq!(e.key.as_deref(), Some(key), "{row}: {msg}");
        assert_eq!(e.line, Some(3), "{row}: {msg}");
    }
    // Without the optional columns, or with empty cells, the file loads.
    let plain = "name,kind,area_km2,population,committees,firms_per_10k,provenance\nA,urban,1.0,100,1,50,estimate\n";
    common::write(dir.path(), "j.csv", plain);
    let p = common::write(
        dir.path(),
        "s.toml",
        &common::extends_baseline("[world]\njurisdictions_file = \"j.csv\"\n"),
    );
    let s = scenario_file::load(&p).unwrap();
    assert_eq!(
        (s.jurisdictions[0].authority, s.jurisdictions[0].merge_into.clone()),
        (None, None)
    );
}

#[test]
fn a_scenario_outside_scenarios_without_extends_says_where_the_data_file_path_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::write(dir.path(), "alone.toml", "[cadres]\nstipend_yuan_month = 600.0\n");
    let e = scenario_file::load(&p).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.key.as_deref(), Some("world.jurisdictions_file"), "{msg}");
    assert!(msg.contains("schema default"), "{msg}");
    let resolved = dir.path().join("data/tianqiao_jurisdictions.csv");
    assert!(msg.contains(&resolved.display().to_string()), "{msg}");
    assert!(
        msg.contains("set world.jurisdictions_file") && msg.contains("scenarios/baseline.toml"),
        "{msg}"
    );
    // Set by a file: that file and line are named, with the resolved path.
    let p = common::write(
        dir.path(),
        "named.toml",
        "name = \"named\"\n[world]\njurisdictions_file = \"nowhere/j.csv\"\n",
    );
    let e = scenario_file::load(&p).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.line, Some(3), "{msg}");
    assert_eq!(e.key.as_deref(), Some("world.jurisdictions_file"), "{msg}");
    assert!(msg.contains("named.toml:3:") && msg.contains("nowhere/j.csv"), "{msg}");
}

#[test]
fn a_misspelt_key_gets_a_suggestion_and_a_wrong_type_plain_words() {
    let (msg, _) = err(&common::extends_baseline("[cadres]\nstipend_yuan = 800.0\n"));
    assert!(msg.contains("did you mean `stipend_yuan_month`?"), "{msg}");
    let (msg, _) = err(&common::extends_baseline("[cadres]\nstipend_yuan_month = \"lots\"\n"));
    assert!(msg.contains("expected a number in [0, 1000000] (yuan/month)"), "{msg}");
    assert!(!msg.contains("f64"), "{msg}");
    let (msg, _) = err(&common::extends_baseline("[cadres]\npositions_per_committee = 5.5\n"));
    assert!(msg.contains("expected a whole number in [1, 50]"), "{msg}");
}
