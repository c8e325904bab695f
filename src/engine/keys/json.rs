//! Cache info as JSON, in the shape uv writes to `uv_cache.json` in an installed `.dist-info`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::engine::formats::{CacheInfo, DirStamp, Timestamp};

fn timestamp_json(t: &Timestamp) -> Value {
    json!({ "secs_since_epoch": t.secs, "nanos_since_epoch": t.nanos })
}

/// The cache info as uv serializes it (`{"timestamp": {"secs_since_epoch": ..}, "commit": ..}`).
pub fn cache_info_json(info: &CacheInfo) -> Value {
    let dirs: Map<String, Value> = info
        .directories
        .iter()
        .map(|(name, stamp)| {
            let v = match stamp {
                DirStamp::Created(t) => timestamp_json(t),
                DirStamp::Inode(i) => json!(i),
                DirStamp::Missing => Value::Null,
            };
            (name.clone(), v)
        })
        .collect();
    json!({
        "timestamp": info.timestamp.as_ref().map(timestamp_json),
        "commit": info.commit,
        "tags": info.tags,
        "env": info.env,
        "directories": dirs,
    })
}

/// Serializes a cache info field in uv's JSON shape.
pub fn ser_cache_info<S: serde::Serializer>(info: &CacheInfo, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&cache_info_json(info), s)
}

fn parse_timestamp(v: &Value) -> Result<Timestamp, String> {
    let secs = v
        .get("secs_since_epoch")
        .and_then(Value::as_i64)
        .ok_or("timestamp without integer `secs_since_epoch`")?;
    let nanos = v
        .get("nanos_since_epoch")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n < 1_000_000_000)
        .ok_or("timestamp without valid `nanos_since_epoch`")?;
    Ok(Timestamp { secs, nanos })
}

fn string_map(v: &Value, what: &str) -> Result<BTreeMap<String, Option<String>>, String> {
    match v {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), Some(s.clone()))),
                Value::Null => Ok((k.clone(), None)),
                _ => Err(format!("`{what}.{k}` is neither a string nor null")),
            })
            .collect(),
        _ => Err(format!("`{what}` is not an object")),
    }
}

/// Parses a `uv_cache.json` file's text.
pub fn parse_uv_cache_json(text: &str) -> Result<CacheInfo, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let field = |name: &str| v.get(name).unwrap_or(&Value::Null);
    let timestamp = match field("timestamp") {
        Value::Null => None,
        t => Some(parse_timestamp(t)?),
    };
    let commit = match field("commit") {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => return Err("`commit` is not a string".into()),
    };
    let tags = match field("tags") {
        Value::Null => None,
        t => Some(
            string_map(t, "tags")?
                .into_iter()
                .map(|(k, v)| {
                    v.map(|v| (k, v))
                        .ok_or("a tag without a commit".to_string())
                })
                .collect::<Result<BTreeMap<_, _>, _>>()?,
        ),
    };
    let env = string_map(field("env"), "env")?;
    let directories = match field("directories") {
        Value::Null => BTreeMap::new(),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                let stamp = match v {
                    Value::Null => DirStamp::Missing,
                    Value::Number(n) => DirStamp::Inode(
                        n.as_u64()
                            .ok_or_else(|| format!("`directories.{k}` is not an inode"))?,
                    ),
                    other => DirStamp::Created(parse_timestamp(other)?),
                };
                Ok((k.clone(), stamp))
            })
            .collect::<Result<_, String>>()?,
        _ => return Err("`directories` is not an object".into()),
    };
    Ok(CacheInfo {
        timestamp,
        commit,
        tags,
        env,
        directories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_uv_shape() {
        let text = r#"{"timestamp":{"secs_since_epoch":1795298033,"nanos_since_epoch":5},
            "commit":"971efff3971efff3971efff3971efff3971efff3","tags":{"v1":"971efff3971efff3971efff3971efff3971efff3"},
            "env":{"MYVAR":"1","UNSET":null},"directories":{"src":{"secs_since_epoch":1,"nanos_since_epoch":2},"x":7,"gone":null}}"#;
        let info = parse_uv_cache_json(text).expect("valid");
        assert_eq!(
            info.timestamp,
            Some(Timestamp {
                secs: 1795298033,
                nanos: 5
            })
        );
        assert_eq!(info.env.get("UNSET"), Some(&None));
        assert_eq!(info.directories.get("x"), Some(&DirStamp::Inode(7)));
        assert_eq!(info.directories.get("gone"), Some(&DirStamp::Missing));
        let back = parse_uv_cache_json(&cache_info_json(&info).to_string()).expect("valid");
        assert_eq!(back, info);
        let empty = cache_info_json(&CacheInfo::default()).to_string();
        assert_eq!(
            empty,
            r#"{"commit":null,"directories":{},"env":{},"tags":null,"timestamp":null}"#
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "[]",
            "{\"timestamp\": 5}",
            "{\"timestamp\": {\"secs_since_epoch\": 1, \"nanos_since_epoch\": 1000000000}}",
            "{\"commit\": 1}",
            "{\"tags\": {\"v1\": null}}",
            "{\"env\": []}",
            "{\"directories\": {\"a\": -1}}",
        ] {
            assert!(parse_uv_cache_json(bad).is_err(), "{bad}");
        }
    }
}
