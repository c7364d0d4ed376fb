//! bbsnap from Rust: a runtime's `TransientSnapshot` written as a
//! zero-copy, checksummed snapshot file and read back in place, over
//! bbsnap's C ABI (`bbsnap-sys`, bbsnap.h).
//!
//! - [`Snapshot::open`] maps a file and verifies it ([`Verification`]:
//!   full, lazy or trusted); [`Snapshot::slot`] and the other lookups hand
//!   out `&[u8]`, `&str` and `&[u64]` borrowed from the mapping, so the
//!   borrow checker keeps them from outliving the Snapshot;
//!   [`Snapshot::slots`] and the list accessors walk everything in place;
//!   [`Snapshot::to_transient`] builds the owned [`TransientSnapshot`].
//! - [`write_snapshot`] writes a whole `TransientSnapshot` atomically;
//!   [`Writer`] streams one field at a time.
//! - [`checkpoints`]: a directory of numbered generations, committed by
//!   its one [`checkpoints::CheckpointWriter`] with retention, restored
//!   newest first past damaged ones by [`checkpoints::restore_newest`].
//! - Errors are [`Error`] values carrying the code, section and byte offset.
//!
//! The types of `transient` are the runtime's own declarations, verbatim, so
//! that its code compiles against this crate unchanged.
//!
//! The example of the repository's README:
#![doc = include_str!("../README-example.md")]
//!
//! A value borrows its snapshot: this compiles...
//!
//! ```no_run
//! use bbsnap::{OpenOptions, Slot, Snapshot};
//! fn first_value(path: &str) -> Option<Vec<u8>> {
//!     let snapshot = Snapshot::open(path, OpenOptions::default()).ok()?;
//!     let slot = snapshot.slot(7, 1).ok()?;
//!     let value = match slot {
//!         Slot::Value(bytes) => Some(bytes.to_vec()),
//!         _ => None,
//!     };
//!     drop(snapshot);
//!     value
//! }
//! ```
//!
//! ...and the same with the snapshot dropped before the value's last use
//! does not (stable rustdoc does not check the error code, E0505, hence
//! the twin above that differs by that one move):
//!
//! ```compile_fail,E0505
//! use bbsnap::{OpenOptions, Slot, Snapshot};
//! fn first_value(path: &str) -> Option<Vec<u8>> {
//!     let snapshot = Snapshot::open(path, OpenOptions::default()).ok()?;
//!     let slot = snapshot.slot(7, 1).ok()?;
//!     drop(snapshot); // unmaps the file...
//!     match slot {
//!         Slot::Value(bytes) => Some(bytes.to_vec()), // ...so this must not compile
//!         _ => None,
//!     }
//! }
//! ```

mod aligned;
pub mod checkpoints;
mod collections;
mod error;
mod ffi;
mod options;
mod snapshot;
mod to_transient;
pub mod transient;
mod view;
mod writer;

pub use aligned::{AlignedBytes, FILE_ALIGNMENT};
pub use bbsnap_sys as sys;
pub use error::{Error, ErrorCode};
pub use options::{CheckpointOptions, OpenOptions, Retention, SpecVersion, Verification, WriteOptions};
pub use snapshot::{section_kind_name, Slots, Snapshot};
pub use transient::*;
pub use view::{
    AddressBookEntry, Backoff, Entries, IngressEvent, PendingAsync, PendingCompletion, PendingOutbound, SectionEntry,
    Slot, SlotEntry,
};
pub use writer::{write_snapshot, Writer};

// What reader.h and writer.h allow, checked at compile time: a Snapshot is
// read from any number of threads, a Writer moves between threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    const fn send<T: Send>() {}
    send_sync::<Snapshot<'static>>();
    send_sync::<Error>();
    send::<Writer>();
    send::<checkpoints::CheckpointWriter>();
    send_sync::<checkpoints::Restored>();
};
