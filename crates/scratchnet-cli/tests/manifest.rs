//! Checks on this crate's Cargo.toml that no other test can see.

/// The binary is called `scratchnet`, like the library crate; if rustdoc documents both, the
/// binary's page (`fn.main`, `ALLOCATOR`) overwrites the library's and `cargo doc --open` lands
/// on it. The `[[bin]]` must say `doc = false`.
#[test]
fn binary_is_left_out_of_the_docs_so_cargo_doc_opens_the_library() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml is readable");
    let bin = manifest
        .split("\n[")
        .find(|section| section.starts_with("[bin]]"))
        .expect("a [[bin]] section");
    assert!(bin.contains("name = \"scratchnet\""), "{bin}");
    assert!(
        bin.lines()
            .any(|l| l.trim().replace(' ', "") == "doc=false"),
        "the [[bin]] section lacks `doc = false`:\n{bin}"
    );
}
