//! The members of a JSON object without parsing their values, duplicates included: what the
//! watch cache rewrites (an object without `metadata.managedFields`) without building a
//! tree. [`Key`] also reads the member names the Secret guard checks.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// Every member of a JSON object, in order and duplicates included, with values left
/// unparsed (borrowed from the text, as their raw JSON).
pub(crate) struct Members<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<Members<'a>>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    members.push((key.0, map.next_value()?));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// An object's key, borrowed from the page unless it has escapes.
pub(crate) struct Key<'a>(pub(crate) Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(key)))
            }
            fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(key.to_string())))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl Members<'_> {
    /// The object's JSON text, members in order.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (key, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key).unwrap_or_default());
            out.push(':');
            out.push_str(value.get());
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_order_duplicates_and_raw_values() {
        let text = r#"{"b": [1, 2], "a\"q": {"x":1}, "b": "two"}"#;
        let members: Members = serde_json::from_str(text).expect("an object");
        let b: Vec<&str> = members.0.iter().filter(|(key, _)| key == "b").map(|(_, value)| value.get()).collect();
        assert_eq!(b, ["[1, 2]", "\"two\""]);
        assert_eq!(members.to_json(), r#"{"b":[1, 2],"a\"q":{"x":1},"b":"two"}"#);
        assert!(serde_json::from_str::<Members>("[1]").is_err());
    }
}
