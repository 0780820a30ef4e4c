//! Pinned images: defaults for each language, and the tools pipelines run.
//! Each is an exact tag (distroless has no version tags, so a digest).

pub const NODE_BUILD: &str = "node:22.12.0-alpine3.21";
pub const NODE_RUNTIME: &str = "node:22.12.0-alpine3.21";
pub const PYTHON_BUILD: &str = "python:3.12.8-bookworm";
pub const PYTHON_RUNTIME: &str = "python:3.12.8-slim-bookworm";
pub const GO_BUILD: &str = "golang:1.23.4-alpine3.21";
pub const GO_RUNTIME: &str = "gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab";
pub const JAVA_BUILD: &str = "maven:3.9.9-eclipse-temurin-21-alpine";
pub const JAVA_RUNTIME: &str = "eclipse-temurin:21.0.5_11-jre-alpine";
pub const RUST_BUILD: &str = "rust:1.83.0-slim-bookworm";
/// .NET 8 (LTS): SDK 8.0.404 is the SDK of the 8.0.11 runtime (November 2024).
pub const DOTNET_BUILD: &str = "mcr.microsoft.com/dotnet/sdk:8.0.404-bookworm-slim";
pub const DOTNET_RUNTIME: &str = "mcr.microsoft.com/dotnet/aspnet:8.0.11-bookworm-slim";
pub const RUST_RUNTIME: &str = "gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f";

pub const DOCKER: &str = "docker:27.4.1-cli";
pub const DIND: &str = "docker:27.4.1-dind";
pub const TRIVY: &str = "aquasec/trivy:0.57.1";
pub const KUBECTL: &str = "alpine/k8s:1.31.5";
pub const ARGOCD: &str = "quay.io/argoproj/argocd:v2.13.3";
/// Has git and cargo: the drift job builds kiln with it, from `project.kiln`.
/// At least kiln's own minimum Rust (Cargo.toml's rust-version).
pub const RUST_CI: &str = "rust:1.89.0-bookworm";
/// A small shell with sha256sum and awk, for `.kiln/drift.sh`.
pub const SHELL: &str = "alpine:3.21.3";
