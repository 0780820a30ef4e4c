//! Reading a rendered manifest back for the cross-checks: parsed in full by
//! serde_yaml, so every file must be YAML a cluster accepts (one document,
//! no duplicate keys), but built into a `Value` only where a check looks.
//! Building and freeing every label, probe and ConfigMap entry of 30,000
//! files cost `kiln check` as much as the parse itself.

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value};
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// Which part of a document to keep.
enum Shape {
    /// All of it.
    Keep,
    /// None of it: only checked to be YAML.
    Skip,
    /// These keys of a mapping, each with its own shape (of every item,
    /// for a sequence); every other key is skipped.
    Fields(&'static [(&'static str, Shape)]),
}

use Shape::{Fields, Keep, Skip};

/// `metadata` of every object: what it is called.
const NAMED: Shape = Fields(&[("name", Keep), ("namespace", Keep)]);
/// `metadata` of the objects whose labels a check reads.
const LABELLED: Shape = Fields(&[("name", Keep), ("namespace", Keep), ("labels", Keep)]);
/// A pod template: labels, container ports and service account.
const POD_TEMPLATE: Shape = Fields(&[
    ("metadata", Fields(&[("labels", Keep)])),
    (
        "spec",
        Fields(&[
            (
                "containers",
                Fields(&[("ports", Fields(&[("name", Keep), ("containerPort", Keep)]))]),
            ),
            (
                "initContainers",
                Fields(&[
                    ("ports", Fields(&[("name", Keep), ("containerPort", Keep)])),
                    ("restartPolicy", Keep),
                ]),
            ),
            ("serviceAccountName", Keep),
        ]),
    ),
]);
const WORKLOAD: Shape = Fields(&[("selector", Keep), ("template", POD_TEMPLATE)]);
/// A list of ports of which the checks read only the number.
const PORT_NUMBERS: Shape = Fields(&[("ports", Fields(&[("port", Keep)]))]);

/// The shapes of `metadata` and `spec` that the cross-checks read, by kind.
fn shapes(kind: &str) -> (&'static Shape, &'static Shape) {
    const SERVICE: Shape = Fields(&[
        ("selector", Keep),
        (
            "ports",
            Fields(&[
                ("name", Keep),
                ("targetPort", Keep),
                ("port", Keep),
                ("appProtocol", Keep),
            ]),
        ),
    ]);
    const CRON_JOB: Shape = Fields(&[("jobTemplate", Fields(&[("spec", WORKLOAD)]))]);
    const MONITORED_NAMESPACES: Shape = Fields(&[("matchNames", Keep)]);
    const SERVICE_MONITOR: Shape = Fields(&[
        ("namespaceSelector", MONITORED_NAMESPACES),
        ("selector", Keep),
        ("endpoints", Fields(&[("port", Keep)])),
    ]);
    const POD_MONITOR: Shape = Fields(&[
        ("namespaceSelector", MONITORED_NAMESPACES),
        ("selector", Keep),
        ("podMetricsEndpoints", Fields(&[("port", Keep)])),
    ]);
    const DESTINATION_RULE: Shape = Fields(&[
        ("host", Keep),
        ("subsets", Fields(&[("name", Keep), ("labels", Keep)])),
    ]);
    const AUTHORIZATION_POLICY: Shape = Fields(&[
        ("selector", Fields(&[("matchLabels", Keep)])),
        ("targetRefs", Fields(&[("kind", Keep), ("name", Keep)])),
        (
            "rules",
            Fields(&[(
                "from",
                Fields(&[("source", Fields(&[("principals", Keep)]))]),
            )]),
        ),
    ]);
    const NETWORK_POLICY: Shape = Fields(&[
        ("podSelector", Keep),
        ("ingress", PORT_NUMBERS),
        (
            "egress",
            Fields(&[
                (
                    "to",
                    Fields(&[("namespaceSelector", Keep), ("podSelector", Keep)]),
                ),
                ("ports", Fields(&[("port", Keep)])),
            ]),
        ),
    ]);
    const GATEWAY: Shape = Fields(&[("gatewayClassName", Keep)]);
    const VIRTUAL_SERVICE: Shape = Fields(&[(
        "http",
        Fields(&[
            ("name", Keep),
            (
                "route",
                Fields(&[
                    ("weight", Keep),
                    ("destination", Fields(&[("host", Keep), ("subset", Keep)])),
                ]),
            ),
        ]),
    )]);
    const ROUTE: Shape = Fields(&[
        ("parentRefs", Keep),
        ("hostnames", Keep),
        ("rules", Fields(&[("matches", Keep), ("backendRefs", Keep)])),
    ]);
    const INGRESS: Shape = Fields(&[("ingressClassName", Keep), ("rules", Keep)]);
    match kind {
        "Namespace" => (&LABELLED, &Skip),
        "HTTPRoute" | "GRPCRoute" => (&NAMED, &ROUTE),
        "Ingress" => (&NAMED, &INGRESS),
        "Service" => (&LABELLED, &SERVICE),
        "Deployment" | "StatefulSet" | "DaemonSet" => (&NAMED, &WORKLOAD),
        "CronJob" => (&NAMED, &CRON_JOB),
        "ServiceMonitor" => (&NAMED, &SERVICE_MONITOR),
        "PodMonitor" => (&NAMED, &POD_MONITOR),
        "DestinationRule" => (&NAMED, &DESTINATION_RULE),
        "AuthorizationPolicy" => (&NAMED, &AUTHORIZATION_POLICY),
        "NetworkPolicy" => (&NAMED, &NETWORK_POLICY),
        "VirtualService" => (&NAMED, &VIRTUAL_SERVICE),
        // A waypoint is known by its class.
        "Gateway" => (&NAMED, &GATEWAY),
        _ => (&NAMED, &Skip),
    }
}

/// Parses one manifest: the whole file must be YAML (serde_yaml's parser,
/// its errors word for word), and the `Value`
/// holds `kind`, `metadata` and `spec` as far as the checks of that kind
/// read them. A `metadata` or `spec` that comes before `kind` is kept whole.
pub fn parse(text: &str) -> Result<Value, serde_yaml::Error> {
    Document.deserialize(serde_yaml::Deserializer::from_str(text))
}

/// The top level of a manifest, where `kind` decides what else to keep.
struct Document;

impl<'de> DeserializeSeed<'de> for Document {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Mapping::new();
        let mut seen = Seen::default();
        let mut kind: Option<String> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            seen.insert(&key)?;
            let shape = match key.as_str() {
                Some("kind") => &Keep,
                Some(part @ ("metadata" | "spec")) => match &kind {
                    Some(kind) => {
                        let (metadata, spec) = shapes(kind);
                        if part == "metadata" { metadata } else { spec }
                    }
                    None => &Keep,
                },
                _ => &Skip,
            };
            let value = map.next_value_seed(Part(shape))?;
            if key.as_str() == Some("kind") {
                kind = value.as_str().map(str::to_string);
            }
            if !matches!(shape, Skip) {
                kept.insert(key.into_value(), value);
            }
        }
        Ok(Value::Mapping(kept))
    }

    // Anything but a mapping is no object: kept whole, as serde_yaml reads it.
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Part(&Keep).visit_bool(b)
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Part(&Keep).visit_i64(n)
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Part(&Keep).visit_u64(n)
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Part(&Keep).visit_f64(n)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Part(&Keep).visit_str(s)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        Part(&Keep).visit_seq(seq)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        Part(&Keep).visit_enum(data)
    }
}

/// A value below the top level, read with its shape.
#[derive(Clone, Copy)]
struct Part<'s>(&'s Shape);

impl<'de> DeserializeSeed<'de> for Part<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Part<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(match self.0 {
            Skip => Value::Null,
            _ => Value::String(s.to_string()),
        })
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            if !matches!(self.0, Skip) {
                items.push(item);
            }
        }
        // Most lists and mappings here hold one or two items: without
        // this, growth leaves room for four, which is most of the memory.
        items.shrink_to_fit();
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut kept = Mapping::new();
        let mut seen = Seen::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            seen.insert(&key)?;
            let shape = match (self.0, key.as_str()) {
                (Keep, _) => &Keep,
                (Fields(fields), Some(name)) => fields
                    .iter()
                    .find(|(field, _)| *field == name)
                    .map_or(&Skip, |(_, shape)| shape),
                _ => &Skip,
            };
            let value = map.next_value_seed(Part(shape))?;
            if !matches!(shape, Skip) {
                kept.insert(key.into_value(), value);
            }
        }
        kept.shrink_to_fit();
        Ok(Value::Mapping(kept))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use de::VariantAccess;
        let (tag, contents) = data.variant::<String>()?;
        if tag.is_empty() {
            return Err(de::Error::custom("empty YAML tag is not allowed"));
        }
        let value = contents.newtype_variant_seed(self)?;
        Ok(Value::Tagged(Box::new(TaggedValue {
            tag: Tag::new(tag),
            value,
        })))
    }
}

/// A mapping key: nearly always a string, borrowed from the text when it can be.
#[derive(PartialEq, Eq, Hash)]
enum Key<'de> {
    Str(Cow<'de, str>),
    Other(Value),
}

impl Key<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Key::Str(s) => Some(s),
            Key::Other(_) => None,
        }
    }

    fn into_value(self) -> Value {
        match self {
            Key::Str(s) => Value::String(s.into_owned()),
            Key::Other(value) => value,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Key::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
        Ok(Key::Str(Cow::Owned(s)))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Key<'de>, E> {
        Ok(Key::Other(Value::Bool(b)))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Key<'de>, E> {
        Ok(Key::Other(Value::Number(n.into())))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Key<'de>, E> {
        Ok(Key::Other(Value::Number(n.into())))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Key<'de>, E> {
        Ok(Key::Other(Value::Number(n.into())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Key<'de>, E> {
        Ok(Key::Other(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Key<'de>, E> {
        Ok(Key::Other(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        Part(&Keep).deserialize(deserializer).map(Key::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Key<'de>, A::Error> {
        Part(&Keep).visit_seq(seq).map(Key::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Key<'de>, A::Error> {
        Part(&Keep).visit_map(map).map(Key::Other)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Key<'de>, A::Error> {
        Part(&Keep).visit_enum(data).map(Key::Other)
    }
}

/// The keys of one mapping so far: a duplicate is an error, as serde_yaml
/// makes it for the parts it builds. Most mappings have a handful of keys;
/// a long one (a large ConfigMap) switches to a hash set.
#[derive(Default)]
struct Seen<'de> {
    few: Vec<Key<'de>>,
    many: HashSet<Key<'de>>,
}

impl<'de> Seen<'de> {
    const FEW: usize = 16;

    fn insert<E: de::Error>(&mut self, key: &Key<'de>) -> Result<(), E> {
        if self.few.len() == Self::FEW {
            self.many.extend(self.few.drain(..));
        }
        if self.few.contains(key) || self.many.contains(key) {
            return Err(E::custom(match key {
                Key::Str(s) => format!("duplicate entry with key {s:?}"),
                Key::Other(_) => "duplicate entry in YAML map".to_string(),
            }));
        }
        let key = match key {
            Key::Str(s) => Key::Str(s.clone()),
            Key::Other(value) => Key::Other(value.clone()),
        };
        if self.many.is_empty() {
            self.few.push(key);
        } else {
            self.many.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_yaml::Value;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  namespace: n\n  labels: {x: y}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: a}\n  template:\n    metadata:\n      labels: {app: a}\n    spec:\n      serviceAccountName: a\n      containers:\n        - name: app\n          image: i:1\n          env: [{name: A, value: b}]\n          ports:\n            - {name: http, containerPort: 8080}\n";

    #[test]
    fn keeps_what_the_checks_read_of_each_kind() {
        let value = parse(DEPLOYMENT).unwrap();
        let full: Value = serde_yaml::from_str(DEPLOYMENT).unwrap();
        for path in [
            &["kind"][..],
            &["metadata", "name"],
            &["metadata", "namespace"],
            &["spec", "selector"],
            &["spec", "template", "metadata", "labels"],
            &["spec", "template", "spec", "serviceAccountName"],
        ] {
            let pick = |v: &Value| path.iter().fold(v.clone(), |v, k| v[*k].clone());
            assert_eq!(pick(&value), pick(&full), "{path:?}");
            assert!(!pick(&value).is_null(), "{path:?}");
        }
        let container = &value["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            container["ports"],
            full["spec"]["template"]["spec"]["containers"][0]["ports"]
        );
        assert!(container["env"].is_null() && container["image"].is_null());
        assert!(value["spec"]["replicas"].is_null() && value["metadata"]["labels"].is_null());
    }

    #[test]
    fn without_a_kind_first_everything_is_kept() {
        let text = "metadata: {name: a, labels: {x: y}}\nspec: {a: [1, 2]}\nkind: Thing\n";
        let full: Value = serde_yaml::from_str(text).unwrap();
        assert_eq!(parse(text).unwrap(), full);
        for other in [
            "[1, 2]",
            "7",
            "",
            "~",
            "!tag {a: b}",
            "kind: Service\nspec:\n  selector: !t {a: [1, 2.5, true, ~, \"x\", {? [k] : v}]}\n  ports: [{name: a, targetPort: 1}]\n",
        ] {
            let full: Value = serde_yaml::from_str(other).unwrap();
            assert_eq!(parse(other).unwrap(), full, "{other:?}");
        }
    }

    #[test]
    fn refuses_what_serde_yaml_refuses_in_skipped_parts_too() {
        for bad in [
            "kind: ConfigMap\ndata:\n  a: b\n  a: c\n",
            "kind: ConfigMap\nkind: Secret\n",
            "kind: Service\nmetadata:\n  labels: {a: 1, a: 2}\n",
            "kind: Service\nspec:\n  selector: {? [1, 2] : a, ? [1, 2] : b}\n",
            "kind: Deployment\nspec:\n  template:\n    spec:\n      volumes: {a: 1, a: 2}\n",
            "kind: ConfigMap\ndata: {a: [\n",
            "kind: A\n---\nkind: B\n",
        ] {
            let theirs = serde_yaml::from_str::<Value>(bad).unwrap_err().to_string();
            assert_eq!(parse(bad).unwrap_err().to_string(), theirs, "{bad}");
        }
        let long: String = (0..40).map(|i| format!("  k{i}: v\n")).collect();
        let text = format!("kind: ConfigMap\ndata:\n{long}  k7: again\n");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("duplicate entry with key \"k7\""), "{err}");
    }
}
