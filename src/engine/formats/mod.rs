//! Decoders for the files uv writes into its cache: the HTTP cache container, the archived
//! HTTP cache policy and the MessagePack pointer and metadata records.

pub mod container;
pub mod pointers;
pub mod policy;

#[cfg(test)]
mod sample_tests;

pub use container::{ContainerFormat, HttpContainer, split_container};
pub use pointers::{
    ArchivePointer, CacheInfo, DirStamp, HashDigest, InterpreterInfo, LocalRevisionPointer,
    PathArchivePointer, ResolutionMetadata, Revision, Timestamp, decode_archive_pointer,
    decode_interpreter, decode_local_revision_pointer, decode_metadata,
    decode_path_archive_pointer, decode_revision, read_http_file,
};
pub use policy::{CacheControl, CachePolicy, ETag, Method, decode_policy};
