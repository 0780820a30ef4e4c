//! Values a cluster would refuse are refused before anything is written, and
//! values it accepts are accepted: cron schedules as the CronJob controller's
//! parser reads them, image references as runtimes pull them, Secret keys as
//! the API server stores them, and canaries that differ from what they replace.

use crate::{Repo, built};

const HEAD: &str = "[project]\nname = \"shop\"\nregistry = \"ghcr.io/acme/shop\"\n\n\
                    [environments.dev]\n[environments.prod]\n\n";

fn job(schedule: &str) -> String {
    format!(
        "{HEAD}[services.job]\nlanguage = \"python\"\nversion = \"1.0.0\"\nkind = \"cronjob\"\nschedule = {schedule:?}\n"
    )
}

#[test]
fn schedules_the_cronjob_controller_accepts_are_rendered() {
    for schedule in [
        "@every 1h",
        "@every 1h30m",
        "@hourly",
        "0 9-17 * * MON-FRI",
        "0 0 * * 0",
    ] {
        let repo = built(&job(schedule));
        let cronjob = repo.yaml("deploy/prod/services/job/cronjob.yaml");
        assert_eq!(cronjob["spec"]["schedule"], schedule, "{schedule}");
    }
}

#[test]
fn schedules_it_refuses_are_refused_with_the_field_named() {
    for (schedule, why) in [
        (
            "0 0 * * 7",
            "the day of week field `7` has `7`, outside 0-6",
        ),
        (
            "0 0 * * 5-7",
            "the day of week field `5-7` has `7`, outside 0-6",
        ),
        ("@Daily", "`@Daily` is not a descriptor the parser knows"),
        ("@every 0", "`@every 0` must run after a positive duration"),
        ("0 0 * * * *", "it has 6 fields, not 5"),
    ] {
        let repo = Repo::with_config(&job(schedule));
        let run = repo.kiln(&["check"]).fails_with(2);
        let expected = format!(
            "error: `{schedule}` in `services.job.schedule` is not a valid cron schedule: {why}\n"
        );
        assert!(run.stderr.starts_with(&expected), "{}", run.stderr);
        assert!(run.stderr.contains("--> kiln.toml:12:"), "{}", run.stderr);
        assert!(run.stderr.contains("`@every 6h`"), "{}", run.stderr);
    }
}

#[test]
fn every_value_the_cluster_refuses_is_reported_at_once() {
    let config = format!(
        "{HEAD}[services.api]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\n\
         secrets = {{ TOKEN = \"api-token:..\", KEY = \"api-token:.\" }}\n\
         canary = {{ version = \"1.0.0\", weight = 10 }}\n\n\
         [services.cache]\nimage = \"REDIS:7.2\"\nport = 6379\n\n\
         [services.proxy]\nimage = \"ghcr.io/../x:1\"\nport = 80\n\n\
         [services.job]\nlanguage = \"python\"\nversion = \"1.0.0\"\nkind = \"cronjob\"\nschedule = \"0 0 * * 7\"\n"
    );
    let repo = Repo::with_config(&config);
    let before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    for expected in [
        "error: `..` in `services.api.secrets.TOKEN` (`api-token:..`) is not a key a Kubernetes Secret can hold\n",
        "error: `.` in `services.api.secrets.KEY` (`api-token:.`) is not a key a Kubernetes Secret can hold\n",
        "error: `services.api.canary.version` is `1.0.0`, the version the stable pods run in `dev`, `prod`\n",
        "error: `REDIS:7.2` in `services.cache.image` is not an image reference a container runtime can pull: \
         the path component `REDIS` has uppercase letters; repository names are lowercase\n",
        "error: `ghcr.io/../x:1` in `services.proxy.image` is not an image reference a container runtime can pull: \
         the path component `..` must start and end with a lowercase letter or digit\n",
        "error: `0 0 * * 7` in `services.job.schedule` is not a valid cron schedule",
    ] {
        assert!(
            run.stderr.contains(expected),
            "lacks {expected:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr
            .contains("6 problems in `kiln.toml`; nothing was written"),
        "{}",
        run.stderr
    );
    // Each problem has its own place and hint.
    assert_eq!(
        run.stderr.matches("--> kiln.toml:").count(),
        6,
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("= hint: ").count(), 6, "{}", run.stderr);
    repo.assert_untouched(&before);
}

#[test]
fn a_canary_is_compared_with_the_version_of_its_own_environment() {
    // The service-wide canary is the version prod already runs; dev still runs 1.0.0.
    let config = format!(
        "{HEAD}[services.api]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\n\
         canary = {{ version = \"1.1.0\", weight = 10 }}\n\n\
         [services.api.environments.prod]\nversion = \"1.1.0\"\n"
    );
    let run = Repo::with_config(&config).kiln(&["check"]).fails_with(2);
    assert!(
        run.stderr.starts_with(
            "error: `services.api.canary.version` is `1.1.0`, the version the stable pods run in `prod`\n"
        ),
        "{}",
        run.stderr
    );
    // prod's own canary, at a new version, replaces the service-wide one there.
    let fixed = format!("{config}canary = {{ version = \"1.2.0\", weight = 5 }}\n");
    let repo = built(&fixed);
    let canary = repo.yaml("deploy/prod/services/api/deployment-canary.yaml");
    assert_eq!(
        canary["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme/shop/api:1.2.0"
    );
    // A canary set for one environment at that environment's version is refused there.
    let same = format!("{config}canary = {{ version = \"1.1.0\", weight = 5 }}\n");
    let run = Repo::with_config(&same).kiln(&["check"]).fails_with(2);
    assert!(
        run.stderr.starts_with(
            "error: `services.api.environments.prod.canary.version` is `1.1.0`, the version the stable pods run in `prod`\n"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn references_runtimes_pull_are_accepted_as_written() {
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let image = format!("registry.example.com:5000/mirror/redis:7.2-alpine@{digest}");
    let config = format!(
        "{HEAD}[services.cache]\nkind = \"stateful\"\nimage = {image:?}\nport = 6379\nstorage = \"1Gi\"\n\n\
         [services.api]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nsecrets = {{ TOKEN = \"api-token:.token_v2\" }}\n"
    );
    let repo = built(&config);
    let cache = repo.yaml("deploy/dev/services/cache/statefulset.yaml");
    assert_eq!(
        cache["spec"]["template"]["spec"]["containers"][0]["image"],
        image.as_str()
    );
    assert_eq!(cache["metadata"]["labels"]["version"], "7.2-alpine");
    let api = repo.yaml("deploy/dev/services/api/deployment.yaml");
    let env = &api["spec"]["template"]["spec"]["containers"][0]["env"][0];
    assert_eq!(env["valueFrom"]["secretKeyRef"]["key"], ".token_v2");
}

#[test]
fn registries_that_make_no_image_name_are_refused() {
    for registry in ["ghcr.io/../shop", "ghcr.io/Acme/shop", "ghcr.io/acme/"] {
        let config = HEAD.replace("ghcr.io/acme/shop", registry)
            + "[services.api]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\n";
        let run = Repo::with_config(&config).kiln(&["check"]).fails_with(2);
        assert!(
            run.stderr.starts_with(&format!(
                "error: `{registry}` in `project.registry` is not an image repository\n"
            )),
            "{}",
            run.stderr
        );
    }
}
