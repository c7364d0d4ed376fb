//! How to open, how to write and how to keep checkpoints: plain values,
//! turned into the C ABI's option objects for the one call that needs them.

use bbsnap_sys as sys;

use crate::error::{check, Error};
use crate::ffi::Owned;

/// What is checked, and when (bbsnap.h bbsnap_verification).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Verification {
    /// Everything, before open returns; afterwards lookups fail only for misuse.
    #[default]
    Full,
    /// Each section on its first access, a value's hash on every access: a
    /// damaged section fails its own lookups while the others stay readable.
    Lazy,
    /// Nothing: only for a file this process just wrote or verified (a damaged
    /// file is undefined behaviour, as in C).
    Trusted,
}

/// Which spec_version (FrameworkSnapshot.spec_version) open accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecVersion {
    /// Refuse a file stamped with another one (SpecVersionMismatch), as a
    /// runtime restoring its state must.
    Expect(u32),
    /// Any: for tools that inspect files (Snapshot::spec_version says which).
    Any,
}

impl Default for SpecVersion {
    fn default() -> Self {
        SpecVersion::Expect(crate::CURRENT_SNAPSHOT_SPEC_VERSION)
    }
}

/// Options of Snapshot::open and Snapshot::from_bytes (bbsnap.h
/// bbsnap_open_options); the default is full verification on one thread,
/// expecting CURRENT_SNAPSHOT_SPEC_VERSION, no prefault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpenOptions {
    pub verification: Verification,
    /// Threads for full verification (0 counts as 1; at most one per 8 MiB of
    /// file); ignored by lazy and trusted.
    pub threads: u32,
    pub spec_version: SpecVersion,
    /// Read the whole file into the page cache while mapping it (MAP_POPULATE).
    pub prefault: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { verification: Verification::Full, threads: 1, spec_version: SpecVersion::default(), prefault: false }
    }
}

impl OpenOptions {
    /// The defaults with this verification.
    pub fn with_verification(verification: Verification) -> OpenOptions {
        OpenOptions { verification, ..OpenOptions::default() }
    }
}

/// Options of write_snapshot and Writer::create (bbsnap.h
/// bbsnap_write_options); the default is durable, the mode rule of
/// writer.h, 1024 slots per chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WriteOptions {
    /// false: no fsync of the file and its directory, for scratch files only.
    pub durable: bool,
    /// The new file's permission bits, exactly (at most 0o777); None: those of
    /// the file replaced, else 0o666 less the umask.
    pub file_mode: Option<u32>,
    /// Slots per slot_chunk section: part of what "equal states, equal bytes" assumes.
    pub slots_per_chunk: u32,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { durable: true, file_mode: None, slots_per_chunk: 1024 }
    }
}

/// How a checkpoint writer's retention decides that a generation is intact
/// (bbsnap.h bbsnap_retention).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Retention {
    /// Its header and section table verify: two small reads per generation.
    #[default]
    Table,
    /// Every byte verifies: a read of each kept generation.
    Full,
}

/// Options of CheckpointWriter::open (bbsnap.h bbsnap_checkpoint_options);
/// the default keeps 3 intact generations, Retention::Table, each written
/// with the default WriteOptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CheckpointOptions {
    /// Intact generations retention keeps: at least 1 (0: InvalidArgument from open).
    pub keep: u32,
    pub retention: Retention,
    /// How each generation is written.
    pub write: WriteOptions,
}

impl Default for CheckpointOptions {
    fn default() -> Self {
        CheckpointOptions { keep: 3, retention: Retention::default(), write: WriteOptions::default() }
    }
}

impl OpenOptions {
    pub(crate) fn to_raw(&self) -> Result<Owned<sys::bbsnap_open_options>, Error> {
        // SAFETY: the out-parameter is valid.
        let o = Owned::made(|out, e| unsafe { sys::bbsnap_open_options_new(out, e) }, sys::bbsnap_open_options_free)?;
        let p = o.as_ptr();
        let verification = match self.verification {
            Verification::Full => sys::BBSNAP_VERIFY_FULL,
            Verification::Lazy => sys::BBSNAP_VERIFY_LAZY,
            Verification::Trusted => sys::BBSNAP_VERIFY_TRUSTED,
        };
        // SAFETY: `p` is a live options object owned by `o`.
        unsafe {
            check(|e| sys::bbsnap_open_options_set_verification(p, verification, e))?;
            check(|e| sys::bbsnap_open_options_set_threads(p, self.threads, e))?;
            match self.spec_version {
                SpecVersion::Expect(v) => check(|e| sys::bbsnap_open_options_expect_spec_version(p, v, e))?,
                SpecVersion::Any => check(|e| sys::bbsnap_open_options_accept_any_spec_version(p, e))?,
            }
            check(|e| sys::bbsnap_open_options_set_prefault(p, self.prefault, e))?;
        }
        Ok(o)
    }
}

impl WriteOptions {
    pub(crate) fn to_raw(&self) -> Result<Owned<sys::bbsnap_write_options>, Error> {
        // SAFETY: the out-parameter is valid.
        let o = Owned::made(|out, e| unsafe { sys::bbsnap_write_options_new(out, e) }, sys::bbsnap_write_options_free)?;
        let p = o.as_ptr();
        // SAFETY: `p` is a live options object owned by `o`.
        unsafe {
            check(|e| sys::bbsnap_write_options_set_durable(p, self.durable, e))?;
            if let Some(mode) = self.file_mode {
                check(|e| sys::bbsnap_write_options_set_file_mode(p, mode, e))?;
            }
            check(|e| sys::bbsnap_write_options_set_slots_per_chunk(p, self.slots_per_chunk, e))?;
        }
        Ok(o)
    }
}

impl CheckpointOptions {
    pub(crate) fn to_raw(&self) -> Result<Owned<sys::bbsnap_checkpoint_options>, Error> {
        // SAFETY: the out-parameter is valid.
        let o = Owned::made(
            |out, e| unsafe { sys::bbsnap_checkpoint_options_new(out, e) },
            sys::bbsnap_checkpoint_options_free,
        )?;
        let p = o.as_ptr();
        let write = self.write.to_raw()?;
        let retention = match self.retention {
            Retention::Table => sys::BBSNAP_RETENTION_TABLE,
            Retention::Full => sys::BBSNAP_RETENTION_FULL,
        };
        // SAFETY: `p` and `write` are live options objects owned here; the
        // write options are copied.
        unsafe {
            check(|e| sys::bbsnap_checkpoint_options_set_keep(p, self.keep, e))?;
            check(|e| sys::bbsnap_checkpoint_options_set_retention(p, retention, e))?;
            check(|e| sys::bbsnap_checkpoint_options_set_write_options(p, write.as_ptr(), e))?;
        }
        Ok(o)
    }
}
