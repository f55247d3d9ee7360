//! Thrift's binary protocol, reading with bounds (kubequery patch 8, see PATCHES.md).
//!
//! thrift 0.17's `TBinaryInputProtocol` allocates whatever a length prefix says before it
//! reads: a negative length becomes a huge `usize` and panics the worker, a 2 GiB length
//! allocates 2 GiB, and a list of `i32::MAX` elements reserves that much capacity in the
//! generated code. This reader gives every message a byte budget and refuses any length or
//! element count that is negative or larger than what is left of it.

use std::io::Read;

use thrift::protocol::{
    TFieldIdentifier, TInputProtocol, TListIdentifier, TMapIdentifier, TMessageIdentifier, TMessageType,
    TSetIdentifier, TStructIdentifier, TType,
};
use thrift::{ProtocolError, ProtocolErrorKind};

/// The largest request the extension reads. osqueryd's requests are a table name and a
/// query context: kilobytes.
pub const MAX_REQUEST_BYTES: usize = 16 << 20;

/// A strict binary-protocol reader with a per-message byte budget.
pub struct BoundedBinaryInputProtocol<T: Read> {
    transport: T,
    budget: usize,
    remaining: usize,
}

impl<T: Read> BoundedBinaryInputProtocol<T> {
    pub fn new(transport: T, budget: usize) -> Self {
        BoundedBinaryInputProtocol { transport, budget, remaining: budget }
    }

    fn invalid(kind: ProtocolErrorKind, message: String) -> thrift::Error {
        thrift::Error::Protocol(ProtocolError { kind, message })
    }

    fn read_array<const N: usize>(&mut self) -> thrift::Result<[u8; N]> {
        if self.remaining < N {
            return Err(Self::invalid(ProtocolErrorKind::SizeLimit, "message exceeds its size limit".into()));
        }
        let mut buf = [0u8; N];
        self.transport.read_exact(&mut buf)?;
        self.remaining -= N;
        Ok(buf)
    }

    /// A length or element count from the wire, checked against what is left of the budget.
    fn size(&mut self, what: &str) -> thrift::Result<usize> {
        let size = self.read_i32()?;
        match usize::try_from(size) {
            Ok(size) if size <= self.remaining => Ok(size),
            Ok(size) => Err(Self::invalid(
                ProtocolErrorKind::SizeLimit,
                format!("{what} of {size} exceeds the request limit of {} bytes", self.budget),
            )),
            Err(_) => Err(Self::invalid(ProtocolErrorKind::NegativeSize, format!("negative {what}: {size}"))),
        }
    }

    fn field_type(byte: u8) -> thrift::Result<TType> {
        Ok(match byte {
            0 => TType::Stop,
            1 => TType::Void,
            2 => TType::Bool,
            3 => TType::I08,
            4 => TType::Double,
            6 => TType::I16,
            8 => TType::I32,
            10 => TType::I64,
            11 => TType::String,
            12 => TType::Struct,
            13 => TType::Map,
            14 => TType::Set,
            15 => TType::List,
            16 => TType::Utf8,
            17 => TType::Utf16,
            other => {
                return Err(Self::invalid(ProtocolErrorKind::InvalidData, format!("unknown field type {other}")));
            }
        })
    }
}

impl<T: Read> TInputProtocol for BoundedBinaryInputProtocol<T> {
    fn read_message_begin(&mut self) -> thrift::Result<TMessageIdentifier> {
        self.remaining = self.budget;
        let header = self.read_array::<4>()?;
        if header[0..2] != [0x80, 0x01] {
            return Err(Self::invalid(ProtocolErrorKind::BadVersion, format!("bad version {:?}", &header[0..2])));
        }
        let message_type = TMessageType::try_from(header[3])?;
        let name = self.read_string()?;
        let sequence_number = self.read_i32()?;
        Ok(TMessageIdentifier::new(name, message_type, sequence_number))
    }

    fn read_message_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_struct_begin(&mut self) -> thrift::Result<Option<TStructIdentifier>> {
        Ok(None)
    }

    fn read_struct_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_field_begin(&mut self) -> thrift::Result<TFieldIdentifier> {
        let field_type = Self::field_type(self.read_byte()?)?;
        let id = if field_type == TType::Stop { 0 } else { self.read_i16()? };
        Ok(TFieldIdentifier::new::<Option<String>, String, i16>(None, field_type, id))
    }

    fn read_field_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_bool(&mut self) -> thrift::Result<bool> {
        Ok(self.read_i8()? != 0)
    }

    fn read_bytes(&mut self) -> thrift::Result<Vec<u8>> {
        let size = self.size("string length")?;
        let mut buf = Vec::new();
        (&mut self.transport).take(size as u64).read_to_end(&mut buf)?;
        if buf.len() != size {
            return Err(thrift::Error::from(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)));
        }
        self.remaining -= size;
        Ok(buf)
    }

    fn read_i8(&mut self) -> thrift::Result<i8> {
        Ok(i8::from_be_bytes(self.read_array()?))
    }

    fn read_i16(&mut self) -> thrift::Result<i16> {
        Ok(i16::from_be_bytes(self.read_array()?))
    }

    fn read_i32(&mut self) -> thrift::Result<i32> {
        Ok(i32::from_be_bytes(self.read_array()?))
    }

    fn read_i64(&mut self) -> thrift::Result<i64> {
        Ok(i64::from_be_bytes(self.read_array()?))
    }

    fn read_double(&mut self) -> thrift::Result<f64> {
        Ok(f64::from_be_bytes(self.read_array()?))
    }

    fn read_string(&mut self) -> thrift::Result<String> {
        String::from_utf8(self.read_bytes()?).map_err(From::from)
    }

    fn read_list_begin(&mut self) -> thrift::Result<TListIdentifier> {
        let element_type = Self::field_type(self.read_byte()?)?;
        let size = self.size("list size")?;
        Ok(TListIdentifier::new(element_type, size as i32))
    }

    fn read_list_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_set_begin(&mut self) -> thrift::Result<TSetIdentifier> {
        let element_type = Self::field_type(self.read_byte()?)?;
        let size = self.size("set size")?;
        Ok(TSetIdentifier::new(element_type, size as i32))
    }

    fn read_set_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_map_begin(&mut self) -> thrift::Result<TMapIdentifier> {
        let key_type = Self::field_type(self.read_byte()?)?;
        let value_type = Self::field_type(self.read_byte()?)?;
        let size = self.size("map size")?;
        Ok(TMapIdentifier::new(key_type, value_type, size as i32))
    }

    fn read_map_end(&mut self) -> thrift::Result<()> {
        Ok(())
    }

    fn read_byte(&mut self) -> thrift::Result<u8> {
        Ok(self.read_array::<1>()?[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(name_length: i32) -> Vec<u8> {
        let mut bytes = vec![0x80, 0x01, 0x00, 0x01];
        bytes.extend_from_slice(&name_length.to_be_bytes());
        bytes
    }

    #[test]
    fn negative_and_huge_lengths_are_errors_not_allocations() {
        for length in [-1, i32::MIN, i32::MAX, (MAX_REQUEST_BYTES + 1) as i32] {
            let bytes = message(length);
            let mut protocol = BoundedBinaryInputProtocol::new(&bytes[..], MAX_REQUEST_BYTES);
            assert!(protocol.read_message_begin().is_err(), "length {length}");
        }
        let mut ok = message(4);
        ok.extend_from_slice(b"ping\0\0\0\x07");
        let mut protocol = BoundedBinaryInputProtocol::new(&ok[..], MAX_REQUEST_BYTES);
        let id = protocol.read_message_begin().expect("a valid header");
        assert_eq!((id.name.as_str(), id.sequence_number), ("ping", 7));
    }

    #[test]
    fn collection_sizes_are_bounded_by_the_bytes_left() {
        let bytes = [15u8, 0x7f, 0xff, 0xff, 0xff];
        let mut protocol = BoundedBinaryInputProtocol::new(&bytes[..], 64);
        assert!(protocol.read_list_begin().is_err());
        let bytes = [13u8, 11, 0xff, 0xff, 0xff, 0xff];
        let mut protocol = BoundedBinaryInputProtocol::new(&bytes[..], 64);
        assert!(protocol.read_map_begin().is_err());
    }
}
