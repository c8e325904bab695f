//! Reading `[tool.uv] cache-keys` as strictly as uv 0.13 does.

use super::CacheKey;

/// Parses the `cache-keys` of a `pyproject.toml` text (`None` when it sets none), as strictly as
/// uv 0.13 does: unknown or extra fields and wrong types are errors.
pub fn parse_cache_keys(text: &str) -> std::result::Result<Option<Vec<CacheKey>>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| format!("invalid TOML: {e}"))?;
    let section =
        |t: &toml::Table, name: &str| -> std::result::Result<Option<toml::Table>, String> {
            match t.get(name) {
                None => Ok(None),
                Some(toml::Value::Table(t)) => Ok(Some(t.clone())),
                Some(_) => Err(format!("`{name}` is not a table")),
            }
        };
    let Some(tool) = section(&table, "tool")? else {
        return Ok(None);
    };
    let Some(uv) = section(&tool, "uv")? else {
        return Ok(None);
    };
    match uv.get("cache-keys") {
        None => Ok(None),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(parse_key)
            .collect::<Result<_, _>>()
            .map(Some),
        Some(other) => Err(format!(
            "`tool.uv.cache-keys` must be a list, found {}",
            other.type_str()
        )),
    }
}

fn parse_key(value: &toml::Value) -> std::result::Result<CacheKey, String> {
    let string = |field: &str, v: &toml::Value| match v {
        toml::Value::String(s) => Ok(s.clone()),
        other => Err(format!(
            "`{field}` must be a string, found {}",
            other.type_str()
        )),
    };
    let table = match value {
        toml::Value::String(path) => return Ok(CacheKey::File { path: path.clone() }),
        toml::Value::Table(t) => t,
        other => {
            return Err(format!(
                "a cache key must be a string or a table, found {}",
                other.type_str()
            ));
        }
    };
    let mut fields = table.iter();
    let (Some((field, v)), None) = (fields.next(), fields.next()) else {
        return Err(format!(
            "a cache key table needs exactly one field, found {}",
            table.len()
        ));
    };
    match field.as_str() {
        "file" => Ok(CacheKey::File {
            path: string(field, v)?,
        }),
        "dir" => Ok(CacheKey::Dir {
            path: string(field, v)?,
        }),
        "env" => Ok(CacheKey::Env {
            name: string(field, v)?,
        }),
        "git" => match v {
            toml::Value::Boolean(b) => Ok(CacheKey::Git {
                commit: *b,
                tags: false,
            }),
            toml::Value::Table(set) => {
                let mut git = (false, false);
                for (k, v) in set {
                    let toml::Value::Boolean(b) = v else {
                        return Err(format!("`git.{k}` must be a boolean"));
                    };
                    match k.as_str() {
                        "commit" => git.0 = *b,
                        "tags" => git.1 = *b,
                        other => {
                            return Err(format!(
                                "unknown field `{other}`, expected `commit` or `tags`"
                            ));
                        }
                    }
                }
                Ok(CacheKey::Git {
                    commit: git.0,
                    tags: git.1,
                })
            }
            other => Err(format!(
                "`git` must be a boolean or a table, found {}",
                other.type_str()
            )),
        },
        other => Err(format!("unknown cache key field `{other}`")),
    }
}
