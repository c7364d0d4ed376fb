//! The README's "From Rust" example is the crate's doc test
//! (README-example.md, included by lib.rs), word for word.

mod support;

#[test]
fn the_readme_shows_the_example_that_is_doc_tested() {
    let readme = std::fs::read_to_string(support::repo_root().join("README.md")).unwrap();
    let example = include_str!("../README-example.md");
    assert!(readme.contains(example), "README.md's From Rust example differs from bindings/rust/bbsnap/README-example.md");
}
