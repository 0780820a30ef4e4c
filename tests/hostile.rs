//! Hostile input: a corpus of broken configs, each with its expected
//! message, and absurd sizes. Every one exits 2, writes nothing and says
//! where the problem is.

use crate::Repo;
use std::path::Path;

#[test]
fn every_broken_config_in_the_corpus_is_refused_with_its_message() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "the corpus holds {} configs",
        files.len()
    );
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{name} starts with `# expect: <message>`"));
        let repo = Repo::with_config(&text);
        let run = repo.kiln(&["build"]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        let first = run.stderr.lines().next().unwrap_or_default();
        assert_eq!(first, format!("error: {expected}"), "{name}");
        // Where: a file position, or at least the file for whole-file problems.
        let located = run.stderr.lines().any(|line| {
            line.trim_start()
                .strip_prefix("--> kiln.toml")
                .is_some_and(|rest| {
                    rest.is_empty() || rest.split(':').skip(1).all(|n| n.parse::<u32>().is_ok())
                })
        });
        assert!(located, "{name} names no place:\n{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name}");
        assert_eq!(repo.contents().len(), 1, "{name}: only kiln.toml may exist");
    }
}

const HEAD: &str = "[project]\nname = \"big\"\nregistry = \"ghcr.io/a/b\"\n[environments.dev]\n";

#[test]
fn ten_thousand_services_are_refused_quickly() {
    let mut config = String::from(HEAD);
    for i in 0..10_000 {
        config.push_str(&format!("[services.s{i}]\nimage = \"redis:7.2\"\nport = 6379\nstorage = \"1Gi\"\nkind = \"stateful\"\n"));
    }
    let repo = Repo::with_config(&config);
    let run = repo.kiln(&["build"]).fails_with(2);
    assert!(
        run.stderr
            .starts_with("error: `services` is too large: at most 2000 services\n"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.contents().len(), 1);
}

#[test]
fn a_ten_megabyte_string_is_refused_before_parsing() {
    let config = format!(
        "{HEAD}[defaults]\nenv = {{ BLOB = \"{}\" }}\n",
        "x".repeat(10 * 1024 * 1024)
    );
    let repo = Repo::with_config(&config);
    let run = repo.kiln(&["check"]).fails_with(2);
    assert!(
        run.stderr.starts_with("error: `./kiln.toml` is 10485"),
        "{}",
        &run.stderr[..200.min(run.stderr.len())]
    );
    assert!(run.stderr.contains("kiln reads at most 4194304"));
}

#[test]
fn an_env_value_too_big_for_a_config_map_is_refused() {
    let config = format!(
        "{HEAD}[defaults]\nenv = {{ BLOB = \"{}\" }}\n",
        "x".repeat(100 * 1024)
    );
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`defaults.env.BLOB` is too large: at most 65536 bytes");
    assert_eq!(repo.contents().len(), 1);
}

#[test]
fn binary_garbage_is_an_input_error_not_a_crash() {
    let repo = Repo::new();
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(repo.path().join("kiln.toml"), garbage).unwrap();
    let run = repo.kiln(&["build"]).fails_with(2);
    assert!(
        run.stderr.starts_with("error: invalid TOML"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
}
