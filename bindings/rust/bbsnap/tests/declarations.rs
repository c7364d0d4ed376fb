//! The crate's TransientSnapshot is the runtime's own: src/transient.rs is
//! ../shared/seed/transient.rs (beside the repository) verbatim, so that
//! the runtime's code compiles against the crate unchanged.

mod support;

#[test]
fn transient_rs_is_the_runtimes_declarations_verbatim() {
    let seed = support::repo_root().join("../shared/seed/transient.rs");
    let seed = match std::fs::read_to_string(&seed) {
        Ok(text) => text,
        Err(_) => {
            eprintln!("skipped: {} does not exist (a checkout on its own)", seed.display());
            return;
        }
    };
    let ours = include_str!("../src/transient.rs");
    assert!(
        ours == seed,
        "bindings/rust/bbsnap/src/transient.rs differs from ../shared/seed/transient.rs: copy the runtime's file over it"
    );
}
