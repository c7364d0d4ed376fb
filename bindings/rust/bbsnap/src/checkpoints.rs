//! Checkpoint directories (bbsnap.h, checkpoints.h): numbered generations
//! of one runtime's state in a directory, the newest of which that opens is
//! what a cold start restores.
//!
//! Generation N is the snapshot file `<dir>/<N in 20 digits>.bbsnap`. The
//! directory's one [`CheckpointWriter`] (an flock on
//! `<dir>/bbsnap-checkpoints.lock`, in any process) commits 1 + the highest
//! number present, completely and durably, and only then removes the
//! generations older than the newest `keep` intact ones. [`restore_newest`]
//! and [`list_generations`] take no lock: a reader sees a generation
//! complete or not at all. The library holds the rules; this module hands
//! them over to Rust.

use std::os::raw::c_char;
use std::path::{Path, PathBuf};
use std::ptr;

use bbsnap_sys as sys;

use crate::error::{check, Error};
use crate::ffi::{c_path, path_from, Owned};
use crate::options::{CheckpointOptions, OpenOptions};
use crate::snapshot::Snapshot;
use crate::transient::TransientSnapshot;
use crate::writer::Writer;

/// One generation's file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Generation {
    pub number: u64,
    /// `<dir>/<number in 20 digits>.bbsnap`
    pub path: PathBuf,
    /// In bytes.
    pub size: u64,
    /// The file's mtime, in nanoseconds since the Unix epoch: when it was committed.
    pub modified_unix_ns: i64,
}

/// A generation newer than the one restored that did not open, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedGeneration {
    pub generation: Generation,
    /// What opening it returned.
    pub reason: Error,
}

/// What restore_newest found: the newest generation that opens, open.
#[derive(Debug)]
pub struct Restored {
    pub generation: Generation,
    /// A snapshot like any other.
    pub snapshot: Snapshot<'static>,
    /// The newer generations that did not open, newest first.
    pub skipped: Vec<SkippedGeneration>,
}

/// What a retention did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PruneReport {
    /// Oldest first.
    pub removed: Vec<Generation>,
    /// Older than the kept ones, but not removed: files under a
    /// generation's name that do not begin with a snapshot file's magic (or
    /// cannot be read), which bbsnap did not write. Oldest first.
    pub not_ours: Vec<Generation>,
    /// The intact generations counted among those kept (at most keep).
    pub intact_kept: u32,
}

/// What a commit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitReport {
    pub committed: Generation,
    pub pruned: PruneReport,
    /// A removal that failed: the generation is committed all the same, and
    /// the next commit's retention retries.
    pub prune_error: Option<Error>,
}

/// The one writer of a checkpoint directory: it holds the directory's lock
/// until dropped.
pub struct CheckpointWriter {
    raw: Owned<sys::bbsnap_checkpoint_writer>,
}

// SAFETY: a checkpoint writer is driven by one thread at a time (bbsnap.h);
// &mut self on every call ensures that, wherever it moves.
unsafe impl Send for CheckpointWriter {}

impl std::fmt::Debug for CheckpointWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointWriter").finish_non_exhaustive()
    }
}

impl CheckpointWriter {
    /// Creates nothing but the lock file (if absent) and takes its lock.
    /// Errors: Io (no such directory, no permission, or another writer, in
    /// any process, holds the lock), InvalidArgument (keep 0).
    pub fn open(dir: impl AsRef<Path>, options: CheckpointOptions) -> Result<CheckpointWriter, Error> {
        let dir = c_path(dir.as_ref())?;
        let raw_options = options.to_raw()?;
        // SAFETY: `dir` is NUL-terminated, the options live, the out-parameter is valid.
        let raw = Owned::made(
            |out, e| unsafe { sys::bbsnap_checkpoint_writer_open(dir.as_ptr(), raw_options.as_ptr(), out, e) },
            sys::bbsnap_checkpoint_writer_free,
        )?;
        Ok(CheckpointWriter { raw })
    }

    /// Writes `state` as the next generation (the same bytes as
    /// write_snapshot), then applies retention. Errors: those of
    /// write_snapshot (the generation is then not committed), Io (the
    /// directory cannot be listed), LimitExceeded (generation 2^64 - 1 exists).
    pub fn commit(&mut self, state: &TransientSnapshot) -> Result<CommitReport, Error> {
        let raw = self.raw.as_ptr();
        // SAFETY (both calls): the checkpoint writer lives, the out-parameters are valid.
        // Dropped on an error before the commit, the generation is abandoned.
        let mut generation = Writer::made(|out, e| unsafe { sys::bbsnap_checkpoint_writer_begin(raw, out, e) })?;
        generation.add_state(state)?;
        let raw_generation = generation.as_raw();
        let commit = Owned::made(
            |out, e| unsafe { sys::bbsnap_checkpoint_writer_commit(raw, raw_generation, out, e) },
            sys::bbsnap_checkpoint_commit_free,
        )?;
        commit_report(commit.as_ptr())
    }

    /// Retention now, keeping `keep` intact generations (at least 1, else
    /// InvalidArgument). Errors: Io (listing, or the first removal that
    /// failed: those before it are done).
    pub fn prune(&mut self, keep: u32) -> Result<PruneReport, Error> {
        let raw = self.raw.as_ptr();
        let (mut removed, mut not_ours, mut intact_kept) = (ptr::null_mut(), ptr::null_mut(), 0);
        // SAFETY: the checkpoint writer lives, the out-parameters are valid.
        check(|e| unsafe {
            sys::bbsnap_checkpoint_writer_prune_v2(raw, keep, &mut removed, &mut not_ours, &mut intact_kept, e)
        })?;
        // SAFETY: bbsnap.h: on success both are new lists, the caller's.
        let (removed, not_ours) = unsafe {
            (Owned::take(removed, sys::bbsnap_generations_free), Owned::take(not_ours, sys::bbsnap_generations_free))
        };
        let (removed, not_ours) = (
            removed.expect("bbsnap.h: a successful prune sets its list of generations removed"),
            not_ours.expect("bbsnap.h: a successful prune sets its list of generations not ours"),
        );
        Ok(PruneReport {
            removed: generations_of(removed.as_ptr())?,
            not_ours: generations_of(not_ours.as_ptr())?,
            intact_kept,
        })
    }

    /// Commit and prune remove a generation's name at once; the kernel
    /// frees the file (its pages and blocks: tens of milliseconds for a
    /// large one) when its last descriptor closes, which a background
    /// thread of the writer does, so that a commit does not wait for it.
    /// Returns once every file removed so far is freed; dropping the writer
    /// waits too. Errors: Internal only, should the library's lock or
    /// condition variable fail (the misuse the C call refuses, a NULL
    /// writer, cannot happen here).
    pub fn wait_for_removals(&mut self) -> Result<(), Error> {
        let raw = self.raw.as_ptr();
        // SAFETY: the checkpoint writer lives.
        check(|e| unsafe { sys::bbsnap_checkpoint_writer_wait_for_removals(raw, e) })
    }
}

/// The generations of `dir`, newest first: regular files with a
/// generation's name (symbolic links and every other name are foreign).
/// Errors: Io (the directory cannot be listed).
pub fn list_generations(dir: impl AsRef<Path>) -> Result<Vec<Generation>, Error> {
    let dir = c_path(dir.as_ref())?;
    // SAFETY: `dir` is NUL-terminated, the out-parameter is valid.
    let listed = Owned::made(
        |out, e| unsafe { sys::bbsnap_checkpoints_list(dir.as_ptr(), out, e) },
        sys::bbsnap_generations_free,
    )?;
    generations_of(listed.as_ptr())
}

/// Opens the newest generation of `dir` that Snapshot::open accepts with
/// `options`; None when the directory holds no generation (a first start).
/// Errors: Io (the directory cannot be listed); when generations exist and
/// none opens, the newest one's error, its message naming that generation
/// and how many were tried.
pub fn restore_newest(dir: impl AsRef<Path>, options: OpenOptions) -> Result<Option<Restored>, Error> {
    let dir = c_path(dir.as_ref())?;
    let raw_options = options.to_raw()?;
    let (mut snapshot, mut tried) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: `dir` is NUL-terminated, the options live, the out-parameters are valid.
    check(|e| unsafe {
        sys::bbsnap_checkpoints_restore_newest(dir.as_ptr(), raw_options.as_ptr(), &mut snapshot, &mut tried, e)
    })?;
    // SAFETY: bbsnap.h: on success both are the caller's: a snapshot of a
    // file the library mapped (or NULL), and a list.
    let (snapshot, tried) =
        unsafe { (Snapshot::take(snapshot), Owned::take(tried, sys::bbsnap_generations_free)) };
    let tried = tried.expect("bbsnap.h: a successful restore sets its list of generations tried");
    let snapshot = match snapshot {
        Some(snapshot) => snapshot,
        None => return Ok(None),
    };
    let mut skipped = Vec::new();
    let mut restored = None;
    for (generation, reason) in tried_generations(tried.as_ptr())? {
        match reason {
            Some(reason) => skipped.push(SkippedGeneration { generation, reason }),
            None => restored = Some(generation),
        }
    }
    let generation = restored.expect("bbsnap.h: the generation restored is among those tried, without a reason");
    Ok(Some(Restored { generation, snapshot, skipped }))
}

/// A generation as bbsnap.h hands one out: `get` fills in its fields.
fn generation_from(
    get: impl FnOnce(&mut u64, &mut *const c_char, &mut usize, &mut u64, &mut i64, *mut *mut sys::bbsnap_error) -> sys::bbsnap_status,
) -> Result<Generation, Error> {
    let (mut number, mut path, mut path_length, mut size, mut modified_unix_ns) = (0, ptr::null(), 0, 0, 0);
    check(|e| get(&mut number, &mut path, &mut path_length, &mut size, &mut modified_unix_ns, e))?;
    // SAFETY: bbsnap.h: a string output, never NULL, live as long as its list or report.
    let path = unsafe { path_from(path, path_length) };
    Ok(Generation { number, path, size, modified_unix_ns })
}

/// Every generation of a list, each with its skip reason.
fn tried_generations(list: *const sys::bbsnap_generations) -> Result<Vec<(Generation, Option<Error>)>, Error> {
    let mut count = 0;
    // SAFETY (every call): `list` is a live list, the out-parameters are valid.
    check(|e| unsafe { sys::bbsnap_generations_count(list, &mut count, e) })?;
    (0..count)
        .map(|i| {
            let generation = generation_from(|number, path, path_length, size, modified, e| unsafe {
                sys::bbsnap_generations_get(list, i, number, path, path_length, size, modified, e)
            })?;
            let mut reason = ptr::null();
            check(|e| unsafe { sys::bbsnap_generations_skip_reason(list, i, &mut reason, e) })?;
            // SAFETY: a reason is NULL or an error object the list owns.
            let reason = (!reason.is_null()).then(|| unsafe { Error::copied_from(reason) });
            Ok((generation, reason))
        })
        .collect()
}

/// Every generation of a list that has no skip reasons.
fn generations_of(list: *const sys::bbsnap_generations) -> Result<Vec<Generation>, Error> {
    Ok(tried_generations(list)?.into_iter().map(|(generation, _)| generation).collect())
}

fn commit_report(commit: *const sys::bbsnap_checkpoint_commit) -> Result<CommitReport, Error> {
    // SAFETY (both calls): `commit` is a live report, the out-parameters are valid.
    let committed = generation_from(|number, path, path_length, size, modified, e| unsafe {
        sys::bbsnap_checkpoint_commit_generation(commit, number, path, path_length, size, modified, e)
    })?;
    let (mut removed, mut intact_kept, mut prune_error) = (ptr::null(), 0, ptr::null());
    check(|e| unsafe {
        sys::bbsnap_checkpoint_commit_retention(commit, &mut removed, &mut intact_kept, &mut prune_error, e)
    })?;
    let removed = generations_of(removed)?;
    // SAFETY: NULL or an error object the report owns.
    let prune_error = (!prune_error.is_null()).then(|| unsafe { Error::copied_from(prune_error) });
    let mut not_ours = ptr::null();
    // SAFETY: `commit` is a live report, the out-parameter is valid.
    check(|e| unsafe { sys::bbsnap_checkpoint_commit_not_ours(commit, &mut not_ours, e) })?;
    let not_ours = generations_of(not_ours)?;
    Ok(CommitReport { committed, pruned: PruneReport { removed, not_ours, intact_kept }, prune_error })
}
