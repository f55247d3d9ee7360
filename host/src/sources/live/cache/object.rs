//! What the cache keeps of an object: its JSON as the server sent it, without
//! `metadata.managedFields` — server-side apply's bookkeeping, often a quarter of an
//! object's bytes, which no built-in table reads — compressed with zstd and a dictionary
//! trained on the resource's first List page. Objects of one resource repeat the same keys
//! and many of the same values, so each compresses well on its own with that dictionary
//! (5–15× for pods, against 3× without), and reading one back takes a fraction of what a
//! table takes to convert it.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::value::RawValue;
use zstd::bulk::{Compressor, Decompressor};
use zstd::dict::DecoderDictionary;

use crate::members::Members;

/// zstd's default level: at the dictionary sizes here it compresses about as fast as level 1,
/// a little smaller.
const LEVEL: i32 = 3;

/// The largest dictionary trained: zstd's own default size.
const DICTIONARY_BYTES: usize = 64 << 10;

/// Bytes of objects a dictionary is trained on at most: a page of large objects would take
/// the training seconds, and a few hundred objects teach it what they share.
const TRAINING_BYTES: usize = 4 << 20;

/// Identities of kept objects: one per object version received, never reused in a process.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One object as kept.
pub(crate) struct Kept {
    packed: Box<[u8]>,
    /// Bytes of its JSON, to read it back in one allocation.
    json_len: usize,
    /// This version's identity, by which tables' rows of it are reused
    /// ([`RowMemo`](crate::sources::row_memo::RowMemo)).
    id: u64,
}

impl Kept {
    /// This version's identity: another version of the object, even with the same content,
    /// is another object.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.packed.len()
    }

    /// Bytes of its JSON once read back.
    pub(crate) fn json_len(&self) -> usize {
        self.json_len
    }
}

/// How one informer's objects are compressed: with a dictionary trained on its first List
/// page, or without one when that page was too small to train it.
pub(crate) struct Codec {
    compressor: Mutex<Compressor<'static>>,
    dictionary: Option<DecoderDictionary<'static>>,
    /// Bytes of the dictionary, held as long as the objects.
    pub(crate) bytes: usize,
}

impl Codec {
    /// A codec for objects like `samples` (the first page's items).
    pub(crate) fn train<'a>(samples: impl IntoIterator<Item = &'a str>) -> io::Result<Codec> {
        let mut total = 0;
        let samples: Vec<&[u8]> = samples
            .into_iter()
            .map(str::as_bytes)
            .take_while(|sample| {
                total += sample.len();
                total <= TRAINING_BYTES
            })
            .collect();
        // Training refuses a handful of small samples; such resources are small anyway.
        match zstd::dict::from_samples(&samples, DICTIONARY_BYTES) {
            Ok(dictionary) => Ok(Codec {
                compressor: Mutex::new(Compressor::with_dictionary(LEVEL, &dictionary)?),
                bytes: dictionary.len(),
                dictionary: Some(DecoderDictionary::copy(&dictionary)),
            }),
            Err(_) => Ok(Codec { compressor: Mutex::new(Compressor::new(LEVEL)?), dictionary: None, bytes: 0 }),
        }
    }

    /// `object` as kept: without `managedFields` when it has them (and as it is when it is not
    /// an object with an object `metadata`: the table reading it reports it), compressed.
    pub(crate) fn keep(&self, object: &str) -> io::Result<Arc<Kept>> {
        let rewritten = without_managed_fields(object);
        let json = rewritten.as_deref().unwrap_or(object);
        let packed = self.compressor.lock().unwrap_or_else(PoisonError::into_inner).compress(json.as_bytes())?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Ok(Arc::new(Kept { packed: packed.into_boxed_slice(), json_len: json.len(), id }))
    }

    /// A reader of kept objects, for one scan.
    pub(crate) fn reader(&self) -> io::Result<Reader<'_>> {
        let decompressor = match &self.dictionary {
            Some(dictionary) => Decompressor::with_prepared_dictionary(dictionary)?,
            None => Decompressor::new()?,
        };
        Ok(Reader(decompressor))
    }
}

/// Reads kept objects back.
pub(crate) struct Reader<'a>(Decompressor<'a>);

impl Reader<'_> {
    /// Appends the JSON of `kept` to `out`, decompressed in place: a page is written without
    /// a copy per object.
    pub(crate) fn append(&mut self, kept: &Kept, out: &mut Vec<u8>) -> io::Result<()> {
        let start = out.len();
        out.resize(start + kept.json_len, 0);
        let written = self.0.decompress_to_buffer(&kept.packed, &mut out[start..])?;
        out.truncate(start + written);
        if let Err(e) = std::str::from_utf8(&out[start..]) {
            out.truncate(start);
            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
        }
        Ok(())
    }
}

fn without_managed_fields(object: &str) -> Option<String> {
    let mut members: Members = serde_json::from_str(object).ok()?;
    let at = members.0.iter().position(|(key, _)| key == "metadata")?;
    let mut metadata: Members = serde_json::from_str(members.0[at].1.get()).ok()?;
    let before = metadata.0.len();
    metadata.0.retain(|(key, _)| key != "managedFields");
    if metadata.0.len() == before {
        return None;
    }
    let metadata = RawValue::from_string(metadata.to_json()).ok()?;
    members.0[at].1 = &metadata;
    Some(members.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(reader: &mut Reader, kept: &Kept) -> String {
        let mut out = b"[".to_vec();
        reader.append(kept, &mut out).expect("read back");
        assert_eq!(out[0], b'[', "appended after what was there");
        String::from_utf8(out[1..].to_vec()).expect("UTF-8")
    }

    fn round_trip(codec: &Codec, object: &str) -> String {
        read(&mut codec.reader().expect("reader"), &codec.keep(object).expect("kept"))
    }

    #[test]
    fn managed_fields_are_dropped_and_nothing_else() {
        let codec = Codec::train([]).expect("codec");
        let object = r#"{"kind":"Pod","metadata":{"name":"p","managedFields":[{"manager":"kubectl"}],"labels":{"a":"b"}},"spec":{"x":[1, 2]}}"#;
        assert_eq!(
            round_trip(&codec, object),
            r#"{"kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"x":[1, 2]}}"#
        );
        let plain = r#"{"metadata": {"name": "p"}}"#;
        assert_eq!(round_trip(&codec, plain), plain, "an object without managedFields is kept byte for byte");
        assert_eq!(round_trip(&codec, "[1]"), "[1]");
    }

    #[test]
    fn objects_of_one_resource_compress_well_with_the_trained_dictionary() {
        let object = |i: usize| {
            format!(
                r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"web-{i}","namespace":"shop","uid":"{i:08x}-aaaa-bbbb-cccc-{i:012x}","labels":{{"app":"web","pod-template-hash":"{:x}"}}}},"spec":{{"containers":[{{"name":"web","image":"registry.example.com/shop/web:1.{}","ports":[{{"containerPort":8080,"protocol":"TCP"}}],"resources":{{"requests":{{"cpu":"100m","memory":"128Mi"}}}}}}],"nodeName":"node-{}","restartPolicy":"Always"}},"status":{{"phase":"Running","podIP":"10.1.{}.{}"}}}}"#,
                i * 7919,
                i % 5,
                i % 40,
                i / 256,
                i % 256
            )
        };
        let objects: Vec<String> = (0..600).map(object).collect();
        let codec = Codec::train(objects[..500].iter().map(String::as_str)).expect("codec");
        assert!(codec.bytes > 0, "a dictionary is trained from a page of objects");
        let (mut json, mut kept) = (0, 0);
        let mut reader = codec.reader().expect("reader");
        for o in &objects[500..] {
            let k = codec.keep(o).expect("kept");
            assert_eq!(&read(&mut reader, &k), o);
            (json, kept) = (json + o.len(), kept + k.bytes());
        }
        assert!(json > 4 * kept, "{json} bytes of JSON kept in {kept}");
    }
}
