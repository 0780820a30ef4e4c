//! The `dotnet` build language: its Dockerfile read back, and the pipelines
//! that build and test it.

use crate::built;
use serde_yaml::Value;

const DOTNET: &str = r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"
ci = ["github", "gitlab", "jenkins"]

[environments.dev]

[services.catalog]
language = "dotnet"
version = "1.0.4"
port = 5000
"#;

/// The instructions of a Dockerfile, comments and blank lines left out.
fn instructions(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn dotnet_dockerfile_is_multi_stage_pinned_and_non_root() {
    let repo = built(DOTNET);
    let text = repo.read("services/catalog/Dockerfile");
    let lines = instructions(&text);
    let froms: Vec<&&str> = lines.iter().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(
        froms,
        [
            &"FROM ${BUILD_IMAGE} AS deps",
            &"FROM deps AS build",
            &"FROM deps AS test",
            &"FROM ${RUNTIME_IMAGE} AS runtime",
        ],
        "{text}"
    );
    assert!(
        lines.contains(&"ARG BUILD_IMAGE=\"mcr.microsoft.com/dotnet/sdk:8.0.404-bookworm-slim\"")
    );
    assert!(
        lines.contains(
            &"ARG RUNTIME_IMAGE=\"mcr.microsoft.com/dotnet/aspnet:8.0.11-bookworm-slim\""
        )
    );
    // Restore sees only the project file, so its layer survives source edits.
    let restore = lines
        .iter()
        .position(|l| l.starts_with("RUN dotnet restore"))
        .unwrap();
    assert_eq!(lines[restore - 1], "COPY ${PROJECT}.csproj ./");
    assert!(lines.contains(&"ARG PROJECT=\"catalog\""));
    assert!(lines.iter().any(|l| l.starts_with("RUN dotnet publish")
        && l.contains("--configuration Release")
        && l.contains("--output /app")));
    assert!(lines.contains(&"RUN dotnet test tests --configuration Release"));
    // The runtime stage: the published app, the pod's numeric user, the port.
    let runtime = &lines[lines
        .iter()
        .position(|l| l.ends_with("AS runtime"))
        .unwrap()..];
    assert_eq!(
        runtime[1..],
        [
            "WORKDIR /app",
            "COPY --from=build /app /app",
            "ENV ASPNETCORE_HTTP_PORTS=5000",
            "USER 10001:10001",
            "EXPOSE 5000",
            "ENTRYPOINT [\"dotnet\", \"/app/catalog.dll\"]",
        ]
    );
    let ignore = repo.read("services/catalog/.dockerignore");
    for line in ["**/bin", "**/obj", ".git", "**/.env"] {
        assert!(ignore.lines().any(|l| l == line), "{line} in {ignore}");
    }
}

#[test]
fn dotnet_user_follows_run_as_user() {
    let repo = built(&format!("{DOTNET}run_as_user = 1654\n"));
    let text = repo.read("services/catalog/Dockerfile");
    assert!(instructions(&text).contains(&"USER 1654:1654"), "{text}");
}

#[test]
fn pipelines_build_and_test_the_dotnet_service() {
    let repo = built(DOTNET);
    let github: Value = repo.yaml(".github/workflows/ci.yml");
    let matrix = serde_yaml::to_string(&github["jobs"]).unwrap();
    assert!(matrix.contains("services/catalog"), "{matrix}");
    assert!(
        matrix.contains("docker build --target test \"$CONTEXT\""),
        "{matrix}"
    );
    let gitlab: Value = repo.yaml(".gitlab-ci.yml");
    assert_eq!(
        gitlab["test:catalog"]["variables"]["CONTEXT"],
        "services/catalog"
    );
    let jenkins = repo.read("Jenkinsfile");
    assert!(jenkins.contains("'Test catalog'"), "{jenkins}");
}

#[test]
fn explain_shows_the_pinned_dotnet_images() {
    let repo = built(DOTNET);
    repo.kiln(&["explain", "dev", "catalog"])
        .success()
        .stdout_has("language                 = \"dotnet\"")
        .stdout_has(
            "runtime_image            = \"mcr.microsoft.com/dotnet/aspnet:8.0.11-bookworm-slim\"  # built-in default",
        );
}
