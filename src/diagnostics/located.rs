//! A problem as an editor or CI annotation needs it.

/// A problem as an editor or CI annotation needs it: where, what, what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// The file, as the user reads its name (`kiln.toml`, `demo/kiln.toml`).
    pub file: Option<String>,
    /// 1-based line and column (in characters) where the problem starts.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Where it ends (exclusive column), on the same or a later line.
    #[serde(rename = "endLine")]
    pub end_line: Option<usize>,
    #[serde(rename = "endColumn")]
    pub end_column: Option<usize>,
    /// The key, dotted as in messages (`services.users.port`); `null` for a syntax error.
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}
