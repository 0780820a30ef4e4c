//! kiln's own release files agree with each other and with what they
//! claim: cargo-binstall's names are release.yml's archives, the action
//! downloads those names, every action is pinned by commit, every Rust
//! kiln is built with is at least Cargo.toml's rust-version, and the
//! Renovate configuration of docs/pipelines.md finds every version and
//! image of the kiln.toml files kiln ships.

use crate::Repo;
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn manifest() -> toml::Table {
    read("Cargo.toml").parse().unwrap()
}

/// The targets release.yml builds.
fn release_targets() -> BTreeSet<String> {
    let workflow: Value = serde_yaml::from_str(&read(".github/workflows/release.yml")).unwrap();
    workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|entry| entry["target"].as_str().unwrap().to_string())
        .collect()
}

/// cargo-binstall's template with its `{ var }`s filled in.
fn expand(template: &str, target: &str) -> String {
    template
        .replace("{ repo }", "https://github.com/kiln-rs/kiln")
        .replace("{ version }", "0.1.0")
        .replace("{ name }", "kiln")
        .replace("{ target }", target)
        .replace("{ bin }", "kiln")
        .replace(
            "{ binary-ext }",
            if target.contains("windows") {
                ".exe"
            } else {
                ""
            },
        )
}

#[test]
fn binstall_finds_the_archives_release_yml_publishes() {
    let manifest = manifest();
    let package = manifest["package"].as_table().unwrap();
    assert_eq!(
        package["repository"].as_str(),
        Some("https://github.com/kiln-rs/kiln")
    );
    let binstall = package["metadata"]["binstall"].as_table().unwrap();
    let targets = release_targets();
    assert_eq!(
        targets,
        [
            "aarch64-apple-darwin",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "x86_64-pc-windows-msvc",
            "x86_64-unknown-linux-musl",
        ]
        .map(String::from)
        .into()
    );
    let release = read(".github/workflows/release.yml");
    // release.yml names each archive kiln-<version>-<target>, holding that directory.
    assert!(release.contains("name=\"kiln-$version-$TARGET\""));
    assert!(release.contains("tar -czf \"$name.tar.gz\" \"$name\""));
    assert!(release.contains("7z a -tzip -bso0 \"$name.zip\" \"$name\""));
    for target in &targets {
        let overrides = binstall
            .get("overrides")
            .and_then(|o| o.get(target.as_str()));
        let field = |key: &str| {
            overrides
                .and_then(|o| o.get(key))
                .or_else(|| binstall.get(key))
                .and_then(toml::Value::as_str)
                .unwrap()
                .to_string()
        };
        let (ext, format) = if target.contains("windows") {
            ("zip", "zip")
        } else {
            ("tar.gz", "tgz")
        };
        assert_eq!(
            expand(&field("pkg-url"), target),
            format!(
                "https://github.com/kiln-rs/kiln/releases/download/v0.1.0/kiln-0.1.0-{target}.{ext}"
            )
        );
        assert_eq!(field("pkg-fmt"), format);
        let exe = if target.contains("windows") {
            ".exe"
        } else {
            ""
        };
        assert_eq!(
            expand(&field("bin-dir"), target),
            format!("kiln-0.1.0-{target}/kiln{exe}")
        );
    }
    // The action downloads the same names, for every target there is.
    let action = read("action.yml");
    assert!(action.contains("name=\"kiln-$KILN_VERSION-$target\""));
    assert!(action.contains("/releases/download/v$KILN_VERSION/$name.$ext"));
    for target in &targets {
        assert!(action.contains(&format!("target={target} ")), "{target}");
    }
}

/// Every `uses:` of a workflow or the action: local, or pinned by a full commit.
#[test]
fn every_action_kiln_uses_is_pinned_by_commit() {
    for file in [
        ".github/workflows/release.yml",
        ".github/workflows/ci.yml",
        "examples/bots/kiln-build.yml",
    ] {
        let text = read(file);
        let mut found = 0;
        for line in text.lines() {
            let Some(uses) = line.trim().trim_start_matches("- ").strip_prefix("uses: ") else {
                continue;
            };
            found += 1;
            if uses == "./" {
                continue;
            }
            let (_, rest) = uses
                .split_once('@')
                .unwrap_or_else(|| panic!("{file}: {uses}"));
            let (sha, comment) = rest.split_once(" # ").unwrap_or((rest, ""));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{file}: {uses} is not pinned by commit"
            );
            assert!(!comment.is_empty(), "{file}: {uses} says no version");
        }
        assert!(found > 0, "{file}");
    }
}

/// `major.minor` of a Rust version or image tag such as `rust:1.89.0-bookworm`.
fn rust_version(text: &str) -> (u32, u32) {
    let digits = text.trim_start_matches(|c: char| !c.is_ascii_digit());
    let mut parts = digits.split(['.', '-']);
    let major = parts.next().unwrap().parse().unwrap();
    let minor = parts.next().unwrap().parse().unwrap();
    (major, minor)
}

#[test]
fn every_rust_that_builds_kiln_is_at_least_its_rust_version() {
    let msrv = rust_version(manifest()["package"]["rust-version"].as_str().unwrap());
    assert!(msrv >= (1, 85), "edition 2024 needs 1.85");
    // The image the pipelines build kiln in, with `project.kiln.git`.
    let repo = Repo::with_config(
        &crate::SMALL.replace(
            "registry = \"ghcr.io/acme/shop\"\n",
            "registry = \"ghcr.io/acme/shop\"\nci = [\"github\"]\nkiln = { git = \"https://git.example.com/kiln.git\", rev = \"0123456789abcdef0123456789abcdef01234567\" }\n",
        ),
    );
    repo.kiln(&["build"]).success();
    let workflow = repo.yaml(".github/workflows/ci.yml");
    let image = workflow["jobs"]["drift"]["env"]["RUST_IMAGE"]
        .as_str()
        .unwrap();
    assert!(rust_version(image) >= msrv, "{image}");
    // The Dockerfile's build image, and the toolchains of kiln's own CI.
    let dockerfile = read("Dockerfile");
    let build = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("ARG BUILD_IMAGE="))
        .unwrap();
    assert!(rust_version(build) >= msrv, "{build}");
    for file in [".github/workflows/release.yml", ".github/workflows/ci.yml"] {
        let workflow: Value = serde_yaml::from_str(&read(file)).unwrap();
        let toolchain = workflow["env"]["RUST_TOOLCHAIN"].as_str().unwrap();
        assert!(rust_version(toolchain) >= msrv, "{file}: {toolchain}");
    }
}

/// What Renovate's regex manager finds in `text` with one custom manager:
/// every match, or with `recursive` each match of the last regex inside
/// the matches of the ones before it, with the groups of every level.
fn renovate_finds(manager: &serde_json::Value, text: &str) -> Vec<(String, String)> {
    let regexes: Vec<regex::Regex> = manager["matchStrings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| regex::Regex::new(r.as_str().unwrap()).unwrap())
        .collect();
    let recursive = manager["matchStringsStrategy"].as_str() == Some("recursive");
    let mut levels: Vec<(String, std::collections::BTreeMap<String, String>)> =
        vec![(text.to_string(), Default::default())];
    let chain = if recursive {
        &regexes[..]
    } else {
        &regexes[..1]
    };
    for regex in chain {
        let mut next = Vec::new();
        for (within, groups) in &levels {
            for captures in regex.captures_iter(within) {
                let mut groups = groups.clone();
                for name in regex.capture_names().flatten() {
                    if let Some(value) = captures.name(name) {
                        groups.insert(name.to_string(), value.as_str().to_string());
                    }
                }
                next.push((captures[0].to_string(), groups));
            }
        }
        levels = next;
    }
    levels
        .into_iter()
        .map(|(_, groups)| {
            let name = match manager["depNameTemplate"].as_str() {
                Some(template) => template
                    .replace("{{{registry}}}", &groups["registry"])
                    .replace("{{{service}}}", &groups["service"]),
                None => groups["depName"].clone(),
            };
            let value = [groups.get("currentValue"), groups.get("currentDigest")]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("@");
            (name, value)
        })
        .collect()
}

/// What kiln.toml holds, read as TOML: every image reference (as
/// repository and tag[@digest]) and every version of a built service.
fn truth(text: &str) -> BTreeSet<(String, String)> {
    let config: toml::Table = text.parse().unwrap();
    let mut found = BTreeSet::new();
    let image = |found: &mut BTreeSet<(String, String)>, reference: &str| {
        let (name, digest) = match reference.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (reference, None),
        };
        let (repository, tag) = match name.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
            _ => (name, None),
        };
        let value = [tag, digest]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("@");
        found.insert((repository.to_string(), value));
    };
    let project = config["project"].as_table().unwrap();
    if let Some(reference) = project
        .get("kiln")
        .and_then(|k| k.get("image"))
        .and_then(toml::Value::as_str)
    {
        image(&mut found, reference);
    }
    let registry = project.get("registry").and_then(toml::Value::as_str);
    let services = config.get("services").and_then(toml::Value::as_table);
    for (service, table) in services.into_iter().flatten() {
        for key in ["image", "build_image", "runtime_image"] {
            if let Some(reference) = table.get(key).and_then(toml::Value::as_str) {
                image(&mut found, reference);
            }
        }
        // The images of extra containers are pinned, and bumped, like the service's.
        for key in ["init_containers", "sidecars"] {
            for container in table
                .get(key)
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(reference) = container.get("image").and_then(toml::Value::as_str) {
                    image(&mut found, reference);
                }
            }
        }
        let layers = std::iter::once(table).chain(
            table
                .get("environments")
                .and_then(toml::Value::as_table)
                .into_iter()
                .flat_map(|e| e.values()),
        );
        for layer in layers {
            // Each of `versions` runs a tag of the service's own, or an image of its own.
            let split = layer
                .get("versions")
                .and_then(toml::Value::as_table)
                .into_iter()
                .flat_map(|v| v.values());
            let mut versions = vec![
                layer.get("version"),
                layer.get("canary").and_then(|c| c.get("version")),
            ];
            for entry in split {
                versions.push(entry.get("version"));
                if let Some(reference) = entry.get("image").and_then(toml::Value::as_str) {
                    image(&mut found, reference);
                }
            }
            for version in versions.into_iter().flatten() {
                found.insert((
                    format!("{}/{service}", registry.unwrap()),
                    version.as_str().unwrap().to_string(),
                ));
            }
        }
    }
    found
}

#[test]
fn the_renovate_config_finds_every_version_and_image_of_kiln_toml() {
    let config: serde_json::Value =
        serde_json::from_str(&read("examples/bots/renovate.json")).unwrap();
    // docs/pipelines.md shows this very file.
    assert!(
        read("docs/pipelines.md").contains(read("examples/bots/renovate.json").trim()),
        "docs/pipelines.md and examples/bots/renovate.json differ"
    );
    let managers = config["customManagers"].as_array().unwrap();
    let files: Vec<String> = ["examples", "presets/apps"]
        .iter()
        .flat_map(|dir| {
            std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
                .unwrap()
                .map(|e| e.unwrap().path().join("kiln.toml"))
                .filter(|p| p.is_file())
                .map(|p| p.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(files.len() >= 7, "{files:?}");
    let mut digests = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for manager in managers {
            let pattern = manager["managerFilePatterns"][0].as_str().unwrap();
            let pattern = regex::Regex::new(pattern.trim_matches('/')).unwrap();
            assert!(pattern.is_match(file), "{file}");
        }
        let found: Vec<(String, String)> = managers
            .iter()
            .flat_map(|manager| renovate_finds(manager, &text))
            .collect();
        let unique: BTreeSet<(String, String)> = found.iter().cloned().collect();
        assert_eq!(unique, truth(&text), "{file}");
        digests += unique
            .iter()
            .filter(|(_, v)| v.contains("@sha256:"))
            .count();
    }
    assert!(digests > 0, "no image pinned by digest was tried");
    // Values inside other keys are no versions: a service's `env`, say.
    let decoy = "[project]\nname = \"a\"\n# the registry = \"x\" of old\nregistry = \"r.example.com/a\"\n\n[services.x]\nlanguage = \"go\"\n# version = \"0.9.0\" was the last; image = \"busybox:1\" too\nversion = \"1.0.0\"\nenv = { APP_VERSION = \"9\", my_image_tag = \"busybox:1\" }\n";
    let found: BTreeSet<(String, String)> = managers
        .iter()
        .flat_map(|manager| renovate_finds(manager, decoy))
        .collect();
    assert_eq!(found, truth(decoy));
}
