//! Files read back are checked: `replications.tsv` and `run.json` (read by
//! `merge` and `run --resume`) and `sweep_shard.tsv` (read by `sweep
//! --merge`), cut, reordered, duplicated or edited, give an input error
//! (exit 3) that names the file and the line, and no final output; never a
//! panic and never a merge of wrong data. Real files from tiny runs are
//! corrupted in each way.

mod common;

use common::shequ_at_root as shequ;

use shequ::study::checksum::reseal;
use std::path::{Path, PathBuf};
use std::process::Output;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Two tiny scenarios (1 % of residents, a year) in `dir`.
fn scenarios(dir: &Path) -> [PathBuf; 2] {
    let tiny = |name: &str, base: &str| {
        common::write(
            dir,
            &format!("{name}.toml"),
            &format!(
                "extends = \"{}\"\nname = \"{name}\"\n[simulation]\npopulation_scale = 0.01\nmonths = 12\noutcome_window_months = 6\n",
                common::root().join(base).display()
            ),
        )
    };
    [
        tiny("tiny", "tests/data/small.toml"),
        tiny("tiny_stipends", "tests/data/small_stipends.toml"),
    ]
}

fn run(sc: &[PathBuf; 2], out: &Path, extra: &[&str]) -> Output {
    let mut a = vec![
        "run",
        s(&sc[0]),
        s(&sc[1]),
        "--reps",
        "3",
        "--seed",
        "5",
        "--threads",
        "1",
        "--quiet",
        "--out",
        s(out),
    ];
    a.extend(extra);
    shequ(&a)
}

fn ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A corrupted file must be an input error (exit 3) naming `file` and
/// `line`, with `what` in the message.
fn refused(o: &Output, file: &Path, line: usize, what: &str, case: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{case}: {err}");
    let at = format!("{}:{line}:", file.display());
    assert!(err.contains(&at), "{case}: expected `{at}` in: {err}");
    assert!(err.contains(what), "{case}: expected `{what}` in: {err}");
    assert!(!err.contains("panicked"), "{case}: {err}");
}

/// Neither a study's nor a sweep's final files.
fn no_final_output(dir: &Path, case: &str) {
    for f in [
        "manifest.json",
        "summary.csv",
        "runs.csv",
        "timeseries.csv",
        "compare.csv",
        "design.csv",
    ] {
        assert!(!dir.join(f).exists(), "{case}: {f} was written");
    }
}

fn lines(text: &str) -> Vec<String> {
    text.split_terminator('\n').map(str::to_string).collect()
}

fn join(l: &[String]) -> String {
    format!("{}\n", l.join("\n"))
}

/// Replaces the `k`-th tab field (0-based) of line `i` (0-based).
fn set_field(text: &str, i: usize, k: usize, f: impl Fn(&str) -> String) -> String {
    let mut l = lines(text);
    let mut fields: Vec<String> = l[i].split('\t').map(str::to_string).collect();
    fields[k] = f(&fields[k]);
    l[i] = fields.join("\t");
    join(&l)
}

/// Changes the first digit after the first `,` of line `i` (inside a list of values).
fn edit_digit(text: &str, i: usize) -> String {
    let mut l = lines(text);
    let at = l[i].find(',').unwrap() + 1;
    let mut b = l[i].clone().into_bytes();
    let d = b[at..].iter().position(u8::is_ascii_digit).unwrap() + at;
    b[d] = if b[d] == b'7' { b'8' } else { b'7' };
    l[i] = String::from_utf8(b).unwrap();
    join(&l)
}

/// The ways a text file can be damaged, with the line (1-based) where the
/// damage must be found and a word of the message. `data` is the first
/// data line (1-based) that is damaged.
fn damages(text: &str) -> Vec<(&'static str, Vec<u8>, usize, &'static str)> {
    let l = lines(text);
    assert!(l.len() >= 4, "need a header and three lines:\n{text}");
    let mut swapped = l.clone();
    swapped.swap(1, 2);
    let mut dup = l.clone();
    dup.insert(2, l[1].clone());
    let mut garbage = l.clone();
    garbage[2] = "\u{1}\u{7f}#!garbage\tof\tno\tkind".into();
    let mut bad_utf8 = text.as_bytes().to_vec();
    let second = l[0].len() + 1 + 3;
    bad_utf8[second] = 0xff;
    let mut no_field = lines(text);
    let mut f: Vec<&str> = no_field[1].split('\t').collect();
    f.remove(3);
    no_field[1] = f.join("\t");
    let no_field = join(&no_field);
    vec![
        ("swapped lines", join(&swapped).into_bytes(), 2, "checksum"),
        ("duplicated line", join(&dup).into_bytes(), 3, "checksum"),
        ("edited digit", edit_digit(text, 2).into_bytes(), 3, "checksum"),
        ("deleted field", no_field.clone().into_bytes(), 2, "checksum"),
        ("deleted field, resealed", reseal(&no_field).into_bytes(), 2, "fields"),
        ("garbage", join(&garbage).into_bytes(), 3, "checksum"),
        ("invalid UTF-8", bad_utf8, 2, "UTF-8"),
        ("empty file", Vec::new(), 1, ""),
        (
            "dropped line",
            join(&[&l[..2], &l[3..]].concat()).into_bytes(),
            3,
            "checksum",
        ),
    ]
}

#[test]
fn merge_refuses_damaged_journals_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenarios(dir.path());
    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let d = dir.path().join(format!("s{i}"));
            ok(&run(&sc, &d, &["--shard", &format!("{i}/2")]));
            d
        })
        .collect();
    let journal = shequ::files::journal::journal_path(&shards[0]);
    let pristine = std::fs::read_to_string(&journal).unwrap();
    let merge = |out: &Path| shequ(&["merge", s(&shards[0]), s(&shards[1]), "--quiet", "--out", s(out)]);
    let good = dir.path().join("good");
    ok(&merge(&good));
    let l = lines(&pristine);
    let mut cases = damages(&pristine);
    // Cut in the middle of its last line: a killed writer's line, ignored,
    // so the shard holds a replication fewer than shard.json says.
    let cut = &pristine[..pristine.len() - l[3].len() / 2];
    cases.push((
        "cut mid-line",
        cut.as_bytes().to_vec(),
        4,
        "shard.json says shard 1/2 finished 3",
    ));
    cases.push(("header only", join(&l[..1]).into_bytes(), 2, "3 missing"));
    // Wrong in their fields, with valid checksums: field-by-field checks.
    let reseal_field = |k: usize, f: &dyn Fn(&str) -> String| reseal(&set_field(&pristine, 2, k, f)).into_bytes();
    cases.push((
        "seed, resealed",
        reseal_field(3, &|x| format!("{}", x.parse::<u64>().unwrap() ^ 1)),
        3,
        "seed",
    ));
    cases.push((
        "name, resealed",
        reseal_field(1, &|_| "other".into()),
        3,
        "in this study",
    ));
    cases.push((
        "replication, resealed",
        reseal_field(2, &|_| "3".into()),
        3,
        "beyond --reps 3",
    ));
    cases.push((
        "index, resealed",
        reseal_field(0, &|_| "2".into()),
        3,
        "not in this study",
    ));
    let mut dup_sealed = l.clone();
    dup_sealed.insert(2, l[1].clone());
    cases.push((
        "duplicate, resealed",
        reseal(&join(&dup_sealed)).into_bytes(),
        3,
        "twice",
    ));
    let mut values = pristine.clone();
    values = set_field(&values, 1, 5, |v| v.rsplit_once(',').unwrap().0.to_string());
    cases.push(("a value fewer, resealed", reseal(&values).into_bytes(), 2, "expected"));
    for (k, (case, bytes, line, what)) in cases.iter().enumerate() {
        std::fs::write(&journal, bytes).unwrap();
        let out = dir.path().join(format!("m{k}"));
        let o = merge(&out);
        refused(&o, &journal, *line, what, case);
        no_final_output(&out, case);
    }
    // Version 1 (no checksums) is still read, with the same result.
    let v1: Vec<String> = std::iter::once("# shequ replications v1".to_string())
        .chain(l[1..].iter().map(|x| x.rsplit_once('\t').unwrap().0.to_string()))
        .collect();
    std::fs::write(&journal, join(&v1)).unwrap();
    let old = dir.path().join("v1");
    ok(&merge(&old));
    for f in ["runs.csv", "summary.csv", "compare.csv"] {
        assert_eq!(
            std::fs::read(good.join(f)).unwrap(),
            std::fs::read(old.join(f)).unwrap(),
            "{f}"
        );
    }
    // ... with its fields checked: a v1 line with a wrong seed.
    let bad = set_field(&join(&v1), 1, 3, |_| "12345".into());
    std::fs::write(&journal, bad).unwrap();
    let out = dir.path().join("v1-bad");
    refused(&merge(&out), &journal, 2, "seed", "v1 seed");
    no_final_output(&out, "v1 seed");
    // A shard's run.json that does not match its shard.json.
    std::fs::write(&journal, &pristine).unwrap();
    let id = shequ::files::journal::identity_path(&shards[1]);
    let text = std::fs::read_to_string(&id).unwrap();
    std::fs::write(&id, text.replacen("\"seed\": 5", "\"seed\": 6", 1)).unwrap();
    let out = dir.path().join("id");
    let o = merge(&out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains(s(&id)) && err.contains("`seed` is 6"), "{err}");
    no_final_output(&out, "run.json");
}

#[test]
fn resume_refuses_a_damaged_journal_or_run_json() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenarios(dir.path());
    let whole = dir.path().join("whole");
    ok(&run(&sc, &whole, &[]));
    let work = whole.join(".shequ");
    let journal = std::fs::read_to_string(work.join("replications.tsv")).unwrap();
    let identity = std::fs::read_to_string(work.join("run.json")).unwrap();
    // A folder holding only the working files, as a killed run leaves them.
    let fresh = |name: &str, journal: &[u8], identity: &[u8]| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(d.join(".shequ")).unwrap();
        std::fs::write(d.join(".shequ/replications.tsv"), journal).unwrap();
        std::fs::write(d.join(".shequ/run.json"), identity).unwrap();
        d
    };
    let l = lines(&journal);
    let mut cases = damages(&journal);
    let mut sealed = l.clone();
    sealed.insert(3, l[1].clone());
    cases.push(("duplicate, resealed", reseal(&join(&sealed)).into_bytes(), 4, "twice"));
    cases.push((
        "seed, resealed",
        reseal(&set_field(&journal, 1, 3, |_| "77".into())).into_bytes(),
        2,
        "seed",
    ));
    for (k, (case, bytes, line, what)) in cases.iter().enumerate() {
        let d = fresh(&format!("j{k}"), bytes, identity.as_bytes());
        let o = run(&sc, &d, &["--resume"]);
        refused(&o, &d.join(".shequ/replications.tsv"), *line, what, case);
        no_final_output(&d, case);
        // The journal is left as it was, for a person to look at.
        assert_eq!(
            &std::fs::read(d.join(".shequ/replications.tsv")).unwrap(),
            bytes,
            "{case}"
        );
    }
    // run.json: cut, a field of the wrong type, an unknown field, a missing
    // one, another tool, invalid UTF-8, empty.
    let mut bad_utf8 = identity.clone().into_bytes();
    bad_utf8[identity.find("\"seed\"").unwrap() + 2] = 0xfe;
    let seed_line = identity.lines().position(|x| x.contains("\"seed\"")).unwrap() + 1;
    let ids: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        ("cut", identity.as_bytes()[..identity.len() / 2].to_vec(), 0, "EOF"),
        (
            "wrong type",
            identity.replacen("\"seed\": 5", "\"seed\": \"5\"", 1).into_bytes(),
            seed_line,
            "invalid type",
        ),
        (
            "unknown field",
            identity
                .replacen("\"seed\": 5", "\"seed\": 5, \"colour\": 1", 1)
                .into_bytes(),
            seed_line,
            "unknown field",
        ),
        (
            "missing field",
            identity.replacen("\"seed\": 5,", "", 1).into_bytes(),
            0,
            "missing field",
        ),
        ("invalid UTF-8", bad_utf8, seed_line, "UTF-8"),
        ("empty", Vec::new(), 1, "EOF"),
    ];
    let id_path = |d: &Path| d.join(".shequ/run.json");
    for (k, (case, bytes, line, what)) in ids.iter().enumerate() {
        let d = fresh(&format!("i{k}"), journal.as_bytes(), bytes);
        let o = run(&sc, &d, &["--resume"]);
        let err = String::from_utf8_lossy(&o.stderr);
        if *line == 0 {
            // The line is where serde found the end; the file is named.
            assert_eq!(o.status.code(), Some(3), "{case}: {err}");
            assert!(err.contains(&format!("{}:", id_path(&d).display())), "{case}: {err}");
            assert!(err.contains(what), "{case}: {err}");
        } else {
            refused(&o, &id_path(&d), *line, what, case);
        }
        no_final_output(&d, case);
    }
    let d = fresh(
        "tool",
        journal.as_bytes(),
        identity.replacen("\"shequ\"", "\"other\"", 1).as_bytes(),
    );
    let o = run(&sc, &d, &["--resume"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not `shequ`"));
    // A journal cut in the middle of a line (a killed writer) is resumed:
    // the cut replication is run again, and the final files are the same.
    let cut = &journal[..journal.len() - l[4].len() / 2];
    let d = fresh("cut", cut.as_bytes(), identity.as_bytes());
    ok(&run(&sc, &d, &["--resume"]));
    for f in ["runs.csv", "summary.csv", "timeseries.csv", "compare.csv"] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(d.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn sweep_merge_refuses_damaged_shard_files_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenarios(dir.path());
    let exp = common::write(
        dir.path(),
        "exp.toml",
        &format!(
            "scenarios = [\"{}\"]\n[design]\nkind = \"grid\"\nlevels = 3\n[[factors]]\npath = \"cadres.pay_elasticity\"\nmin = 0.5\nmax = 1.5\n",
            sc[0].display()
        ),
    );
    let sweep = |extra: &[&str]| {
        let mut a = vec!["sweep", s(&exp), "--reps", "3", "--threads", "1", "--quiet"];
        a.extend(extra);
        shequ(&a)
    };
    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let d = dir.path().join(format!("s{i}"));
            ok(&sweep(&["--shard", &format!("{i}/2"), "--out", s(&d)]));
            d
        })
        .collect();
    let file = shards[0].join("sweep_shard.tsv");
    let pristine = std::fs::read_to_string(&file).unwrap();
    let merge = |out: &Path| sweep(&["--merge", s(&shards[0]), s(&shards[1]), "--out", s(out)]);
    let good = dir.path().join("good");
    ok(&merge(&good));
    let l = lines(&pristine);
    let n = l.len();
    let mut cases = damages(&pristine);
    let cut = &pristine[..pristine.len() - l[n - 1].len() / 2];
    cases.push(("cut mid-line", cut.as_bytes().to_vec(), n, "checksum"));
    let cut_sum = &pristine[..pristine.len() - 1];
    cases.push(("cut newline", cut_sum.as_bytes().to_vec(), n, "cut"));
    cases.push(("header only", join(&l[..1]).into_bytes(), 2, "header says"));
    cases.push((
        "header edited",
        set_field(&pristine, 0, 5, |_| "4".into()).into_bytes(),
        1,
        "header",
    ));
    cases.push(("value edited", edit_digit(&pristine, 1).into_bytes(), 2, "checksum"));
    let mut sealed = l.clone();
    sealed.swap(1, 2);
    cases.push((
        "swapped, resealed",
        reseal(&join(&sealed)).into_bytes(),
        3,
        "out of order",
    ));
    let mut sealed = l.clone();
    sealed.insert(2, l[1].clone());
    cases.push((
        "duplicate, resealed",
        reseal(&join(&sealed)).into_bytes(),
        3,
        "duplicated",
    ));
    cases.push((
        "replication, resealed",
        reseal(&set_field(&pristine, 1, 2, |_| "3".into())).into_bytes(),
        2,
        "beyond",
    ));
    cases.push((
        "a value fewer, resealed",
        reseal(&set_field(&pristine, 1, 4, |v| {
            v.rsplit_once(',').unwrap().0.to_string()
        }))
        .into_bytes(),
        2,
        "values",
    ));
    for (k, (case, bytes, line, what)) in cases.iter().enumerate() {
        std::fs::write(&file, bytes).unwrap();
        let out = dir.path().join(format!("m{k}"));
        refused(&merge(&out), &file, *line, what, case);
        no_final_output(&out, case);
    }
    // Version 1 (no checksums) is still read, with the same result.
    let head = l[0].rsplit_once('\t').unwrap().0.replacen("v2", "v1", 1);
    let v1: Vec<String> = std::iter::once(head)
        .chain(l[1..].iter().map(|x| x.rsplit_once('\t').unwrap().0.to_string()))
        .collect();
    std::fs::write(&file, join(&v1)).unwrap();
    let old = dir.path().join("v1");
    ok(&merge(&old));
    for f in ["design.csv", "runs.csv", "summary.csv"] {
        assert_eq!(
            std::fs::read(good.join(f)).unwrap(),
            std::fs::read(old.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// Found while writing the `experiment` fuzz target: a grid's points grow as
/// levels^factors, and a file within every per-key range (1000 levels, four
/// factors) asked `design()` for 10^12 points (out of memory). The design's
/// size is now checked when the file loads.
#[test]
fn a_design_too_large_to_lay_out_is_refused_when_the_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let small = common::root().join("tests/data/small.toml");
    let factors: String = [
        "cadres.pay_elasticity",
        "finance.informal_sensitivity",
        "labour.layoff_annual",
    ]
    .iter()
    .map(|p| format!("[[factors]]\npath = \"{p}\"\nmin = 0.1\nmax = 0.2\n"))
    .collect();
    let exp = |design: &str| {
        common::write(
            dir.path(),
            "exp.toml",
            &format!("scenarios = [\"{}\"]\n[design]\n{design}\n{factors}", small.display()),
        )
    };
    let e = shequ::files::experiment_file::load(&exp("kind = \"grid\"\nlevels = 1000")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("design"), "{e}");
    assert!(e.to_string().contains("1000000000 points"), "{e}");
    let e = shequ::files::experiment_file::load(&exp("kind = \"morris\"\nlevels = 4\ntrajectories = 100000")).unwrap();
    assert_eq!(e.point_count(), Some(400_000));
    // The count is what `design()` lays out, for every kind.
    for design in [
        "kind = \"grid\"\nlevels = 3",
        "kind = \"lhs\"\nn = 7",
        "kind = \"sobol\"\nn = 8",
        "kind = \"morris\"\nlevels = 4\ntrajectories = 3",
    ] {
        let e = shequ::files::experiment_file::load(&exp(design)).unwrap();
        assert_eq!(e.point_count(), Some(e.design().points.len() as u64), "{design}");
    }
}
